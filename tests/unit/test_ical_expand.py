"""A series without overrides (read with the master's fields once) matches the library.

The oracle is recurring-ical-events' own per-occurrence component
(``Occurrence.as_component``), which ``expand`` used for every series before.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import recurring_ical_events
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from connectors.base import MeetingItem, Participant, SourceRef
from connectors.ical import read_calendar

SOURCE = SourceRef("cal", "work", "series.ics")
START = datetime(2024, 6, 1, tzinfo=UTC)
END = datetime(2025, 1, 1, tzinfo=UTC)
PAD = timedelta(days=2)


def _utc(value: date) -> datetime:
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _oracle(text: str) -> set[tuple[str, datetime, datetime]]:
    calendar = Calendar.from_ical(text)
    found = set()
    for occurrence in recurring_ical_events.of(calendar).between(START - PAD, END + PAD):
        component: Any = occurrence
        start_value = component["DTSTART"].dt
        start = _utc(start_value)
        end = _utc(component["DTEND"].dt)
        if not isinstance(start_value, datetime) and end <= start:
            end = start + timedelta(days=1)
        end = max(end, start)
        if start < END and (end > START if end > start else start >= START):
            rid = component["RECURRENCE-ID"].dt
            text_id = rid.isoformat() if not isinstance(rid, datetime) else None
            text_id = text_id or _utc(rid).strftime("%Y-%m-%dT%H:%M:%SZ")
            found.add((text_id, start, end))
    return found


ZONES = ["Z", "Europe/Bratislava", "Europe/Kyiv", "floating", "date"]


@st.composite
def series(draw: st.DrawFn) -> str:
    zone = draw(st.sampled_from(ZONES))
    first = datetime(2024, 5, 1) + timedelta(
        days=draw(st.integers(0, 200)), hours=draw(st.integers(0, 23))
    )
    if zone == "date":
        start = f"DTSTART;VALUE=DATE:{first:%Y%m%d}"
        end = f"DTEND;VALUE=DATE:{first + timedelta(days=draw(st.integers(1, 3))):%Y%m%d}"
        duration = f"DURATION:P{draw(st.integers(1, 2))}D"
    else:
        suffix = "Z" if zone == "Z" else ""
        param = f";TZID={zone}" if zone not in ("Z", "floating") else ""
        length = timedelta(minutes=draw(st.sampled_from([0, 30, 90, 24 * 60])))
        start = f"DTSTART{param}:{first:%Y%m%dT%H%M%S}{suffix}"
        end = f"DTEND{param}:{first + length:%Y%m%dT%H%M%S}{suffix}"
        duration = f"DURATION:PT{draw(st.integers(0, 180))}M"
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY"]))
    rule = f"RRULE:FREQ={freq};INTERVAL={draw(st.integers(1, 3))}"
    rule += draw(st.sampled_from(["", ";COUNT=5", ";COUNT=40", ";UNTIL=20241201T000000Z"]))
    if freq == "WEEKLY" and draw(st.booleans()):
        rule += ";BYDAY=MO,TH"
    lines = [
        "BEGIN:VEVENT",
        "UID:series@example.sk",
        start,
        draw(st.sampled_from([end, duration, None])),
        rule,
        "SUMMARY:Porada",
        "ORGANIZER;CN=Peter:mailto:peter@firma.sk",
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:jana@klient.sk",
        "SEQUENCE:3",
        "END:VEVENT",
    ]
    if draw(st.booleans()):  # an EXDATE on the second occurrence (if it exists)
        step = {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 31}[freq]
        lines.insert(
            -1,
            start.replace("DTSTART", "EXDATE", 1).replace(
                f"{first:%Y%m%d}", f"{first + timedelta(days=step):%Y%m%d}"
            ),
        )
    body = "\r\n".join(line for line in lines if line) + "\r\n"
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n{body}END:VCALENDAR\r\n"


@settings(max_examples=150, deadline=None)
@given(series())
def test_series_without_overrides_match_the_library(text: str) -> None:
    parsed = read_calendar(
        text.encode(), SOURCE, window_start=START, window_end=END, visibility="full"
    )
    items = [e for e in parsed.entries if isinstance(e, MeetingItem)]
    assert len(items) == len(parsed.entries)
    assert {(i.recurrence_id or "", i.occurred_at, i.ends_at) for i in items} == _oracle(text)
    for item in items:
        assert item.subject == "Porada" and item.sequence == 3
        assert item.participants == (
            Participant("peter@firma.sk", "Peter", "organizer", None),
            Participant("jana@klient.sk", None, "attendee", "accepted"),
        )
