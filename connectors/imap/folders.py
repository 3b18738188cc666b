"""Which folders an account syncs: a pure decision on the LIST answer.

Default: INBOX and every ``\\Sent`` folder (RFC 6154 SPECIAL-USE). Never
``\\Junk``, ``\\Trash`` or ``\\Drafts``, not even when a pattern matches them:
spam and unsent drafts are not communication. ``\\Noselect`` and
``\\NonExistent`` (RFC 3501 7.2.2, RFC 5258) containers hold no mail.
``folders_include`` globs add folders, ``folders_exclude`` globs remove them
(case-insensitive, on decoded Unicode names such as "Odoslané").

Gmail (X-GM-EXT-1) exposes every message once in ``\\All`` ("All Mail") and
again per label; syncing INBOX and Sent there would read the same mail
twice, so only ``\\All`` is synced by default.

Servers without SPECIAL-USE get the usual localised names instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

_NEVER = frozenset({"\\junk", "\\trash", "\\drafts"})
_CONTAINER = frozenset({"\\noselect", "\\nonexistent"})
_SPECIAL = frozenset({"\\sent", "\\junk", "\\trash", "\\drafts", "\\all", "\\archive", "\\flagged"})
_SENT_NAMES = frozenset(
    n.casefold()
    for n in (
        "Sent", "Sent Items", "Sent Messages", "Sent Mail", "INBOX/Sent", "INBOX.Sent",
        "Odoslané", "Odoslaná pošta", "Odeslané", "Odeslaná pošta", "Wysłane",
        "Elementy wysłane", "Отправленные", "Надіслані", "Gesendet", "Gesendete Elemente",
    )
)  # fmt: skip
_NEVER_NAMES = frozenset(
    n.casefold()
    for n in (
        "Junk", "Spam", "Junk E-mail", "Junk Email", "Trash", "Deleted Items", "Deleted Messages",
        "Bin", "Drafts", "Kôš", "Koš", "Kosz", "Корзина", "Кошик", "Спам", "Nevyžiadaná pošta",
        "Nevyžádaná pošta", "Koncepty", "Rozpracované", "Wersje robocze", "Черновики",
        "Чернетки", "Papierkorb", "Entwürfe",
    )
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Folder:
    """One LIST entry: decoded name and lower-cased attributes."""

    name: str
    flags: frozenset[str]

    @classmethod
    def from_list(cls, flags: Iterable[bytes | str], name: str) -> Folder:
        decoded = (f.decode("ascii", "replace") if isinstance(f, bytes) else f for f in flags)
        return cls(name, frozenset(f.lower() for f in decoded))

    @property
    def selectable(self) -> bool:
        return not (self.flags & _CONTAINER)

    @property
    def is_inbox(self) -> bool:
        return self.name.upper() == "INBOX"


def choose_folders(
    folders: Sequence[Folder],
    *,
    gmail: bool = False,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> list[str]:
    """Scope names to sync, INBOX first, then by name; see the module docstring."""
    usable = [f for f in folders if f.selectable]
    has_special_use = any(f.flags & _SPECIAL for f in usable)

    def never(f: Folder) -> bool:
        if f.flags & _NEVER:
            return True
        return not has_special_use and f.name.casefold() in _NEVER_NAMES

    def default(f: Folder) -> bool:
        if gmail:
            return "\\all" in f.flags or "\\allmail" in f.flags
        if f.is_inbox or "\\sent" in f.flags:
            return True
        return not has_special_use and f.name.casefold() in _SENT_NAMES

    chosen = []
    for f in usable:
        if never(f):
            continue
        if (default(f) or _matches(f.name, include)) and not _matches(f.name, exclude):
            chosen.append(f.name)
    return sorted(set(chosen), key=lambda n: (n.upper() != "INBOX", n.casefold()))


def _matches(name: str, patterns: Sequence[str]) -> bool:
    folded = name.casefold()
    return any(fnmatchcase(folded, p.casefold()) for p in patterns)
