"""Link decisions and the collector that de-duplicates them for one message.

Each link targets one record: a contact link has ``company_id=None`` and a
company link ``contact_id=None`` (Twenty's message-participant targets work
the same way), so a user can unlink a message from a company without
unlinking it from the person, and a tombstone means exactly one thing.
The per-participant rules live in :func:`resolve`; the engine and
``explain`` both use it, so they can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from matching._fast import fast_new
from matching.addresses import normalise_with
from matching.index import CONTACT_BITS, CONTACT_MASK
from matching.rules import (
    ADDRESS_CACHE_SIZE,
    D_COMPANIES,
    D_COMPANY_DOMAIN,
    D_CREATABLE,
    D_DISPOSABLE,
    D_DOMAIN,
    D_FREEMAIL,
    D_INTERNAL,
    D_REGISTRABLE,
    ROBOT_LOCAL_PARTS,
    ROBOT_PREFIXES,
    DomainInfo,
    Facts,
    company_name_from_domain,
)

if TYPE_CHECKING:
    from matching.index import CrmIndex
    from matching.rules import Rules

__all__ = [
    "LinkCollector",
    "LinkDecision",
    "NewCompany",
    "NewContact",
    "Resolved",
    "links_of",
    "merge",
    "resolve",
    "resolve_raw",
    "view",
]

Key = tuple[object, object]  # (company id or new domain, contact id or new address)

REASON_RANK = {
    "contact_address": 0,
    "contact_company": 1,
    "company_domain": 2,
    "auto_created_company": 3,
    "auto_created_contact": 3,
}


class LinkDecision(NamedTuple):
    """Link the item to one company or one contact, and why.

    A named tuple rather than a dataclass: the engine builds one per link of
    every new address, and a tuple costs a tenth of a frozen dataclass to
    make; it is immutable all the same.
    """

    company_id: int | None
    contact_id: int | None
    reason: str  # contact_address | company_domain | contact_company | auto_created_*
    address: str  # the normalised participant address that caused it
    explanation: str
    new_company_domain: str | None = None  # company must be created first (company_id None)
    new_contact_address: str | None = None  # contact must be created first (contact_id None)

    @property
    def key(self) -> tuple[int | str | None, int | str | None]:
        """Identity of the target: (company id or new domain, contact id or new address)."""
        company = self.company_id if self.company_id is not None else self.new_company_domain
        contact = self.contact_id if self.contact_id is not None else self.new_contact_address
        return company, contact


@dataclass(frozen=True, slots=True)
class NewContact:
    """A contact the store must create (``auto_create`` allows it)."""

    address: str
    name: str | None
    company_id: int | None  # an existing company, or
    company_domain: str | None  # the domain of a company created in the same batch
    reason: str


@dataclass(frozen=True, slots=True)
class NewCompany:
    """A company the store must create (``auto_create="contacts_and_companies"``)."""

    domain: str
    name: str
    reason: str


NO_AUTO, AUTO_CONTACT, AUTO_COMPANY = 0, 1, 2


class Resolved(NamedTuple):
    """One participant address, normalised, classified and with its links worked out.

    Everything here depends only on the raw address, the index and the
    policy, so it is memoised per raw string. The memo holds these fields as
    a plain tuple of plain tuples and atomic values (read with the ``R_*``
    positions; see :class:`matching.rules.DomainInfo` for why): the
    collector untracks them, so a churning memo costs full collections
    nothing. :func:`resolve` returns this readable view.
    """

    address: str
    info: DomainInfo
    internal: bool
    dropped: bool  # a robot or blocklisted
    decisions: tuple[LinkDecision, ...]  # in the memo: (target key, rank, plain fields)
    auto: int  # NO_AUTO, AUTO_CONTACT (at the domain's first company) or AUTO_COMPANY
    # AUTO_CONTACT: (contact reason,); AUTO_COMPANY: (name, company reason, contact reason)
    auto_text: tuple[str, ...]


R_ADDRESS, R_INFO, R_INTERNAL, R_DROPPED, R_DECISIONS, R_AUTO, R_AUTO_TEXT = range(7)
Raw = tuple[Any, ...]  # a Resolved as a plain tuple

_new_tuple = tuple.__new__  # NamedTuple.__new__ without its Python-level frame
as_link: Callable[[tuple[Any, ...]], LinkDecision] = partial(_new_tuple, LinkDecision)


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
        tuple(as_link(fields) for _, _, fields in hit[R_DECISIONS]),
        hit[R_AUTO],
        hit[R_AUTO_TEXT],
    )


def resolve_raw(rules: Rules, raw: object) -> Raw | None:
    """:func:`resolve` as the memo's plain tuple (the engine's hot path).

    Mail has strong locality (colleagues are on every message, customers
    write back), so most calls are one dict lookup.
    """
    if type(raw) is not str:
        return None
    cache = rules.address_cache
    hit: Raw | None = cache.get(raw)
    if hit is not None:
        return hit
    addr = normalise_with(raw, rules.strip_plus_tags, rules.provider_rules)
    if addr is None:
        return None
    at = addr.rfind("@")
    domain = addr[at + 1 :]
    info = rules.domain_cache.get(domain) or rules.domain_facts(domain)
    index = rules.index
    internal = info[D_INTERNAL] or addr in index.internal_addresses
    dropped = False
    if not internal:
        if rules.drop_robots:
            local = addr[:at]
            dropped = local in ROBOT_LOCAL_PARTS or local.startswith(ROBOT_PREFIXES)
        if not dropped and rules.blocks:
            dropped = rules.is_blocked(addr, info)
    decided = _NONE if internal or dropped else _decide(rules, index, addr, info)
    if len(cache) >= ADDRESS_CACHE_SIZE:
        cache.clear()  # a new generation: cheaper than evicting; hot entries return at once
    hit = cache[raw] = (addr, info, internal, dropped, *decided)
    return hit


_NONE: tuple[tuple[Entry, ...], int, tuple[str, ...]] = ((), NO_AUTO, ())
_BY_CONTACT, _CONTACTS_COMPANY, _BY_DOMAIN, _AUTO = (
    REASON_RANK[r]
    for r in ("contact_address", "contact_company", "company_domain", "auto_created_contact")
)


def _decide(
    rules: Rules, index: CrmIndex, addr: str, info: Facts
) -> tuple[tuple[Entry, ...], int, tuple[str, ...]]:
    """The per-participant rules (see :mod:`matching.engine`): decisions, auto mode, texts.

    Decisions are memo entries: the target key (a company id, ``~contact id``,
    or for records still to be created (new company domain, new contact
    address)), the reason's rank and the ``LinkDecision`` fields.
    """
    out: list[Entry] = []
    fields: tuple[Any, ...]
    packed = index.contact_by_address.get(addr)
    if packed is not None:
        shared = index.shared_addresses.get(addr) if index.shared_addresses else None
        has_company = False
        for value in shared or (packed,):
            contact = value & CONTACT_MASK
            company = (value >> CONTACT_BITS) - 1
            why = f"{addr} is contact #{contact} (exact address)"
            fields = (None, contact, "contact_address", addr, why, None, None)
            out.append((~contact, _BY_CONTACT, fields))
            if company >= 0:
                has_company = True
                why = f"{addr} is contact #{contact} of company #{company}"
                fields = (company, None, "contact_company", addr, why, None, None)
                out.append((company, _CONTACTS_COMPANY, fields))
        if has_company:
            return tuple(out), NO_AUTO, ()
    if info[D_FREEMAIL] or info[D_DISPOSABLE]:
        return (tuple(out), NO_AUTO, ()) if out else _NONE
    companies = info[D_COMPANIES]
    if companies:
        cd, domain = info[D_COMPANY_DOMAIN], info[D_DOMAIN]
        where = f"{cd} is" if cd == domain else f"{domain} is under {cd},"
        note = (
            f" (also registered on {len(companies) - 1} other companies)"
            if len(companies) > 1
            else ""
        )
        for company in companies:
            why = f"{where} a registered domain of company #{company}{note}"
            fields = (company, None, "company_domain", addr, why, None, None)
            out.append((company, _BY_DOMAIN, fields))
        # never guess which of several companies a new contact belongs to
        if packed is None and rules.auto_contacts and len(companies) == 1:
            why = (
                f"{addr} is not a contact and {info[D_COMPANY_DOMAIN]} is a domain of company "
                f"#{companies[0]}, so a contact is created (auto_create={rules.policy.auto_create})"
            )
            new = (None, None, "auto_created_contact", addr, why, None, addr)
            out.append(((None, addr), _AUTO, new))
            return tuple(out), AUTO_CONTACT, (why,)
        return tuple(out), NO_AUTO, ()
    if packed is None and info[D_CREATABLE]:
        reg = info[D_REGISTRABLE]
        label, company_why = _new_company_texts(rules, reg)
        contact_why = (
            f"{addr} is not a contact, so a contact is created at the new company "
            f'"{label}" for {reg} (auto_create={rules.policy.auto_create})'
        )
        company_new = (None, None, "auto_created_company", addr, company_why, reg, None)
        contact_new = (None, None, "auto_created_contact", addr, contact_why, None, addr)
        out.append(((reg, None), _AUTO, company_new))
        out.append(((None, addr), _AUTO, contact_new))
        return tuple(out), AUTO_COMPANY, (label, company_why, contact_why)
    return (tuple(out), NO_AUTO, ()) if out else _NONE


def _new_company_texts(rules: Rules, reg: str) -> tuple[str, str]:
    """The name and reason of a company auto-created for ``reg``; per domain."""
    texts: tuple[str, str] | None = rules.text_cache.get(reg)
    if texts is None:
        label = company_name_from_domain(reg)
        texts = (
            label,
            f"{reg} is no CRM company's domain and not free-mail, disposable or internal, "
            f'so company "{label}" is created (auto_create={rules.policy.auto_create})',
        )
        if len(rules.text_cache) >= ADDRESS_CACHE_SIZE:
            rules.text_cache.clear()
        rules.text_cache[reg] = texts
    return texts


Entry = tuple[object, int, tuple[Any, ...]]  # target key, reason rank, LinkDecision fields


def merge(decisions: dict[object, Entry], new: tuple[Entry, ...]) -> None:
    """Add one participant's decisions; for a target already linked the strongest reason wins."""
    for entry in new:
        key = entry[0]
        old = decisions.get(key)
        if old is None or entry[1] < old[1]:
            decisions[key] = entry


def links_of(decisions: dict[object, Entry]) -> tuple[LinkDecision, ...]:
    """The merged decisions as ``LinkDecision`` values."""
    return tuple(map(as_link, map(_fields, decisions.values())))


_fields = itemgetter(2)


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
        merge(self.decisions, resolved[R_DECISIONS])
        self.add_records(resolved, name)

    def add_records(self, resolved: Raw, name: str | None) -> None:
        """The records to auto-create for one participant (its links are merged apart)."""
        auto, addr = resolved[R_AUTO], resolved[R_ADDRESS]
        if auto == AUTO_CONTACT:
            (why,) = resolved[R_AUTO_TEXT]
            if addr not in self.new_contacts:
                company = resolved[R_INFO][D_COMPANIES][0]
                self.new_contacts[addr] = _contact(addr, clean_name(name), company, None, why)
        elif auto == AUTO_COMPANY:
            reg = resolved[R_INFO][D_REGISTRABLE]
            label, company_why, contact_why = resolved[R_AUTO_TEXT]
            if reg not in self.new_companies:
                self.new_companies[reg] = _company(reg, label, company_why)
            if addr not in self.new_contacts:
                self.new_contacts[addr] = _contact(addr, clean_name(name), None, reg, contact_why)


_contact = fast_new(NewContact)
_company = fast_new(NewCompany)


def clean_name(name: str | None) -> str | None:
    """A display name worth storing: not empty, not just the address again."""
    if not name:
        return None
    name = " ".join(name.split()).strip("'\"")
    if not name or "@" in name:
        return None
    return name
