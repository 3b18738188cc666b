"""What matching hands out: link decisions, records to create, one result per item.

Kept apart from the rules (:mod:`matching.participants`, :mod:`matching.links`)
so the compiled hot path can build them without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple, Protocol

from matching._fast import draft_class, fast_new

__all__ = [
    "COMPANY_DRAFT",
    "CONTACT_DRAFT",
    "Direction",
    "LinkDecision",
    "MatchResult",
    "MessageSignals",
    "NewCompany",
    "NewContact",
    "ParticipantLike",
    "clean_name",
    "new_company",
    "new_contact",
]

Direction = Literal["inbound", "outbound", "internal"]


class ParticipantLike(Protocol):
    """What matching reads from a participant (``connectors.base.Participant`` fits)."""

    @property
    def address(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def role(self) -> str: ...


@dataclass(frozen=True, slots=True)
class MessageSignals:
    """Optional header signals for the bulk-mail rule."""

    list_id: str | None = None
    precedence: str | None = None
    auto_submitted: str | None = None


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


class MatchResult(NamedTuple):
    """What to do with one item (a named tuple: one is made per message)."""

    links: tuple[LinkDecision, ...]
    direction: Direction
    log: bool  # False: do not log this item at all
    drop_reason: str | None
    new_contacts: tuple[NewContact, ...]
    new_companies: tuple[NewCompany, ...]


new_contact = fast_new(NewContact)
new_company = fast_new(NewCompany)
# mutable twins the compiled hot path fills and re-tags (None: use the classes)
CONTACT_DRAFT = draft_class(NewContact)
COMPANY_DRAFT = draft_class(NewCompany)


def clean_name(name: str | None) -> str | None:
    """A display name worth storing: not empty, not just the address again."""
    if not name:
        return None
    name = " ".join(name.split()).strip("'\"")
    if not name or "@" in name:
        return None
    return name
