"""CalDAV against a real Radicale through the real pipeline (SQLite and PostgreSQL).

Dates are relative to today so that they sit inside the default window
(90 days back, 180 ahead).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from connectors.caldav import parallel
from syncd.store.db import session_factory
from syncd.store.models import ParticipantRow, QuarantineRow
from tests.integration.caldav.conftest import Harness, vcalendar, vevent
from tests.servers.radicale import USERS, RadicaleServer


def day(offset: int, hour: int = 10) -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=offset, hours=hour)


def utc(moment: datetime) -> str:
    return ":" + moment.strftime("%Y%m%dT%H%M%SZ")


def rid(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def connect(
    harness: Harness, radicale: RadicaleServer, user: str, name: str, **extra: object
) -> None:
    harness.add(name, radicale.url, user=user, secret=USERS[user], **extra)


def test_first_sync_updates_deletes_and_the_unchanged_poll_costs_one_request(
    radicale: RadicaleServer, harness: Harness
) -> None:
    cal = radicale.mkcalendar("alice", display=f"Work {uuid.uuid4().hex[:6]}")
    single, series = f"single-{uuid.uuid4()}", f"series-{uuid.uuid4()}"
    start = day(1)
    radicale.put(
        f"{cal}single.ics", vcalendar(vevent(single, utc(start), utc(start + timedelta(hours=1))))
    )
    weekly = vevent(
        series,
        utc(day(2, 14)),
        utc(day(2, 15)),
        summary="Weekly",
        extra="RRULE:FREQ=WEEKLY;COUNT=3",
    )
    radicale.put(f"{cal}series.ics", vcalendar(weekly))
    connect(harness, radicale, "alice", "alice", calendars=[cal], visibility="full")

    first = harness.sync("alice")
    assert first.created == 4
    meetings = harness.meetings()
    keys = {f"ev:{single}|"} | {f"ev:{series}|{rid(day(2 + 7 * i, 14))}" for i in range(3)}
    assert set(meetings) == keys
    assert meetings[f"ev:{single}|"].subject == "Meeting"
    with session_factory(harness.engine)() as s:
        people = {(p.role, p.address, p.response) for p in s.scalars(select(ParticipantRow))}
    assert ("organizer", "peter@tatrasoft.sk", None) in people
    assert ("attendee", "jan@acme.sk", "accepted") in people
    assert {src[1] for src in harness.sources()} == {cal}
    assert {src[2] for src in harness.sources()} >= {f"{cal}single.ics#{single}|"}

    # an unchanged calendar: one REPORT, nothing written
    before = radicale.request_count()
    again = harness.sync("alice")
    assert radicale.request_count() - before == 1
    assert (again.created, again.updated, again.gone) == (0, 0, 0)

    # moved, renamed, attendee added: the same item is updated
    moved = vevent(
        single,
        utc(start + timedelta(hours=2)),
        utc(start + timedelta(hours=3)),
        summary="Renamed",
        attendees=("jan@acme.sk", "eva@acme.sk"),
        extra="SEQUENCE:1",
    )
    radicale.put(f"{cal}single.ics", vcalendar(moved))
    changed = harness.sync("alice")
    assert (changed.created, changed.updated) == (0, 1)
    item = harness.meetings()[f"ev:{single}|"]
    assert item.subject == "Renamed" and item.occurred_at == start + timedelta(hours=2)
    with session_factory(harness.engine)() as s:
        addresses = set(
            s.scalars(
                select(ParticipantRow.address).where(ParticipantRow.communication_id == item.id)
            )
        )
    assert "eva@acme.sk" in addresses
    assert len(harness.meetings()) == 4

    # the series resource deleted on the server: every occurrence cancelled, kept
    radicale.delete(f"{cal}series.ics")
    gone = harness.sync("alice")
    assert gone.gone == 3
    meetings = harness.meetings()
    assert len(meetings) == 4
    assert {meetings[k].status for k in keys - {f"ev:{single}|"}} == {"cancelled"}

    # STATUS:CANCELLED on the server: the item says so
    cancelled = moved.replace("SEQUENCE:1", "SEQUENCE:2\nSTATUS:CANCELLED")
    radicale.put(f"{cal}single.ics", vcalendar(cancelled))
    harness.sync("alice")
    assert harness.meetings()[f"ev:{single}|"].status == "cancelled"
    assert len(harness.meetings()) == 4


def test_exdate_and_cancelled_occurrence_are_retracted_not_dropped(
    radicale: RadicaleServer, harness: Harness
) -> None:
    cal = radicale.mkcalendar("alice")
    uid = f"daily-{uuid.uuid4()}"
    first = day(3, 9)
    base = vevent(
        uid, utc(first), utc(first + timedelta(minutes=30)), extra="RRULE:FREQ=DAILY;COUNT=4"
    )
    radicale.put(f"{cal}daily.ics", vcalendar(base))
    connect(harness, radicale, "alice", "a", calendars=[cal])
    assert harness.sync("a").created == 4

    second, third = first + timedelta(days=1), first + timedelta(days=2)
    with_exdate = base.replace("RRULE:", f"EXDATE{utc(second)}\nRRULE:")
    override = vevent(
        uid,
        utc(third),
        utc(third + timedelta(minutes=30)),
        extra=f"RECURRENCE-ID{utc(third)}\nSTATUS:CANCELLED\nSEQUENCE:1",
    )
    radicale.put(f"{cal}daily.ics", vcalendar(with_exdate, override))
    report = harness.sync("a")
    assert report.created == 0 and report.gone == 1
    meetings = harness.meetings()
    assert len(meetings) == 4
    assert meetings[f"ev:{uid}|{rid(second)}"].status == "cancelled"  # EXDATE: source gone
    assert meetings[f"ev:{uid}|{rid(third)}"].status == "cancelled"  # STATUS:CANCELLED
    assert meetings[f"ev:{uid}|{rid(first)}"].status != "cancelled"
    gone = {r for k, _, r, g in harness.sources() if g}
    assert gone == {f"{cal}daily.ics#{uid}|{rid(second)}"}


def test_invalidated_sync_token_resyncs_fully_without_duplicates(
    radicale: RadicaleServer, harness: Harness
) -> None:
    cal = radicale.mkcalendar("alice")
    uids = [f"tok-{i}-{uuid.uuid4()}" for i in range(3)]
    for i, uid in enumerate(uids):
        radicale.put(f"{cal}{i}.ics", vcalendar(vevent(uid, utc(day(5 + i)))))
    connect(harness, radicale, "alice", "a", calendars=[cal])
    assert harness.sync("a").created == 3

    radicale.delete(f"{cal}0.ics")
    radicale.put(f"{cal}3.ics", vcalendar(vevent("tok-new-" + uids[0], utc(day(9)))))
    radicale.invalidate_sync_tokens(cal)
    log_before = len(radicale.log_path.read_text())
    report = harness.sync("a")
    assert "403 Forbidden" in radicale.log_path.read_text()[log_before:]  # the token was refused
    assert (report.created, report.updated, report.gone) == (1, 0, 1)
    meetings = harness.meetings()
    assert len(meetings) == 4
    assert meetings[f"ev:{uids[0]}|"].status == "cancelled"
    # and the next poll is incremental again
    before = radicale.request_count()
    assert harness.sync("a").created == 0
    assert radicale.request_count() - before == 1


def test_ctag_and_etag_fallback(radicale: RadicaleServer, harness: Harness) -> None:
    cal = radicale.mkcalendar("alice")
    a, b = f"ctag-a-{uuid.uuid4()}", f"ctag-b-{uuid.uuid4()}"
    radicale.put(f"{cal}a.ics", vcalendar(vevent(a, utc(day(1)))))
    radicale.put(f"{cal}b.ics", vcalendar(vevent(b, utc(day(2)))))
    connect(harness, radicale, "alice", "a", calendars=[cal], sync_method="ctag")
    assert harness.sync("a").created == 2

    before = radicale.request_count()
    assert harness.sync("a").created == 0
    assert radicale.request_count() - before == 1  # getctag only

    radicale.put(
        f"{cal}a.ics", vcalendar(vevent(a, utc(day(1, 16)), summary="Later", extra="SEQUENCE:1"))
    )
    radicale.delete(f"{cal}b.ics")
    before = radicale.request_count()
    report = harness.sync("a")
    assert radicale.request_count() - before == 3  # getctag, etag listing, multiget of one
    assert (report.created, report.updated, report.gone) == (0, 1, 1)
    meetings = harness.meetings()
    assert meetings[f"ev:{a}|"].subject == "Later"
    assert meetings[f"ev:{b}|"].status == "cancelled"

    # a listing that is suddenly empty is believed only when the next poll confirms it
    radicale.delete(f"{cal}a.ics")
    assert harness.sync("a").gone == 0
    assert harness.meetings()[f"ev:{a}|"].status != "cancelled"
    assert harness.sync("a").gone == 1
    assert harness.meetings()[f"ev:{a}|"].status == "cancelled"


def test_same_meeting_in_several_calendars_is_one_item_with_several_sources(
    radicale: RadicaleServer, harness: Harness
) -> None:
    uid = f"shared-{uuid.uuid4()}"
    start = utc(day(4, 13))
    organizer_copy = vcalendar(
        vevent(uid, start, summary="Kickoff", attendees=("jan@acme.sk", "bob@tatrasoft.sk"))
    )
    attendee_copy = organizer_copy  # bob's copy: he accepted
    organizer_copy = organizer_copy.replace(
        "PARTSTAT=ACCEPTED:mailto:bob", "PARTSTAT=NEEDS-ACTION:mailto:bob"
    )
    work, other = radicale.mkcalendar("alice"), radicale.mkcalendar("alice")
    bobs = radicale.mkcalendar("bob")
    radicale.put(f"{work}k.ics", organizer_copy)
    radicale.put(f"{other}k.ics", organizer_copy)
    radicale.put(f"{bobs}kickoff.ics", attendee_copy)
    connect(harness, radicale, "alice", "alice", calendars=[work, other])
    connect(harness, radicale, "bob", "bob", calendars=[bobs])
    harness.sync("alice")
    harness.sync("bob")
    assert list(harness.meetings()) == [f"ev:{uid}|"]
    sources = harness.sources()
    assert {(s[1], s[2]) for s in sources} == {
        (work, f"{work}k.ics#{uid}|"),
        (other, f"{other}k.ics#{uid}|"),
        (bobs, f"{bobs}kickoff.ics#{uid}|"),
    }
    radicale.delete(f"{bobs}kickoff.ics")
    radicale.delete(f"{other}k.ics")
    harness.sync("bob")
    harness.sync("alice")
    assert harness.meetings()[f"ev:{uid}|"].status != "cancelled"  # still in alice's work
    radicale.delete(f"{work}k.ics")
    harness.sync("alice")
    assert harness.meetings()[f"ev:{uid}|"].status == "cancelled"


def test_private_event_keeps_metadata_only(radicale: RadicaleServer, harness: Harness) -> None:
    cal = radicale.mkcalendar("alice")
    uid = f"private-{uuid.uuid4()}"
    radicale.put(
        f"{cal}p.ics",
        vcalendar(
            vevent(
                uid,
                utc(day(2)),
                summary="Lekár",
                extra="CLASS:PRIVATE\nLOCATION:Poliklinika\nDESCRIPTION:notes",
            )
        ),
    )
    connect(harness, radicale, "alice", "a", calendars=[cal], visibility="full")
    harness.sync("a")
    item = harness.meetings()[f"ev:{uid}|"]
    assert (item.subject, item.body, item.location, item.visibility) == (
        None,
        None,
        None,
        "metadata",
    )


def test_unreadable_event_is_quarantined_and_the_sync_goes_on(
    radicale: RadicaleServer, harness: Harness
) -> None:
    cal = radicale.mkcalendar("alice")
    good = f"good-{uuid.uuid4()}"
    radicale.put(f"{cal}good.ics", vcalendar(vevent(good, utc(day(1)))))
    radicale.put(
        f"{cal}bad.ics", vcalendar(vevent("bad-" + good, utc(day(1)), extra="RRULE:FREQ=SECONDLY"))
    )
    connect(harness, radicale, "alice", "a", calendars=[cal])
    report = harness.sync("a")
    assert (report.created, report.quarantined) == (1, 1)
    with session_factory(harness.engine)() as s:
        row = s.scalars(select(QuarantineRow)).one()
    assert (
        row.scope == cal and row.remote_id.startswith(f"{cal}bad.ics#") and "SECONDLY" in row.reason
    )
    assert list(harness.meetings()) == [f"ev:{good}|"]


def test_moving_the_window_adds_occurrences_without_duplicates(
    radicale: RadicaleServer, harness: Harness
) -> None:
    cal = radicale.mkcalendar("alice")
    series, later = f"win-{uuid.uuid4()}", f"later-{uuid.uuid4()}"
    radicale.put(
        f"{cal}s.ics", vcalendar(vevent(series, utc(day(1, 8)), extra="RRULE:FREQ=WEEKLY;COUNT=8"))
    )
    radicale.put(f"{cal}l.ics", vcalendar(vevent(later, utc(day(40)))))
    connect(harness, radicale, "alice", "a", calendars=[cal], window_future="20d")
    assert harness.sync("a").created == 3  # days 1, 8, 15
    connect(harness, radicale, "alice", "a", calendars=[cal], window_future="60d")
    before = radicale.request_count()
    report = harness.sync("a")
    assert report.created == 6 and report.updated == 0  # days 22..50 and the single on day 40
    assert radicale.request_count() - before <= 6  # discovery (new config) + REPORT + multiget
    assert len(harness.meetings()) == 9
    again = harness.sync("a")
    assert (again.created, again.updated) == (0, 0)
    # shrinking the window retracts nothing; growing it again re-reads, never duplicates
    connect(harness, radicale, "alice", "a", calendars=[cal], window_future="20d")
    assert harness.sync("a").gone == 0
    connect(harness, radicale, "alice", "a", calendars=[cal], window_future="60d")
    regrown = harness.sync("a")
    assert (regrown.created, regrown.gone) == (0, 0)
    assert len(harness.meetings()) == 9
    assert not any(g for *_, g in harness.sources())


def test_many_changed_resources_are_parsed_in_a_process_pool(
    radicale: RadicaleServer, harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "POOL_MIN_JOBS", 3)  # the pool path without 200 fixtures
    monkeypatch.setattr(parallel, "default_workers", lambda: 2)  # even on a 2-core machine
    cal = radicale.mkcalendar("alice")
    run = uuid.uuid4().hex[:8]
    for i in range(12):
        rule = "RRULE:FREQ=DAILY;COUNT=2" if i % 3 == 0 else ""
        radicale.write(
            f"{cal}{i}.ics", vcalendar(vevent(f"pool-{i}-{run}", utc(day(i + 1)), extra=rule))
        )
    connect(harness, radicale, "alice", "a", calendars=[cal])
    assert harness.sync("a").created == 16
    radicale.write(
        f"{cal}0.ics",
        vcalendar(vevent(f"pool-0-{run}", utc(day(1)), extra="RRULE:FREQ=DAILY;COUNT=1")),
    )
    for i in (1, 2, 4, 5):  # plain events; enough changes for the pool again
        radicale.write(
            f"{cal}{i}.ics",
            vcalendar(vevent(f"pool-{i}-{run}", utc(day(i + 1)), summary="Changed")),
        )
    report = harness.sync("a")
    assert (report.created, report.updated, report.gone) == (0, 5, 1)
    assert harness.meetings()[f"ev:pool-0-{run}|{rid(day(2))}"].status == "cancelled"


def test_resource_names_that_need_percent_encoding(
    radicale: RadicaleServer, harness: Harness
) -> None:
    cal = radicale.mkcalendar("alice")
    uid = f"Máj #1|{uuid.uuid4()}"  # '#' and '|' inside a UID must not confuse the refs
    name = "m%C3%A1j%20%40x%23.ics"  # "máj @x#.ics" on the server
    radicale.put(f"{cal}{name}", vcalendar(vevent(uid, utc(day(3)))))
    connect(harness, radicale, "alice", "a", calendars=[cal])
    assert harness.sync("a").created == 1
    assert [s[2] for s in harness.sources()] == [f"{cal}m%C3%A1j%20@x%23.ics#{uid}|"]
    radicale.delete(f"{cal}{name}")
    assert harness.sync("a").gone == 1
    assert harness.meetings()[f"ev:{uid}|"].status == "cancelled"
