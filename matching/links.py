"""Link decisions and the collector that de-duplicates them for one message.

Each link targets one record: a contact link has ``company_id=None`` and a
company link ``contact_id=None`` (Twenty's message-participant targets work
the same way), so a user can unlink a message from a company without
unlinking it from the person, and a tombstone means exactly one thing.
The per-participant rules live in :meth:`LinkCollector.add_participant`; the
engine and ``explain`` both use it, so they can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from matching._fast import fast_new
from matching.index import CONTACT_BITS, CONTACT_MASK
from matching.rules import company_name_from_domain

if TYPE_CHECKING:
    from matching.index import CrmIndex
    from matching.rules import DomainInfo, Rules

__all__ = ["LinkCollector", "LinkDecision", "NewCompany", "NewContact"]

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


class LinkCollector:
    """Collects de-duplicated decisions for one message; the strongest reason wins."""

    __slots__ = ("index", "rules", "decisions", "new_contacts", "new_companies")

    def __init__(self, index: CrmIndex, rules: Rules) -> None:
        self.index = index
        self.rules = rules
        self.decisions: dict[tuple[object, object], LinkDecision] = {}
        self.new_contacts: dict[str, NewContact] = {}
        self.new_companies: dict[str, NewCompany] = {}

    def _add(self, key: tuple[object, object], decision: LinkDecision) -> None:
        decisions = self.decisions
        old = decisions.get(key)
        if old is None or REASON_RANK[decision.reason] < REASON_RANK[old.reason]:
            decisions[key] = decision

    def add_participant(self, addr: str, name: str | None, info: DomainInfo) -> None:
        """Apply the per-participant rules to one external, non-robot, non-blocked address."""
        index = self.index
        packed = index.contact_by_address.get(addr)
        if packed is not None:
            shared = index.shared_addresses.get(addr) if index.shared_addresses else None
            has_company = False
            for value in shared or (packed,):
                contact = value & CONTACT_MASK
                company = (value >> CONTACT_BITS) - 1
                self._add(
                    (None, contact),
                    _link(
                        None, contact, "contact_address", addr,
                        f"{addr} is contact #{contact} (exact address)",
                    ),
                )  # fmt: skip
                if company >= 0:
                    has_company = True
                    self._add(
                        (company, None),
                        _link(
                            company, None, "contact_company", addr,
                            f"{addr} is contact #{contact} of company #{company}",
                        ),
                    )  # fmt: skip
            if has_company:
                return
        if info.freemail or info.disposable:
            return
        if info.companies:
            self._domain_links(addr, name, info, known_contact=packed is not None)
        elif packed is None and info.creatable:
            self._new_company(addr, name, info)

    def _domain_links(
        self, addr: str, name: str | None, info: DomainInfo, known_contact: bool
    ) -> None:
        cd = info.company_domain
        where = f"{cd} is" if cd == info.domain else f"{info.domain} is under {cd},"
        companies = info.companies
        shared = len(companies) > 1
        note = f" (also registered on {len(companies) - 1} other companies)" if shared else ""
        for company in companies:
            self._add(
                (company, None),
                _link(
                    company, None, "company_domain", addr,
                    f"{where} a registered domain of company #{company}{note}",
                ),
            )  # fmt: skip
        if known_contact or not self.rules.auto_contacts or shared:
            return  # never guess which of several companies a new contact belongs to
        company = companies[0]
        why = (
            f"{addr} is not a contact and {cd} is a domain of company #{company}, "
            f"so a contact is created (auto_create={self.rules.policy.auto_create})"
        )
        self.new_contacts.setdefault(addr, NewContact(addr, clean_name(name), company, None, why))
        self._add(
            (None, addr),
            _link(None, None, "auto_created_contact", addr, why, None, addr),
        )

    def _new_company(self, addr: str, name: str | None, info: DomainInfo) -> None:
        reg = info.registrable
        assert reg is not None  # creatable implies a registrable domain
        mode = self.rules.policy.auto_create
        company = self.new_companies.get(reg)
        if company is None:
            label = company_name_from_domain(reg)
            why = (
                f"{reg} is no CRM company's domain and not free-mail, disposable or internal, "
                f'so company "{label}" is created (auto_create={mode})'
            )
            company = self.new_companies[reg] = NewCompany(reg, label, why)
            self._add((reg, None), _link(None, None, "auto_created_company", addr, why, reg, None))
        why = (
            f"{addr} is not a contact, so a contact is created at the new company "
            f'"{company.name}" for {reg} (auto_create={mode})'
        )
        self.new_contacts.setdefault(addr, NewContact(addr, clean_name(name), None, reg, why))
        self._add((None, addr), _link(None, None, "auto_created_contact", addr, why, None, addr))


_link = fast_new(LinkDecision)


def clean_name(name: str | None) -> str | None:
    """A display name worth storing: not empty, not just the address again."""
    if not name:
        return None
    name = " ".join(name.split()).strip("'\"")
    if not name or "@" in name:
        return None
    return name
