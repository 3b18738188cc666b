"""Address and domain normalisation: one canonical key per mailbox.

The CRM index and every participant go through :func:`normalise_address`,
so ``Jana+CRM@ACME.sk``, ``jana@acme.sk.`` and ``<mailto:jana@acme.sk>`` all
meet at ``jana@acme.sk``. Rules:

* the domain is lower-cased; IDNs in either form (``xn--bcher-kva.de`` or
  ``BÜCHER.de``) become the Unicode form, NFC (RFC 5890/5891 labels, decoded
  with plain punycode so IDNA2008 characters such as ``ß`` survive);
* the local part is lower-cased too (RFC 5321 lets servers treat it
  case-sensitively; no mail system our users meet does), an unnecessarily
  quoted local part is unquoted, a ``+tag`` is cut (``strip_plus_tags``) and
  Gmail ignores dots (``provider_rules``);
* domain literals (``user@[10.0.0.1]``) and single-label domains are not
  addresses a CRM can match: they normalise to ``None``.

This is the hot path of matching: no regular expressions, domain work is
LRU-cached (sized for a CRM's 200,000 companies), and the common ASCII case
is a handful of C-level str calls.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from itertools import islice
from typing import TYPE_CHECKING, Final

from matching.header import decode_encoded_words, parse_address_header

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList

    from matching.policy import MatchPolicy

__all__ = [
    "GMAIL_DOMAINS",
    "decode_encoded_words",
    "has_known_suffix",
    "iter_parent_domains",
    "normalise_address",
    "normalise_domain",
    "normalise_parts",
    "normalise_with",
    "parse_address_header",
    "registrable_domain",
    "registrable_or_none",
    "simple_local_end",
    "split_address",
]

_DOMAIN_CHARS: Final = "abcdefghijklmnopqrstuvwxyz0123456789.-_"
_DOMAIN_SET: Final = frozenset(_DOMAIN_CHARS)
_ATEXT: Final = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~."
_SPECIALS: Final = frozenset('()<>[]:;@\\,"')
_IDN_DOTS: Final = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
GMAIL_DOMAINS: Final = frozenset({"gmail.com", "googlemail.com"})


def normalise_address(addr: object, policy: MatchPolicy | None = None) -> str | None:
    """The canonical form of an addr-spec, or None if it is not a matchable address."""
    if policy is None:
        return normalise_with(addr, True, True)
    return normalise_with(addr, policy.strip_plus_tags, policy.provider_rules)


def split_address(address: str) -> tuple[str, str]:
    """(local part, domain) of a normalised address."""
    local, _, domain = address.rpartition("@")
    return local, domain


def normalise_with(addr: object, strip_plus: bool, provider_rules: bool) -> str | None:
    """:func:`normalise_address` with the two policy switches spelled out."""
    parts = normalise_parts(addr, strip_plus, provider_rules)
    return None if parts is None else parts[0]


def normalise_parts(addr: object, strip_plus: bool, provider_rules: bool) -> tuple[str, str] | None:
    """(normalised address, its domain) or None: the hot path.

    Returns the memoised domain object, whose hash is already computed, so
    the caller's domain lookups need no new string.
    """
    if type(addr) is not str or not isinstance(addr, str):  # the second narrows for mypy
        return None
    at = simple_local_end(addr)
    if at > 0:  # the usual case: jana.novak12@acme.sk, already normalised
        raw_domain = addr[at + 1 :]
        domain = _DOMAIN_MEMO.get(raw_domain)
        if (
            domain is not None
            and domain == raw_domain
            and not (provider_rules and domain in GMAIL_DOMAINS)
        ):
            return addr, domain
    at = addr.rfind("@")
    if at <= 0:
        return _slow_parts(addr, strip_plus, provider_rules)
    local = addr[:at]
    raw_domain = addr[at + 1 :]
    domain = _DOMAIN_MEMO.get(raw_domain) or _domain_part(raw_domain)
    if domain is None or not local.isascii():
        return _slow_parts(addr, strip_plus, provider_rules)
    low = local.lower()
    # Valid when every character is atext; the usual jana / jana.novak pass the cheap checks.
    if not (low.isalnum() or low.replace(".", "").isalnum()) and low.strip(_ATEXT):
        return _slow_parts(addr, strip_plus, provider_rules)
    if strip_plus and "+" in low:
        head = low.partition("+")[0]
        if head:
            low = head
    if provider_rules and domain in GMAIL_DOMAINS:
        gmail = _gmail(low)
        return None if gmail is None else (gmail, "gmail.com")
    if low == local and domain == raw_domain:
        return addr, domain  # already normalised: no new string
    return f"{low}@{domain}", domain


def simple_local_end(addr: str) -> int:
    """The ``@`` after a local part of only a-z, 0-9 and dots, else -1.

    Such a local part needs no lower-casing, unquoting or tag cutting; one
    compiled scan of the characters costs a third of the string methods the
    general case calls (each allocates). Anything else, or no ``@``, is -1.
    """
    for i in range(len(addr)):
        c = ord(addr[i])
        if c == 64:  # "@"
            return i
        if not (97 <= c <= 122 or 48 <= c <= 57 or c == 46):  # a-z 0-9 .
            return -1
    return -1


def _slow_parts(addr: str, strip_plus: bool, provider_rules: bool) -> tuple[str, str] | None:
    result = _normalise_slow(addr, strip_plus, provider_rules)
    return None if result is None else (result, result[result.rfind("@") + 1 :])


def _gmail(local: str) -> str | None:
    """Gmail ignores dots and googlemail.com is the same mailbox."""
    local = local.replace(".", "")
    return f"{local}@gmail.com" if local else None


def _normalise_slow(addr: str, strip_plus: bool, provider_rules: bool) -> str | None:
    """Angle brackets, ``mailto:``, whitespace, quoted and non-ASCII local parts."""
    s = addr.strip()
    if not s:
        return None
    if s[0] == "<" or s[-1] == ">":
        s = s.strip("<> \t")
    if s[:7].lower() == "mailto:":
        s = s[7:].strip()
    local, at, raw_domain = s.rpartition("@")
    if not local or not at:
        return None
    domain = _domain_part(raw_domain)
    if domain is None:
        return None
    if local[0] == '"':
        local_q = _quoted_local(local)
        if local_q is None:
            return None
        if local_q[0] == '"':  # needs its quotes: no tag or provider rules apply
            return f"{local_q}@{domain}"
        local = local_q
    if local.isascii():
        if local.strip(_ATEXT):  # something outside atext
            return None
        low = local.lower()
    else:
        if any(c in _SPECIALS or c.isspace() or not c.isprintable() for c in local):
            return None
        low = _fold(local)
    if strip_plus and "+" in low:
        head = low.partition("+")[0]
        if head:
            low = head
    if provider_rules and domain in GMAIL_DOMAINS:
        return _gmail(low)
    return f"{low}@{domain}"


def _quoted_local(local: str) -> str | None:
    """Unquote ``"jana"`` to ``jana``; keep (lower-cased, re-escaped) quotes when needed."""
    if len(local) < 2 or local[-1] != '"':
        return None
    chars: list[str] = []
    i, n = 1, len(local) - 1
    while i < n:
        c = local[i]
        if c == "\\" and i + 1 < n:
            c = local[i + 1]
            i += 1
        elif c == '"':
            return None
        chars.append(c)
        i += 1
    inner = "".join(chars)
    if not inner or any(not c.isprintable() and c != " " for c in inner):
        return None
    if (
        inner.isascii()
        and not inner.strip(_ATEXT)
        and inner[0] != "."
        and inner[-1] != "."
        and ".." not in inner
    ):
        return inner
    folded = _fold(inner)
    return '"' + folded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fold(text: str) -> str:
    """Lower-case and NFC, repeated until stable (lower() can denormalise)."""
    for _ in range(4):
        folded = unicodedata.normalize("NFC", text.lower())
        if folded == text:
            break
        text = folded
    return text


_DOMAIN_MEMO: Final[dict[str, str | None]] = {}
_DOMAIN_MEMO_SIZE: Final = 1 << 18  # every domain of a 200,000-company CRM


def _domain_part(raw: str) -> str | None:
    """Normalise the domain of an address, memoised: domains repeat far more than addresses.

    A plain dict with FIFO eviction: on the hot path a dict hit costs a
    third of an ``lru_cache`` hit.
    """
    try:
        return _DOMAIN_MEMO[raw]
    except KeyError:
        pass
    if len(_DOMAIN_MEMO) >= _DOMAIN_MEMO_SIZE:
        for key in list(islice(_DOMAIN_MEMO, _DOMAIN_MEMO_SIZE // 4)):
            _DOMAIN_MEMO.pop(key, None)  # pop: another thread may evict the same key
    result = _DOMAIN_MEMO[raw] = _domain_part_uncached(raw)
    return result


def _domain_part_uncached(raw: str) -> str | None:
    d = raw.strip().rstrip(".")
    if not d:
        return None
    if d.isascii():
        d = d.lower()
        if d.strip(_DOMAIN_CHARS):
            return None
        labels = d.split(".")
        if "xn--" in d:
            decoded = [_from_ace(label) for label in labels]
            if None in decoded:
                return None
            labels = [_fold(label) for label in decoded if label is not None]
    else:
        d = _fold(d.translate(_IDN_DOTS))
        if any(
            (c not in _DOMAIN_SET if c.isascii() else c.isspace() or not c.isprintable()) for c in d
        ):
            return None
        labels = d.split(".")
        if "xn--" in d:
            decoded = [_from_ace(label) for label in labels]
            if None in decoded:
                return None
            labels = [_fold(label) for label in decoded if label is not None]
    if len(labels) < 2:
        return None
    for label in labels:
        if not label or label[0] == "-" or label[-1] == "-" or label.startswith("xn--"):
            return None
    return ".".join(labels)


def _from_ace(label: str) -> str | None:
    """Decode one ``xn--`` label to Unicode; None if it is not valid punycode."""
    if not label.startswith("xn--"):
        return label
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
    except (UnicodeError, ValueError):
        return None
    if not decoded or decoded.isascii():  # an ACE label must encode something non-ASCII
        return None
    return decoded


def normalise_domain(text: object) -> str | None:
    """A domain as admins type it (``@Acme.sk``, ``https://www.acme.sk/``) in canonical form."""
    if not isinstance(text, str):
        return None
    d = text.strip()
    if "://" in d:
        d = d.partition("://")[2]
    d = d.partition("/")[0].partition("?")[0]
    d = d.rpartition("@")[2].partition(":")[0] if "@" in d or ":" in d else d
    if d.lower().startswith("www."):
        d = d[4:]
    return _domain_part(d)


def iter_parent_domains(domain: str, stop: str | None = None) -> Iterator[str]:
    """``a.b.acme.sk`` -> itself, ``b.acme.sk``, ``acme.sk``; stops at ``stop`` when given.

    Without ``stop`` the walk ends before the last label (``sk`` is never yielded).
    """
    d = domain
    while True:
        yield d
        if d == stop:
            return
        dot = d.find(".")
        if dot < 0:
            return
        d = d[dot + 1 :]
        if "." not in d and stop is None:
            return
        if stop is not None and len(d) < len(stop):
            return


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


@lru_cache(maxsize=1 << 18)
def _registrable(domain: str) -> str | None:
    return _psl().privatesuffix(domain)


def has_known_suffix(domain: str) -> bool:
    """True when the domain ends in a suffix the Public Suffix List knows (not ``.local``)."""
    reg = _registrable(domain)
    return reg is not None and _known_suffix(reg.partition(".")[2])


@lru_cache(maxsize=4096)
def _known_suffix(suffix: str) -> bool:
    return _psl().publicsuffix(suffix, accept_unknown=False) == suffix


def registrable_domain(domain: str) -> str:
    """The registrable domain per the Public Suffix List: ``mail.acme.co.uk`` -> ``acme.co.uk``.

    A public suffix itself (``co.uk``) is returned unchanged. Pass a
    normalised domain; results are LRU-cached.
    """
    return _registrable(domain) or domain


def registrable_or_none(domain: str) -> str | None:
    """Like :func:`registrable_domain`, but None for a bare public suffix."""
    return _registrable(domain)
