"""Calendar object resources to timeline entries, and cautious retraction.

Every resource is parsed by the shared iCalendar reader (``connectors.ical``)
with the resource's canonical path as container, so an occurrence's remote id
is ``<path>#<uid>|<recurrence-id>`` and the dedupe key is UID + RECURRENCE-ID:
the same meeting in several calendars is one item with several sources, and
re-reading or moving the window never duplicates.

Retraction (``Gone``), following vdirsyncer's StorageEmpty caution:

- a resource the server reports removed (404 in sync-collection or multiget,
  or absent from a full listing): every stored occurrence of it;
- a changed resource that was read whole (``complete``): stored occurrences it
  no longer produces, except those of a UID that went to quarantine, those
  still present elsewhere in time (an override, a single event moved out of
  the window), and recurring occurrences whose RECURRENCE-ID lies outside the
  window (they left the window; they were not cancelled).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from connectors.base import Entry, Gone, MeetingItem, SourceRef, Visibility
from connectors.ical import ParsedCalendar, parse_recurrence_text, read_calendar, split_ref
from connectors.ical.zones import load_zone

PAD = timedelta(days=2)  # zone slack around whole-day horizons


@functools.lru_cache(maxsize=16)
def _zone(name: str) -> tzinfo:
    return load_zone(name)


@dataclass(frozen=True, slots=True)
class Reading:
    """How resources of one calendar are read into entries (picklable, for workers)."""

    connector: str
    scope: str
    visibility: Visibility
    default_tz: str

    def parse(self, path: str, data: bytes, start: datetime, end: datetime) -> ParsedCalendar:
        return read_calendar(
            data,
            SourceRef(self.connector, self.scope, path),
            window_start=start,
            window_end=end,
            visibility=self.visibility,
            default_tz=self.default_tz,
        )

    def changed(
        self, path: str, data: bytes, known: Set[str], start: datetime, end: datetime
    ) -> list[Entry]:
        """Entries of a new or changed resource, with retractions of what it lost."""
        parsed = self.parse(path, data, start, end)
        entries: list[Entry] = list(parsed.entries)
        if not (parsed.complete and parsed.events):
            return entries  # absence proves nothing
        produced = {e.source.remote_id for e in entries if isinstance(e, MeetingItem)}
        for remote_id in sorted(known):
            parts = split_ref(path, remote_id)
            if remote_id in produced or parts is None:
                continue
            uid, recurrence_id = parts
            if uid in parsed.quarantined_uids or f"{uid}|{recurrence_id}" in parsed.present:
                continue
            if recurrence_id:
                moment = self.instant(recurrence_id)
                if moment is None or not start <= moment < end:
                    continue
            entries.append(Gone(SourceRef(self.connector, self.scope, remote_id)))
        return entries

    def removed(self, known: Iterable[str]) -> list[Entry]:
        """Retract every stored occurrence of a resource the server removed."""
        return [Gone(SourceRef(self.connector, self.scope, rid)) for rid in sorted(known)]

    def extended(self, path: str, data: bytes, spans: list[Span]) -> list[Entry]:
        """Occurrences in the parts of the window that were not expanded yet."""
        entries: list[Entry] = []
        for span_start, span_end, _ in spans:
            parsed = self.parse(path, data, span_start, span_end)
            entries += [e for e in parsed.entries if isinstance(e, MeetingItem)]
        return entries

    def instant(self, recurrence_id: str) -> datetime | None:
        value = parse_recurrence_text(recurrence_id)
        if isinstance(value, datetime) or value is None:
            return value
        zone = _zone(self.default_tz)
        return datetime.combine(value, datetime.min.time(), zone).astimezone(UTC)


def refs_by_resource(known: Set[str]) -> dict[str, set[str]]:
    """Stored remote ids grouped by resource path (canonical paths hold no bare '#')."""
    grouped: dict[str, set[str]] = {}
    for remote_id in known:
        path, sep, _ = remote_id.partition("#")
        if sep:
            grouped.setdefault(path, set()).add(remote_id)
    return grouped


Span = tuple[datetime, datetime, bool]  # start, end, lies before the expanded part


def uncovered(covered: tuple[int, int], start: datetime, end: datetime) -> list[Span]:
    """Parts of [start, end) outside the already expanded span."""
    low = datetime.fromtimestamp(covered[0], UTC)
    high = datetime.fromtimestamp(covered[1], UTC)
    spans: list[Span] = []
    if start < low:
        spans.append((start, min(low, end), True))
    if end > high:
        spans.append((max(high, start), end, False))
    return [s for s in spans if s[0] < s[1]]


def may_reach(horizon: int | None, spans: list[Span], quiet: int | None = None) -> bool:
    """Whether a resource with this horizon can have occurrences in ``spans``.

    A plain event reaches a later span only by starting in it; an earlier span
    (a longer ``window_past``) also gets every older event, which is rare. A
    recurring one reaches every span, except later spans from its ``quiet``
    instant on (a finished series).
    """
    if horizon is None:
        if quiet is None:
            return True
        over = datetime.fromtimestamp(quiet, UTC)  # with its own margin for zones
        return any(back or a < over for a, _, back in spans)
    moment = datetime.fromtimestamp(horizon, UTC)
    return any(moment < b + PAD and (back or moment >= a - PAD) for a, b, back in spans)
