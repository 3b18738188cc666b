"""Hypothesis: parse_calendar never raises, and its output keeps its invariants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.base import MeetingItem, Quarantined, SourceRef
from connectors.ical import occurrence_ref, parse_calendar, split_ref

DATA = Path(__file__).resolve().parents[1] / "data" / "ical"
SAMPLES = {p.name: p.read_bytes() for p in sorted(DATA.glob("*.ics"))}
SOURCE = SourceRef("cal", "work", "export.ics")
START = datetime(2024, 6, 1, tzinfo=UTC)
END = datetime(2025, 1, 1, tzinfo=UTC)
PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Fragments that steer mutations towards the parser's edges.
TOKENS = [
    b"BEGIN:VEVENT\r\n",
    b"END:VEVENT\r\n",
    b"BEGIN:VCALENDAR\r\n",
    b"END:VCALENDAR\r\n",
    b"BEGIN:VTIMEZONE\r\n",
    b"RRULE:FREQ=DAILY\r\n",
    b"RRULE:FREQ=SECONDLY\r\n",
    b"RECURRENCE-ID:20241111T090000Z\r\n",
    b"RECURRENCE-ID;RANGE=THISANDFUTURE:20241111\r\n",
    b"EXDATE;TZID=Nowhere:20241105T090000\r\n",
    b"RDATE;VALUE=PERIOD:20241101T090000Z/PT1H\r\n",
    b"DTSTART;VALUE=DATE:20241105\r\n",
    b"DTEND:19700101T000000Z\r\n",
    b"DURATION:-P1D\r\n",
    b"UID:x\r\n",
    b"STATUS:CANCELLED\r\n",
    b"CLASS:X-SECRET\r\n",
    b"ATTENDEE:mailto:%ZZ\r\n",
    b";TZID=",
    b":",
    b";",
    b"\r\n ",
    b"\xc3",
    b"\x00",
    b"\\",
    b'"',
]


def _check(entries: list[MeetingItem | Quarantined], start: datetime, end: datetime) -> None:
    for entry in entries:
        if isinstance(entry, Quarantined):
            assert entry.reason and isinstance(entry.raw, bytes)
            continue
        assert isinstance(entry, MeetingItem)
        assert entry.occurred_at.tzinfo is UTC
        assert entry.ends_at is not None and entry.ends_at >= entry.occurred_at
        assert entry.occurred_at < end
        assert entry.ends_at > start or entry.occurred_at >= start
        assert entry.dedupe_key == f"ev:{entry.uid}|{entry.recurrence_id or ''}"
        ref = entry.source.remote_id
        assert split_ref(SOURCE.remote_id, ref) == (entry.uid, entry.recurrence_id or "")


@PROFILE
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    _check(
        parse_calendar(raw, SOURCE, window_start=START, window_end=END, visibility="full"),
        START,
        END,
    )


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(SAMPLES[draw(st.sampled_from(sorted(SAMPLES)))])
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["delete", "insert", "token", "flip", "dup-line"]))
        if kind == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=20))
        elif kind == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif kind == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        else:
            lines = bytes(data).split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(draw(st.integers(0, len(lines))), lines[i])
            data = bytearray(b"\n".join(lines))
    return bytes(data)


@PROFILE
@given(mutated(), st.sampled_from(["UTC", "Europe/Bratislava", "Pacific/Kiritimati"]))
def test_mutated_calendars_never_raise(raw: bytes, default_tz: str) -> None:
    entries = parse_calendar(
        raw,
        SOURCE,
        window_start=START,
        window_end=END,
        visibility="subject",
        default_tz=default_tz,
    )
    _check(entries, START, END)


@PROFILE
@given(
    st.sampled_from(sorted(n for n in SAMPLES if n != "garbage.ics")),
    st.integers(0, 210 * 24),
    st.integers(1, 60 * 24),
)
def test_a_smaller_window_yields_the_same_items(name: str, offset_h: int, length_h: int) -> None:
    wide = parse_calendar(
        SAMPLES[name], SOURCE, window_start=START, window_end=END, visibility="full"
    )
    by_key = {e.dedupe_key: e for e in wide if isinstance(e, MeetingItem)}
    start = START + timedelta(hours=offset_h)
    end = start + timedelta(hours=length_h)
    narrow = parse_calendar(
        SAMPLES[name], SOURCE, window_start=start, window_end=end, visibility="full"
    )
    _check(narrow, start, end)
    for entry in narrow:
        if isinstance(entry, MeetingItem):
            assert by_key[entry.dedupe_key] == entry  # same key, same occurrence
        else:
            assert entry in wide


@given(st.text(min_size=1), st.text(), st.text(alphabet="0123456789-:TZ"))
def test_occurrence_refs_round_trip(container: str, uid: str, recurrence: str) -> None:
    if not uid:
        return
    assert split_ref(container, occurrence_ref(container, uid, recurrence)) == (uid, recurrence)


def test_calendar_addresses_are_stored_as_mail_participants_are() -> None:
    """CAL-ADDRESSes take matching's canonical form: either IDN spelling, one participant."""
    from connectors.ical.fields import address_of

    assert address_of("MAILTO:Info@XN--STRAE-OQA.de") == "info@straße.de"
    assert address_of("mailto:info%40stra%C3%9Fe.de".replace("%40", "@")) == "info@straße.de"
    assert address_of("mailto:Jana+Team@ACME.sk") == "jana+team@acme.sk"  # no policy rules
    assert address_of("mailto:root@localhost") == "root@localhost"  # kept, not matchable
    assert address_of("urn:uuid:1234") == ""
