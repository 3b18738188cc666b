"""Verifiable: list what the server holds, find a gap in the store, fill it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from connectors.base import Verifiable
from syncd.pipeline import RunReport
from tests.integration.conftest import (
    ImapUser,
    connector_of,
    imap_connector,
    make_pipeline,
    message,
    query,
    seed_crm,
    settings_for,
)

pytestmark = pytest.mark.integration


def test_verify_finds_and_fills_a_skipped_uid(
    imap_user: ImapUser, tmp_path: Path, db_url: str
) -> None:
    seed_crm(db_url)
    for i in range(4):
        imap_user.append("INBOX", message(i))
    settings = settings_for(tmp_path, db_url, [imap_connector(imap_user)])
    pipeline = make_pipeline(settings, db_url)
    assert pipeline.sync("imap").created == 4

    # Two messages arrive and the cursor is (wrongly) moved past them: a skipped UID.
    skipped = [
        imap_user.append("INBOX", message(i, message_id=f"<gap{i}@acme.sk>")) for i in (7, 8)
    ]
    with imap_user.client() as c:
        status = c.folder_status("INBOX", ["MESSAGES", "UIDNEXT"])
    with pipeline.sessions.begin() as s:
        (value,) = s.execute(text("SELECT value FROM sync_cursors")).one()
        cursor = json.loads(value)
        cursor.update(hi=status[b"UIDNEXT"] - 1, next=status[b"UIDNEXT"], n=status[b"MESSAGES"])
        s.execute(text("UPDATE sync_cursors SET value = :v"), {"v": json.dumps(cursor)})
    assert pipeline.sync("imap").created == 0  # the poll trusts the cursor

    connector = connector_of(settings)
    assert isinstance(connector, Verifiable)
    remote = connector.list_remote("INBOX", datetime.now(UTC) - timedelta(days=30))
    assert len(remote) == 6
    assert {r.message_id for r in remote} >= {"gap7@acme.sk", "gap8@acme.sk"}
    stored = {r for (r,) in query(db_url, "SELECT remote_id FROM sources")}
    missing = sorted(r.remote_id for r in remote if r.remote_id not in stored)
    assert [int(m.split(":")[1]) for m in missing] == skipped

    batches = list(connector.fetch_ids("INBOX", missing))
    assert all(b.keep_cursor and b.cursor is None for b in batches)
    report = RunReport(connector="imap")
    cid = query(db_url, "SELECT id FROM connectors")[0][0]
    for batch in batches:
        pipeline._apply(batch, settings.connectors[0], cid, report)
    assert report.created == 2
    assert query(db_url, "SELECT value FROM sync_cursors")[0][0] == json.dumps(cursor)
    subjects = {s for (s,) in query(db_url, "SELECT subject FROM communications")}
    assert {"Ponuka č. 7", "Ponuka č. 8"} <= subjects
    connector.close()
