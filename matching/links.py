"""Link decisions and the collector that de-duplicates them for one message.

Each link targets one record: a contact link has ``company_id=None`` and a
company link ``contact_id=None`` (Twenty's message-participant targets work
the same way), so a user can unlink a message from a company without
unlinking it from the person, and a tombstone means exactly one thing.
The per-participant rules live in :func:`matching.decisions.resolve_raw`
(the compiled hot path); the engine and ``explain`` both use it, so they can
never disagree. This module holds their readable view and the collector
``explain`` uses.
"""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from matching.decisions import (
    AUTO_COMPANY,
    AUTO_CONTACT,
    NO_AUTO,
    R_ADDRESS,
    R_AUTO,
    R_COMPANY_WHY,
    R_CONTACT_WHY,
    R_DECISIONS,
    R_DROPPED,
    R_INFO,
    R_INTERNAL,
    R_LABEL,
    R_STRIDE,
    resolve_raw,
)
from matching.participants import REASON_RANK, make_link, rank_at
from matching.records import LinkDecision, NewCompany, NewContact, clean_name
from matching.rules import D_COMPANIES, D_REGISTRABLE, DomainInfo

if TYPE_CHECKING:
    from matching.rules import Rules

__all__ = [
    "AUTO_COMPANY",
    "AUTO_CONTACT",
    "NO_AUTO",
    "REASON_RANK",
    "LinkCollector",
    "LinkDecision",
    "NewCompany",
    "NewContact",
    "Resolved",
    "clean_name",
    "links_of",
    "merge",
    "resolve",
    "resolve_raw",
    "view",
]

Key = tuple[object, object]  # (company id or new domain, contact id or new address)


class Resolved(NamedTuple):
    """One participant address, normalised, classified and with its links worked out.

    Everything here depends only on the raw address, the index and the
    policy, so it is memoised per raw string. The memo holds these fields as
    one flat tuple of atomic values and plain tuples (read with the ``R_*``
    positions; :mod:`matching.decisions` says why flat): the collector
    untracks them, so a churning memo costs full collections nothing.
    :func:`resolve` returns this readable view.
    """

    address: str
    info: DomainInfo
    internal: bool
    dropped: bool  # a robot or blocklisted
    decisions: tuple[LinkDecision, ...]  # in the memo: target key, kind, explanation
    auto: int  # NO_AUTO, AUTO_CONTACT (at the domain's first company) or AUTO_COMPANY
    # AUTO_CONTACT: (contact reason,); AUTO_COMPANY: (name, company reason, contact reason)
    auto_text: tuple[str, ...]


Raw = tuple[Any, ...]  # a Resolved as a plain tuple


def resolve(rules: Rules, raw: str) -> Resolved | None:
    """Normalise, classify and link one raw participant address (the readable view)."""
    hit = resolve_raw(rules, raw)
    return None if hit is None else view(hit)


def view(hit: Raw) -> Resolved:
    """The readable view of a memo entry (:func:`resolve_raw`)."""
    return Resolved(
        hit[R_ADDRESS],
        DomainInfo._make(hit[R_INFO]),
        hit[R_INTERNAL],
        hit[R_DROPPED],
        tuple(make_link(hit, i) for i in range(R_DECISIONS, len(hit), R_STRIDE)),
        hit[R_AUTO],
        _auto_text(hit),
    )


def _auto_text(hit: Raw) -> tuple[str, ...]:
    auto = hit[R_AUTO]
    if auto == AUTO_CONTACT:
        return (hit[R_CONTACT_WHY],)
    if auto == AUTO_COMPANY:
        return (hit[R_LABEL], hit[R_COMPANY_WHY], hit[R_CONTACT_WHY])
    return ()


Entry = tuple[object, int, LinkDecision]  # target key, reason rank, link


def merge(decisions: dict[object, Entry], hit: Raw) -> None:
    """Add a memo entry's decisions; for a target already linked the strongest reason wins."""
    for i in range(R_DECISIONS, len(hit), R_STRIDE):
        key, rank = hit[i], rank_at(hit, i)
        old = decisions.get(key)
        if old is None or rank < old[1]:
            decisions[key] = (key, rank, make_link(hit, i))


def links_of(decisions: dict[object, Entry]) -> tuple[LinkDecision, ...]:
    """The merged decisions as ``LinkDecision`` values."""
    return tuple(map(_link, decisions.values()))


_link = itemgetter(2)


class LinkCollector:
    """Collects de-duplicated decisions for one message; the strongest reason wins."""

    __slots__ = ("decisions", "new_contacts", "new_companies")

    def __init__(self, decisions: dict[object, Entry] | None = None) -> None:
        self.decisions: dict[object, Entry] = {} if decisions is None else decisions
        self.new_contacts: dict[str, NewContact] = {}
        self.new_companies: dict[str, NewCompany] = {}

    def links(self) -> tuple[LinkDecision, ...]:
        """The decisions collected so far."""
        return links_of(self.decisions)

    def add(self, resolved: Raw, name: str | None) -> None:
        """Merge one external participant's links and the records to auto-create."""
        merge(self.decisions, resolved)
        self.add_records(resolved, name)

    def add_records(self, resolved: Raw, name: str | None) -> None:
        """The records to auto-create for one participant (its links are merged apart)."""
        auto, addr = resolved[R_AUTO], resolved[R_ADDRESS]
        if auto == AUTO_CONTACT:
            why = resolved[R_CONTACT_WHY]
            if addr not in self.new_contacts:
                company = resolved[R_INFO][D_COMPANIES][0]
                self.new_contacts[addr] = NewContact(addr, clean_name(name), company, None, why)
        elif auto == AUTO_COMPANY:
            reg = resolved[R_INFO][D_REGISTRABLE]
            label = resolved[R_LABEL]
            company_why, contact_why = resolved[R_COMPANY_WHY], resolved[R_CONTACT_WHY]
            if reg not in self.new_companies:
                self.new_companies[reg] = NewCompany(reg, label, company_why)
            if addr not in self.new_contacts:
                self.new_contacts[addr] = NewContact(addr, clean_name(name), None, reg, contact_why)
