"""Address headers to participants (RFC 5322 3.4, RFC 2047, IDNA).

The headers are read with matching's own forgiving reader
(:func:`matching.parse_address_header`) and addresses put in its canonical
form (:func:`matching.addresses.normalise_with`, without the policy's
plus-tag and provider rules, which matching applies itself): what is stored
is exactly what ``syncd explain`` shows for the same header. The reader
splits the still RFC 2047-encoded header and decodes display names
afterwards, so an encoded comma (``=?utf-8?q?Nov=C3=A1k=2C_J=C3=A1n?=``)
cannot split one address into two. Domains are in Unicode form (``xn--``
labels decoded as plain punycode, so ``straße.de`` and
``xn--strae-oqa.de`` are one participant). An address matching cannot use
(``root@localhost``) is still kept, lower-cased, as a participant.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from connectors.base import Participant, Role
from matching import parse_address_header
from matching.addresses import normalise_with

from ._headers import Headers, clean, header_text

ROLE_HEADERS: tuple[tuple[str, Role], ...] = (
    ("from", "from"),
    ("sender", "sender"),
    ("reply-to", "reply_to"),
    ("to", "to"),
    ("cc", "cc"),
    ("bcc", "bcc"),
)
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


def participants(headers: Headers) -> tuple[Participant, ...]:
    """Every address of From/Sender/Reply-To/To/Cc/Bcc, once per (address, role)."""
    seen: set[tuple[str, str]] = set()
    out: list[Participant] = []
    for header, role in ROLE_HEADERS:
        for raw in headers.get(header, ()):
            for address, name in addresses(raw):
                if (address, role) in seen:
                    continue
                seen.add((address, role))
                out.append(Participant(address=address, name=name, role=role))
    return tuple(out)


@lru_cache(maxsize=8192)
def addresses(raw: bytes) -> tuple[tuple[str, str | None], ...]:
    """(normalised address, display name) pairs of one raw address header value.

    Cached: a mailbox's correspondents repeat (the same From and To values
    come back in thousands of messages), and reading an address header is
    the single most expensive step of parsing a message's headers.
    """
    out = []
    for name, addr in parse_address_header(header_text(raw)):
        address = normalise_address(addr)
        if address:
            out.append((address, _display_name(name)))
    return tuple(out)


def _display_name(name: str | None) -> str | None:
    """A decoded display name, whitespace collapsed, Outlook's quotes removed."""
    text = clean(name) if name else ""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()  # Outlook's 'Ján Novák'
    return text or None


def normalise_address(addr: str) -> str:
    """Matching's canonical addr-spec (no policy rules); lower-cased when it has none; ''."""
    canonical = normalise_with(addr, False, False)
    if canonical is not None:
        return canonical
    local, at, domain = addr.strip().strip("<>").rpartition("@")
    local, domain = local.strip(), domain.strip().rstrip(".")
    if not at or not local or not domain or any(ch.isspace() for ch in domain):
        return ""
    if len(local) > 2 and local[0] == '"' == local[-1] and _DOT_ATOM.fullmatch(local[1:-1]):
        local = local[1:-1]  # "jan.novak"@x.sk is jan.novak@x.sk
    return f"{local.lower()}@{unicode_domain(domain)}"


@lru_cache(maxsize=4096)
def unicode_domain(domain: str) -> str:
    """The domain of an address matching cannot read (``localhost``, a literal), as kept.

    Lower-case NFC; ``xn--`` labels are left alone (they failed to decode).
    """
    return unicodedata.normalize("NFC", domain.lower())
