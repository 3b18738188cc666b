"""Address headers to participants (RFC 5322 3.4, RFC 2047, IDNA).

``getaddresses`` runs on the charset-decoded but still RFC 2047-encoded
header, and display names are decoded afterwards: decoding first would let
an encoded comma (``=?utf-8?q?Nov=C3=A1k=2C_J=C3=A1n?=``) split one address
into two. Domains are compared in Unicode form (``xn--`` labels decoded with
the ``idna`` codec) so a punycode and a UTF-8 spelling of the same domain
yield the same participant.
"""

from __future__ import annotations

import re
import unicodedata
from email.utils import getaddresses
from functools import lru_cache

from connectors.base import Participant, Role

from ._headers import Headers, clean, decode_words, header_text

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
    come back in thousands of messages), and ``getaddresses`` is the single
    most expensive step of parsing a message's headers.
    """
    out = []
    for name, addr in getaddresses([header_text(raw)]):
        address = normalise_address(addr)
        if address:
            out.append((address, _display_name(name)))
    return tuple(out)


def _display_name(name: str) -> str | None:
    text = clean(decode_words(name)) if name else ""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()  # Outlook's 'Ján Novák'
    return text or None


def normalise_address(addr: str) -> str:
    """Lower-cased addr-spec with a Unicode (NFC) domain; '' if not an address."""
    local, at, domain = addr.strip().strip("<>").rpartition("@")
    local, domain = local.strip(), domain.strip().rstrip(".")
    if not at or not local or not domain or any(ch.isspace() for ch in domain):
        return ""
    if len(local) > 2 and local[0] == '"' == local[-1] and _DOT_ATOM.fullmatch(local[1:-1]):
        local = local[1:-1]  # "jan.novak"@x.sk is jan.novak@x.sk
    return f"{local.lower()}@{unicode_domain(domain)}"


@lru_cache(maxsize=4096)
def unicode_domain(domain: str) -> str:
    """IDN domain in lower-case Unicode form, whichever form it arrived in."""
    lowered = domain.lower()
    if lowered.isascii() and "xn--" not in lowered:
        return lowered
    try:
        ascii_form = lowered.encode("idna") if not lowered.isascii() else lowered.encode()
        return unicodedata.normalize("NFC", ascii_form.decode("idna")).lower()
    except UnicodeError:
        return unicodedata.normalize("NFC", lowered)
