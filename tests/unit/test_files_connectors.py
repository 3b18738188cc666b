"""Maildir, mbox and .eml directory connectors on trees built in tmp_path."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from connectors.base import Batch, Connector, Gone, MailItem, Quarantined, ScopeState, SourceRef
from connectors.files import (
    EmlDirConnector,
    MaildirConnector,
    MboxConnector,
    _dirscan,
    _parsing,
    decode_modified_utf7,
    maildir,
    mbox,
    read_messages,
)
from syncd.errors import ConfigError, ProtocolError

DATA = Path(__file__).parent.parent / "data" / "mail"
OLD = time.time() - 86_400  # a day ago: outside every "recent" margin


def msg(i: int, *, sender: str = "jan@firma.sk", body: str = "Dobrý deň") -> bytes:
    return (
        f"From: Ján <{sender}>\nTo: peter@zakaznik.sk\nSubject: =?utf-8?q?Spr=C3=A1va_{i}?=\n"
        f"Date: Mon, 4 Mar 2024 10:{i % 60:02d}:00 +0100\nMessage-ID: <m{i}@firma.sk>\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{body} {i}\n"
    ).encode()


def make_maildir(root: Path, files: dict[str, bytes], folder: str = "", sub: str = "new") -> Path:
    for name in ("cur", "new", "tmp"):
        (root / folder / name).mkdir(parents=True, exist_ok=True)
    for name, raw in files.items():
        (root / folder / sub / name).write_bytes(raw)
    return root


def age(*paths: Path) -> None:
    for p in paths:
        os.utime(p, (OLD, OLD))


def run(
    connector: Connector, scope: str, cursor: str | None = None, known: Iterable[str] = ()
) -> list[Batch]:
    return list(
        connector.fetch(scope, ScopeState(cursor=cursor, known_remote_ids=frozenset(known)))
    )


def ids(batches: list[Batch], kind: type = MailItem) -> list[str]:
    return sorted(e.source.remote_id for b in batches for e in b.entries if isinstance(e, kind))


# --- Maildir -------------------------------------------------------------------------


def test_maildir_scopes_layouts_and_modified_utf7(tmp_path: Path) -> None:
    make_maildir(tmp_path, {})
    for folder in (".Sent", ".Odoslan&AOk-", ".Archive.2023", "Projekty/&AWA-kola"):
        make_maildir(tmp_path, {}, folder)
    (tmp_path / "dovecot.index").write_bytes(b"")
    connector = MaildirConnector("md", tmp_path, "full")
    assert isinstance(connector, Connector)
    assert connector.scopes() == ["Archive.2023", "INBOX", "Odoslané", "Projekty/Škola", "Sent"]


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        ("Odoslan&AOk-", "Odoslané"),
        ("&AWA-kola", "Škola"),
        ("A&-B", "A&B"),
        ("&Jjo-!", "☺!"),
        ("broken&AOk", "broken&AOk"),
        ("bad&*-", "bad&*-"),
        ("plain", "plain"),
    ],
)
def test_decode_modified_utf7(encoded: str, decoded: str) -> None:
    assert decode_modified_utf7(encoded) == decoded


def test_maildir_fetch_batches_ids_and_total_hint(tmp_path: Path) -> None:
    files = {f"17000000{i:02d}.M{i}P1.host": msg(i) for i in range(7)}
    files["1700000099.M9P1.host,S=123:2,S"] = msg(99)
    root = make_maildir(tmp_path, files)
    batches = run(MaildirConnector("md", root, "subject", batch_size=3), "INBOX")
    assert [len(b.entries) for b in batches] == [3, 3, 2]
    assert {b.total_hint for b in batches} == {8}
    assert "1700000099.M9P1.host,S=123" in ids(batches)
    item = batches[0].entries[0]
    assert isinstance(item, MailItem) and (item.subject or "").startswith("Správa ")
    assert item.source.connector == "md" and item.source.scope == "INBOX"


@pytest.mark.parametrize("margin", [0, _dirscan.MARGIN_NS])
def test_maildir_resume_from_every_batch_cursor_loses_and_repeats_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, margin: int
) -> None:
    monkeypatch.setattr(_dirscan, "MARGIN_NS", margin)
    root = make_maildir(tmp_path, {f"{i}.x": msg(i) for i in range(10)})
    connector = MaildirConnector("md", root, "metadata", batch_size=3)
    seen: list[str] = []
    cursor = None
    while True:
        batches = run(connector, "INBOX", cursor)
        if not any(b.entries for b in batches):
            break
        seen += ids(batches[:1])  # store only the first batch, then "crash"
        cursor = batches[0].cursor
    assert sorted(seen) == sorted(f"{i}.x" for i in range(10))


def test_maildir_file_added_later_with_old_mtime_is_found(tmp_path: Path) -> None:
    """Moving a message into a folder keeps its mtime (Dovecot: INTERNALDATE)."""
    root = make_maildir(tmp_path, {"a": msg(1)})
    connector = MaildirConnector("md", root, "metadata")
    cursor = run(connector, "INBOX")[-1].cursor
    late = root / "cur" / "b:2,S"
    late.write_bytes(msg(2))
    os.utime(late, (1_000_000_000, 1_000_000_000))  # 2001
    batches = run(connector, "INBOX", cursor)
    assert ids(batches) == ["b"]
    assert run(connector, "INBOX", batches[-1].cursor) == []


def test_maildir_flag_rename_keeps_id_and_known_ids_are_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_maildir(tmp_path, {"a": msg(1), "b": msg(2)})
    connector = MaildirConnector("md", root, "metadata")
    cursor = run(connector, "INBOX")[-1].cursor
    (root / "new" / "a").rename(root / "cur" / "a:2,S")
    assert ids(run(connector, "INBOX", cursor, known={"a", "b"})) == []
    parsed: list[str] = []
    real = _parsing.parse_message

    def counting(raw: bytes, src: SourceRef, *args: Any, **kwargs: Any) -> object:
        parsed.append(src.remote_id)
        return real(raw, src, *args, **kwargs)

    monkeypatch.setattr(_parsing, "parse_message", counting)
    # Cursor lost: a full rescan parses only what the store does not know.
    batches = run(connector, "INBOX", None, known={"a"})
    assert ids(batches) == ["b"] and parsed == ["b"]


def test_maildir_unchanged_folder_is_not_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_maildir(tmp_path, {"a": msg(1)})
    age(root / "new", root / "cur")
    connector = MaildirConnector("md", root, "metadata")
    cursor = run(connector, "INBOX")[-1].cursor
    monkeypatch.setattr(maildir, "list_folder", lambda folder: pytest.fail("listed again"))
    assert run(connector, "INBOX", cursor) == []


def test_maildir_gone_and_empty_folder_safety(tmp_path: Path) -> None:
    root = make_maildir(tmp_path, {"a": msg(1), "b": msg(2)})
    connector = MaildirConnector("md", root, "metadata")
    cursor = run(connector, "INBOX")[-1].cursor
    (root / "new" / "a").unlink()
    batches = run(connector, "INBOX", cursor, known={"a", "b"})
    assert ids(batches, Gone) == ["a"] and batches[-1].cursor
    (root / "new" / "b").unlink()
    with capture_logs() as logs:
        batches = run(connector, "INBOX", cursor, known={"a", "b"})
    assert ids(batches, Gone) == []
    assert any(e["event"] == "scope_empty_gone_suppressed" for e in logs)


def test_maildir_quarantines_unreadable_and_drops_vanished(tmp_path: Path) -> None:
    root = make_maildir(
        tmp_path, {"junk": (DATA / "garbage_binary.bin").read_bytes(), "ok": msg(1)}
    )
    batches = run(MaildirConnector("md", root, "full"), "INBOX")
    [q] = [e for b in batches for e in b.entries if isinstance(e, Quarantined)]
    assert q.source.remote_id == "junk" and q.reason == "not an RFC 5322 message: no header block"
    assert ids(batches) == ["ok"]


def test_worker_finds_a_file_renamed_after_listing(tmp_path: Path) -> None:
    root = make_maildir(tmp_path, {"u1": msg(1)})
    (root / "new" / "u1").rename(root / "cur" / "u1:2,RS")
    src = SourceRef("md", "INBOX", "u1")
    jobs = [
        _parsing.Job(src, path=str(root / "new" / "u1"), maildir_unique="u1"),
        _parsing.Job(src, path=str(root / "new" / "gone"), maildir_unique="gone"),
    ]
    first, second = _parsing.parse_jobs(jobs, "metadata", 100)
    assert isinstance(first, MailItem) and first.message_id == "m1@firma.sk"
    assert second is None


def test_maildir_since_filters_old_messages(tmp_path: Path) -> None:
    old = msg(1).replace(b"2024", b"2019")
    root = make_maildir(tmp_path, {"old": old, "new": msg(2)})
    connector = MaildirConnector("md", root, "metadata", since=datetime(2020, 1, 1))
    assert ids(run(connector, "INBOX")) == ["new"]


def test_maildir_pool_matches_in_process(tmp_path: Path) -> None:
    root = make_maildir(tmp_path, {f"{i}.x": msg(i, sender=f"s{i}@x.sk") for i in range(260)})
    pooled = run(MaildirConnector("md", root, "full", workers=2, batch_size=100), "INBOX")
    single = run(MaildirConnector("md", root, "full", workers=1, batch_size=100), "INBOX")
    assert [len(b.entries) for b in pooled] == [100, 100, 60]

    def keys(batches: list[Batch]) -> list[str]:
        return sorted(e.dedupe_key for b in batches for e in b.entries if isinstance(e, MailItem))

    assert keys(pooled) == keys(single) and len(set(keys(pooled))) == 260
    assert pooled[-1].cursor == single[-1].cursor


def test_maildir_check_and_errors(tmp_path: Path) -> None:
    root = make_maildir(tmp_path / "box", {"a": msg(1), "b": msg(2)})
    result = MaildirConnector("md", root, "metadata").check()
    assert (result.ok, result.scopes, result.preview_items) == (True, ("INBOX",), 2)
    assert result.preview_bytes == len(msg(1)) + len(msg(2))
    (tmp_path / "empty").mkdir()
    assert not MaildirConnector("md", tmp_path / "empty", "metadata").check().ok
    assert not MaildirConnector("md", tmp_path / "missing", "metadata").check().ok
    with pytest.raises(ConfigError):
        MaildirConnector("md", tmp_path / "missing", "metadata").scopes()
    with pytest.raises(ProtocolError):
        run(MaildirConnector("md", root, "metadata"), "Nope")


def test_damaged_cursor_means_full_rescan(tmp_path: Path) -> None:
    root = make_maildir(tmp_path, {"a": msg(1)})
    for cursor in ("not json", '{"v": 99}', '{"v":1,"kind":"maildir","wm":"x"}', "[]"):
        assert ids(run(MaildirConnector("md", root, "metadata"), "INBOX", cursor)) == ["a"]


# --- .eml directories ----------------------------------------------------------------


def test_eml_dir_tree(tmp_path: Path) -> None:
    root = tmp_path / "export"
    (root / "2024" / "03").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "a.eml").write_bytes(msg(1))
    (root / "2024" / "03" / "B.EML").write_bytes(msg(2))
    (root / "2024" / "notes.txt").write_bytes(b"x")
    (root / ".hidden" / "c.eml").write_bytes(msg(3))
    connector = EmlDirConnector("eml", root, "subject")
    assert connector.scopes() == ["export"]
    batches = run(connector, "export")
    assert ids(batches) == ["2024/03/B.EML", "a.eml"]
    assert run(connector, "export", batches[-1].cursor) == []
    (root / "2024" / "d.eml").write_bytes(msg(4))
    assert ids(run(connector, "export", batches[-1].cursor)) == ["2024/d.eml"]
    result = connector.check()
    assert (result.ok, result.preview_items) == (True, 3)


# --- mbox ----------------------------------------------------------------------------


def quote(raw: bytes) -> bytes:
    """mboxrd writer: one more '>' on every line matching ^>*From ."""
    lines = raw.split(b"\n")
    return b"\n".join(b">" + ln if ln.lstrip(b">").startswith(b"From ") else ln for ln in lines)


def mbox_bytes(messages: list[bytes], newline: bytes = b"\n") -> bytes:
    out = b"".join(
        b"From MAILER-DAEMON Mon Mar  4 10:00:00 2024\n" + quote(m) + b"\n" for m in messages
    )
    return out.replace(b"\n", newline)


@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_read_messages_quoting_and_separators(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, newline: bytes
) -> None:
    monkeypatch.setattr(mbox, "CHUNK", chunk)
    body = b"From: a@x.sk\n\nline\nFrom here on, quoted\n>From twice\nnot a separator:\nFrom x\n"
    messages = [body, msg(2), b"From: b@x.sk\n\n" + b"x" * 300 + b"\n"]
    path = tmp_path / "box"
    path.write_bytes(b"junk before\n\n" + mbox_bytes(messages, newline))
    got = list(read_messages(path))
    assert [m.raw for m in got] == [m.replace(b"\n", newline) for m in messages]
    assert (
        got[0].offset == len(b"junk before\n\n")
        and got[-1].last
        and got[-1].end == path.stat().st_size
    )
    assert all(m.envelope.startswith(b"From MAILER-DAEMON") for m in got)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(["From x", ">From y", ">>From z", "", "a", "From:"]),
            min_size=1,
            max_size=6,
        ).map(lambda ls: ("\n".join(ls) + "\n").encode()),
        max_size=5,
    )
)
def test_mboxrd_round_trip(tmp_path_factory: pytest.TempPathFactory, messages: list[bytes]) -> None:
    path = tmp_path_factory.mktemp("rt") / "box"
    path.write_bytes(mbox_bytes(messages))
    assert [m.raw for m in read_messages(path)] == messages


def test_mbox_scopes_fetch_append_and_unchanged(tmp_path: Path) -> None:
    tb = tmp_path / "Mail"
    (tb / "Inbox.sbd").mkdir(parents=True)
    (tb / "Inbox").write_bytes(mbox_bytes([msg(1), msg(2)]))
    (tb / "Inbox.msf").write_bytes(b'// <!-- <mdb:mork:z v="1.4"/> -->')
    (tb / "Inbox.sbd" / "Work").write_bytes(mbox_bytes([msg(3)]))
    (tb / "Trash.mbox").write_bytes(b"")
    age(tb / "Inbox")
    connector = MboxConnector("mb", tb, "full")
    assert connector.scopes() == ["Inbox", "Inbox.sbd/Work", "Trash.mbox"]
    first = run(connector, "Inbox")
    items = [e for b in first for e in b.entries]
    assert [i.body_text for i in items if isinstance(i, MailItem)] == ["Dobrý deň 1", "Dobrý deň 2"]
    first_ids = ids(first)
    assert first_ids[0].startswith("0:") and len(first_ids[0].split(":")[1]) == 12
    cursor = first[-1].cursor
    assert run(connector, "Inbox", cursor) == []
    with open(tb / "Inbox", "ab") as f:
        f.write(mbox_bytes([msg(4)]))
    age(tb / "Inbox")
    later = run(connector, "Inbox", cursor)
    assert len(ids(later)) == 1 and ids(later)[0] not in first_ids
    assert ids(run(connector, "Inbox", None, known=first_ids)) == ids(later)
    result = connector.check()
    assert (result.ok, result.preview_items) == (True, 4)


def test_mbox_rewrite_rescans_and_reports_gone(tmp_path: Path) -> None:
    path = tmp_path / "box.mbox"
    path.write_bytes(mbox_bytes([msg(1), msg(2), msg(3)]))
    age(path)
    connector = MboxConnector("mb", path, "metadata")
    batches = run(connector, "box.mbox")
    known = ids(batches)
    path.write_bytes(mbox_bytes([msg(2), msg(3)]))  # msg 1 deleted, file compacted in place
    age(path)
    with capture_logs() as logs:
        again = run(connector, "box.mbox", batches[-1].cursor, known=known)
    assert any(e["event"] == "mbox_rescan" and e["reason"] == "file shrank" for e in logs)
    assert ids(again, Gone) == sorted(known)  # every offset moved
    assert len(ids(again)) == 2 and not set(ids(again)) & set(known)
    path.write_bytes(b"")
    age(path)
    assert ids(run(connector, "box.mbox", None, known=known), Gone) == []  # empty: suspicious


def test_mbox_hot_last_message_waits(tmp_path: Path) -> None:
    path = tmp_path / "box"
    path.write_bytes(mbox_bytes([msg(1), msg(2)]))  # mtime is now: maybe still being written
    connector = MboxConnector("mb", path, "metadata")
    batches = run(connector, "box")
    assert len(ids(batches)) == 1
    age(path)
    rest = run(connector, "box", batches[-1].cursor)
    assert len(ids(rest)) == 1 and ids(rest)[0].startswith(f"{len(mbox_bytes([msg(1)]))}:")


def test_mbox_envelope_date_is_the_fallback(tmp_path: Path) -> None:
    path = tmp_path / "box"
    path.write_bytes(b"From x@y Tue Apr  2 08:30:00 2024\nFrom: a@x.sk\n\nno date\n")
    age(path)
    [item] = [e for b in run(MboxConnector("mb", path, "metadata"), "box") for e in b.entries]
    assert isinstance(item, MailItem) and item.occurred_at == datetime(
        2024, 4, 2, 8, 30, tzinfo=UTC
    )


def test_mbox_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mbox, "POOL_MIN_BYTES", 0)
    path = tmp_path / "big"
    path.write_bytes(mbox_bytes([msg(i) for i in range(300)]))
    age(path)
    batches = run(MboxConnector("mb", path, "full", workers=2, batch_size=128), "big")
    assert [len(b.entries) for b in batches] == [128, 128, 44]
    assert len(set(ids(batches))) == 300


def test_mbox_missing_paths(tmp_path: Path) -> None:
    assert not MboxConnector("mb", tmp_path / "nope", "metadata").check().ok
    shutil.copy(DATA / "windows1250_body_slovak.eml", tmp_path / "not-mbox.eml")
    assert MboxConnector("mb", tmp_path, "metadata").scopes() == []
    with pytest.raises(ProtocolError):
        run(MboxConnector("mb", tmp_path, "metadata"), "x")
