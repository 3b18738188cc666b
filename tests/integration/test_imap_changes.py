"""Server-side changes: expunge, move, UIDVALIDITY change, a folder that cannot be read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.integration.conftest import (
    ImapUser,
    imap_connector,
    make_pipeline,
    message,
    query,
    seed_crm,
    settings_for,
)

pytestmark = pytest.mark.integration

SOURCES = """
    SELECT c.subject, s.scope, s.gone_at IS NOT NULL
    FROM sources s JOIN communications c ON c.id = s.communication_id
    ORDER BY c.subject, s.scope, s.gone_at IS NOT NULL
"""


def test_expunged_message_source_gone_item_stays(
    imap_user: ImapUser, tmp_path: Path, db_url: str
) -> None:
    seed_crm(db_url)
    uids = [imap_user.append("INBOX", message(i)) for i in range(3)]
    pipeline = make_pipeline(settings_for(tmp_path, db_url, [imap_connector(imap_user)]), db_url)
    assert pipeline.sync("imap").created == 3
    with imap_user.client() as c:
        c.select_folder("INBOX")
        c.delete_messages([uids[0]])
        c.expunge()
    report = pipeline.sync("imap")
    assert report.gone == 1 and report.created == 0
    assert query(db_url, SOURCES) == [
        ("Ponuka č. 0", "INBOX", True),
        ("Ponuka č. 1", "INBOX", False),
        ("Ponuka č. 2", "INBOX", False),
    ]
    assert pipeline.sync("imap").gone == 0


def test_everything_expunged_retracts_nothing(
    imap_user: ImapUser, tmp_path: Path, db_url: str
) -> None:
    """A folder that is suddenly empty is suspicious: sources are kept (StorageEmpty)."""
    seed_crm(db_url)
    for i in range(2):
        imap_user.append("INBOX", message(i))
    pipeline = make_pipeline(settings_for(tmp_path, db_url, [imap_connector(imap_user)]), db_url)
    pipeline.sync("imap")
    with imap_user.client() as c:
        c.select_folder("INBOX")
        c.delete_messages(c.search(["ALL"]))
        c.expunge()
    assert pipeline.sync("imap").gone == 0
    assert pipeline.sync("imap").gone == 0  # and it keeps looking, not trusting the cursor


def test_moved_message_one_item_two_sources(
    imap_user: ImapUser, tmp_path: Path, db_url: str
) -> None:
    seed_crm(db_url)
    imap_user.create("Archív")
    uid = imap_user.append("INBOX", message(1))
    imap_user.append("INBOX", message(2))
    cfg = imap_connector(imap_user, folders_include=["Archív"])
    pipeline = make_pipeline(settings_for(tmp_path, db_url, [cfg]), db_url)
    assert pipeline.sync("imap").created == 2
    with imap_user.client() as c:
        c.select_folder("INBOX")
        c.move([uid], "Archív")
    report = pipeline.sync("imap")
    assert report.created == 0 and report.gone == 1 and report.sources == 1
    assert query(db_url, SOURCES) == [
        ("Ponuka č. 1", "Archív", False),
        ("Ponuka č. 1", "INBOX", True),
        ("Ponuka č. 2", "INBOX", False),
    ]


def test_uidvalidity_change_rescans_without_duplicates(
    imap_user: ImapUser, tmp_path: Path, db_url: str
) -> None:
    seed_crm(db_url)
    sent = [message(i, sender="peter@tatrasoft.sk", to="jan@acme.sk") for i in range(4)]
    for raw in sent:
        imap_user.append("Sent", raw)
    pipeline = make_pipeline(settings_for(tmp_path, db_url, [imap_connector(imap_user)]), db_url)
    assert pipeline.sync("imap").created == 4
    (old_uv,) = {r.split(":")[0] for (r,) in query(db_url, "SELECT remote_id FROM sources")}
    with imap_user.client() as c:  # recreate the folder: a new UIDVALIDITY
        c.delete_folder("Sent")
        c.create_folder("Sent")
    for raw in sent[1:]:
        imap_user.append("Sent", raw)
    report = pipeline.sync("imap")
    assert report.created == 0 and report.gone == 4 and report.sources == 3
    assert len(query(db_url, "SELECT id FROM communications")) == 4
    live = query(db_url, "SELECT remote_id FROM sources WHERE gone_at IS NULL")
    assert len(live) == 3 and all(not r.startswith(old_uv + ":") for (r,) in live)


def test_one_unreadable_folder_does_not_stop_the_others(
    imap_user: ImapUser, tmp_path: Path, db_url: str
) -> None:
    seed_crm(db_url)
    imap_user.create("Sent", "Zákazníci")
    imap_user.append("INBOX", message(1))
    imap_user.append("Zákazníci", message(2))
    imap_user.append("Sent", message(3, sender="peter@tatrasoft.sk", to="jan@acme.sk"))
    broken = imap_user.server.maildir(imap_user.name, "Zákazníci")
    os.chmod(broken / "cur", 0)
    os.chmod(broken / "new", 0)
    try:
        cfg = imap_connector(imap_user, folders_include=["Zákazníci"])
        pipeline = make_pipeline(settings_for(tmp_path, db_url, [cfg]), db_url)
        report = pipeline.sync("imap")
    finally:
        os.chmod(broken / "cur", 0o700)
        os.chmod(broken / "new", 0o700)
    assert report.status == "partial", report
    assert set(report.scope_errors) == {"Zákazníci"}
    assert sorted(s for (s,) in query(db_url, "SELECT subject FROM communications")) == [
        "Ponuka č. 1",
        "Ponuka č. 3",
    ]
    report = make_pipeline(
        settings_for(tmp_path, db_url, [imap_connector(imap_user, folders_include=["Zákazníci"])]),
        db_url,
    ).sync("imap")
    assert report.status == "ok" and report.created == 1
