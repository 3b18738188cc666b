"""Recurrence and time zones as Radicale serves them (re-serialised by vobject).

One table: each case is a calendar object resource PUT to Radicale and the
timeline rows it must become (RECURRENCE-ID in UTC, start and end in UTC,
all-day, status). The window is wide so that the fixed 2025 dates stay in it.
"""

from __future__ import annotations

import uuid

from tests.integration.caldav.conftest import Harness, vcalendar, vevent
from tests.servers.radicale import USERS, RadicaleServer

BRATISLAVA = ";TZID=Europe/Bratislava"
OUTLOOK_ZONE = "(UTC+01:00) Belgrade\\, Bratislava\\, Budapest\\, Ljubljana\\, Prague"
OUTLOOK_PARAM = ';TZID="(UTC+01:00) Belgrade, Bratislava, Budapest, Ljubljana, Prague"'
OUTLOOK_VTIMEZONE = f"""BEGIN:VTIMEZONE
TZID:{OUTLOOK_ZONE}
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
"""

Row = tuple[str, str, str, bool, str | None]  # rid, start, end, all-day, status


def z(text: str) -> str:
    """'2025-10-20 08:00' -> ISO UTC as the store returns it."""
    return text.replace(" ", "T") + ":00+00:00"


CASES: dict[str, tuple[list[str], str, list[Row]]] = {
    "bratislava_weekly_over_the_autumn_dst_change": (
        [
            f"{BRATISLAVA}:20251020T100000",
            f"{BRATISLAVA}:20251020T103000",
            "RRULE:FREQ=WEEKLY;COUNT=3",
        ],
        "",
        [
            ("2025-10-20T08:00:00Z", z("2025-10-20 08:00"), z("2025-10-20 08:30"), False, None),
            ("2025-10-27T09:00:00Z", z("2025-10-27 09:00"), z("2025-10-27 09:30"), False, None),
            ("2025-11-03T09:00:00Z", z("2025-11-03 09:00"), z("2025-11-03 09:30"), False, None),
        ],
    ),
    "kyiv_daily_over_the_spring_dst_change": (
        [
            ";TZID=Europe/Kyiv:20250329T090000",
            ";TZID=Europe/Kyiv:20250329T100000",
            "RRULE:FREQ=DAILY;COUNT=3",
        ],
        "",
        [
            ("2025-03-29T07:00:00Z", z("2025-03-29 07:00"), z("2025-03-29 08:00"), False, None),
            ("2025-03-30T06:00:00Z", z("2025-03-30 06:00"), z("2025-03-30 07:00"), False, None),
            ("2025-03-31T06:00:00Z", z("2025-03-31 06:00"), z("2025-03-31 07:00"), False, None),
        ],
    ),
    "legacy_kiev_name": (
        [";TZID=Europe/Kiev:20251210T140000", ";TZID=Europe/Kiev:20251210T150000", ""],
        "",
        [("", z("2025-12-10 12:00"), z("2025-12-10 13:00"), False, None)],
    ),
    "windows_zone_central_europe_summer": (
        [
            ';TZID="Central Europe Standard Time":20250715T100000',
            ';TZID="Central Europe Standard Time":20250715T110000',
            "",
        ],
        "",
        [("", z("2025-07-15 08:00"), z("2025-07-15 09:00"), False, None)],
    ),
    "windows_zone_fle_winter": (
        [";TZID=FLE Standard Time:20251210T120000", ";TZID=FLE Standard Time:20251210T130000", ""],
        "",
        [("", z("2025-12-10 10:00"), z("2025-12-10 11:00"), False, None)],
    ),
    "outlook_display_name_zone_with_vtimezone": (
        [f"{OUTLOOK_PARAM}:20250710T100000", f"{OUTLOOK_PARAM}:20250710T110000", ""],
        OUTLOOK_VTIMEZONE,
        [("", z("2025-07-10 08:00"), z("2025-07-10 09:00"), False, None)],
    ),
    "all_day_three_days": (
        [";VALUE=DATE:20250801", ";VALUE=DATE:20250804", ""],
        "",
        [("", z("2025-08-01 00:00"), z("2025-08-04 00:00"), True, None)],
    ),
    "all_day_daily_series": (
        [";VALUE=DATE:20250810", "", "RRULE:FREQ=DAILY;COUNT=2"],
        "",
        [
            ("2025-08-10", z("2025-08-10 00:00"), z("2025-08-11 00:00"), True, None),
            ("2025-08-11", z("2025-08-11 00:00"), z("2025-08-12 00:00"), True, None),
        ],
    ),
    "exdate_in_local_time": (
        [
            f"{BRATISLAVA}:20250602T090000",
            f"{BRATISLAVA}:20250602T093000",
            f"RRULE:FREQ=DAILY;COUNT=4\nEXDATE{BRATISLAVA}:20250603T090000",
        ],
        "",
        [
            ("2025-06-02T07:00:00Z", z("2025-06-02 07:00"), z("2025-06-02 07:30"), False, None),
            ("2025-06-04T07:00:00Z", z("2025-06-04 07:00"), z("2025-06-04 07:30"), False, None),
            ("2025-06-05T07:00:00Z", z("2025-06-05 07:00"), z("2025-06-05 07:30"), False, None),
        ],
    ),
    "rdate_extra_dates": (
        [":20250901T090000Z", ":20250901T100000Z", "RDATE:20250910T090000Z,20250920T150000Z"],
        "",
        [
            ("2025-09-01T09:00:00Z", z("2025-09-01 09:00"), z("2025-09-01 10:00"), False, None),
            ("2025-09-10T09:00:00Z", z("2025-09-10 09:00"), z("2025-09-10 10:00"), False, None),
            ("2025-09-20T15:00:00Z", z("2025-09-20 15:00"), z("2025-09-20 16:00"), False, None),
        ],
    ),
    "until_in_utc_across_dst": (
        [
            f"{BRATISLAVA}:20250324T100000",
            f"{BRATISLAVA}:20250324T110000",
            "RRULE:FREQ=WEEKLY;UNTIL=20250407T080000Z",
        ],
        "",
        [
            ("2025-03-24T09:00:00Z", z("2025-03-24 09:00"), z("2025-03-24 10:00"), False, None),
            ("2025-03-31T08:00:00Z", z("2025-03-31 08:00"), z("2025-03-31 09:00"), False, None),
            ("2025-04-07T08:00:00Z", z("2025-04-07 08:00"), z("2025-04-07 09:00"), False, None),
        ],
    ),
}

# overrides: (master tail, override VEVENT builder) handled separately below
MOVED: list[Row] = [
    ("2025-11-03T13:00:00Z", z("2025-11-03 13:00"), z("2025-11-03 14:00"), False, None),
    ("2025-11-10T13:00:00Z", z("2025-11-11 15:00"), z("2025-11-11 16:00"), False, None),
    ("2025-11-17T13:00:00Z", z("2025-11-17 13:00"), z("2025-11-17 14:00"), False, None),
]
CANCELLED: list[Row] = [
    ("2025-05-05T10:00:00Z", z("2025-05-05 10:00"), z("2025-05-05 11:00"), False, None),
    ("2025-05-12T10:00:00Z", z("2025-05-12 10:00"), z("2025-05-12 11:00"), False, "cancelled"),
]


def _rows(harness: Harness, uid: str) -> list[Row]:
    rows = []
    for key, item in harness.meetings().items():
        if key.startswith(f"ev:{uid}|"):
            rows.append(
                (
                    key.rpartition("|")[2],
                    item.occurred_at.isoformat(),
                    item.ends_at.isoformat() if item.ends_at else "",
                    item.all_day,
                    item.status,
                )
            )
    return sorted(rows)


def test_recurrence_and_time_zone_table(radicale: RadicaleServer, harness: Harness) -> None:
    cal = radicale.mkcalendar("alice")
    run = uuid.uuid4().hex[:8]
    expected: dict[str, list[Row]] = {}
    for name, ((start, end, extra), vtimezone, rows) in CASES.items():
        uid = f"{name}-{run}"
        event = vevent(uid, start, end or None, extra=extra)
        radicale.put(f"{cal}{name}.ics", vcalendar(event, extra=vtimezone))
        expected[uid] = rows
    moved = f"moved-{run}"
    radicale.put(
        f"{cal}moved.ics",
        vcalendar(
            vevent(
                moved,
                f"{BRATISLAVA}:20251103T140000",
                f"{BRATISLAVA}:20251103T150000",
                extra="RRULE:FREQ=WEEKLY;COUNT=3",
            ),
            vevent(
                moved,
                f"{BRATISLAVA}:20251111T160000",
                f"{BRATISLAVA}:20251111T170000",
                extra=f"RECURRENCE-ID{BRATISLAVA}:20251110T140000\nSEQUENCE:1",
            ),
        ),
    )
    expected[moved] = MOVED
    cancelled = f"cancelled-{run}"
    radicale.put(
        f"{cal}cancelled.ics",
        vcalendar(
            vevent(
                cancelled,
                ":20250505T100000Z",
                ":20250505T110000Z",
                extra="RRULE:FREQ=WEEKLY;COUNT=2",
            ),
            vevent(
                cancelled,
                ":20250512T100000Z",
                ":20250512T110000Z",
                extra="RECURRENCE-ID:20250512T100000Z\nSTATUS:CANCELLED\nSEQUENCE:1",
            ),
        ),
    )
    expected[cancelled] = CANCELLED
    harness.add(
        "tz",
        radicale.url,
        user="alice",
        secret=USERS["alice"],
        calendars=[cal],
        window_past="3650d",
        window_future="3650d",
    )
    report = harness.sync("tz")
    assert report.quarantined == 0
    wrong = {
        uid: (_rows(harness, uid), rows)
        for uid, rows in expected.items()
        if _rows(harness, uid) != rows
    }
    assert not wrong, "\n".join(
        f"{uid}:\n  got  {got}\n  want {want}" for uid, (got, want) in wrong.items()
    )
    # a second full read (cursor reset) writes no duplicate
    assert harness.sync("tz", full=True).created == 0
