"""parse_message on real-world quirks (tests/data/mail) and arbitrary bytes."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.base import MailItem, Quarantined, SourceRef
from connectors.mailparse import decode_text, normalise_address, parse_message
from connectors.mailparse._headers import decode_words, params
from connectors.mailparse._mime import split_multipart

DATA = Path(__file__).parent.parent / "data" / "mail"
SRC = SourceRef(connector="test", scope="INBOX", remote_id="1")


def load(name: str) -> bytes:
    return (DATA / name).read_bytes()


def parse(raw: bytes, visibility: str = "full", **kwargs: object) -> MailItem:
    item = parse_message(raw, SRC, visibility, **kwargs)  # type: ignore[arg-type]
    assert isinstance(item, MailItem), item
    return item


def sender(item: MailItem) -> tuple[str, str | None]:
    [p] = [p for p in item.participants if p.role == "from"]
    return p.address, p.name


@pytest.mark.parametrize(
    ("name", "subject", "from_address", "from_name"),
    [
        ("koi8r_subject.eml", "Коммерческое предложение", "sergey@torg.ru", "Сергей Петров"),
        (
            "windows1250_body_slovak.eml",
            "Cenová ponuka – Žilina",
            "lubomir.stastny@stavby.sk",
            "Ľubomír Šťastný",
        ),
        (
            "iso8859_2_polish_from.eml",
            "Zamówienie nr 15/2024 – ważne",
            "pawel.wisniewski@hurtownia.pl",
            "Paweł Wiśniewski",
        ),
        ("rfc2047_split_utf8_words.eml", "Cenová ponuka – Žilina", "jan@firma.sk", "Ján Novák"),
        ("undeclared_8bit_header_cp1251.eml", "Счет на оплату №15", "oleg@firma.ru", "Олег Иванов"),
        ("html_only_czech.eml", "Nabídka", "tomas@dvorak.cz", "Tomáš Dvořák"),
        (
            "outlook_winmail_style.eml",
            "RE: Objednávka č. 42",
            "stefan.kovac@firma.sk",
            "Štefan Kováč",
        ),
        ("group_syntax_to.eml", "group syntax", "jan.novak@firma.sk", "Ján Novák"),
        ("idn_punycode_from.eml", "IDN", "info@žilinská-stavebná.sk", "Stavebná firma"),
    ],
)
def test_headers_decode_exactly(name: str, subject: str, from_address: str, from_name: str) -> None:
    item = parse(load(name))
    assert item.subject == subject
    assert sender(item) == (from_address, from_name)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("koi8r_subject.eml", "Добрый день! Высылаем наше предложение."),
        (
            "windows1250_body_slovak.eml",
            "Dobrý deň,\n\nv prílohe posielam cenovú ponuku pre stavbu v Žiline.\n\n"
            "S pozdravom\nĽubomír Šťastný",
        ),
        ("iso8859_2_polish_from.eml", "Dzień dobry, proszę o potwierdzenie zamówienia."),
        ("undeclared_8bit_header_cp1251.eml", "Счет во вложении."),
        (
            "html_only_czech.eml",
            "Příliš žluťoučký kůň úpěl ďábelské ódy.\n\n- Položka 1\n- Položka 2\n\n"
            "S pozdravem\nTomáš",
        ),
        ("outlook_winmail_style.eml", "Dobrý deň,\nobjednávku č. 42 potvrdzujem.\nŠtefan Kováč"),
        ("attachment_rfc2231_filename.eml", "Ponuka v prílohe."),
    ],
)
def test_full_visibility_body(name: str, body: str) -> None:
    assert parse(load(name)).body_text == body


def test_recipients_group_syntax_comments_and_quoted_local_parts() -> None:
    item = parse(load("group_syntax_to.eml"))
    got = [(p.role, p.address, p.name) for p in item.participants]
    assert got == [
        ("from", "jan.novak@firma.sk", "Ján Novák"),
        ("to", "eva@firma.sk", None),
        ("to", "peter@firma.sk", "Horváth, Peter"),  # encoded comma did not split it
        ("to", "marta@firma.sk", None),
        ("bcc", '"jan novak"@firma.sk', None),
    ]


def test_outlook_quoted_display_name_with_encoded_comma() -> None:
    item = parse(load("outlook_winmail_style.eml"))
    assert [(p.role, p.address, p.name) for p in item.participants if p.role == "to"] == [
        ("to", "jan.novak@zakaznik.sk", "Novák, Ján")
    ]
    assert item.thread_key == "original-42@zakaznik.sk"
    assert item.message_id == "vi1pr07mb1234abcd5678@vi1pr07mb1234.eurprd07.prod.outlook.com"


def test_idn_punycode_and_unicode_spellings_are_one_domain() -> None:
    item = parse(load("idn_punycode_from.eml"))
    assert {p.address.split("@")[1] for p in item.participants} == {"žilinská-stavebná.sk"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jan.Novak@Firma.SK", "jan.novak@firma.sk"),
        ("<jan@x.sk>", "jan@x.sk"),
        ('"jan.novak"@x.sk', "jan.novak@x.sk"),
        ("info@xn--ilina-tib.sk", "info@žilina.sk"),
        ("info@ŽILINA.sk", "info@žilina.sk"),
        ("jan@x.sk.", "jan@x.sk"),
        ("no-at-sign", ""),
        ("@x.sk", ""),
        ("jan@", ""),
        ("jan@xn--broken-.sk", "jan@xn--broken-.sk"),
    ],
)
def test_normalise_address(raw: str, expected: str) -> None:
    assert normalise_address(raw) == expected


def test_attachment_metadata_rfc2231_rfc2047_and_nameless_inline() -> None:
    item = parse(load("attachment_rfc2231_filename.eml"), "metadata")
    got = [(a.name, a.content_type, a.size) for a in item.attachments]
    assert got == [
        (None, "image/png", 108),
        ("Cenová ponuka – Žilina 2024.pdf", "application/pdf", 9 + 1024),
        ("Poznámky.txt", "text/plain", 8),
    ]
    pdf = item.attachments[1]
    assert pdf.sha256 == "d396988b0203220b2ad7ff4abe409055a44a7bedfd2348b016b97fce49d1faa5"


def test_winmail_dat_is_an_attachment() -> None:
    [att] = parse(load("outlook_winmail_style.eml"), "subject").attachments
    assert (att.name, att.content_type, att.size) == ("winmail.dat", "application/ms-tnef", 204)


@pytest.mark.parametrize(
    ("visibility", "subject", "body"),
    [
        ("metadata", None, None),
        ("subject", "Cenová ponuka – Žilina", None),
        ("full", "Cenová ponuka – Žilina", "Dobrý deň,"),
    ],
)
def test_visibility_levels(visibility: str, subject: str | None, body: str | None) -> None:
    item = parse(load("windows1250_body_slovak.eml"), visibility)
    assert item.subject == subject
    assert (item.body_text or "")[:10] == (body or "")
    assert item.body_text is None if body is None else item.body_text is not None
    assert item.participants  # addresses at every level


def test_body_truncated_to_max_chars() -> None:
    assert parse(load("windows1250_body_slovak.eml"), max_body_chars=9).body_text == "Dobrý deň"


def test_empty_plain_alternative_falls_back_to_html() -> None:
    raw = (
        b"From: a@x.sk\nContent-Type: multipart/alternative; boundary=b\n\n--b\n"
        b"Content-Type: text/plain\n\n\n--b\nContent-Type: text/html\n\n<p>Ahoj</p>\n--b--\n"
    )
    assert parse(raw).body_text == "Ahoj"


def test_missing_subject_is_empty_not_hidden() -> None:
    raw = b"From: a@x.sk\nTo: b@y.sk\n\nbody\n"
    assert parse(raw, "subject").subject == ""
    assert parse(raw, "metadata").subject is None


def test_dedupe_key_is_stable_across_mailboxes() -> None:
    """Line endings and per-mailbox headers do not change the key."""
    for name in ("no_message_id.eml", "windows1250_body_slovak.eml"):
        raw = load(name)
        other = b"Delivered-To: eva@firma.sk\nX-Keywords: $Seen\nStatus: RO\n" + raw
        other = other.replace(b"\n", b"\r\n")
        assert parse(raw).dedupe_key == parse(other).dedupe_key


def test_dedupe_key_prefixes_and_reused_message_id() -> None:
    a = parse(load("reused_message_id_a.eml"))
    b = parse(load("reused_message_id_b.eml"))
    assert a.message_id == b.message_id == "1@localhost"
    assert a.dedupe_key != b.dedupe_key
    assert a.dedupe_key.startswith("m:") and len(a.dedupe_key) == 42
    assert parse(load("no_message_id.eml")).dedupe_key.startswith("h:")


def test_dedupe_key_without_message_id_changes_with_body() -> None:
    raw = load("no_message_id.eml")
    assert parse(raw).dedupe_key != parse(raw.replace(b"bez", b"s")).dedupe_key


@pytest.mark.parametrize(
    ("headers", "thread_key"),
    [
        (b"Message-ID: <Own@X>\nReferences: <Root@X>\n <p@x>\nIn-Reply-To: <p@x>\n", "root@x"),
        (b"Message-ID: <own@x>\nIn-Reply-To: <Parent@X> (Jan's message)\n", "parent@x"),
        (b"Message-ID: <own@x>\n", "own@x"),
        (b"Message-ID: own@x\n", "own@x"),
        (b"Message-ID: <own @X>\n", "own@x"),  # broken mailer: space inside
        (b"Message-ID: <>\n", None),
        (b"", None),
    ],
)
def test_thread_key(headers: bytes, thread_key: str | None) -> None:
    assert parse(b"From: a@x.sk\n" + headers + b"\nbody").thread_key == thread_key


def test_occurred_at_falls_back_to_newest_received() -> None:
    item = parse(load("no_date.eml"))
    assert item.occurred_at == datetime(2024, 3, 15, 10, 0, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fallback", "expected"),
    [
        (
            datetime(2024, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=2))),
            datetime(2024, 1, 2, 1, 4),
        ),
        (datetime(2024, 1, 2, 3, 4), datetime(2024, 1, 2, 3, 4)),  # naive means UTC
        (None, datetime(1970, 1, 1)),
    ],
)
def test_occurred_at_without_any_date(fallback: datetime | None, expected: datetime) -> None:
    raw = b"From: a@x.sk\nDate: yesterday-ish\nReceived: from x by y (no date)\n\nbody\n"
    item = parse(raw, fallback_date=fallback)
    assert item.occurred_at == expected.replace(tzinfo=UTC)
    assert item.occurred_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Mon, 4 Mar 2024 10:00:00 +0100", datetime(2024, 3, 4, 9, 0)),
        ("Mon, 4 Mar 2024 10:00:00 -0000", datetime(2024, 3, 4, 10, 0)),
        ("4 Mar 24 10:00 EST", datetime(2024, 3, 4, 15, 0)),
        ("Mon, 4 Mar 1601 10:00:00 +0000", datetime(2024, 3, 5)),  # absurd: use Received
    ],
)
def test_date_header_to_utc(date: str, expected: datetime) -> None:
    raw = f"From: a@x.sk\nReceived: x; Tue, 5 Mar 2024 00:00:00 +0000\nDate: {date}\n\nb".encode()
    assert parse(raw).occurred_at == expected.replace(tzinfo=UTC)


def test_noise_headers_and_size() -> None:
    raw = (
        b"From: news@x.sk\nTo: a@y.sk\nList-Id: Novinky <Novinky.X.SK>\nPrecedence:  Bulk \n"
        b"Auto-Submitted: Auto-Generated; owner=x\n\nb"
    )
    item = parse(raw)
    assert (item.list_id, item.precedence, item.auto_submitted) == (
        "novinky.x.sk",
        "bulk",
        "auto-generated",
    )
    assert item.size == len(raw) and item.raw == raw


def test_mbox_envelope_line_is_not_a_header() -> None:
    item = parse(b"From jan@x.sk Mon Jan  1 00:00:00 2024\nFrom: jan@x.sk\nSubject: s\n\nb")
    assert item.subject == "s"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (load("empty.eml"), "empty message"),
        (b" \r\n\r\n", "empty message"),
        (load("garbage_binary.bin"), "not an RFC 5322 message: no header block"),
        (b"\r\nFrom: a@x.sk\r\n", "not an RFC 5322 message: no header block"),
        (b"Subject: hello\n\nno addresses", "no From/To/Cc/Bcc address"),
        (b"From: undisclosed\nTo: Undisclosed recipients:;\n\nx", "no From/To/Cc/Bcc address"),
    ],
)
def test_quarantined_with_reason(raw: bytes, reason: str) -> None:
    result = parse_message(raw, SRC, "full")
    assert result == Quarantined(source=SRC, reason=reason, raw=raw)
    assert result.raw == raw


def test_parse_message_and_items_are_picklable() -> None:
    item = parse(load("koi8r_subject.eml"))
    assert pickle.loads(pickle.dumps(parse_message)) is parse_message
    clone = pickle.loads(pickle.dumps(item))
    assert clone == item and clone.raw == item.raw


def test_unknown_visibility_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="visibility"):
        parse_message(b"From: a@x.sk\n\n", SRC, "everything")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Cenová ponuka – Žilina", "cp1250"),
        ("Příliš žluťoučký kůň", "iso-8859-2"),
        ("šanca", "iso-8859-2"),
        ("Zażółć gęślą jaźń", "cp1250"),
        ("Łukasz Wójcik", "iso-8859-2"),
        ("Привет, как дела?", "cp1251"),
        ("Привет, как дела?", "koi8-r"),
        ("ПРИВЕТ МИР", "koi8-r"),
        ("Іван Петренко", "cp1251"),
        ("Юрій Шевченко", "koi8-u"),
        ("Ján Novák", "utf-8"),
    ],
)
def test_undeclared_8bit_guess(text: str, codec: str) -> None:
    assert decode_text(text.encode(codec)) == text


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        ("Šťastný".encode("cp1250"), "iso-8859-2", "Šťastný"),  # C1 bytes: really windows-1250
        ("Škoda".encode("cp1250"), "us-ascii", "Škoda"),  # 8-bit despite us-ascii
        ("Žilina".encode("cp1250"), "x-unknown", "Žilina"),
        ("Žilina".encode("cp1250"), "utf-8", "Žilina"),  # mislabelled as UTF-8
        ("Žilina".encode(), "utf-8*sk", "Žilina"),  # RFC 2231 language suffix
        ("€ – „x“".encode("cp1252"), "iso-8859-1", "€ – „x“"),
        ("Dobrý deň".encode(), "windows-1250", "Dobrý deň"),  # UTF-8 under a legacy label
    ],
)
def test_declared_charset_quirks(data: bytes, charset: str, expected: str) -> None:
    assert decode_text(data, charset) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=?utf-8?q?a?= =?utf-8?q?b?=", "ab"),
        ("=?utf-8?q?a?= b =?utf-8?q?c?=", "a b c"),
        ("x =?ISO-8859-2?Q?=BElt=FD?= y", "x žltý y"),
        ("=?utf-8?b?xb1pbGluYQ?=", "Žilina"),  # missing padding
        ("=?utf-8?q?Cenov=C3=A1?= =?windows-1250?q?_=9Ailina?=", "Cenová šilina"),
        ("=?bogus-charset?q?J=C3=A1n?=", "Ján"),
        ("plain =?broken", "plain =?broken"),
    ],
)
def test_decode_words(text: str, expected: str) -> None:
    assert decode_words(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('attachment; filename="a;b.pdf"', ("attachment", {"filename": "a;b.pdf"})),
        ("inline; FILENAME*=utf-8'sk'%C5%BDilina.txt", ("inline", {"filename": "Žilina.txt"})),
        (
            'attachment; filename*0="Cen"; filename*1*=ov%E1.pdf; filename*2*=x',
            ("attachment", {"filename": "Cenová.pdfx"}),
        ),
        ('text/plain; name="=?utf-8?q?=C5=BD.txt?="', ("text/plain", {"name": "Ž.txt"})),
        ("multipart/mixed; boundary=abc ; charset", ("multipart/mixed", {"boundary": "abc"})),
    ],
)
def test_params(value: str, expected: tuple[str, dict[str, str]]) -> None:
    assert params(value) == expected


@pytest.mark.parametrize(
    ("body", "parts"),
    [
        (b"pre\n--b\nA\n--b\r\nB\r\n--b--\nepilogue", [b"A", b"B"]),
        (b"--b  \nA\n--bb\n--b\nB", [b"A\n--bb", b"B"]),  # no close delimiter
        (b"x--b\n--b\nA\n--b--", [b"A"]),
        (b"no delimiters", []),
    ],
)
def test_split_multipart(body: bytes, parts: list[bytes]) -> None:
    assert split_multipart(body, b"b") == parts


def _check_result(result: MailItem | Quarantined, raw: bytes) -> None:
    assert isinstance(result, MailItem | Quarantined)
    if isinstance(result, Quarantined):
        assert not result.reason.startswith("parser failure"), result.reason
        assert result.raw == raw
        return
    assert result.occurred_at.tzinfo is UTC
    texts = [result.subject or "", result.body_text or "", result.message_id or ""]
    texts += [p.name or "" for p in result.participants] + [p.address for p in result.participants]
    texts += [a.name or "" for a in result.attachments]
    for text in texts:
        text.encode("utf-8")  # no lone surrogates
        assert "\x00" not in text  # PostgreSQL text cannot hold NUL
    assert all("@" in p.address for p in result.participants)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    for visibility in ("metadata", "full"):
        _check_result(parse_message(raw, SRC, visibility), raw)


_HEADER_NAMES = st.sampled_from(
    [
        "From",
        "To",
        "Cc",
        "Subject",
        "Date",
        "Message-ID",
        "References",
        "Content-Type",
        "Content-Disposition",
        "Content-Transfer-Encoding",
        "Received",
        "List-Id",
    ]
)
_VALUES = st.one_of(
    st.binary(max_size=80),
    st.sampled_from(
        [
            b"=?utf-8?q?=C5=BD?= <a@x.sk>",
            b'g: a@x.sk, (c) "q"@y;',
            b"multipart/mixed; boundary=b",
            b"attachment; filename*0*=x''%FF; filename*1=\"",
            b"base64",
            b"quoted-printable",
            b"=?koi8-r?B?====?=",
            b"<a@b> <c@d>",
            b"x; Mon, 32 Foo 99999 99:99:99 +9999",
            b"text/html",
        ]
    ),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(_HEADER_NAMES, _VALUES), max_size=12),
    st.lists(
        st.one_of(st.binary(max_size=60), st.sampled_from([b"--b", b"--b--", b"\r\n", b"="])),
        max_size=20,
    ),
)
def test_mail_shaped_input_never_raises(
    headers: list[tuple[str, bytes]], body: list[bytes]
) -> None:
    raw = b"".join(name.encode() + b": " + value + b"\n" for name, value in headers)
    raw += b"\n" + b"\n".join(body)
    for visibility in ("metadata", "full"):
        _check_result(parse_message(raw, SRC, visibility, max_body_chars=50), raw)
