"""parse_address_header on broken real-world headers: CFWS, missing commas, linear time."""

from __future__ import annotations

import base64
import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import parse_address_header

Pairs = list[tuple[str | None, str]]

# --- table: the audit's failures ----------------------------------------------------------------

AUDIT_CASES: list[tuple[str, Pairs]] = [
    # 1. comments are CFWS, also inside an addr-spec (RFC 5322 section 3.4.1)
    ("jana(comment)@acme.sk", [(None, "jana@acme.sk")]),
    ("jana@(comment)acme.sk", [(None, "jana@acme.sk")]),
    ("Jana <jana(x)@acme.sk>", [("Jana", "jana@acme.sk")]),
    ("Jana <jana(x)@(y)acme.sk>", [("Jana", "jana@acme.sk")]),
    ("jana(a)@(b)acme.sk (Jana Nováková)", [("Jana Nováková", "jana@acme.sk")]),
    ("jana.(x)novak@acme.sk", [(None, "jana.novak@acme.sk")]),
    ("jana@acme(x).sk", [(None, "jana@acme.sk")]),
    # 2. obsolete blanks around "@" (RFC 5322 section 4.4)
    ("jana @ acme.sk", [(None, "jana@acme.sk")]),
    ("jana\r\n @ acme.sk", [(None, "jana@acme.sk")]),
    ("Jana Novak jana @ acme.sk", [("Jana Novak", "jana@acme.sk")]),
    ("jana@ acme.sk, petr @acme.sk", [(None, "jana@acme.sk"), (None, "petr@acme.sk")]),
    ("< jana @ acme.sk", [(None, "jana@acme.sk")]),
    # 3. an unterminated quote runs to the end of its mailbox, not of the header
    (
        '"Unterminated <jana@acme.sk>, petr@acme.sk',
        [("Unterminated", "jana@acme.sk"), (None, "petr@acme.sk")],
    ),
    ('"jana@acme.sk, petr@acme.sk', [(None, "jana@acme.sk"), (None, "petr@acme.sk")]),
    ('jana@acme.sk "Jana', [("Jana", "jana@acme.sk")]),
    ('"Novák, Ján <jan@x.sk>, petr@x.sk', [("Ján", "jan@x.sk"), (None, "petr@x.sk")]),
    # 4. missing comma after an angle address
    ("Jana <jana@acme.sk> petr@acme.sk", [("Jana", "jana@acme.sk"), (None, "petr@acme.sk")]),
    (
        "Jana <jana@acme.sk> Petr petr@acme.sk",
        [("Jana", "jana@acme.sk"), ("Petr", "petr@acme.sk")],
    ),
    ("jana@acme.sk petr@acme.sk", [(None, "jana@acme.sk"), (None, "petr@acme.sk")]),
    # 5. missing comma before a folded line
    (
        "jana@acme.sk\r\n\tPetr <petr@acme.sk>",
        [(None, "jana@acme.sk"), ("Petr", "petr@acme.sk")],
    ),
    ("jana@acme.sk Petr <petr@acme.sk>", [(None, "jana@acme.sk"), ("Petr", "petr@acme.sk")]),
    (
        "<jana@acme.sk\r\n Petr <petr@acme.sk>",
        [(None, "jana@acme.sk"), ("Petr", "petr@acme.sk")],
    ),
    # ... but an address that only names the next one stays a name
    ("jana@acme.sk <jana@acme.sk>", [("jana@acme.sk", "jana@acme.sk")]),
    ("Jana@Acme.sk <jana@acme.sk>", [("Jana@Acme.sk", "jana@acme.sk")]),
    ("'jana@acme.sk' <jana@acme.sk>", [("jana@acme.sk", "jana@acme.sk")]),
    ("Sales @ Acme <sales@acme.sk>", [("Sales @ Acme", "sales@acme.sk")]),
    ("root@localhost <root@acme.sk>", [("root@localhost", "root@acme.sk")]),
]

KEPT_CASES: list[tuple[str, Pairs]] = [
    # commas inside names
    ("=?utf-8?q?Nov=C3=A1k=2C_J=C3=A1n?= <jan@x.sk>", [("Novák, Ján", "jan@x.sk")]),
    (
        "=?utf-8?b?Tm92w6FrLCBKw6Fu?= <jan@x.sk>, petr@x.sk",
        [("Novák, Ján", "jan@x.sk"), (None, "petr@x.sk")],
    ),
    ('"Novák, Ján" <jan@x.sk>', [("Novák, Ján", "jan@x.sk")]),
    # groups
    ("Team: a@x.sk, b@x.sk;", [(None, "a@x.sk"), (None, "b@x.sk")]),
    ("Team: a@x.sk, b@x.sk;, c@x.sk", [(None, "a@x.sk"), (None, "b@x.sk"), (None, "c@x.sk")]),
    ("undisclosed-recipients:;", []),
    # source routes and mailto:
    ("<@relay.x:jan@x.sk>", [(None, "jan@x.sk")]),
    ("<@a.x,@b.x:jan@x.sk>", [(None, "jan@x.sk")]),
    ("mailto:jan@x.sk", [(None, "jan@x.sk")]),
    ("MAILTO:jan@x.sk", [(None, "jan@x.sk")]),
    ("<mailto:jan@x.sk>", [(None, "jan@x.sk")]),
    ("Jan Novák <mailto:jan@x.sk>", [("Jan Novák", "jan@x.sk")]),
    ("Jan Novák mailto:jan@x.sk", [("Jan Novák", "jan@x.sk")]),
    # comments as names
    ("jan@x.sk (Jan Novák)", [("Jan Novák", "jan@x.sk")]),
    (
        "jan@x.sk (Novák, Ján), petr@x.sk (Petr)",
        [("Novák, Ján", "jan@x.sk"), ("Petr", "petr@x.sk")],
    ),
    ("jan@x.sk (Jan (the boss) Novák)", [("Jan (the boss) Novák", "jan@x.sk")]),
    ("Jan <jan@x.sk> (work)", [("Jan", "jan@x.sk")]),
    # Outlook's single quotes
    ("'Jan Novák' <jan@x.sk>", [("Jan Novák", "jan@x.sk")]),
    ("\"'Jan Novák'\" <jan@x.sk>", [("Jan Novák", "jan@x.sk")]),
    # encoded words in regional charsets, and split across folded lines
    ("=?windows-1250?Q?Ji=F8=ED_=8Akoda?= <jiri@skoda.cz>", [("Jiří Škoda", "jiri@skoda.cz")]),
    ("=?ISO-8859-2?Q?Pawe=B3_=A3ukasz?= <pawel@wp.pl>", [("Paweł Łukasz", "pawel@wp.pl")]),
    ("=?KOI8-R?B?88XSx8XK?= <sergey@mail.ru>", [("Сергей", "sergey@mail.ru")]),
    (
        "=?UTF-8?Q?Olena_?=\r\n =?UTF-8?Q?Shevchenko?= <o@ukr.net>",
        [("Olena Shevchenko", "o@ukr.net")],
    ),
    ("=?UTF-8?B?xQ==?=\r\n\t=?UTF-8?B?vmVuYQ==?= <z@x.sk>", [("žena", "z@x.sk")]),
    ("=?utf-8?q?Ist_das_so??= <j@x.sk>", [("Ist das so?", "j@x.sk")]),
    # IDN domains as they appear
    ("info@xn--bcher-kva.de", [(None, "info@xn--bcher-kva.de")]),
    ("Bücher <info@bücher.de>", [("Bücher", "info@bücher.de")]),
    ("почта@пример.рф", [(None, "почта@пример.рф")]),
    ("jana@acme\u3002sk", [(None, "jana@acme\u3002sk")]),
    # quoted local parts and domain literals
    ('<"jana novak"@acme.sk>', [(None, '"jana novak"@acme.sk')]),
    ('"jana" @ acme.sk', [(None, '"jana"@acme.sk')]),
    ("jana@[192.168.0.1]", [(None, "jana@[192.168.0.1]")]),
    ("jana@[IPv6:2001:db8::1]", [(None, "jana@[IPv6:2001:db8::1]")]),
    # more broken shapes
    ("jana\u200b@acme.sk", [(None, "jana@acme.sk")]),
    ("\ufeffJana <jana@acme.sk>", [("Jana", "jana@acme.sk")]),
    (
        "Jana (work <jana@acme.sk>, petr@acme.sk",
        [("Jana work", "jana@acme.sk"), (None, "petr@acme.sk")],
    ),
    ("Jana ((a) <jana@acme.sk>", [("Jana", "jana@acme.sk")]),
    (
        "<jana@acme.sk Jana, petr@acme.sk",
        [("Jana", "jana@acme.sk"), (None, "petr@acme.sk")],
    ),
    ("<<jana@acme.sk>", [(None, "jana@acme.sk")]),
    ("Jana <jana@acme.sk>>", [("Jana", "jana@acme.sk")]),
    ("jana@acme.sk <>", [(None, "jana@acme.sk")]),
    ("Jana <jana>", []),
    ("@acme.sk", []),
    ("jana@", []),
]


@pytest.mark.parametrize(("header", "expected"), AUDIT_CASES + KEPT_CASES)
def test_parse_address_header_cases(header: str, expected: Pairs) -> None:
    assert parse_address_header(header) == expected


# --- linear time -------------------------------------------------------------------------------

_N = 50_000  # about 100 KB per header


def _random_garbage(seed: int) -> str:
    rng = random.Random(seed)
    alphabet = 'a@.<>"(),;:\\[] \r\n=?'
    return "".join(rng.choice(alphabet) for _ in range(2 * _N))


GARBAGE = {
    "unclosed_angle_commas": "<" + "a," * _N + ">",
    "unclosed_angle_at_commas": "<" + "a@b " * (_N // 2),
    "open_angles": "<" * 2 * _N,
    "open_comments": "(" * 2 * _N,
    "open_quote_escapes": '"' + "\\," * _N,
    "quotes_escapes": '"\\' * _N,
    "brackets": "[" * 2 * _N,
    "colons": "a:" * _N,
    "words_then_colons": "a " * _N + "b@c.sk" + ":" * _N,
    "at_signs": "@ " * _N,
    "addresses": "a@b.sk " * (_N // 3),
    "comments_in_addr": "a(b)@(c)" * (_N // 4),
    "encoded_words": "=?a?b?x" * (_N // 4) + "?= <a@b.sk>",
    "encoded_q_words": "=?a?q?=?" * (_N // 4) + " <a@b.sk>",
    "random_1": _random_garbage(1),
    "random_2": _random_garbage(2),
}


@pytest.mark.parametrize("header", list(GARBAGE.values()), ids=list(GARBAGE))
def test_parse_address_header_is_linear_on_garbage(header: str) -> None:
    started = time.perf_counter()
    parse_address_header(header)
    assert time.perf_counter() - started < 1.0  # a quadratic reader takes seconds here


# --- properties --------------------------------------------------------------------------------

_LOCAL = st.from_regex(r"[a-z0-9._-]{1,12}", fullmatch=True)
_DOMAIN = st.from_regex(r"[a-z0-9]{1,8}\.(sk|cz|com|co\.uk)", fullmatch=True)
_WORD = st.from_regex(r"[A-Za-zÁČĎÉÍĽŇÓŠŤÚÝŽáčďéíľňóšťúýžЖж]{1,8}", fullmatch=True)
_NAME = st.lists(_WORD, min_size=1, max_size=3).map(" ".join)
_COMMENT = st.lists(st.sampled_from(["Jan", "Novák", ",", "x", "boss"]), min_size=1, max_size=4)


def _encoded(name: str, form: str) -> str:
    data = name.encode()
    if form == "b":
        return f"=?utf-8?b?{base64.b64encode(data).decode()}?="
    text = "".join(
        chr(b) if chr(b).isalnum() and b < 128 else "_" if b == 32 else f"={b:02X}" for b in data
    )
    return f"=?utf-8?q?{text}?="


@st.composite
def _mailbox(draw: st.DrawFn) -> tuple[str, str | None, str]:
    """(text, expected name, expected addr-spec) of one well-formed mailbox."""
    addr = f"{draw(_LOCAL)}@{draw(_DOMAIN)}"
    form = draw(st.sampled_from(["bare", "angle", "plain", "quoted", "q", "b"]))
    if form in ("bare", "angle"):
        text, name = (addr if form == "bare" else f"<{addr}>"), None
    else:
        first, last = draw(_NAME), draw(_NAME)
        name = first if form == "plain" else f"{last}, {first}"
        shown = {"plain": first, "quoted": f'"{name}"'}.get(form) or _encoded(name, form)
        text = f"{shown} <{addr}>"
    if draw(st.booleans()):
        comment = " ".join(draw(_COMMENT))
        text = f"{text} ({comment})"
        name = name or " ".join(comment.split())
    return text, name, addr


@given(
    st.lists(_mailbox(), min_size=1, max_size=6),
    st.lists(st.sampled_from([", ", ",", " , ", "\r\n\t,", ",\r\n "]), min_size=5, max_size=5),
)
@settings(max_examples=300)
def test_parse_address_header_reads_every_mailbox_in_order(
    mailboxes: list[tuple[str, str | None, str]], separators: list[str]
) -> None:
    header = mailboxes[0][0]
    for (text, _name, _addr), sep in zip(mailboxes[1:], separators, strict=False):
        header += sep + text
    assert parse_address_header(header) == [(name, addr) for _text, name, addr in mailboxes]


_SPECIALS = st.lists(
    st.sampled_from(
        [*'ab@.<>"()[],;:\\ \t\r\n\u200b\ufeffЖ', "=?utf-8?q?", "=?x?b?", "?=", "mailto:", "x.sk"]
    ),
    max_size=40,
).map("".join)


@given(st.one_of(st.text(max_size=300), _SPECIALS))
@settings(max_examples=500)
def test_parse_address_header_never_raises_and_returns_addresses(header: str) -> None:
    for name, addr in parse_address_header(header):
        local, _at, domain = addr.rpartition("@")
        assert local and domain
        assert name is None or (name and name == " ".join(name.split()))
