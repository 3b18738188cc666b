"""Gmail: All Mail only, messages keyed by X-GM-MSGID, through a real Dovecot.

``tests/servers/gmail_dialect.py`` gives the test Dovecot Gmail's dialect
(X-GM-EXT-1, X-GM-MSGID, no QRESYNC). The account has Gmail's layout: every
message in All Mail, and again under its labels (INBOX, Sent Mail).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.base import Verifiable
from syncd.config import Settings
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
from tests.servers.gmail_dialect import GmailDialectProxy

pytestmark = pytest.mark.integration
ALL_MAIL = "[Gmail]/All Mail"
GM_ID = re.compile(r"gm:\d+\Z")


@pytest.fixture
def gmail(imap_user: ImapUser) -> Iterator[GmailDialectProxy]:
    imap_user.create(ALL_MAIL, "[Gmail]/Sent Mail", "[Gmail]/Spam", "[Gmail]/Trash")
    proxy = GmailDialectProxy(imap_user.server.port)
    yield proxy
    proxy.stop()


def _cfg(user: ImapUser, proxy: GmailDialectProxy) -> dict[str, object]:
    return imap_connector(user, port=proxy.port, security="plain", ca_file=None)


def _fill(user: ImapUser) -> None:
    """Three received and one sent message, each also in All Mail; one spam."""
    for i in range(3):
        raw = message(i)
        user.append("INBOX", raw)
        user.append(ALL_MAIL, raw)
    sent = message(3, sender="peter@tatrasoft.sk", to="jan@acme.sk")
    user.append("[Gmail]/Sent Mail", sent)
    user.append(ALL_MAIL, sent)
    user.append("[Gmail]/Spam", message(4, subject="Výhra!"))


def _gmail_pipeline(
    user: ImapUser, proxy: GmailDialectProxy, tmp_path: Path, db_url: str
) -> tuple[Settings, Any]:
    """A CRM, Gmail's mail (``_fill``) and a pipeline syncing it through ``proxy``."""
    seed_crm(db_url)
    _fill(user)
    settings = settings_for(tmp_path, db_url, [_cfg(user, proxy)])
    return settings, make_pipeline(settings, db_url)


def _sources(db_url: str) -> dict[str, str | None]:
    return {r: g for r, g in query(db_url, "SELECT remote_id, gone_at FROM sources")}


def test_all_mail_only_keyed_by_x_gm_msgid(
    imap_user: ImapUser, gmail: GmailDialectProxy, tmp_path: Path, db_url: str
) -> None:
    _, pipeline = _gmail_pipeline(imap_user, gmail, tmp_path, db_url)
    report = pipeline.sync("imap")
    assert report.status == "ok", report.error
    assert report.created == 4  # each message once, the spam not at all
    scopes = {s for (s,) in query(db_url, "SELECT DISTINCT scope FROM sources")}
    assert scopes == {ALL_MAIL}
    ids = _sources(db_url)
    assert len(ids) == 4 and all(GM_ID.match(r) for r in ids)
    fetches = gmail.sent("UID FETCH")
    assert fetches and all("X-GM-MSGID" in f for f in fetches)
    assert not [c for c in gmail.sent("EXAMINE") + gmail.sent("SELECT") if "INBOX" in c]


def _rebuild(user: ImapUser, folder: str, *, drop: int = 0) -> None:
    """Recreate ``folder`` from its own files: a new UIDVALIDITY, the same messages.

    Gmail keeps X-GM-MSGID across such a reset; Dovecot keeps X-GUID (the
    file's base name), from which the proxy derives it. ``drop`` files are
    left out: those messages are gone.
    """
    path = user.server.maildir(user.name, folder)
    keep = Path(str(path) + ".keep")
    files = sorted((path / "cur").iterdir()) + sorted((path / "new").iterdir())
    keep.mkdir()
    for f in files[drop:]:
        shutil.copy2(f, keep / f.name.split(":")[0])
    with user.client() as c:
        c.delete_folder(folder)
    time.sleep(1.1)  # Dovecot's UIDVALIDITY is a time in seconds
    user.create(folder)
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    for f in keep.iterdir():
        shutil.move(str(f), path / "cur" / (f.name + ":2,S"))
    keep.rmdir()
    user.server.chown(user.name)


def test_uidvalidity_change_reads_no_message_again(
    imap_user: ImapUser, gmail: GmailDialectProxy, tmp_path: Path, db_url: str
) -> None:
    _, pipeline = _gmail_pipeline(imap_user, gmail, tmp_path, db_url)
    assert pipeline.sync("imap").created == 4
    before = _sources(db_url)
    (cursor,) = query(db_url, "SELECT value FROM sync_cursors")
    _rebuild(imap_user, ALL_MAIL, drop=1)
    gmail.commands.clear()

    report = pipeline.sync("imap")
    assert report.status == "ok", report.error
    assert (report.created, report.sources, report.gone) == (0, 0, 1)
    assert not [c for c in gmail.sent("UID FETCH") if "BODY" in c.upper()]  # nothing re-read
    assert (
        json.loads(query(db_url, "SELECT value FROM sync_cursors")[0][0])["uv"]
        != (json.loads(cursor[0])["uv"])
    )
    after = _sources(db_url)
    assert after.keys() == before.keys()  # the same ids, no uidvalidity:uid ones
    assert sum(1 for g in after.values() if g is not None) == 1  # the dropped message
    assert len(query(db_url, "SELECT id FROM communications")) == 4  # history is kept

    imap_user.append(ALL_MAIL, message(9, subject="Nová objednávka"))
    report = pipeline.sync("imap")
    assert (report.created, report.status) == (1, "ok")
    assert all(GM_ID.match(r) for r in _sources(db_url))


def test_verify_fills_a_gap_by_gmail_id(
    imap_user: ImapUser, gmail: GmailDialectProxy, tmp_path: Path, db_url: str
) -> None:
    settings, pipeline = _gmail_pipeline(imap_user, gmail, tmp_path, db_url)
    assert pipeline.sync("imap").created == 4
    ((lost, cid),) = query(
        db_url,
        "SELECT remote_id, communication_id FROM sources WHERE communication_id = "
        "(SELECT id FROM communications WHERE subject = 'Ponuka č. 1')",
    )
    with pipeline.sessions.begin() as s:  # a gap: the item never made it to the store
        from sqlalchemy import text

        s.execute(text("DELETE FROM communications WHERE id = :c"), {"c": cid})

    connector = connector_of(settings)
    assert isinstance(connector, Verifiable)
    remote = connector.list_remote(ALL_MAIL, None)
    assert len(remote) == 4 and all(GM_ID.match(r.remote_id) for r in remote)
    assert lost in {r.remote_id for r in remote}
    result = pipeline.verify("imap")
    assert result[ALL_MAIL]["missing"] == 1, result
    subjects = {s for (s,) in query(db_url, "SELECT subject FROM communications")}
    assert "Ponuka č. 1" in subjects
    assert lost in _sources(db_url)


def test_other_servers_never_receive_gmail_items(
    imap_user: ImapUser, tmp_path: Path, db_url: str
) -> None:
    seed_crm(db_url)
    _fill(imap_user)
    proxy = GmailDialectProxy(imap_user.server.port, gmail=False)  # Dovecot as it is
    try:
        cfg = _cfg(imap_user, proxy)
        pipeline = make_pipeline(settings_for(tmp_path, db_url, [cfg]), db_url)
        report = pipeline.sync("imap")
    finally:
        proxy.stop()
    assert report.status == "ok", report.error
    assert proxy.sent("UID FETCH") and not proxy.sent("X-GM-MSGID")
    assert not [r for r in _sources(db_url) if r.startswith("gm:")]
