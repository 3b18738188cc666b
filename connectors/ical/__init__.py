"""iCalendar (RFC 5545) to MeetingItems, shared by the .ics and CalDAV connectors.

``parse_calendar`` is pure and never raises on bad input: what it cannot read
comes back as ``Quarantined`` with the reason. Occurrence identity, time
zones and recurrence expansion are documented in ``keys``, ``zones`` and
``parse``.
"""

from __future__ import annotations

from connectors.ical.keys import (
    dedupe_key,
    occurrence_ref,
    parse_recurrence_text,
    recurrence_text,
    split_ref,
)
from connectors.ical.parse import ParsedCalendar, parse_calendar, read_calendar

__all__ = [
    "ParsedCalendar",
    "dedupe_key",
    "occurrence_ref",
    "parse_calendar",
    "parse_recurrence_text",
    "read_calendar",
    "recurrence_text",
    "split_ref",
]
