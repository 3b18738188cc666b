"""parse_calendar: recurrence, time zones, people, privacy, quarantine.

The payloads live in tests/data/ical/, named for the quirk they show.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.base import MeetingItem, Participant, Quarantined, SourceRef, Visibility
from connectors.ical import parse_calendar, read_calendar, split_ref

DATA = Path(__file__).resolve().parents[1] / "data" / "ical"
SOURCE = SourceRef("cal", "work", "export.ics")
START = datetime(2024, 6, 1, tzinfo=UTC)
END = datetime(2025, 1, 1, tzinfo=UTC)


def parse(
    raw: bytes | str,
    *,
    start: datetime = START,
    end: datetime = END,
    visibility: Visibility = "full",
    default_tz: str = "UTC",
) -> list[MeetingItem | Quarantined]:
    data = raw.encode() if isinstance(raw, str) else raw
    return parse_calendar(
        data,
        SOURCE,
        window_start=start,
        window_end=end,
        visibility=visibility,
        default_tz=default_tz,
    )


def items(name: str, **kw: object) -> dict[str, MeetingItem]:
    out = {}
    for entry in parse((DATA / name).read_bytes(), **kw):  # type: ignore[arg-type]
        assert isinstance(entry, MeetingItem), entry
        out[entry.dedupe_key] = entry
    return out


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


OUTLOOK = "040000008200E00074C5B7101A82E00800000000B0B1C3E9A914DB0100000000000000001000000" + (
    "0A1F1D4A9E21C6947B1C1A0E7D4C6F00"
)

# id: (file, default_tz, table). One occurrence a line: dedupe key without "ev:",
# start and end in UTC (year 2024), tzid ("-" for None).
CASES = {
    "dst-late-october-bratislava": (
        "bratislava_weekly_dst.ics",
        "UTC",
        """
        standup-7f3a@firma.sk|2024-10-14T08:00:00Z  10-14T08:00 10-14T08:30  Europe/Bratislava
        standup-7f3a@firma.sk|2024-10-21T08:00:00Z  10-21T08:00 10-21T08:30  Europe/Bratislava
        standup-7f3a@firma.sk|2024-10-28T09:00:00Z  10-28T09:00 10-28T09:30  Europe/Bratislava
        standup-7f3a@firma.sk|2024-11-04T09:00:00Z  11-04T09:00 11-04T09:30  Europe/Bratislava
    """,
    ),
    "kyiv-and-old-name-kiev": (
        "kyiv_and_kiev.ics",
        "UTC",
        """
        kyiv-summer@example.ua|  07-10T11:00 07-10T12:00  Europe/Kyiv
        kiev-winter@example.ua|  12-10T12:00 12-10T13:00  Europe/Kyiv
    """,
    ),
    "outlook-windows-zone-names": (
        "outlook_windows_tzid.ics",
        "UTC",
        """
        {OUTLOOK}1|  11-05T09:00 11-05T10:00  Europe/Budapest
        {OUTLOOK}2|  11-06T10:00 11-06T11:00  Europe/Kyiv
        {OUTLOOK}3|  11-07T09:00 11-07T10:00  Europe/Moscow
        {OUTLOOK}4|  07-08T07:00 07-08T08:00  Europe/Berlin
    """,
    ),
    "outlook-display-names": (
        "outlook_display_name_tzid.ics",
        "UTC",
        """
        display-name-with-vtimezone|     07-10T08:00 07-10T09:00  Europe/Belgrade
        display-name-without-vtimezone|  12-10T08:00 12-10T09:00  Europe/Helsinki
        unknown-zone-with-offset|        12-10T07:00 12-10T07:00  (UTC+03:00)_Somewhere
    """,
    ),
    "floating-in-utc": (
        "floating_time.ics",
        "UTC",
        """
        floating-lunch@example.sk|  11-05T12:00 11-05T13:00  -
    """,
    ),
    "floating-in-default-tz": (
        "floating_time.ics",
        "Europe/Bratislava",
        """
        floating-lunch@example.sk|  11-05T11:00 11-05T12:00  -
    """,
    ),
    "all-day-utc": (
        "all_day.ics",
        "UTC",
        """
        conference-3d@example.com|             11-05T00:00 11-08T00:00  -
        holiday@example.com|                   11-17T00:00 11-18T00:00  -
        daily-allday@example.com|2024-11-11    11-11T00:00 11-12T00:00  -
        daily-allday@example.com|2024-11-12    11-12T00:00 11-13T00:00  -
        daily-allday@example.com|2024-11-13    11-13T00:00 11-14T00:00  -
    """,
    ),
    "all-day-midnight-in-default-tz": (
        "all_day.ics",
        "Europe/Bratislava",
        """
        conference-3d@example.com|             11-04T23:00 11-07T23:00  -
        holiday@example.com|                   11-16T23:00 11-17T23:00  -
        daily-allday@example.com|2024-11-11    11-10T23:00 11-11T23:00  -
        daily-allday@example.com|2024-11-12    11-11T23:00 11-12T23:00  -
        daily-allday@example.com|2024-11-13    11-12T23:00 11-13T23:00  -
    """,
    ),
    "duration-and-missing-end": (
        "duration_instead_of_dtend.ics",
        "UTC",
        """
        duration@example.com|  11-05T09:00 11-05T10:30  UTC
        no-end@example.com|    11-06T09:00 11-06T09:00  UTC
    """,
    ),
    "override-moves-one-occurrence": (
        "moved_occurrence.ics",
        "UTC",
        """
        moved-series@firma.sk|2024-11-04T13:00:00Z  11-04T13:00 11-04T14:00  Europe/Bratislava
        moved-series@firma.sk|2024-11-11T13:00:00Z  11-12T15:00 11-12T16:00  Europe/Bratislava
        moved-series@firma.sk|2024-11-18T13:00:00Z  11-18T13:00 11-18T14:00  Europe/Bratislava
    """,
    ),
    "exdate-list": (
        "exdate.ics",
        "UTC",
        """
        exdate-series@example.com|2024-11-04T08:00:00Z  11-04T08:00 11-04T08:30  Europe/Bratislava
        exdate-series@example.com|2024-11-07T08:00:00Z  11-07T08:00 11-07T08:30  Europe/Bratislava
    """,
    ),
    "rdate-without-rrule": (
        "rdate.ics",
        "UTC",
        """
        rdate-only@example.com|2024-11-04T09:00:00Z  11-04T09:00 11-04T10:00  UTC
        rdate-only@example.com|2024-11-10T09:00:00Z  11-10T09:00 11-10T10:00  UTC
        rdate-only@example.com|2024-11-20T15:00:00Z  11-20T15:00 11-20T16:00  UTC
    """,
    ),
}


def _table(text: str) -> dict[str, tuple[datetime, datetime, str | None]]:
    rows = {}
    for line in text.strip().splitlines():
        key, start, end, tzid = line.replace("{OUTLOOK}", OUTLOOK).split()
        rows[f"ev:{key}"] = (
            utc(f"2024-{start}"),
            utc(f"2024-{end}"),
            None if tzid == "-" else tzid.replace("_", " "),
        )
    return rows


@pytest.mark.parametrize(("name", "default_tz", "table"), CASES.values(), ids=CASES.keys())
def test_recurrence_and_time_zones(name: str, default_tz: str, table: str) -> None:
    expected = _table(table)
    got = items(name, default_tz=default_tz)
    assert sorted(got) == sorted(expected)
    for key, (start, end, tzid) in expected.items():
        item = got[key]
        assert (item.occurred_at, item.ends_at, item.tzid) == (start, end, tzid), key
        assert item.occurred_at.tzinfo is UTC and item.ends_at and item.ends_at.tzinfo is UTC
        uid, _, recurrence = key.removeprefix("ev:").rpartition("|")
        assert (item.uid, item.recurrence_id or "") == (uid, recurrence)
        assert item.all_day == name.startswith("all_day")
        assert item.source.remote_id == f"export.ics#{uid}|{recurrence}"
        assert split_ref("export.ics", item.source.remote_id) == (uid, recurrence)


def test_dst_keeps_local_wall_clock() -> None:
    zone = ZoneInfo("Europe/Bratislava")
    got = items("bratislava_weekly_dst.ics").values()
    assert {i.occurred_at.astimezone(zone).hour for i in got} == {10}
    assert sorted(i.occurred_at.hour for i in got) == [8, 8, 9, 9]


def test_moving_the_window_never_changes_keys() -> None:
    wide = items("moved_occurrence.ics")
    narrow = items(
        "moved_occurrence.ics", start=utc("2024-11-10 00:00"), end=utc("2024-11-13 00:00")
    )
    assert list(narrow) == ["ev:moved-series@firma.sk|2024-11-11T13:00:00Z"]
    for key, item in narrow.items():
        assert wide[key] == item


def test_window_is_half_open() -> None:
    cal = "BEGIN:VCALENDAR\n" + _vevent("a", "DTSTART:20241105T090000Z") + "END:VCALENDAR\n"
    at = utc("2024-11-05 09:00")
    assert len(parse(cal, start=at, end=utc("2024-11-06 00:00"))) == 1
    assert parse(cal, start=utc("2024-11-01 00:00"), end=at) == []


def test_cancelled_occurrence_and_method_cancel() -> None:
    series = items("cancelled_occurrence.ics")
    assert [i.status for i in sorted(series.values(), key=lambda i: i.occurred_at)] == [
        "confirmed",
        "cancelled",
        "confirmed",
    ]
    (cancelled,) = items("method_cancel.ics").values()
    assert cancelled.status == "cancelled" and cancelled.sequence == 3


@pytest.mark.parametrize(
    ("visibility", "subject", "body", "location"),
    [
        ("metadata", None, None, None),
        ("subject", "Public", None, "Room 1"),
        ("full", "Public", "Notes", "Room 1"),
    ],
)
def test_class_private_and_visibility(
    visibility: Visibility, subject: str | None, body: str | None, location: str | None
) -> None:
    got = items("private_event.ics", visibility=visibility)
    for key in ("ev:private@example.com|", "ev:confidential@example.com|"):
        item = got[key]
        assert item.private and (item.subject, item.body_text, item.location, item.raw) == (
            None,
            None,
            None,
            None,
        )
    assert got["ev:private@example.com|"].participants == (
        Participant("me@example.com", None, "attendee", "accepted"),
    )
    public = got["ev:public@example.com|"]
    assert not public.private
    assert (public.subject, public.body_text, public.location) == (subject, body, location)
    assert (public.raw is not None) == (visibility == "full")


def test_attendees_partstat_and_names() -> None:
    (item,) = items("attendees_cyrillic_slovak.ics").values()
    assert item.subject == "Stretnutie / Зустріч"
    assert item.participants == (
        Participant("lubomir.stastny@firma.sk", "Ľubomír Šťastný", "organizer", None),
        Participant("olena.kovalenko@example.ua", "Олена Коваленко", "attendee", "accepted"),
        Participant("zuzana+crm@example.sk", "Ďurčová, Zuzana", "attendee", "tentative"),
        Participant("petr@example.ru", "Пётр Иванов", "attendee", "declined"),
        Participant("room-2@firma.sk", "Zasadačka", "attendee", "needs-action"),
        Participant("asistentka@firma.sk", "Asistentka", "attendee", "delegated"),
        Participant("", "No Mail", "attendee", None),
    )


def test_outlook_organizer_is_lower_cased_and_fold_inside_utf8_char_is_restored() -> None:
    outlook = items("outlook_windows_tzid.ics")[f"ev:{OUTLOOK}1|"]
    assert outlook.participants[0] == Participant("jan.novak@firma.sk", "Novák Ján", "organizer")
    (folded,) = items("folded_inside_utf8_char.ics").values()
    assert folded.subject == "Stretnutie s pánom Šťastným o zmluve č. 42 a ďalších bodoch programu"


def test_bad_vevents_are_quarantined_good_ones_survive() -> None:
    entries = parse((DATA / "missing_uid.ics").read_bytes())
    good = [e for e in entries if isinstance(e, MeetingItem)]
    bad = {e.source.remote_id: e.reason for e in entries if isinstance(e, Quarantined)}
    assert [e.dedupe_key for e in good] == ["ev:good@example.com|"]
    assert len(bad) == 3
    assert bad["export.ics#no-dtstart@example.com"] == "VEVENT without DTSTART"
    assert bad["export.ics#bad-dtstart@example.com"].startswith("invalid DTSTART")
    (no_uid,) = [k for k in bad if k.startswith("export.ics#sha256:")]
    assert bad[no_uid] == "VEVENT without UID"
    assert all(e.raw.startswith(b"BEGIN:VEVENT") for e in entries if isinstance(e, Quarantined))


def test_garbage_file_is_quarantined_whole() -> None:
    raw = (DATA / "garbage.ics").read_bytes()
    (entry,) = parse(raw)
    assert isinstance(entry, Quarantined)
    assert entry.source == SOURCE and entry.raw == raw
    assert entry.reason.startswith("invalid iCalendar")
    assert parse(b"") == [] and parse(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n") == []


def _vevent(uid: str, *lines: str) -> str:
    return "BEGIN:VEVENT\nUID:" + uid + "\n" + "".join(f"{ln}\n" for ln in lines) + "END:VEVENT\n"


def test_one_bad_override_quarantines_its_series_only() -> None:
    cal = (
        "BEGIN:VCALENDAR\n"
        + _vevent("s", "DTSTART:20241104T090000Z", "RRULE:FREQ=WEEKLY;COUNT=3")
        + _vevent("s", "RECURRENCE-ID:20241111T090000Z", "DTSTART:bogus")
        + _vevent("other", "DTSTART:20241105T090000Z")
        + "END:VCALENDAR\n"
    )
    entries = parse(cal)
    assert [e.dedupe_key for e in entries if isinstance(e, MeetingItem)] == ["ev:other|"]
    (bad,) = [e for e in entries if isinstance(e, Quarantined)]
    assert bad.source.remote_id == "export.ics#s" and bad.raw.count(b"BEGIN:VEVENT") == 2


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ("RRULE:FREQ=MINUTELY", "unsupported RRULE FREQ=MINUTELY"),
        ("RRULE:FREQ=SOMETIMES", "invalid RRULE"),
        ("RRULE:FREQ=HOURLY;BYMINUTE=0,15,30,45", "RRULE too costly"),
    ],
)
def test_costly_or_broken_rules_are_quarantined(rule: str, reason: str) -> None:
    cal = _vevent("r", "DTSTART:19000101T000000Z", rule) + _vevent("ok", "DTSTART:20241105T090000Z")
    entries = parse(cal)  # bare VEVENTs without VCALENDAR are read too
    assert [e.dedupe_key for e in entries if isinstance(e, MeetingItem)] == ["ev:ok|"]
    (bad,) = [e for e in entries if isinstance(e, Quarantined)]
    assert bad.reason.startswith(reason)


def test_truncated_file_keeps_complete_events_and_says_so() -> None:
    cal = (
        "BEGIN:VCALENDAR\n" + _vevent("a", "DTSTART:20241105T090000Z") + "BEGIN:VEVENT\nUID:b\nDTST"
    )
    result = read_calendar(
        cal.encode(), SOURCE, window_start=START, window_end=END, visibility="full"
    )
    assert not result.complete and result.quarantined_uids == {"b"}
    assert [type(e).__name__ for e in result.entries] == ["MeetingItem", "Quarantined"]


def test_concatenated_calendars_and_method_per_calendar() -> None:
    one = (
        "BEGIN:VCALENDAR\nMETHOD:CANCEL\n"
        + _vevent("a", "DTSTART:20241105T090000Z")
        + "END:VCALENDAR\n"
    )
    two = (
        "BEGIN:VCALENDAR\nMETHOD:REQUEST\n"
        + _vevent("b", "DTSTART:20241106T090000Z")
        + "END:VCALENDAR\n"
    )
    got = {e.uid: e.status for e in parse(one + two) if isinstance(e, MeetingItem)}
    assert got == {"a": "cancelled", "b": None}


def test_this_and_future_override_keeps_original_recurrence_ids() -> None:
    cal = _vevent(
        "t", "DTSTART:20241104T090000Z", "DURATION:PT1H", "RRULE:FREQ=WEEKLY;COUNT=4"
    ) + _vevent(
        "t",
        "RECURRENCE-ID;RANGE=THISANDFUTURE:20241118T090000Z",
        "DTSTART:20241118T100000Z",
        "DURATION:PT1H",
        "SUMMARY:Later from now on",
    )
    got = {e.recurrence_id: e.occurred_at.hour for e in parse(cal) if isinstance(e, MeetingItem)}
    assert got == {
        "2024-11-04T09:00:00Z": 9,
        "2024-11-11T09:00:00Z": 9,
        "2024-11-18T09:00:00Z": 10,
        "2024-11-25T09:00:00Z": 10,
    }


def test_custom_vtimezones_are_used_and_do_not_leak_between_files() -> None:
    def calendar(offset: str) -> str:
        return (
            "BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Customized Time Zone\\, Outlook\n"
            f"BEGIN:STANDARD\nDTSTART:16010101T000000\nTZOFFSETFROM:{offset}\n"
            f"TZOFFSETTO:{offset}\nEND:STANDARD\nEND:VTIMEZONE\n"
            + _vevent("c", 'DTSTART;TZID="Customized Time Zone, Outlook":20241105T120000')
            + "END:VCALENDAR\n"
        )

    hours = []
    for offset in ("+0500", "+0100"):
        (item,) = parse(calendar(offset))
        assert isinstance(item, MeetingItem)
        hours.append(item.occurred_at.hour)
        assert item.tzid == "Customized Time Zone, Outlook"
    assert hours == [7, 11]


def test_read_calendar_reports_what_exists_outside_the_window() -> None:
    result = read_calendar(
        (DATA / "moved_occurrence.ics").read_bytes(),
        SOURCE,
        window_start=utc("2025-06-01 00:00"),
        window_end=utc("2025-07-01 00:00"),
        visibility="full",
    )
    assert result.entries == () and result.complete and result.events == 2
    assert result.present == {"moved-series@firma.sk|2024-11-11T13:00:00Z"}


def test_caller_mistakes_raise() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_calendar(
            b"", SOURCE, window_start=datetime(2024, 1, 1), window_end=END, visibility="full"
        )
    with pytest.raises(ValueError, match="time zone"):
        parse(b"", default_tz="Mars/Olympus")


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (  # RFC 5545 §3.8.5.2 example shape: periods with a TZID
            [
                "DTSTART;TZID=Europe/Bratislava:20241104T090000",
                "DURATION:PT1H",
                "RDATE;TZID=Europe/Bratislava;VALUE=PERIOD:20241105T090000/PT2H",
            ],
            [
                ("2024-11-04T08:00:00Z", "2024-11-04 09:00"),
                ("2024-11-05T08:00:00Z", "2024-11-05 10:00"),
            ],
        ),
        (  # the same DTSTART twice, and a SEQUENCE Outlook never wrote
            [
                "DTSTART:20241104T090000Z",
                "DTSTART:20241104T090000Z",
                "SEQUENCE:0;",
                "RRULE:FREQ=DAILY;COUNT=2",
            ],
            [
                ("2024-11-04T09:00:00Z", "2024-11-04 09:00"),
                ("2024-11-05T09:00:00Z", "2024-11-05 09:00"),
            ],
        ),
    ],
)
def test_quirky_but_readable(lines: list[str], expected: list[tuple[str, str]]) -> None:
    got = [
        (e.recurrence_id, e.ends_at)
        for e in parse(_vevent("q", *lines))
        if isinstance(e, MeetingItem)
    ]
    assert got == [(rid, utc(end)) for rid, end in expected]


def test_contradicting_duplicates_are_quarantined() -> None:
    (entry,) = parse(_vevent("d", "DTSTART:20241104T090000Z", "DTSTART:20241105T090000Z"))
    assert isinstance(entry, Quarantined)
    assert entry.reason == "VEVENT with 2 different DTSTART properties"


def test_far_away_single_events_are_known_without_being_parsed() -> None:
    cal = _vevent("past", "DTSTART:20150105T090000Z", "ATTENDEE:not-even-parsed") + _vevent(
        "now", "DTSTART:20241105T090000Z"
    )
    result = read_calendar(
        cal.encode(), SOURCE, window_start=START, window_end=END, visibility="full"
    )
    assert [e.uid for e in result.entries if isinstance(e, MeetingItem)] == ["now"]
    assert result.present == {"past|", "now|"} and result.events == 2
