"""Cursor entries with a *quiet* instant, and which resources a moved window reads."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from connectors.caldav.cursor import CalendarCursor, ResourceState, horizon
from connectors.caldav.occurrences import may_reach

ZONE = (
    b"BEGIN:VTIMEZONE\r\nTZID:Europe/Bratislava\r\nBEGIN:STANDARD\r\n"
    b"DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    b"TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
)


def _at(day: int) -> datetime:
    return datetime(2025, 1, day, tzinfo=UTC)


def test_quiet_round_trips_and_old_entries_still_load() -> None:
    cursor = CalendarCursor("sync", token="t", covered=(1, 2))
    cursor.resources["a.ics"] = ResourceState('"e1"', None, 1_700_000_000)
    cursor.resources["b.ics"] = ResourceState('"e2"', None)
    cursor.resources["c.ics"] = ResourceState('"e3"', 1_600_000_000)
    text = cursor.dump()
    assert json.loads(text)["r"]["b.ics"] == ['"e2"', None]  # no third field when unknown
    assert CalendarCursor.load(text, "sync") == cursor


def test_a_vtimezone_does_not_make_an_event_recurring() -> None:
    event = b"BEGIN:VEVENT\r\nDTSTART;TZID=Europe/Bratislava:20250302T100000\r\nEND:VEVENT\r\n"
    assert horizon(ZONE + event) == int(datetime(2025, 3, 2, tzinfo=UTC).timestamp())
    series = event.replace(b"END:VEVENT", b"RRULE:FREQ=DAILY\r\nEND:VEVENT")
    assert horizon(ZONE + series) is None


def test_a_finished_series_does_not_reach_later_days() -> None:
    later = [(_at(10), _at(11), False)]
    earlier = [(_at(1), _at(2), True)]
    quiet = int(_at(10).timestamp())
    assert may_reach(None, later)  # recurring, nothing known
    assert not may_reach(None, later, quiet)
    assert may_reach(None, later, int(_at(11).timestamp()) - 1)  # still running in the span
    assert may_reach(None, earlier, quiet)  # a longer window_past reads it again
