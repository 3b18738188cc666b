"""Backfill, cursors and round trips against a real Dovecot, through the pipeline."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.base import Entry, MailItem, Quarantined, ScopeState
from connectors.mailparse import parse_message
from tests.integration.conftest import (
    ImapUser,
    connector_of,
    imap_commands,
    imap_connector,
    make_pipeline,
    message,
    query,
    seed_crm,
    settings_for,
)

pytestmark = pytest.mark.integration
DATA = Path(__file__).resolve().parents[1] / "data" / "mail"
EMPTY_PLAIN_ALTERNATIVE = (
    b"From: Eva <eva@acme.sk>\r\nTo: peter@tatrasoft.sk\r\nSubject: HTML only, really\r\n"
    b"Date: Mon, 06 Jan 2025 10:00:00 +0100\r\nMessage-ID: <alt-1@acme.sk>\r\n"
    b'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="b1"\r\n\r\n'
    b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n \r\n"
    b"--b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: "
    b"quoted-printable\r\n\r\n<p>Dobr=C3=BD de=C5=88,</p><p>cenn=C3=ADk v pr=C3=ADlohe.</p>\r\n"
    b"--b1--\r\n"
)  # a mailer that sends an empty text/plain alternative


def test_backfill_window_newest_first_with_progress_and_resume(
    imap_user: ImapUser, tmp_path: Path, db_url: str
) -> None:
    seed_crm(db_url)
    now = datetime.now(UTC)
    for i in reversed(range(14)):  # arrival order: one every 10 days, 10 inside 95 days
        when = now - timedelta(days=10 * i, hours=1)
        imap_user.append("INBOX", message(i, when=when), when=when)
    settings = settings_for(
        tmp_path, db_url, [imap_connector(imap_user, since="95d")], batch_size=3
    )
    progress: list[tuple[int, int | None]] = []

    def crash_after_two_batches(connector: str, scope: str, done: int, total: int | None) -> None:
        progress.append((done, total))
        if len(progress) == 2:
            raise RuntimeError("simulated crash")

    report = make_pipeline(settings, db_url, progress=crash_after_two_batches).sync("imap")
    assert report.status == "error"
    assert progress == [(3, 10), (6, 10)]
    stored = query(db_url, "SELECT subject FROM communications ORDER BY id")
    assert [s for (s,) in stored] == [f"Ponuka č. {i}" for i in range(6)]  # newest first
    (cursor,) = [json.loads(v) for (v,) in query(db_url, "SELECT value FROM sync_cursors")]
    assert cursor["done"] is False and cursor["lo"] == 9  # UIDs 9..14 handled, 14 is newest

    progress.clear()
    report = make_pipeline(settings, db_url, progress=lambda *a: progress.append(a[2:])).sync(
        "imap"
    )
    assert report.status == "ok" and report.created == 4
    assert progress[0] == (3, 4)  # resumed: only the rest of the window is read
    subjects = [s for (s,) in query(db_url, "SELECT subject FROM communications ORDER BY id")]
    assert subjects == [f"Ponuka č. {i}" for i in range(10)]
    (cursor,) = [json.loads(v) for (v,) in query(db_url, "SELECT value FROM sync_cursors")]
    assert cursor["done"] is True and cursor["hi"] == 14


def test_unchanged_poll_is_one_round_trip_and_new_mail_is_cheap(
    imap_user: ImapUser, tmp_path: Path, db_url: str
) -> None:
    seed_crm(db_url)
    imap_user.create("Sent", "Projekty/Ústí")
    for i in range(6):
        imap_user.append("INBOX", message(i))
    imap_user.append("Sent", message(10, sender="peter@tatrasoft.sk", to="jan@acme.sk"))
    cfg = imap_connector(imap_user, folders_include=["Projekty/*"])
    pipeline = make_pipeline(settings_for(tmp_path, db_url, [cfg]), db_url)
    assert pipeline.sync("imap").created == 7

    with imap_commands() as sent:
        report = pipeline.sync("imap")
    assert report.status == "ok" and report.created == 0
    after_login = sent[sent.index("LOGIN") + 1 :]
    assert [c for c in after_login if c != "LOGOUT"] == ["LIST"]  # LIST-STATUS, 3 folders

    imap_user.append("INBOX", message(20))
    with imap_commands() as sent:
        report = pipeline.sync("imap")
    assert report.created == 1
    after_login = sent[sent.index("LOGIN") + 1 :]
    assert [c for c in after_login if c != "LOGOUT"] == [
        "LIST",
        "ENABLE",
        "EXAMINE",  # QRESYNC: expunges reported inline, no SEARCH ALL
        "UID SEARCH",
        "UID FETCH",  # the whole message: it is small (under WHOLE_BYTES)
    ]


def test_items_match_a_full_message_parse(imap_user: ImapUser) -> None:
    """Header + text part reads give the same keys and fields as parsing the whole message."""
    payloads = sorted(p for p in DATA.glob("*.eml") if p.stat().st_size)
    for path in payloads:
        imap_user.append("INBOX", path.read_bytes())
    imap_user.append("INBOX", message(1, attachment=True))
    imap_user.append("INBOX", message(2, message_id=None, body="bez Message-ID " * 800))
    imap_user.append("INBOX", EMPTY_PLAIN_ALTERNATIVE)
    settings = settings_for(Path("."), "sqlite://", [imap_connector(imap_user, since=None)])
    connector = connector_of(settings)
    connector.scopes()
    items = [e for b in connector.fetch("INBOX", ScopeState(None)) for e in b.entries]
    with imap_user.client() as c:
        c.select_folder("INBOX", readonly=True)
        full = {uid: d[b"BODY[]"] for uid, d in c.fetch(c.search(["ALL"]), ["BODY.PEEK[]"]).items()}
    assert len(items) == len(full) == len(payloads) + 3
    for item in items:
        uid = int(item.source.remote_id.split(":")[1])
        reference = parse_message(full[uid], item.source, "full")
        assert type(item) is type(reference), item.source
        if isinstance(item, Quarantined):
            assert item.raw == full[uid]
            continue
        assert isinstance(reference, MailItem)
        assert item.dedupe_key == reference.dedupe_key, item.source
        assert item.subject == reference.subject
        assert item.body_text == reference.body_text, item.source
        assert item.participants == reference.participants
        assert item.occurred_at == reference.occurred_at
        assert item.thread_key == reference.thread_key
        assert [(a.name, a.content_type) for a in item.attachments] == [
            (a.name, a.content_type) for a in reference.attachments
        ]
        assert item.size == len(full[uid])
    bodies = [i.body_text or "" for i in items if isinstance(i, MailItem)]
    assert any("cenník v prílohe" in b for b in bodies)  # the HTML behind an empty text/plain
    connector.close()


@pytest.mark.parametrize("visibility", ["full", "subject", "metadata"])
def test_whole_message_and_structure_routes_read_the_same(
    imap_user: ImapUser, visibility: str
) -> None:
    """Small mail is read whole in one FETCH; the items equal the BODYSTRUCTURE route's."""
    from dataclasses import replace

    from connectors.imap.fetch import WHOLE_BYTES, MessageReader

    payloads = sorted(p.read_bytes() for p in DATA.glob("*.eml") if p.stat().st_size)
    payloads += [
        message(1, attachment=True),
        message(2, message_id=None, body="bez Message-ID " * 800),
        EMPTY_PLAIN_ALTERNATIVE,
        message(3, body="veľká príloha", attachment=True).replace(
            b"JVBER", b"JVBER" + b"eHh4" * (WHOLE_BYTES // 4)
        ),  # over WHOLE_BYTES: the structure route
        b"\x01 garbage\r\n",
    ]
    for raw in payloads:
        imap_user.append("INBOX", raw)
    settings = settings_for(
        Path("."), "sqlite://", [imap_connector(imap_user, since=None, visibility=visibility)]
    )

    def read(whole: bool) -> tuple[list[Entry], list[str]]:
        connector = connector_of(settings)
        if not whole:
            connector.reader = MessageReader(replace(connector.reader.opts, whole_bytes=0))
        connector.scopes()
        with imap_commands() as sent:
            entries = [e for b in connector.fetch("INBOX", ScopeState(None)) for e in b.entries]
        connector.close()
        return entries, [c for c in sent if c == "UID FETCH"]

    (whole, whole_fetches), (structured, structure_fetches) = read(True), read(False)
    assert whole == structured and len(whole) == len(payloads)
    big = next(
        e for e in whole if isinstance(e, MailItem) and e.attachments and e.size > WHOLE_BYTES
    )
    assert [a.content_type for a in big.attachments] == ["application/pdf"]
    assert big.subject == ("Ponuka č. 3" if visibility != "metadata" else None)
    assert big.body_text == ("veľká príloha" if visibility == "full" else None)
    # full, whole: 1 FETCH + structure (big, garbage) + text (big) + BODY[] (none: garbage was
    # whole); structure: structure + text parts (3 groups) + content key sample + quarantine
    # BODY[]. Below full no text parts are fetched, but the structure route still needs its
    # content key sample and quarantine bytes.
    assert len(whole_fetches) < len(structure_fetches)


def test_malformed_message_is_quarantined_with_its_bytes(
    imap_user: ImapUser, tmp_path: Path, db_url: str
) -> None:
    seed_crm(db_url)
    garbage = b"\x01\x02\xff this is not mail\r\n"  # Dovecot would store NUL as 0x80
    no_addresses = b"Subject: nobody\r\n\r\nno From, no To\r\n"
    imap_user.append("INBOX", message(1))
    bad_uid = imap_user.append("INBOX", garbage)
    imap_user.append("INBOX", no_addresses)
    imap_user.append("INBOX", message(2))
    pipeline = make_pipeline(settings_for(tmp_path, db_url, [imap_connector(imap_user)]), db_url)
    report = pipeline.sync("imap")
    assert report.status == "ok" and report.created == 2 and report.quarantined == 2
    rows = dict(query(db_url, "SELECT remote_id, raw FROM quarantine"))
    uidvalidity = next(iter(rows)).split(":")[0]
    assert bytes(rows[f"{uidvalidity}:{bad_uid}"]) == garbage
    assert no_addresses in {bytes(r) for r in rows.values()}
    assert pipeline.sync("imap").quarantined == 0  # the cursor moved past them


def test_servers_without_condstore_qresync_or_list_status(
    imap_user: ImapUser, tmp_path: Path, db_url: str
) -> None:
    seed_crm(db_url)
    uids = [imap_user.append("INBOX", message(i)) for i in range(4)]
    cfg = imap_connector(
        imap_user, ignore_capabilities=["CONDSTORE", "QRESYNC", "LIST-STATUS", "ESEARCH"]
    )
    pipeline = make_pipeline(settings_for(tmp_path, db_url, [cfg]), db_url)
    assert pipeline.sync("imap").created == 4
    with imap_commands() as sent:
        assert pipeline.sync("imap").created == 0
    after_login = sent[sent.index("LOGIN") + 1 :]
    assert [c for c in after_login if c != "LOGOUT"] == ["LIST", "STATUS"]
    with imap_user.client() as c:
        c.select_folder("INBOX")
        c.delete_messages([uids[1]])
        c.expunge()
    imap_user.append("INBOX", message(9))
    report = pipeline.sync("imap")
    assert report.created == 1 and report.gone == 1  # found by UID SEARCH ALL
    assert len(query(db_url, "SELECT id FROM communications")) == 5


def test_damaged_cursor_means_rescan_without_duplicates(
    imap_user: ImapUser, tmp_path: Path, db_url: str
) -> None:
    seed_crm(db_url)
    for i in range(5):
        imap_user.append("INBOX", message(i))
    pipeline = make_pipeline(settings_for(tmp_path, db_url, [imap_connector(imap_user)]), db_url)
    assert pipeline.sync("imap").created == 5
    with pipeline.sessions.begin() as s:
        from sqlalchemy import text

        s.execute(text("UPDATE sync_cursors SET value = '{not json'"))
    with imap_commands() as sent:
        report = pipeline.sync("imap")
    assert report.status == "ok" and report.created == 0
    assert "UID FETCH" not in sent  # known ids are not fetched again
    assert len(query(db_url, "SELECT id FROM communications")) == 5
    assert pipeline.sync("imap", full=True).created == 0


def test_dedupe_across_two_accounts(imap_user: ImapUser, tmp_path: Path, db_url: str) -> None:
    """The same message in two mailboxes: one item, two sources."""
    seed_crm(db_url)
    other = ImapUser(imap_user.server, imap_user.server.add_user())
    shared = message(1, to="peter@tatrasoft.sk, zuzana@tatrasoft.sk")
    imap_user.append("INBOX", shared)
    other.append("INBOX", shared)
    a = imap_connector(imap_user, name="peter")
    b = imap_connector(other, name="zuzana")
    pipeline = make_pipeline(settings_for(tmp_path, db_url, [a, b]), db_url)
    reports = pipeline.sync_all()
    assert [r.created for r in reports] == [1, 0]
    assert len(query(db_url, "SELECT id FROM sources")) == 2


def test_parser_pool_reads_the_same_as_inline(
    imap_user: ImapUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    import connectors.imap.sync as imap_sync

    for i in range(12):
        imap_user.append("INBOX", message(i, attachment=i % 4 == 0, message_id=i % 5 != 0))
    imap_user.append("INBOX", b"\x01 garbage\r\n")

    def read(workers: int) -> list[tuple[object, ...]]:
        settings = settings_for(
            Path("."), "sqlite://", [imap_connector(imap_user)], sync={"workers": workers}
        )
        connector = connector_of(settings)
        connector.scopes()
        entries = [e for b in connector.fetch("INBOX", ScopeState(None)) for e in b.entries]
        connector.close()
        out: list[tuple[object, ...]] = []
        for e in entries:
            if isinstance(e, MailItem):
                out.append((e.dedupe_key, e.body_text, e.attachments, e.size))
            else:
                assert isinstance(e, Quarantined)
                out.append((e.reason, e.raw))
        return out

    monkeypatch.setattr(imap_sync, "POOL_MIN_MESSAGES", 5)
    pooled = read(workers=3)
    inline = read(workers=1)
    assert pooled == inline and len(pooled) == 13


def test_server_without_uidnext(
    imap_user: ImapUser, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """UIDNEXT is optional in SELECT (RFC 3501 7.1): new mail is found by UID SEARCH."""
    from dataclasses import replace

    from connectors.imap.session import Session

    examine, list_folders = Session.examine, Session.list_folders

    def no_uidnext(self: Session, *args: object, **kwargs: object) -> object:
        return replace(examine(self, *args, **kwargs), uidnext=None)  # type: ignore[arg-type]

    def no_status(self: Session) -> object:
        folders, _ = list_folders(self)
        return folders, {}

    monkeypatch.setattr(Session, "examine", no_uidnext)
    monkeypatch.setattr(Session, "list_folders", no_status)
    monkeypatch.setattr(Session, "status", lambda self, folder: {b"MESSAGES": 0})
    seed_crm(db_url)
    for i in range(3):
        imap_user.append("INBOX", message(i))
    pipeline = make_pipeline(settings_for(tmp_path, db_url, [imap_connector(imap_user)]), db_url)
    assert pipeline.sync("imap").created == 3
    assert pipeline.sync("imap").created == 0
    imap_user.append("INBOX", message(7))
    assert pipeline.sync("imap").created == 1


def test_messages_over_max_size_keep_metadata_only(
    imap_user: ImapUser, tmp_path: Path, db_url: str
) -> None:
    seed_crm(db_url)
    imap_user.append("INBOX", message(1, body="krátka správa"))
    imap_user.append("INBOX", message(2, body="veľká príloha " * 400, attachment=True))
    cfg = imap_connector(imap_user, max_message_size=3000)
    with imap_commands() as sent:
        report = make_pipeline(settings_for(tmp_path, db_url, [cfg]), db_url).sync("imap")
    assert report.created == 2
    rows = dict(query(db_url, "SELECT subject, body FROM communications"))
    assert rows["Ponuka č. 1"].startswith("krátka správa")
    assert rows["Ponuka č. 2"] == ""  # headers and attachment metadata, no body fetched
    names = [n for (n,) in query(db_url, "SELECT name FROM attachments")]
    assert names == ["ponuka_2.pdf"]
    assert sent.count("UID FETCH") == 2  # headers+structure for both, the text of one


def test_mail_without_a_date_takes_internaldate_in_one_extra_fetch(imap_user: ImapUser) -> None:
    """Whole messages are fetched without INTERNALDATE; only undated ones ask for it."""
    when = datetime(2026, 11, 3, 8, 15, 0, tzinfo=UTC)
    undated = message(1).replace(b"Date: ", b"X-Old-Date: ")
    assert b"\r\nDate:" not in undated and b"Received:" not in undated
    imap_user.append("INBOX", undated, when=when)
    imap_user.append("INBOX", message(2), when=when)
    settings = settings_for(Path("."), "sqlite://", [imap_connector(imap_user, since=None)])
    connector = connector_of(settings)
    connector.scopes()
    with imap_commands() as sent:
        items = [e for b in connector.fetch("INBOX", ScopeState(None)) for e in b.entries]
    connector.close()
    assert [type(i) for i in items] == [MailItem, MailItem]
    second, first = items  # newest first
    assert isinstance(first, MailItem) and isinstance(second, MailItem)
    assert ".m1@" in (first.message_id or "") and ".m2@" in (second.message_id or "")
    assert first.occurred_at == when  # INTERNALDATE, the only date this message has
    assert second.occurred_at != when and second.occurred_at.year > 1970  # its Date header
    assert sent.count("UID FETCH") == 2  # the messages whole, then INTERNALDATE of one
