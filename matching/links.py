"""Link decisions and the collector that de-duplicates them for one message.

Each link targets one record: a contact link has ``company_id=None`` and a
company link ``contact_id=None`` (Twenty's message-participant targets work
the same way), so a user can unlink a message from a company without
unlinking it from the person, and a tombstone means exactly one thing.
The per-participant rules live in :func:`resolve`; the engine and
``explain`` both use it, so they can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from matching._fast import fast_new
from matching.addresses import normalise_with
from matching.index import CONTACT_BITS, CONTACT_MASK
from matching.rules import (
    ADDRESS_CACHE_SIZE,
    ROBOT_LOCAL_PARTS,
    ROBOT_PREFIXES,
    DomainInfo,
    company_name_from_domain,
    evict_oldest,
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
    "resolve",
]

Key = tuple[object, object]  # (company id or new domain, contact id or new address)

REASON_RANK = {
    "contact_address": 0,
    "contact_company": 1,
    "company_domain": 2,
    "auto_created_company": 3,
    "auto_created_contact": 3,
}


@dataclass(frozen=True, slots=True)
class LinkDecision:
    """Link the item to one company or one contact, and why."""

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


LinkSpec = tuple[int | None, int | None, str, str]  # company, contact, reason, explanation


class Resolved(NamedTuple):
    """One participant address, normalised, classified and with its links worked out.

    Everything here depends only on the raw address, the index and the
    policy, so it is memoised per raw string (:func:`resolve`). It holds only
    atomic values (the links as plain tuples, turned into ``LinkDecision``
    per message), so the collector untracks it and a churning memo does not
    trigger full garbage collections.
    """

    address: str
    info: DomainInfo
    internal: bool
    dropped: bool  # a robot or blocklisted
    links: tuple[LinkSpec, ...]
    auto: int  # NO_AUTO, AUTO_CONTACT (at info.companies[0]) or AUTO_COMPANY
    # AUTO_CONTACT: (contact reason,); AUTO_COMPANY: (name, company reason, contact reason)
    auto_text: tuple[str, ...]


_new_resolved = tuple.__new__  # NamedTuple.__new__ without its Python-level frame


def resolve(rules: Rules, raw: str) -> Resolved | None:
    """Normalise, classify and link one raw participant address (memoised by ``raw``).

    Mail has strong locality (colleagues are on every message, customers
    write back), so most calls are one dict lookup.
    """
    if not isinstance(raw, str):
        return None
    cache = rules.address_cache
    hit = cache.get(raw)
    if hit is not None:
        return hit
    addr = normalise_with(raw, rules.strip_plus_tags, rules.provider_rules)
    if addr is None:
        return None
    at = addr.rfind("@")
    info = rules.domain_info(addr[at + 1 :])
    index = rules.index
    internal = info.internal or addr in index.internal_addresses
    dropped = False
    if not internal:
        if rules.drop_robots:
            local = addr[:at]
            dropped = local in ROBOT_LOCAL_PARTS or local.startswith(ROBOT_PREFIXES)
        if not dropped and rules.blocks:
            dropped = rules.is_blocked(addr, info)
    links: tuple[LinkSpec, ...] = ()
    auto = NO_AUTO
    if not (internal or dropped):
        links, auto = _links_for(rules, index, addr, info)
    text = _auto_text(rules.policy.auto_create, addr, info, auto) if auto else ()
    if len(cache) >= ADDRESS_CACHE_SIZE:
        evict_oldest(cache)
    hit = cache[raw] = _new_resolved(Resolved, (addr, info, internal, dropped, links, auto, text))
    return hit


def _links_for(
    rules: Rules, index: CrmIndex, addr: str, info: DomainInfo
) -> tuple[tuple[LinkSpec, ...], int]:
    """The per-participant rules (see :mod:`matching.engine`), minus auto-creation."""
    out: list[LinkSpec] = []
    packed = index.contact_by_address.get(addr)
    if packed is not None:
        shared = index.shared_addresses.get(addr) if index.shared_addresses else None
        has_company = False
        for value in shared or (packed,):
            contact = value & CONTACT_MASK
            company = (value >> CONTACT_BITS) - 1
            out.append(
                (None, contact, "contact_address", f"{addr} is contact #{contact} (exact address)")
            )
            if company >= 0:
                has_company = True
                out.append(
                    (
                        company, None, "contact_company",
                        f"{addr} is contact #{contact} of company #{company}",
                    )
                )  # fmt: skip
        if has_company:
            return tuple(out), NO_AUTO
    if info.freemail or info.disposable:
        return tuple(out), NO_AUTO
    companies = info.companies
    if companies:
        cd = info.company_domain
        where = f"{cd} is" if cd == info.domain else f"{info.domain} is under {cd},"
        note = (
            f" (also registered on {len(companies) - 1} other companies)"
            if len(companies) > 1
            else ""
        )
        for company in companies:
            out.append(
                (
                    company, None, "company_domain",
                    f"{where} a registered domain of company #{company}{note}",
                )
            )  # fmt: skip
        # never guess which of several companies a new contact belongs to
        auto = packed is None and rules.auto_contacts and len(companies) == 1
        return tuple(out), AUTO_CONTACT if auto else NO_AUTO
    if packed is None and info.creatable:
        return tuple(out), AUTO_COMPANY
    return tuple(out), NO_AUTO


class LinkCollector:
    """Collects de-duplicated decisions for one message; the strongest reason wins."""

    __slots__ = ("decisions", "new_contacts", "new_companies")

    def __init__(self) -> None:
        self.decisions: dict[Key, LinkDecision] = {}
        self.new_contacts: dict[str, NewContact] = {}
        self.new_companies: dict[str, NewCompany] = {}

    def add(self, resolved: Resolved, name: str | None) -> None:
        """Merge one external participant's links (and auto-created records)."""
        decisions = self.decisions
        addr = resolved.address
        for company, contact, reason, explanation in resolved.links:
            key = (company, contact)
            old = decisions.get(key)
            if old is None or REASON_RANK[reason] < REASON_RANK[old.reason]:
                decisions[key] = _link(company, contact, reason, addr, explanation)
        if resolved.auto == AUTO_CONTACT:
            self._new_contact_at_company(resolved, name)
        elif resolved.auto == AUTO_COMPANY:
            self._new_company(resolved, name)

    def _put(self, key: Key, decision: LinkDecision) -> None:
        old = self.decisions.get(key)
        if old is None or REASON_RANK[decision.reason] < REASON_RANK[old.reason]:
            self.decisions[key] = decision

    def _new_contact_at_company(self, resolved: Resolved, name: str | None) -> None:
        addr, (why,) = resolved.address, resolved.auto_text
        company = resolved.info.companies[0]
        if addr not in self.new_contacts:
            self.new_contacts[addr] = _contact(addr, clean_name(name), company, None, why)
        self._put((None, addr), _link(None, None, "auto_created_contact", addr, why, None, addr))

    def _new_company(self, resolved: Resolved, name: str | None) -> None:
        addr, reg = resolved.address, resolved.info.registrable
        label, company_why, contact_why = resolved.auto_text
        assert reg is not None  # creatable implies a registrable domain
        if reg not in self.new_companies:
            self.new_companies[reg] = _company(reg, label, company_why)
            self._put(
                (reg, None),
                _link(None, None, "auto_created_company", addr, company_why, reg, None),
            )
        if addr not in self.new_contacts:
            self.new_contacts[addr] = _contact(addr, clean_name(name), None, reg, contact_why)
        self._put(
            (None, addr), _link(None, None, "auto_created_contact", addr, contact_why, None, addr)
        )


def _auto_text(mode: str, addr: str, info: DomainInfo, auto: int) -> tuple[str, ...]:
    """The reasons auto-created records carry (see :class:`Resolved`)."""
    if auto == AUTO_CONTACT:
        return (
            f"{addr} is not a contact and {info.company_domain} is a domain of company "
            f"#{info.companies[0]}, so a contact is created (auto_create={mode})",
        )
    reg = info.registrable
    label = company_name_from_domain(reg or "")
    return (
        label,
        f"{reg} is no CRM company's domain and not free-mail, disposable or internal, "
        f'so company "{label}" is created (auto_create={mode})',
        f"{addr} is not a contact, so a contact is created at the new company "
        f'"{label}" for {reg} (auto_create={mode})',
    )


_link = fast_new(LinkDecision)
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
