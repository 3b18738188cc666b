"""The parser's fast paths against the straightforward code they stand in for.

``split_headers`` (regex over the block), ``html_to_text`` (regex tokens for
well-formed documents) and the cached address parsing must give exactly what
the line-by-line loop, ``html.parser`` and an uncached header reader give;
Hypothesis looks for inputs where they differ.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.base import MailItem, SourceRef
from connectors.mailparse import estimated_size, parse_message, split_headers
from connectors.mailparse._addresses import _display_name, addresses, normalise_address
from connectors.mailparse._headers import _split_semicolons, header_text
from connectors.mailparse._html import _parsed_text, html_to_text
from matching import parse_address_header
from matching.addresses import normalise_with

DATA = Path(__file__).parent.parent / "data" / "mail"
_NAME = re.compile(rb"([\x21-\x39\x3b-\x7e]+)[ \t]*:")


def reference_split(data: bytes, envelope: bool = True) -> tuple[dict[str, list[bytes]], int]:
    """The original line-by-line header loop."""
    headers: dict[str, list[bytes]] = {}
    n = len(data)
    pos = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if envelope and data.startswith(b"From ", pos):
        nl = data.find(b"\n", pos)
        pos = n if nl < 0 else nl + 1
    current: list[bytes] | None = None
    name = ""
    while pos < n:
        nl = data.find(b"\n", pos)
        end = n if nl < 0 else nl + 1
        line = data[pos:end].rstrip(b"\r\n")
        if not line:
            pos = end
            break
        if line[0] in (0x20, 0x09):
            if current is None:
                break
            current.append(line)
        else:
            m = _NAME.match(line)
            if m is None:
                break
            if current is not None:
                headers.setdefault(name, []).append(b"".join(current))
            name = m.group(1).decode("ascii").lower()
            current = [line[m.end() :]]
        pos = end
    if current is not None:
        headers.setdefault(name, []).append(b"".join(current))
    return headers, pos


_HEADER_PIECES = st.sampled_from(
    [b"From", b"Subject", b"X-A", b"to", b"Bad Name", b":", b" ", b"\t", b"\r", b"\n",
     b"\r\n", b"\r\n ", b"\n\t", b"value", b"=?utf-8?q?x?=", b"\xc3\xa1", b"\x00", b"From ",
     b"\xef\xbb\xbf", b"a:b", b"  :", b"body"]
)  # fmt: skip


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_HEADER_PIECES, max_size=30).map(b"".join), st.booleans())
def test_split_headers_equals_the_line_loop(data: bytes, envelope: bool) -> None:
    assert split_headers(data, envelope=envelope) == reference_split(data, envelope)


def test_split_headers_on_real_messages() -> None:
    for path in sorted(DATA.glob("*")):
        raw = path.read_bytes()
        for variant in (raw, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")):
            assert split_headers(variant) == reference_split(variant), path.name


_HTML_PIECES = st.sampled_from(
    ["<p>", "</p>", "<br>", "<br/>", "<br />", "<li>", "</li>", "<ul>", "<div class=\"x\">",
     "</div>", "<td>", "<tr>", "<table border=0>", "<a href=x/>", "<a href='y'>", "</a>",
     "<script>", "</script>", "<style type=\"text/css\">", "</STYLE>", "<head>", "</head>",
     "<body>", "<title>", "</title>", "<!-- c -->", "<!--[if mso]>", "<![endif]-->",
     "<!DOCTYPE html>", "<?xml?>", "<", ">", "&amp;", "&nbsp;", "&#269;", "&", "&lt",
     "text", "Dobrý deň", " ", "\n", "\t", "\xa0", "\x0b", "<b\x0b>", "<P>", "<o:p>",
     "</o:p>", "<img src=\"a.png\" alt='a>b'/>", "<input disabled/>", "<x a=1b=2>", "</ p>"]
)  # fmt: skip


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_HTML_PIECES, max_size=40).map("".join), st.sampled_from([5, 40, 100_000]))
def test_html_fast_path_equals_html_parser(html: str, limit: int) -> None:
    assert html_to_text(html, limit) == _parsed_text(html, limit)


def test_html_fast_path_on_real_messages() -> None:
    bodies = [p.read_bytes().decode("utf-8", "replace") for p in sorted(DATA.glob("*"))]
    for html in bodies:
        assert html_to_text(html, 100_000) == _parsed_text(html, 100_000)


@settings(max_examples=300)
@given(
    st.lists(
        st.sampled_from(
            ['"Novák, Ján"', "Ján Novák", "=?utf-8?q?Nov=C3=A1k=2C_J=C3=A1n?=", "<jan@acme.sk>",
             "jan@acme.sk", ",", " ", "(comment)", "group:", ";", "x@xn--bcher-kva.example",
             "'Eva'", "<>", "@", "\\", '"']
        ),
        max_size=12,
    ).map(" ".join)
)  # fmt: skip
def test_cached_addresses_equal_the_header_reader(value: str) -> None:
    raw = value.encode("utf-8")
    expected = tuple(
        (normalise_address(addr), _display_name(name))
        for name, addr in parse_address_header(header_text(raw))
        if normalise_address(addr)
    )
    assert addresses(raw) == expected
    assert addresses(raw) is addresses(raw)  # cached, immutable


HARD_HEADERS = [
    '"Novák, Ján" <jan@acme.sk>, =?utf-8?q?Nov=C3=A1k=2C_J=C3=A1n?= <jan2@acme.sk>',
    "=?windows-1250?q?P=E1nek_=A9t=ECp=E1n?= <stepan@firma.cz>",
    "Team: a@x.sk, B@X.SK;, undisclosed-recipients:;",
    "info@straße.de, info@xn--strae-oqa.de, info@STRASSE.de",
    "Jana+CRM@ACME.sk (Jana), J.A.N.A@gmail.com",
    '"Unterminated <jana@acme.sk>, petr@acme.sk',
    "jan@acme.sk Petr <petr@acme.sk>",
    "root@localhost, x@[10.0.0.1]",
]


@pytest.mark.parametrize("header", HARD_HEADERS)
def test_ingest_reads_headers_as_explain_does(header: str) -> None:
    """What is stored for a header is what ``syncd explain`` shows for it."""
    got = [address for address, _ in addresses(header.encode("utf-8"))]
    matchable = [a for a in got if normalise_with(a, False, False) is not None]
    want = [
        a
        for _, raw in parse_address_header(header)
        if (a := normalise_with(raw, False, False)) is not None
    ]
    assert matchable == want


def test_both_idn_forms_are_one_participant() -> None:
    got = addresses(b"info@stra\xc3\x9fe.de, info@xn--strae-oqa.de, info@STRASSE.de")
    assert [a for a, _ in got] == ["info@straße.de", "info@straße.de", "info@strasse.de"]


def test_addresses_matching_cannot_use_are_still_participants() -> None:
    got = [a for a, _ in addresses(b"Root <ROOT@localhost>, x@[10.0.0.1]")]
    assert got == ["root@localhost", "x@[10.0.0.1]"]


def reference_semicolons(value: str) -> list[str]:
    """The original character loop (quoted strings and backslash escapes)."""
    pieces: list[str] = []
    buf: list[str] = []
    quoted = escaped = False
    for ch in value:
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            pieces.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    pieces.append("".join(buf))
    return pieces


@given(st.lists(st.sampled_from(["a", ";", '"', " ", "\\", "=", "x"]), max_size=16).map("".join))
def test_parameter_split_equals_the_character_loop(value: str) -> None:
    assert _split_semicolons(value) == reference_semicolons(value)


def test_attachments_without_digests_are_described_as_bodystructure_does() -> None:
    raw = (DATA / "outlook_winmail_style.eml").read_bytes()
    src = SourceRef("t", "INBOX", "1")
    hashed = parse_message(raw, src, "full")
    plain = parse_message(raw, src, "full", attachment_digests=False)
    assert isinstance(hashed, MailItem) and isinstance(plain, MailItem)
    assert hashed.attachments and all(a.sha256 for a in hashed.attachments)
    assert [(a.name, a.content_type) for a in plain.attachments] == [
        (a.name, a.content_type) for a in hashed.attachments
    ]
    assert all(a.sha256 is None for a in plain.attachments)
    assert estimated_size(78, "base64") == 57 and estimated_size(78, "7bit") == 78
