"""Refuse recurrence rules too costly to expand (RFC 5545 §3.3.10).

dateutil walks an RRULE period by period from DTSTART up to the end of the
query window, building a list, so ``FREQ=SECONDLY`` from 1970 (or an hourly
rule from 1900) would stall the daemon on one hostile file. We estimate the
walk before expanding: periods between DTSTART and min(UNTIL, window end),
times the BYxxx fan-out, and send a series above the limit to quarantine.
Meetings recur daily, weekly, monthly or yearly; SECONDLY/MINUTELY never.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from connectors.ical.zones import ZoneResolver

MAX_RULE_STEPS = 100_000
MAX_OCCURRENCES = 10_000  # per series inside the sync window

_PERIOD_SECONDS = {
    "HOURLY": 3_600,
    "DAILY": 86_400,
    "WEEKLY": 604_800,
    "MONTHLY": 2_629_746,
    "YEARLY": 31_556_952,
}
_FAN_PARTS = (
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
)


def as_list(value: Any) -> list[Any]:
    """icalendar returns one property or a list of them; always a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _first(values: Any) -> Any:
    items = as_list(values)
    return items[0] if items else None


def rule_problem(
    rrules: Iterable[Any], start: date, until_limit: datetime, zones: ZoneResolver
) -> str | None:
    """Why these RRULEs must not be expanded up to ``until_limit``, or None."""
    first = zones.to_utc(start)
    for rule in rrules:
        freq = str(_first(rule.get("FREQ")) or "").upper()
        if freq in ("SECONDLY", "MINUTELY"):
            return f"unsupported RRULE FREQ={freq} for a meeting"
        period = _PERIOD_SECONDS.get(freq)
        if period is None:
            return f"RRULE without a valid FREQ: {freq or 'missing'}"
        interval = max(int(_first(rule.get("INTERVAL")) or 1), 1)
        end = until_limit
        until = _first(rule.get("UNTIL"))
        if isinstance(until, date):
            end = min(end, zones.to_utc(until))
        periods = max((end - first).total_seconds(), 0) / period / interval + 1
        fan = 1
        for part in _FAN_PARTS:
            fan *= max(len(as_list(rule.get(part))), 1)
        if rule.get("BYDAY") and freq in ("MONTHLY", "YEARLY"):
            fan *= 5 if freq == "MONTHLY" or rule.get("BYMONTH") else 53
        if periods * fan > MAX_RULE_STEPS:
            return f"RRULE too costly to expand (~{int(periods * fan)} steps)"
    return None
