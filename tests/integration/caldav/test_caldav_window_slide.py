"""The first poll after UTC midnight: the window slides one day, and only what can
reach the new day is read again (Radicale)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connectors.base import MeetingItem, ScopeState
from connectors.caldav import CaldavConnector
from tests.integration.caldav.conftest import vcalendar, vevent
from tests.servers.radicale import USERS, RadicaleServer

DATA = Path(__file__).resolve().parents[2] / "data" / "ical"
BRATISLAVA = (DATA / "europe_bratislava.vtimezone").read_text()  # a VTIMEZONE block
NOON = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)


def _local(moment: datetime) -> str:
    return f";TZID=Europe/Bratislava:{moment:%Y%m%dT%H%M%S}"


class Clocked:
    """One connector with a settable clock, and the scope state a store would keep."""

    def __init__(self, server: RadicaleServer, calendar: str, future_days: int = 30) -> None:
        self.now = NOON
        clock: Callable[[], datetime] = lambda: self.now  # noqa: E731
        self.connector = CaldavConnector(
            "slide",
            server.url,
            "full",
            username="alice",
            password=USERS["alice"],
            calendars=[calendar],
            window_future_days=future_days,
            now=clock,
        )
        self.scope = self.connector.scopes()[0]
        self.state = ScopeState(None, frozenset())

    def poll(self) -> tuple[int, list[MeetingItem]]:
        """Requests made and occurrences produced by one poll."""
        before = self.connector.session.requests
        cursor, known, items = self.state.cursor, set(self.state.known_remote_ids), []
        for batch in self.connector.fetch(self.scope, self.state):
            items += [e for e in batch.entries if isinstance(e, MeetingItem)]
            if not batch.keep_cursor:
                cursor = batch.cursor
        known |= {item.source.remote_id for item in items}
        self.state = ScopeState(cursor, frozenset(known))
        return self.connector.session.requests - before, items

    def horizons(self) -> dict[str, int | None]:
        assert self.state.cursor is not None
        return {name: value[1] for name, value in json.loads(self.state.cursor)["r"].items()}


def test_plain_events_with_a_vtimezone_are_not_read_again_when_the_day_changes(
    radicale: RadicaleServer,
) -> None:
    cal = radicale.mkcalendar("alice")
    for i in range(3):  # zones with DST rules (RRULE) in their VTIMEZONE; days 2..4
        start = NOON + timedelta(days=2 + i)
        uid = f"plain-{i}-{uuid.uuid4()}"
        body = vevent(uid, _local(start), _local(start + timedelta(hours=1)))
        radicale.put(f"{cal}p{i}.ics", vcalendar(body, extra=BRATISLAVA))
    slide = Clocked(radicale, cal)
    requests, items = slide.poll()
    assert (requests, len(items)) == (1, 3)
    assert all(value is not None for value in slide.horizons().values())
    slide.now += timedelta(days=1)
    assert slide.poll() == (1, [])  # the REPORT only: nothing can reach the new day


def test_series_are_still_extended_into_the_new_day(radicale: RadicaleServer) -> None:
    cal = radicale.mkcalendar("alice")
    uid = f"daily-{uuid.uuid4()}"
    start = NOON - timedelta(days=1)
    series = vevent(
        uid, _local(start), _local(start + timedelta(hours=1)), extra="RRULE:FREQ=DAILY"
    )
    radicale.put(f"{cal}s.ics", vcalendar(series, extra=BRATISLAVA))
    slide = Clocked(radicale, cal, future_days=5)
    _, first = slide.poll()
    slide.now += timedelta(days=1)
    requests, items = slide.poll()
    assert requests == 2  # the REPORT and one multiget of the series
    assert [item.occurred_at.date() for item in items] == [
        max(item.occurred_at for item in first).date() + timedelta(days=1)
    ]
    assert {item.uid for item in items} == {uid}


def test_an_old_cursor_without_horizons_heals_after_one_day(radicale: RadicaleServer) -> None:
    cal = radicale.mkcalendar("alice")
    start = NOON + timedelta(days=3)
    body = vevent(f"old-{uuid.uuid4()}", _local(start), _local(start + timedelta(hours=1)))
    radicale.put(f"{cal}p.ics", vcalendar(body, extra=BRATISLAVA))
    slide = Clocked(radicale, cal)
    slide.poll()
    assert slide.state.cursor is not None
    old = json.loads(slide.state.cursor)
    old["r"] = {name: [value[0], None] for name, value in old["r"].items()}  # as written before
    slide.state = ScopeState(json.dumps(old), slide.state.known_remote_ids)
    slide.now += timedelta(days=1)
    assert slide.poll() == (2, [])  # read once more, nothing new, horizon learned
    assert all(value is not None for value in slide.horizons().values())
    slide.now += timedelta(days=1)
    assert slide.poll() == (1, [])


def test_a_finished_series_is_read_once_more_then_left_alone(radicale: RadicaleServer) -> None:
    cal = radicale.mkcalendar("alice")
    start = NOON - timedelta(days=20)
    finished = vevent(
        f"done-{uuid.uuid4()}",
        _local(start),
        _local(start + timedelta(hours=1)),
        extra="RRULE:FREQ=WEEKLY;COUNT=3",
    )
    radicale.put(f"{cal}done.ics", vcalendar(finished, extra=BRATISLAVA))
    slide = Clocked(radicale, cal)
    requests, items = slide.poll()
    assert (requests, len(items)) == (1, 3)
    slide.now += timedelta(days=1)
    assert slide.poll() == (2, [])  # read for the new day; found to be over
    slide.now += timedelta(days=1)
    assert slide.poll() == (1, [])  # left alone from now on
    # a change brings it back: the new rule runs into the window's new days
    longer = finished.replace("COUNT=3", "COUNT=20")
    radicale.put(f"{cal}done.ics", vcalendar(longer, extra=BRATISLAVA))
    requests, items = slide.poll()
    assert (requests, len(items)) == (1, 8)  # days -20..29 weekly; the REPORT has the data
    slide.now += timedelta(days=1)
    requests, _ = slide.poll()
    assert requests == 2  # running again: read when the day changes
