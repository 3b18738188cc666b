"""Folder selection against Dovecot's SPECIAL-USE LIST: defaults, Unicode names, patterns."""

from __future__ import annotations

from pathlib import Path

import pytest

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

FOLDERS = {
    "Odoslané": r"\Sent",  # Slovak Sent
    "Wysłane": r"\Sent",  # Polish Sent
    "Отправленные": r"\Sent",  # Russian Sent
    "Spam": r"\Junk",
    "Kôš": r"\Trash",
    "Koncepty": r"\Drafts",
    "Archive": r"\Archive",
    "Projekty/Ústí": "",  # under a \Noselect container
    "Projekty/Brno": "",
}


def test_default_folders_unicode_names_and_patterns(
    imap_user: ImapUser, tmp_path: Path, db_url: str
) -> None:
    seed_crm(db_url)
    imap_user.create(*FOLDERS)
    for i, folder in enumerate(["INBOX", *FOLDERS]):
        imap_user.append(folder, message(i, subject=f"in {folder}"))

    settings = settings_for(tmp_path, db_url, [imap_connector(imap_user)])
    connector = connector_of(settings)
    assert connector.scopes() == ["INBOX", "Odoslané", "Wysłane", "Отправленные"]
    connector.close()

    cfg = imap_connector(
        imap_user,
        folders_include=["projekty/*", "Spam", "Koncepty"],  # \Junk, \Drafts: never
        folders_exclude=["*brno", "Wysłane"],
    )
    settings = settings_for(tmp_path, db_url, [cfg])
    connector = connector_of(settings)
    scopes = connector.scopes()
    connector.close()
    assert scopes == ["INBOX", "Odoslané", "Projekty/Ústí", "Отправленные"]

    report = make_pipeline(settings, db_url).sync("imap")
    assert report.status == "ok" and not report.scope_errors
    stored = {s for (s,) in query(db_url, "SELECT subject FROM communications")}
    assert stored == {f"in {f}" for f in scopes}
    scopes_seen = {s for (s,) in query(db_url, "SELECT DISTINCT scope FROM sync_cursors")}
    assert scopes_seen == set(scopes)


def test_check_lists_folders_and_previews_the_backfill(imap_user: ImapUser) -> None:
    imap_user.create("Sent", "Junk")
    for i in range(3):
        imap_user.append("INBOX", message(i))
    imap_user.append("Sent", message(9, sender="peter@tatrasoft.sk", to="jan@acme.sk"))
    imap_user.append("Junk", message(8))
    settings = settings_for(Path("."), "sqlite://", [imap_connector(imap_user)])
    result = connector_of(settings).check()
    assert result.ok, result.detail
    assert result.scopes == ("INBOX", "Sent")
    assert result.preview_items == 4
    assert result.preview_bytes and result.preview_bytes > 1000

    bad = settings_for(
        Path("."), "sqlite://", [imap_connector(imap_user, password_env="NOPE_NOT_SET")]
    )
    result = connector_of(bad).check()
    assert not result.ok and "NOPE_NOT_SET" in result.detail
