"""Pure parts of the IMAP connector: folder choice, cursors, UID sets, BODYSTRUCTURE, config."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from imapclient.datetime_util import parse_to_datetime
from imapclient.response_parser import parse_fetch_response

from connectors.imap import ImapConnector
from connectors.imap.cursor import FolderCursor, parse_remote_id, remote_id
from connectors.imap.folders import Folder, choose_folders
from connectors.imap.oauth import OAuth2Settings, TokenSource, forget_tokens
from connectors.imap.session import _response_key
from connectors.imap.structure import walk
from connectors.imap.wire import _internaldate, parse_uid_set, uid_set
from syncd.config import Settings, parse_settings
from syncd.errors import ConfigError
from syncd.registry import build_connector


def _f(name: str, *flags: str) -> Folder:
    return Folder.from_list([f.encode() for f in flags], name)


DOVECOT = [
    _f("INBOX", "\\HasNoChildren"),
    _f("Odoslané", "\\HasNoChildren", "\\Sent"),
    _f("Koncepty", "\\Drafts"),
    _f("Spam", "\\Junk"),
    _f("Kôš", "\\Trash"),
    _f("Archív", "\\Archive"),
    _f("Projekty", "\\Noselect", "\\HasChildren"),
    _f("Projekty/Ústí", "\\HasNoChildren"),
    _f("Projekty/Brno", "\\HasNoChildren"),
]
GMAIL = [
    _f("INBOX", "\\HasNoChildren"),
    _f("[Gmail]", "\\Noselect", "\\HasChildren"),
    _f("[Gmail]/All Mail", "\\All", "\\HasNoChildren"),
    _f("[Gmail]/Drafts", "\\Drafts"),
    _f("[Gmail]/Sent Mail", "\\Sent"),
    _f("[Gmail]/Spam", "\\Junk"),
    _f("[Gmail]/Trash", "\\Trash"),
    _f("[Gmail]/Important", "\\Important"),
    _f("Zákazníci", "\\HasNoChildren"),
]


@pytest.mark.parametrize(
    ("folders", "kwargs", "expected"),
    [
        (DOVECOT, {}, ["INBOX", "Odoslané"]),
        (DOVECOT, {"include": ["projekty*"]},
         ["INBOX", "Odoslané", "Projekty/Brno", "Projekty/Ústí"]),
        (DOVECOT, {"include": ["*"]},
         ["INBOX", "Archív", "Odoslané", "Projekty/Brno", "Projekty/Ústí"]),
        (DOVECOT, {"include": ["*"], "exclude": ["*/brno", "inbox"]},
         ["Archív", "Odoslané", "Projekty/Ústí"]),
        (GMAIL, {"gmail": True}, ["[Gmail]/All Mail"]),
        (GMAIL, {"gmail": True, "include": ["Zák*", "[Gmail]/Spam"]},
         ["[Gmail]/All Mail", "Zákazníci"]),
        (GMAIL, {"gmail": False}, ["INBOX", "[Gmail]/Sent Mail"]),
        # No SPECIAL-USE at all: the usual localised names.
        ([_f("INBOX"), _f("Odeslané"), _f("Koš"), _f("Wysłane"), _f("Spam")], {"include": ["*"]},
         ["INBOX", "Odeslané", "Wysłane"]),
    ],
)  # fmt: skip
def test_choose_folders(folders: list[Folder], kwargs: dict, expected: list[str]) -> None:
    assert choose_folders(folders, **kwargs) == expected


def test_cursor_roundtrip_and_decisions() -> None:
    c = FolderCursor(uv=7, hi=10, lo=1, done=True, next=11, n=9, ms=42)
    assert FolderCursor.load(c.dump()) == c
    assert c.complete
    assert c.unchanged({b"UIDVALIDITY": 7, b"UIDNEXT": 11, b"MESSAGES": 9})
    assert not c.unchanged({b"UIDVALIDITY": 8, b"UIDNEXT": 11, b"MESSAGES": 9})
    assert not c.unchanged({b"UIDVALIDITY": 7, b"MESSAGES": 9})  # no UIDNEXT: look
    assert not FolderCursor(uv=7, hi=10, lo=4, next=11, n=9).unchanged(
        {b"UIDVALIDITY": 7, b"UIDNEXT": 11, b"MESSAGES": 9}
    )  # backfill not done
    # Two new messages, none expunged: counts move in step.
    assert not c.may_have_expunged(11, 13)
    assert c.may_have_expunged(10, 13)  # one of them (or another) expunged
    assert c.may_have_expunged(8, 11)
    assert c.may_have_expunged(9, None)  # server without UIDNEXT
    for damaged in ("", "{", "[]", '{"v":1,"kind":"maildir"}', '{"v":1,"kind":"imap","uv":"x"}'):
        assert FolderCursor.load(damaged) is None
    assert parse_remote_id(remote_id(5, 9)) == (5, 9)
    assert parse_remote_id("junk") is None


@given(st.sets(st.integers(1, 5000), max_size=300))
def test_uid_set_roundtrip(uids: set[int]) -> None:
    text = uid_set(sorted(uids))
    assert parse_uid_set(text) == sorted(uids)
    assert len(text) <= len(",".join(map(str, sorted(uids))))


def test_response_keys() -> None:
    assert _response_key("BODY.PEEK[HEADER]") == b"BODY[HEADER]"
    assert _response_key("BODY.PEEK[TEXT]<0.8192>") == b"BODY[TEXT]<0>"
    assert _response_key("BODY.PEEK[1.2]") == b"BODY[1.2]"
    assert _response_key("RFC822.SIZE") == b"RFC822.SIZE"


def _structure(text: bytes) -> object:
    parsed = parse_fetch_response([b"1 (UID 1 BODYSTRUCTURE " + text + b")"])
    return parsed[1][b"BODYSTRUCTURE"]


def test_bodystructure_walk_picks_text_parts_and_attachment_metadata() -> None:
    bs = _structure(
        b'((("TEXT" "PLAIN" ("CHARSET" "windows-1250") NIL NIL "QUOTED-PRINTABLE" 120 4 NIL NIL '
        b'NIL NIL)("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "BASE64" 780 10 NIL NIL NIL NIL) '
        b'"ALTERNATIVE" ("BOUNDARY" "a") NIL NIL NIL)'
        b'("APPLICATION" "PDF" ("NAME" "=?utf-8?B?UG9udWthIMSNLiAxNy5wZGY=?=") NIL NIL "BASE64" '
        b'7800 NIL ("ATTACHMENT" ("FILENAME*" "utf-8\'\'Ponuka%20%C4%8D.%2017.pdf")) NIL NIL)'
        b'("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 500 ("Mon, 6 Jan 2025 10:00:00 +0100" "x" NIL NIL '
        b'NIL NIL NIL NIL NIL NIL) ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 1 NIL NIL NIL NIL) 12 NIL '
        b'("ATTACHMENT" ("FILENAME" "fwd.eml")) NIL NIL)'
        b'("TEXT" "PLAIN" ("CHARSET" "utf-8" "NAME" "notes.txt") NIL NIL "7BIT" 30 2 '
        b"NIL NIL NIL NIL)"
        b' "MIXED" ("BOUNDARY" "m") NIL NIL NIL)'
    )
    s = walk(bs)
    assert [(p.section, p.charset, p.encoding) for p in s.plain] == [
        ("1.1", "windows-1250", "quoted-printable")
    ]
    assert s.html is not None and s.html.section == "1.2"
    assert [(a.name, a.content_type, a.size, a.sha256) for a in s.attachments] == [
        ("Ponuka č. 17.pdf", "application/pdf", 5700, None),
        ("fwd.eml", "message/rfc822", 500, None),
        ("notes.txt", "text/plain", 30, None),
    ]
    assert s.rfc822 == ("3",)


def test_bodystructure_single_part_is_section_one() -> None:
    s = walk(
        _structure(b'("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "8BIT" 42 3 NIL NIL NIL NIL)')
    )
    assert [p.section for p in s.plain] == ["1"] and not s.attachments


def _settings(**overrides: object) -> Settings:
    cfg: dict[str, object] = {
        "name": "mail",
        "kind": "imap",
        "host": "imap.example.sk",
        "username": "peter",
    }
    cfg.update(overrides)
    return parse_settings(
        {"organisation": {"internal_domains": ["tatrasoft.sk"]}, "connectors": [cfg]},
        Path("."),
    )


def test_config_requires_credentials_for_the_chosen_auth() -> None:
    with pytest.raises(ConfigError, match="password_env"):
        _settings()
    with pytest.raises(ConfigError, match="oauth2_token_url and oauth2_client_id"):
        _settings(auth="oauth2")
    with pytest.raises(ConfigError, match="give only one of"):
        _settings(
            auth="oauth2", oauth2_token_url="https://x/token", oauth2_client_id="c",
            oauth2_refresh_token_env="A", oauth2_refresh_token_file="/b",
        )  # fmt: skip
    settings = _settings(
        auth="oauth2", oauth2_token_url="https://login.example/token", oauth2_client_id="syncd",
        oauth2_refresh_token_env="RT", mode="dropbox", since="30d", security="starttls",
    )  # fmt: skip
    connector = build_connector(settings.connectors[0], settings)
    assert isinstance(connector, ImapConnector)
    assert connector.params.security == "starttls" and connector.params.effective_port == 143
    assert connector.params.token is not None and connector.params.password is None
    assert connector.reader.opts.dropbox is not None
    assert connector.since is not None and connector.since.days == 30


def test_token_source_caches_and_refreshes_before_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    forget_tokens()
    now = [1000.0]
    calls: list[str] = []

    def fake_request(self: TokenSource, refresh: str) -> tuple[str, float, str | None]:
        calls.append(refresh)
        return f"token{len(calls)}", 600.0, "rotated" if len(calls) == 1 else None

    monkeypatch.setattr(TokenSource, "_request", fake_request)
    source = TokenSource(
        OAuth2Settings("https://t/token", "c", refresh_token=lambda: "rt"), clock=lambda: now[0]
    )
    assert source() == "token1"
    now[0] += 500  # 100 s left: still more than the 60 s margin
    assert source() == "token1"
    now[0] += 50  # 50 s left: refresh early
    assert source() == "token2"
    assert calls == ["rt", "rotated"]  # a rotated refresh token is used next time
    assert source(True) == "token3"  # forced after the server refused the token
    forget_tokens()


def test_fast_fetch_parser_matches_imapclient() -> None:
    from imapclient.response_parser import parse_fetch_response

    from connectors.imap.wire import parse_fetch

    data: list[Any] = [
        (b'12 (UID 40 RFC822.SIZE 2211 INTERNALDATE "23-Nov-2026 18:42:07 +0100" BODY[HEADER] {25}',
         b"Subject: x\r\nFrom: a@b\r\n\r\n"),
        b' BODYSTRUCTURE (("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 10 1 NIL NIL NIL NIL)'
        b'("APPLICATION" "PDF" ("NAME" {9}',
    ]  # fmt: skip
    data.append((data.pop(), b'a\\b"c.pdf'))
    data += [
        b') NIL NIL "BASE64" 78 NIL ("ATTACHMENT" ("FILENAME" "q\\"uote.pdf")) NIL NIL) "MIXED" '
        b'("BOUNDARY" "x") NIL NIL NIL) BODY[TEXT]<0> NIL)',
        b"3 (FLAGS (\\Seen) MODSEQ (77))",  # unsolicited, no UID: not ours
    ]
    mine = parse_fetch(data)
    theirs = parse_fetch_response(data, normalise_times=False, uid_is_key=True)
    assert set(mine) == {40}
    for key in (b"RFC822.SIZE", b"INTERNALDATE", b"BODY[HEADER]", b"BODY[TEXT]<0>"):
        assert mine[40][key] == theirs[40][key]
    assert walk(mine[40][b"BODYSTRUCTURE"]) == walk(theirs[40][b"BODYSTRUCTURE"])
    assert walk(mine[40][b"BODYSTRUCTURE"]).attachments[0].name == 'q"uote.pdf'
    with pytest.raises(ValueError):
        parse_fetch([b"1 (UID 2 BODY[HEADER] {3}"])  # literal announced but missing


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b" 6-Dec-2026 23:30:13 +0100", datetime(2026, 12, 6, 22, 30, 13, tzinfo=UTC)),
        (b"16-Dec-2026 23:30:13 -0530", datetime(2026, 12, 17, 5, 0, 13, tzinfo=UTC)),
        (b"06-Jan-2027 00:00:00 +0000", datetime(2027, 1, 6, tzinfo=UTC)),
        (b"6-Dec-2026 23:30:13 +0100", datetime(2026, 12, 6, 22, 30, 13, tzinfo=UTC)),  # lax
        (b"31-Feb-2026 10:00:00 +0000", None),
        (b" 6-Xyz-2026 23:30:13 +0100", None),
        (b" 6-Dec-2026 23:30:13 +2400", None),  # imapclient's parser lets this one through
        (b"garbage", None),
    ],
)
def test_internaldate_read_fast_and_checked(raw: bytes, expected: datetime | None) -> None:
    got = _internaldate(raw)
    assert got == expected
    if got is not None:
        assert got.utcoffset() == parse_to_datetime(raw, normalise=False).utcoffset()


def test_list_extended_data_is_skipped() -> None:
    from connectors.imap.session import _triplets

    lines = [
        b'(\\HasChildren) "/" Foo ("CHILDINFO" ("SUBSCRIBED"))',
        b'(\\Sent) "/" Sent',
        (b'() "/" {5}', b"Hello"),
        b"",
        b'(\\Noselect) NIL Bar ("OLDNAME" ("Baz"))',
    ]
    assert [(f, n) for f, _, n in _triplets(lines)] == [
        ((b"\\HasChildren",), b"Foo"),
        ((b"\\Sent",), b"Sent"),
        ((), b"Hello"),
        ((b"\\Noselect",), b"Bar"),
    ]


def test_error_texts_never_carry_server_data() -> None:
    import imaplib

    from connectors.imap.errors import translated
    from syncd.errors import ProtocolError, TransientError

    with pytest.raises(TransientError) as lost, translated("UID FETCH"):
        raise imaplib.IMAP4.abort("unexpected response: b'Subject: Tajn\\xc3\\xa9 veci'")
    assert "Tajn" not in str(lost.value)
    with pytest.raises(ProtocolError), translated("EXAMINE x"):
        raise imaplib.IMAP4.error("EXAMINE command error: BAD [b'Error in IMAP command']")
