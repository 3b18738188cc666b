"""One UID's VEVENTs to MeetingItems: expansion, identity, UTC times.

A recurring series (RFC 5545 §3.8.5: RRULE, RDATE, EXDATE; overrides with
RECURRENCE-ID, §3.8.4.4, including RANGE=THISANDFUTURE) is expanded by
recurring-ical-events over the window padded by two days, because floating
and all-day values compare as UTC inside the library; the exact half-open
overlap test happens here, once every value is a UTC instant. A single event
skips the library: its end is DTEND, else DTSTART + DURATION, else one day
for a DATE and zero for a DATE-TIME (§3.6.1).

A series of one master without overrides (the common case) takes its
occurrences' times from the library but reads the master's fields once:
every occurrence shares them, and copying the component per occurrence
(``Occurrence.as_component``) cost more than the expansion itself. Overrides
and RANGE=THISANDFUTURE keep the library's per-occurrence components.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import recurring_ical_events
from icalendar import Calendar, vDDDTypes

from connectors.base import MeetingItem, Participant, SourceRef, Visibility
from connectors.ical import fields, keys
from connectors.ical.lexer import RawEvent
from connectors.ical.rules import MAX_OCCURRENCES, as_list, rule_problem
from connectors.ical.zones import ZoneResolver, display_name

PAD = timedelta(days=2)
TIME_PROPS = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")
_RECURRENCE_PROPS = ("RRULE", "RDATE", "RECURRENCE-ID")


@dataclass(frozen=True, slots=True)
class Window:
    """What every occurrence of one calendar object is read against."""

    source: SourceRef
    start: datetime
    end: datetime
    visibility: Visibility
    zones: ZoneResolver
    x_wr_timezone: str | None = None


@dataclass(slots=True)
class Group:
    """The VEVENT blocks sharing one UID, parsed, and why they cannot be used."""

    uid: str
    blocks: list[RawEvent] = field(default_factory=list)
    components: list[Any] = field(default_factory=list)  # icalendar Events
    problem: str | None = None

    @property
    def raw(self) -> bytes:
        return "".join(block.text for block in self.blocks).encode()


def expand(group: Group, window: Window, present: set[str]) -> list[MeetingItem]:
    """Occurrences of one UID; sets ``group.problem`` instead when it must not expand.

    Adds to ``present`` the keys that exist whatever the window: the single
    event itself, or each override's RECURRENCE-ID.
    """
    zones = window.zones
    tzid = next(
        (
            str(c["DTSTART"].params["TZID"])
            for c in group.components
            if c["DTSTART"].params.get("TZID")
        ),
        None,
    )
    for component in group.components:
        _localize(component, zones)
    recurring = any(name in c for c in group.components for name in _RECURRENCE_PROPS)
    cancel = any(block.method == "CANCEL" for block in group.blocks)
    raw = group.raw
    if not recurring:
        present.add(f"{group.uid}|")
        if len(group.components) == 1:  # the common case, without the library
            component = group.components[0]
            start_value = component["DTSTART"].dt
            item = _item(
                Fields.of(component, cancel, window),
                start_value,
                _single_end(component, start_value, zones),
                group.uid,
                None,
                tzid,
                raw,
                window,
            )
            return [] if item is None else [item]
    moves: dict[str, timedelta] = {}
    for component in group.components:
        rrules = as_list(component.get("RRULE"))
        if rrules:
            problem = rule_problem(rrules, component["DTSTART"].dt, window.end + PAD, zones)
            if problem:
                group.problem = problem
                return []
        if "RECURRENCE-ID" in component:
            rid = component["RECURRENCE-ID"]
            text = _recurrence_text(rid.dt, zones)
            present.add(f"{group.uid}|{text}")
            if str(rid.params.get("RANGE", "")).upper() == "THISANDFUTURE":
                moves[text] = _delta(component["DTSTART"].dt, rid.dt, zones)
    calendar = Calendar()
    if window.x_wr_timezone:
        calendar["X-WR-TIMEZONE"] = window.x_wr_timezone
    for component in group.components:
        calendar.add_component(component)
    master_only = len(group.components) == 1 and "RECURRENCE-ID" not in group.components[0]
    shared = Fields.of(group.components[0], cancel, window) if master_only else None
    seen: set[str] = set()
    items: list[MeetingItem] = []
    for series in recurring_ical_events.of(calendar).series:
        for occurrence in series.between(window.start - PAD, window.end + PAD):
            recurrence_id: str | None = None
            if shared is not None:  # the library's copy would carry the master's fields
                start_value, end_value = occurrence.start, occurrence.end
                recurrence_id = _recurrence_text(start_value, zones) if recurring else None
                fields_ = shared
            else:
                occ = occurrence.as_component(False)
                start_value = occ["DTSTART"].dt
                end_prop = occ.get("DTEND")
                end_value = None if end_prop is None else end_prop.dt
                if recurring:
                    recurrence_id = _occurrence_id(occ, start_value, moves, zones)
                fields_ = Fields.of(occ, cancel, window)
            item = _item(
                fields_, start_value, end_value, group.uid, recurrence_id, tzid, raw, window
            )
            if item is None or item.dedupe_key in seen:
                continue
            seen.add(item.dedupe_key)
            items.append(item)
            if len(items) > MAX_OCCURRENCES:
                group.problem = f"more than {MAX_OCCURRENCES} occurrences in the sync window"
                return []
    items.sort(key=lambda item: (item.occurred_at, item.dedupe_key))
    return items


def _localize(component: Any, zones: ZoneResolver) -> None:
    """Give naive DATE-TIMEs the zone of their TZID, where icalendar could not."""
    for name in TIME_PROPS:
        for prop in as_list(component.get(name)):
            tzid = prop.params.get("TZID")
            if not tzid:
                continue
            for value in getattr(prop, "dts", None) or [prop]:
                if not isinstance(value, vDDDTypes):
                    continue
                if isinstance(value.dt, tuple):  # RDATE;VALUE=PERIOD
                    value.dt = tuple(zones.localize(part, tzid) for part in value.dt)
                else:
                    value.dt = zones.localize(value.dt, tzid)


def _single_end(component: Any, start: date, zones: ZoneResolver) -> date | None:
    if "DTEND" in component:
        end: date = component["DTEND"].dt
        return end
    if "DURATION" in component:
        duration: timedelta = component["DURATION"].dt
        if isinstance(start, datetime) or duration % timedelta(days=1):
            return zones.to_utc(start) + duration
        return start + duration
    return None


def _recurrence_text(value: date, zones: ZoneResolver) -> str:
    return keys.recurrence_text(value if not isinstance(value, datetime) else zones.to_utc(value))


def _delta(start: date, recurrence: date, zones: ZoneResolver) -> timedelta:
    if isinstance(start, datetime) or isinstance(recurrence, datetime):
        return zones.to_utc(start) - zones.to_utc(recurrence)
    return start - recurrence


def _occurrence_id(
    occ: Any, start_value: date, moves: dict[str, timedelta], zones: ZoneResolver
) -> str:
    """The occurrence's original start; a THISANDFUTURE override shifts later ones."""
    rid = occ["RECURRENCE-ID"]
    text = _recurrence_text(rid.dt, zones)
    move = moves.get(text)
    if move is None or str(rid.params.get("RANGE", "")).upper() != "THISANDFUTURE":
        return text
    if isinstance(start_value, datetime):
        return _recurrence_text(zones.to_utc(start_value) - move, zones)
    return _recurrence_text(start_value - move, zones)


@dataclass(frozen=True, slots=True)
class Fields:
    """What an occurrence takes from its component besides its times."""

    subject: str | None
    body: str | None
    location: str | None
    status: str | None
    participants: tuple[Participant, ...]
    sequence: int
    private: bool

    @classmethod
    def of(cls, component: Any, cancel: bool, window: Window) -> Fields:
        private = fields.is_private(component)
        subject, body, location = fields.visible_text(component, window.visibility, private)
        return cls(
            subject,
            body,
            location,
            fields.status_of(component, "CANCEL" if cancel else None),
            fields.participants(component),
            fields.sequence_of(component),
            private,
        )


def _item(
    shared: Fields,
    start_value: date,
    end_value: date | None,
    uid: str,
    recurrence_id: str | None,
    tzid: str | None,
    raw: bytes,
    window: Window,
) -> MeetingItem | None:
    """The item for one occurrence, or None when it does not overlap the window."""
    zones = window.zones
    all_day = not isinstance(start_value, datetime)
    start = zones.to_utc(start_value)
    end = start if end_value is None else zones.to_utc(end_value)
    if all_day and end <= start:
        end = zones.to_utc(start_value + timedelta(days=1))
    end = max(end, start)
    if not (start < window.end and (end > window.start if end > start else start >= window.start)):
        return None
    zone = start_value.tzinfo if isinstance(start_value, datetime) else None
    source = window.source
    remote_id = keys.occurrence_ref(source.remote_id, uid, recurrence_id)
    return MeetingItem(
        source=SourceRef(source.connector, source.scope, remote_id),
        dedupe_key=keys.dedupe_key(uid, recurrence_id),
        uid=uid,
        recurrence_id=recurrence_id,
        subject=shared.subject,
        body_text=shared.body,
        location=shared.location,
        occurred_at=start,
        ends_at=end,
        all_day=all_day,
        tzid=None if all_day else display_name(zone, tzid),
        status=shared.status,
        participants=shared.participants,
        sequence=shared.sequence,
        private=shared.private,
        raw=raw if window.visibility == "full" and not shared.private else None,
    )
