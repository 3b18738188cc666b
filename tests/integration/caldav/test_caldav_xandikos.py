"""Xandikos: sync-collection without calendar-data (multiget), 412 tokens, 302 well-known."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select, update

from connectors.caldav import CaldavConnector
from syncd.registry import build_connector
from syncd.store.db import session_factory
from syncd.store.models import SyncCursor
from tests.integration.caldav.conftest import Harness, vcalendar, vevent
from tests.servers.xandikos import XandikosServer


def test_xandikos_sync_through_multiget(xandikos: XandikosServer, harness: Harness) -> None:
    cal = xandikos.mkcalendar()
    uids = [f"x{i}-{uuid.uuid4()}" for i in range(3)]
    xandikos.put(f"{cal}0.ics", vcalendar(vevent(uids[0], ":20990105T100000Z")))
    xandikos.put(
        f"{cal}1.ics",
        vcalendar(vevent(uids[1], ":20990106T100000Z", extra="RRULE:FREQ=DAILY;COUNT=3")),
    )
    xandikos.put(f"{cal}2.ics", vcalendar(vevent(uids[2], ":20990107T100000Z")))
    harness.add("x", xandikos.url, user=None, secret=None, calendars=[cal], window_future="40000d")
    assert harness.sync("x").created == 5

    settings = harness.settings()
    connector = build_connector(settings.connector("x"), settings)  # the kept instance
    assert isinstance(connector, CaldavConnector)
    before = connector.session.requests
    assert harness.sync("x").created == 0
    assert connector.session.requests - before == 1  # unchanged: one REPORT

    xandikos.put(
        f"{cal}0.ics",
        vcalendar(vevent(uids[0], ":20990105T120000Z", summary="Moved", extra="SEQUENCE:1")),
    )
    xandikos.delete(f"{cal}2.ics")
    before = connector.session.requests
    report = harness.sync("x")
    assert connector.session.requests - before == 2  # REPORT without data, then multiget
    assert (report.created, report.updated, report.gone) == (0, 1, 1)
    meetings = harness.meetings()
    assert meetings[f"ev:{uids[0]}|"].subject == "Moved"
    assert meetings[f"ev:{uids[2]}|"].status == "cancelled"

    # a token the server does not know: 412 valid-sync-token, full resync, no duplicate
    with session_factory(harness.engine).begin() as s:
        row = s.scalars(select(SyncCursor).where(SyncCursor.scope == cal)).one()
        state = json.loads(row.value or "{}")
        state["t"] = "1234567890123456789012345678901234567890"
        s.execute(update(SyncCursor).where(SyncCursor.id == row.id).values(value=json.dumps(state)))
    resync = harness.sync("x")
    assert (resync.created, resync.updated, resync.gone) == (0, 0, 0)
    assert len(harness.meetings()) == 5


def test_xandikos_well_known_redirect_is_followed(xandikos: XandikosServer) -> None:
    connector = CaldavConnector("x", xandikos.url + "no/such/context/", "subject")
    found = connector.discovery()
    assert found.principal == f"{xandikos.url}user/"
    assert "/user/calendars/calendar/" in connector.scopes()
