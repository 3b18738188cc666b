"""Values from outside made to fit the length-limited key columns.

Free text (names, reasons, locations, attachment names) is stored in ``Text``
columns and never shortened. The columns that stay length-limited are keys:
unique or indexed, where the limit is real. A PostgreSQL B-tree entry must fit
in a third of a page (2,704 bytes), so an unbounded ``Text`` key would only
move the failure. Values longer than a key column allows arrive anyway
(Message-IDs, iCalendar UIDs inside dedupe keys and remote ids, folder names,
display addresses), and one of them used to fail the whole batch on
PostgreSQL (SQLite ignores declared lengths).

:func:`fit` keeps a value that fits and otherwise keeps its head plus ``~``
and 40 hex digits of the SHA-256 of the whole value, so two long values stay
distinct (the hash) and readable (the head), and the same value always maps
to the same key: every lookup passes its value through the same function.
Byte budgets keep multi-byte text within the B-tree limit; a value that was
storable before keeps its exact form, so stored keys still match.
"""

from __future__ import annotations

import hashlib

_HASH_HEX = 40
_TAIL = 1 + _HASH_HEX  # "~" and the digest

# (characters, UTF-8 bytes) per kind of key; the characters are the columns' lengths.
DEDUPE_KEY = (600, 2400)  # communications.dedupe_key (unique), ignored_items.dedupe_key
HEADER_KEY = (998, 2000)  # communications.message_id, thread_key (indexed)
# sources, quarantine, ignored_items: unique (connector_id, scope, remote_id), two of these
# within one B-tree entry; sync_cursors: unique (connector_id, scope)
SCOPE = (500, 1300)
REMOTE_ID = (500, 1300)
ADDRESS = (320, 1280)  # participants.address (unique per item and role, indexed)
CONTACT_EMAIL = 320  # contact_emails.email: longer is no address (RFC 5321: 254)
COMPANY_DOMAIN = 255  # company_domains.domain: longer is no domain name (RFC 1035: 253)


def _utf8(value: str) -> bytes:
    return value.encode("utf-8", "surrogatepass")


def _digest(value: str) -> str:
    return hashlib.sha256(_utf8(value)).hexdigest()[:_HASH_HEX]


def fits(value: str, limit: tuple[int, int]) -> bool:
    """Whether ``value`` is stored as it is."""
    chars, max_bytes = limit
    # four bytes a character at most: only long or non-ASCII values are encoded
    return len(value) <= chars and (len(value) * 4 <= max_bytes or len(_utf8(value)) <= max_bytes)


def _head(value: str, chars: int, max_bytes: int) -> str:
    head = value[:chars]
    raw = _utf8(head)
    if len(raw) > max_bytes:
        head = raw[:max_bytes].decode("utf-8", "ignore")  # drops a character cut in two
    return head


def fit(value: str, limit: tuple[int, int]) -> str:
    """``value``, or its head and a hash of all of it when it is too long for the column."""
    if fits(value, limit):
        return value
    chars, max_bytes = limit
    return f"{_head(value, chars - _TAIL, max_bytes - _TAIL)}~{_digest(value)}"


def fit_optional(value: str | None, limit: tuple[int, int]) -> str | None:
    return None if value is None else fit(value, limit)


def fit_address(address: str, limit: tuple[int, int] = ADDRESS) -> str:
    """:func:`fit` for an address, shortening the local part so the domain survives.

    A stored participant is matched again on every re-link: with its domain
    kept, an over-long address still links to the company owning the domain.
    """
    if fits(address, limit):
        return address
    local, at, domain = address.rpartition("@")
    chars, max_bytes = limit
    room = chars - len(domain) - 1 - _TAIL
    room_bytes = max_bytes - len(_utf8(domain)) - 1 - _TAIL
    if not at or min(room, room_bytes) < 1:
        return fit(address, limit)
    return f"{_head(local, room, room_bytes)}~{_digest(address)}@{domain}"


def remote_id_row(remote_id: str) -> dict[str, str | None]:
    """The ``remote_id`` and ``remote_id_full`` columns of a row for ``remote_id``.

    The whole id is kept beside a shortened one, so the store hands connectors
    back exactly the ids they gave it (``known_remote_ids``).
    """
    stored = fit(remote_id, REMOTE_ID)
    return {"remote_id": stored, "remote_id_full": None if stored == remote_id else remote_id}
