"""iCalendar bytes to one MeetingItem per occurrence in the sync window.

Pipeline: cut the stream into VEVENT blocks (``lexer``), parse the properties
we read of each block with icalendar (``lines``), group the blocks by UID (a
master with RRULE/RDATE plus its overrides carrying RECURRENCE-ID, RFC 5545
§3.8.4.4, §3.8.5), expand each group on its own with recurring-ical-events
(RRULE, RDATE, EXDATE, overrides, RANGE=THISANDFUTURE) and turn every
occurrence into an item keyed by UID + original start (``keys``). Anything
unreadable is quarantined at the smallest scope that contains it: a UID group
(one bad override would otherwise leave its occurrence at the master's time),
a block without UID, or the file.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from icalendar import Component
from icalendar.timezone import tzp

from connectors.base import MeetingItem, Quarantined, SourceRef, Visibility
from connectors.ical import fields
from connectors.ical.expand import PAD, TIME_PROPS, Group, Window, expand
from connectors.ical.lexer import RawEvent, decode, lex, unescape, unfold
from connectors.ical.lines import parse_event
from connectors.ical.zones import ZoneResolver, load_zone

Entry = MeetingItem | Quarantined

_TZID = re.compile(r"TZID[;:]", re.IGNORECASE)
_FATAL = frozenset({*TIME_PROPS, "DURATION", "RRULE", "UID"})
_DATED = re.compile(r"^(DTSTART|DTEND|DURATION|RRULE|RDATE|RECURRENCE-ID)[;:]", re.IGNORECASE)
_YMD = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SINGLE = ("UID", "DTSTART", "DTEND", "DURATION", "RECURRENCE-ID")


@dataclass(frozen=True, slots=True)
class ParsedCalendar:
    """Entries of one calendar object plus what a caller needs to retract safely.

    ``present`` holds ``uid|recurrence-id`` keys that exist in the data whatever
    the window (single events, overrides); ``complete`` is False when the data
    was not read as a calendar, looks truncated, or a VEVENT could not be tied
    to a UID: then absence proves nothing.
    """

    entries: tuple[Entry, ...]
    present: frozenset[str] = frozenset()
    quarantined_uids: frozenset[str] = frozenset()
    events: int = 0
    complete: bool = False


def parse_calendar(
    raw: bytes,
    source: SourceRef,
    *,
    window_start: datetime,
    window_end: datetime,
    visibility: Visibility,
    default_tz: str = "UTC",
) -> list[MeetingItem | Quarantined]:
    """Occurrences overlapping [window_start, window_end), or quarantine; never raises.

    Each item's ``source.remote_id`` is ``<source.remote_id>#<uid>|<recurrence-id>``
    (see :mod:`connectors.ical.keys`). Floating times and all-day dates are read in
    ``default_tz``.
    """
    return list(
        read_calendar(
            raw,
            source,
            window_start=window_start,
            window_end=window_end,
            visibility=visibility,
            default_tz=default_tz,
        ).entries
    )


def read_calendar(
    raw: bytes,
    source: SourceRef,
    *,
    window_start: datetime,
    window_end: datetime,
    visibility: Visibility,
    default_tz: str = "UTC",
) -> ParsedCalendar:
    """:func:`parse_calendar` with the facts needed to emit ``Gone`` safely.

    Raises ``ValueError`` only for caller mistakes (naive window, unknown zone).
    """
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise ValueError("window_start and window_end must be timezone-aware")
    zones = ZoneResolver(load_zone(default_tz))
    window = Window(source, window_start, window_end, visibility, zones)
    try:
        return _read(raw, window)
    except Exception as exc:  # noqa: BLE001 - untrusted input must end in quarantine
        return ParsedCalendar((Quarantined(source, f"invalid iCalendar: {exc}", raw),))


def _read(raw: bytes, window: Window) -> ParsedCalendar:
    text = decode(raw)
    lexed = lex(text)
    source = window.source
    if not lexed.events:
        if lexed.calendars or not text.strip():
            return ParsedCalendar((), complete=lexed.calendars > 0)
        reason = "invalid iCalendar: no VCALENDAR or VEVENT found"
        return ParsedCalendar((Quarantined(source, reason, raw),))
    window.zones.local.update(_local_zones(lexed.timezones))
    window = replace(window, x_wr_timezone=_valid_zone_name(lexed.x_wr_timezone))
    per_uid = Counter(block.uid for block in lexed.events)
    groups: dict[str, Group] = {}
    entries: list[Entry] = []
    present: set[str] = set()
    complete = not lexed.truncated
    orphans: set[str] = set()
    for block in lexed.events:
        if block.uid and per_uid[block.uid] == 1 and _clearly_outside(block, window):
            present.add(f"{block.uid}|")  # a single event far from the window: not parsed
            continue
        component, problem = _parse_block(block)
        uid = str(component.get("UID", "")).strip() if component is not None else ""
        uid = uid or block.uid or ""
        if not uid:
            complete = False
            digest = hashlib.sha256(block.text.encode()).hexdigest()[:16]
            if digest not in orphans:  # one quarantine row per distinct text
                orphans.add(digest)
                ref = replace(source, remote_id=f"{source.remote_id}#sha256:{digest}")
                reason = problem or "VEVENT without UID"
                entries.append(Quarantined(ref, reason, block.text.encode()))
            continue
        group = groups.setdefault(uid, Group(uid))
        group.blocks.append(block)
        if component is not None:
            group.components.append(component)
        group.problem = group.problem or problem
    bad: set[str] = set()
    for group in groups.values():
        items: list[MeetingItem] = []
        if group.problem is None:
            try:
                items = expand(group, window, present)
            except Exception as exc:  # noqa: BLE001 - library errors on untrusted input
                group.problem = f"cannot expand recurrence: {type(exc).__name__}: {exc}"
        if group.problem is not None:
            bad.add(group.uid)
            ref = replace(source, remote_id=f"{source.remote_id}#{group.uid}")
            entries.append(Quarantined(ref, group.problem, group.raw))
            continue
        entries.extend(items)
    present = {key for key in present if key.partition("|")[0] not in bad}
    return ParsedCalendar(
        tuple(entries), frozenset(present), frozenset(bad), len(lexed.events), complete
    )


def _clearly_outside(block: RawEvent, window: Window) -> bool:
    """A plain single event whose DTSTART/DTEND dates lie days outside the window.

    Read from the text without parsing, so that a long archive costs little;
    anything unusual (recurrence, DURATION, an unreadable date) is parsed.
    """
    if not block.complete:
        return False
    dates: list[date] = []
    for line in block.text.split("\r\n"):
        match = _DATED.match(line)
        if match is None:
            continue
        if match[1].upper() not in ("DTSTART", "DTEND"):
            return False
        ymd = _YMD.match(line.rpartition(":")[2].strip())
        if ymd is None:
            return False
        try:
            dates.append(date(int(ymd[1]), int(ymd[2]), int(ymd[3])))
        except ValueError:
            return False
    if not dates:
        return False
    first, last = min(dates), max(dates)
    return last < (window.start - PAD).date() or first > (window.end + PAD).date()


def _parse_block(block: RawEvent) -> tuple[Any, str | None]:
    """The parsed VEVENT and the reason it cannot be used, if any."""
    if not block.complete:
        return None, "VEVENT without END:VEVENT (truncated file?)"
    try:
        component: Any = parse_event(block.text)
    except Exception as exc:  # noqa: BLE001 - icalendar raises several types
        return None, f"invalid iCalendar: {exc}"
    if component.name != "VEVENT":
        return None, f"invalid iCalendar: expected VEVENT, got {component.name}"
    if not str(component.get("UID", "")).strip():
        return None, "VEVENT without UID"
    for name, message in component.errors:
        if name in _FATAL:
            return component, f"invalid {name}: {message}"
    for name in _SINGLE:  # at most once (RFC 5545 §3.6.1); identical repeats are harmless
        values = component.get(name)
        if isinstance(values, list):
            if len({v.to_ical() for v in values}) > 1:
                return component, f"VEVENT with {len(values)} different {name} properties"
            component[name] = values[0]
    if "DTSTART" not in component:
        return component, "VEVENT without DTSTART"
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID"):
        value = getattr(component.get(name), "dt", date.min)
        if not isinstance(value, date):
            return component, f"invalid {name}: not a DATE or DATE-TIME"
    if "DURATION" in component and not isinstance(component["DURATION"].dt, timedelta):
        return component, "invalid DURATION"
    sequence = fields.sequence_of(component)  # the expansion compares SEQUENCE numbers
    component.pop("SEQUENCE", None)
    component.add("SEQUENCE", sequence)
    return component, None


def _local_zones(blocks: list[str]) -> dict[str, tzinfo]:
    """Custom VTIMEZONEs of this file, built outside icalendar's global cache."""
    zones: dict[str, tzinfo] = {}
    for text in blocks:
        lines = unfold(text)
        value = next((ln.partition(":")[2] for ln in lines if _TZID.match(ln)), "")
        tzid = unescape(value).strip()  # TZID is TEXT: escaped commas, unlike the TZID= param
        if not tzid or tzid in zones or tzp.timezone(tzid) is not None:
            continue
        try:  # without TZID icalendar's parser does not cache the component
            kept = [ln for ln in lines if not _TZID.match(ln)]
            component: Any = Component.from_ical("\r\n".join(kept))
            component["TZID"] = tzid
            zones[tzid] = tzp.create_timezone(component)
        except Exception:  # noqa: BLE001, S112 - a bad VTIMEZONE only loses its zone
            continue
    return zones


def _valid_zone_name(name: str | None) -> str | None:
    if not name:
        return None
    try:
        load_zone(name)
    except ValueError:
        return None
    return name
