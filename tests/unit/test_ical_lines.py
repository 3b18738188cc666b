"""connectors.ical.lines: same parts as icalendar, only the properties we read."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Component
from icalendar.parser.content_line import Contentline

from connectors.base import MeetingItem, SourceRef
from connectors.ical import read_calendar
from connectors.ical.lexer import decode, lex
from connectors.ical.lines import KEPT, FastLine, kept_lines, parse_event

DATA = Path(__file__).resolve().parents[1] / "data" / "ical"
SAMPLES = {p.name: p.read_bytes() for p in sorted(DATA.glob("*.ics"))}
LINES = sorted(
    {line for raw in SAMPLES.values() for line in decode(raw).splitlines() if line.strip()}
)
TRICKY = [
    "SUMMARY:a\\,b:c;d",
    "SUMMARY:",
    "DESCRIPTION:http://example.org/a?b=c",
    'ATTENDEE;CN="Doe, Jane";PARTSTAT=ACCEPTED:mailto:jane@example.org',
    'ATTENDEE;CN="a:b";ROLE=CHAIR:mailto:x@y.sk',
    "ATTENDEE;CN=Kováč\\, Peter:mailto:p@x.sk",
    'ORGANIZER;CN=Peter;SENT-BY="mailto:a@b.sk":mailto:p@x.sk',
    "DTSTART;TZID=Europe/Bratislava:20241021T100000",
    "DTSTART;TZID=(UTC+01:00) Belgrade, Bratislava:20241021T100000",
    "DTSTART;VALUE=DATE:20241021",
    "dtstart:20241021T100000Z",
    " SUMMARY :spaced name",
    "SUMMARY ; LANGUAGE = sk :text",
    "X-WEIRD;A=1;B=2,3:value:with:colons",
    ":no name",
    "NOCOLON",
    "BAD NAME:x",
    'X;A="unterminated:v',
    "X;:empty params",
    "X\\;Y:escaped",
    "ATTENDEE;DELEGATED-TO=mailto:a@b.sk,mailto:c@d.sk;ROLE=CHAIR:mailto:x@y.sk",
    "RDATE;VALUE=PERIOD:20241101T090000Z/PT1H,20241102T090000Z/PT1H",
]


def _parts(line: str) -> object:
    try:
        return Contentline(line).parts()
    except ValueError as exc:
        return type(exc)


def _fast_parts(line: str) -> object:
    try:
        return FastLine(line).parts()
    except ValueError as exc:
        return type(exc)


@pytest.mark.parametrize("line", LINES + TRICKY)
def test_fast_lines_split_like_icalendar(line: str) -> None:
    assert _fast_parts(line) == _parts(line)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='ABCDEFGHIJKLMNOPRSTUVXYZ-;:=",\\ \tabcz019čé', min_size=1, max_size=40))
def test_fast_lines_split_like_icalendar_for_any_line(line: str) -> None:
    assert _fast_parts(line) == _parts(line)


def test_lines_with_the_same_parameters_do_not_share_them() -> None:
    line = "ATTENDEE;X-TAGS=a,b;CN=Jana:mailto:x@y.sk"
    first, second = FastLine(line).parts()[1], FastLine(line).parts()[1]
    first["CN"] = "Iná"
    first["X-TAGS"].append("c")
    assert second == {"CN": "Jana", "X-TAGS": ["a", "b"]}
    assert FastLine(line).parts() == Contentline(line).parts()


def _events() -> list[str]:
    return [event.text for raw in SAMPLES.values() for event in lex(decode(raw)).events]


@pytest.mark.parametrize("text", _events())
def test_kept_properties_parse_as_in_the_whole_block(text: str) -> None:
    whole = Component.from_ical(text)  # every sample block is one icalendar can read
    ours = parse_event(text)
    assert ours.name == whole.name
    assert not ours.subcomponents
    for name in KEPT:
        assert _ical(ours.get(name)) == _ical(whole.get(name)), name
    assert {name for name in whole if name in KEPT} == set(ours)


def _ical(value: Any) -> object:
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    return [(v.to_ical(), dict(getattr(v, "params", {}))) for v in values]


def test_nested_components_and_unread_properties_are_dropped() -> None:
    text = (
        "BEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:not a date\r\nX-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\n"
        "DTSTART:20241021T100000Z\r\nBEGIN:VALARM\r\nTRIGGER:garbage\r\nSUMMARY:alarm\r\n"
        "END:VALARM\r\nSUMMARY:Porada\r\nEND:VEVENT\r\n"
    )
    assert kept_lines(text) == [
        "BEGIN:VEVENT",
        "UID:u1",
        "DTSTART:20241021T100000Z",
        "SUMMARY:Porada",
        "END:VEVENT",
    ]
    raw = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{text}END:VCALENDAR\r\n".encode()
    source = SourceRef("cal", "work", "a.ics")
    parsed = read_calendar(
        raw,
        source,
        window_start=datetime(2024, 10, 1, tzinfo=UTC),
        window_end=datetime(2024, 11, 1, tzinfo=UTC),
        visibility="full",
    )
    (item,) = parsed.entries
    assert isinstance(item, MeetingItem)
    assert item.subject == "Porada"  # not the alarm's SUMMARY
    assert item.raw is not None and b"X-MICROSOFT-CDO-BUSYSTATUS" in item.raw  # text kept whole


def test_broken_nesting_is_left_to_icalendar() -> None:
    text = (
        "BEGIN:VEVENT\r\nUID:u\r\nDTSTART:20241021T100000Z\r\nEND:VALARM\r\n"
        "SUMMARY:x\r\nEND:VEVENT\r\n"
    )
    assert kept_lines(text) == text.split("\r\n")[:-1]
    raw = f"BEGIN:VCALENDAR\r\n{text}END:VCALENDAR\r\n".encode()
    parsed = read_calendar(
        raw,
        SourceRef("cal", "work", "a.ics"),
        window_start=datetime(2024, 10, 1, tzinfo=UTC),
        window_end=datetime(2024, 11, 1, tzinfo=UTC),
        visibility="full",
    )
    assert [type(e).__name__ for e in parsed.entries] == ["Quarantined"]
