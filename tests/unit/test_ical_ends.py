"""quiet_from: when a calendar object's occurrences are over (finished series)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.ical.ends import MARGIN, quiet_from

MOMENT = datetime(2025, 3, 1, tzinfo=UTC)


def _calendar(*lines: str, extra: str = "") -> bytes:
    body = "\r\n".join(lines)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n"
        f"BEGIN:VEVENT\r\nUID:s@x.sk\r\n{body}\r\nEND:VEVENT\r\n{extra}END:VCALENDAR\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # finished before the moment: quiet from the moment itself
        (["DTSTART:20250101T100000Z", "RRULE:FREQ=WEEKLY;COUNT=4"], MOMENT),
        (["DTSTART:20250101T100000Z", "RRULE:FREQ=DAILY;UNTIL=20250110T100000Z"], MOMENT),
        # still running: quiet after its last start, plus the margin
        (
            ["DTSTART:20250220T100000Z", "RRULE:FREQ=WEEKLY;COUNT=4"],
            datetime(2025, 3, 13, 10, tzinfo=UTC) + MARGIN,
        ),
        (
            ["DTSTART;TZID=Europe/Bratislava:20250220T100000", "RRULE:FREQ=WEEKLY;COUNT=4"],
            datetime(2025, 3, 13, 9, tzinfo=UTC) + MARGIN,
        ),
        (
            ["DTSTART;VALUE=DATE:20250225", "RDATE;VALUE=DATE:20250310,20250320"],
            datetime(2025, 3, 20, tzinfo=UTC) + MARGIN,
        ),
        # an unbounded rule never ends; unreadable data answers nothing
        (["DTSTART:20250101T100000Z", "RRULE:FREQ=WEEKLY"], None),
        (["DTSTART:20250101T100000Z", "RRULE:FREQ=WEEKLY;COUNT=4", "RRULE:FREQ=DAILY"], None),
        (["DTSTART:20250101T100000Z", "RRULE:FREQ=DAILY;COUNT=5000"], None),  # too long a walk
        (["DTSTART:garbage", "RRULE:FREQ=WEEKLY;COUNT=4"], None),
    ],
)
def test_quiet_from(lines: list[str], expected: datetime | None) -> None:
    assert quiet_from(_calendar(*lines), MOMENT) == expected


def test_an_override_moved_later_keeps_the_series_alive() -> None:
    moved = (
        "BEGIN:VEVENT\r\nUID:s@x.sk\r\nRECURRENCE-ID:20250108T100000Z\r\n"
        "DTSTART:20250402T100000Z\r\nEND:VEVENT\r\n"
    )
    raw = _calendar("DTSTART:20250101T100000Z", "RRULE:FREQ=WEEKLY;COUNT=4", extra=moved)
    assert quiet_from(raw, MOMENT) == datetime(2025, 4, 2, 10, tzinfo=UTC) + MARGIN


def test_truncated_or_empty_data_answers_nothing() -> None:
    raw = _calendar("DTSTART:20250101T100000Z", "RRULE:FREQ=WEEKLY;COUNT=4")
    assert quiet_from(raw[: raw.index(b"END:VEVENT")], MOMENT) is None
    assert quiet_from(b"", MOMENT) is None
    assert quiet_from(b"\x00garbage", MOMENT) is None


def test_the_answer_is_never_before_the_moment() -> None:
    raw = _calendar("DTSTART:20250227T100000Z", "RRULE:FREQ=DAILY;COUNT=2")  # ends 02-28
    quiet = quiet_from(raw, MOMENT)
    assert quiet is not None and quiet >= MOMENT
    assert quiet >= datetime(2025, 2, 28, 10, tzinfo=UTC) + timedelta(hours=14)
