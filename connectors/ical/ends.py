"""When a calendar object's occurrences are over, so that it need not be read again.

A caller that expands objects over a sliding window must re-read every
recurring object when the window moves, unless it knows the series has ended:
most recurring objects in a long-lived calendar are finished series (COUNT or
UNTIL, RFC 5545 §3.3.10). ``quiet_from`` asks recurring-ical-events for the
occurrences after an instant and returns one from which there are none.

Only objects whose every RRULE is bounded are walked (an unbounded rule never
ends, and walking it is wasted work); time zones icalendar cannot resolve are
read as UTC here, hours off at most, so the answer keeps a margin of a day.
Any doubt (unreadable data, a library error, too many occurrences) answers None.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import recurring_ical_events
from icalendar import Calendar

from connectors.ical.lexer import decode, lex
from connectors.ical.lines import parse_event

MARGIN = timedelta(days=1)  # more than any UTC offset
MAX_WALK = 1000  # occurrences after the instant; beyond that, treat as unbounded
_RRULE = re.compile(r"^RRULE[;:](.*)$", re.IGNORECASE | re.MULTILINE)
_BOUND = re.compile(r"(?:^|[;:])(?:COUNT|UNTIL)=", re.IGNORECASE)


def quiet_from(raw: bytes, moment: datetime) -> datetime | None:
    """An instant at or after ``moment`` from which no occurrence starts, or None.

    ``moment`` must be timezone-aware. The answer carries a margin of ``MARGIN``
    for zones read as UTC, so that callers can compare it as it is.
    """
    try:
        lexed = lex(decode(raw))
        if not lexed.events or lexed.truncated:
            return None
        calendar = Calendar()
        for block in lexed.events:
            if any(not _BOUND.search(rule) for rule in _RRULE.findall(block.text)):
                return None
            calendar.add_component(parse_event(block.text))
        quiet = moment
        upcoming = recurring_ical_events.of(calendar).after(moment - MARGIN)
        for walked, occurrence in enumerate(upcoming):
            if walked >= MAX_WALK:
                return None
            quiet = max(quiet, _utc(occurrence["DTSTART"].dt) + MARGIN)
        return quiet
    except Exception:  # noqa: BLE001 - untrusted data: no answer rather than a wrong one
        return None


def _utc(value: date) -> datetime:
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
