"""What matching hands out: link decisions, records to create, one result per item.

Kept apart from the rules (:mod:`matching.decisions`, :mod:`matching.participants`)
so the hot path can build them without an import cycle. Compiled with the hot
path (``setup.py``), these are native classes: the engine makes one per link,
per record to create and per message, and a compiled constructor costs a
tenth of building a named tuple or a frozen dataclass. They behave as
immutable values: equality and hash by field values, a readable ``repr``,
``replace()`` for a changed copy, pickling. Compiled, assigning to a field
raises ``AttributeError``; the plain-Python fallback does not enforce that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol, final

__all__ = [
    "Direction",
    "LinkDecision",
    "MatchResult",
    "MessageSignals",
    "NewCompany",
    "NewContact",
    "ParticipantLike",
    "clean_name",
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


def _replaced(obj: Any, names: tuple[str, ...], changes: dict[str, Any]) -> dict[str, Any]:
    """Field values of ``obj`` by name, with ``changes`` applied (unknown names raise)."""
    unknown = set(changes) - set(names)
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field {', '.join(sorted(unknown))}")
    values = {name: getattr(obj, name) for name in names}
    values.update(changes)
    return values


def _repr(obj: Any, names: tuple[str, ...]) -> str:
    inner = ", ".join(f"{name}={getattr(obj, name)!r}" for name in names)
    return f"{type(obj).__name__}({inner})"


_LINK_FIELDS: Final = (
    "company_id", "contact_id", "reason", "address", "explanation",
    "new_company_domain", "new_contact_address",
)  # fmt: skip
_CONTACT_FIELDS: Final = ("address", "name", "company_id", "company_domain", "reason")
_COMPANY_FIELDS: Final = ("domain", "name", "reason")
_RESULT_FIELDS: Final = (
    "links", "direction", "log", "drop_reason", "new_contacts", "new_companies",
)  # fmt: skip


@final
class LinkDecision:
    """Link the item to one company or one contact, and why."""

    __slots__ = _LINK_FIELDS

    def __init__(
        self,
        company_id: int | None,
        contact_id: int | None,
        reason: str,  # contact_address | company_domain | contact_company | auto_created_*
        address: str,  # the normalised participant address that caused it
        explanation: str,
        new_company_domain: str | None = None,  # company to create first (company_id None)
        new_contact_address: str | None = None,  # contact to create first (contact_id None)
    ) -> None:
        self.company_id: Final = company_id
        self.contact_id: Final = contact_id
        self.reason: Final = reason
        self.address: Final = address
        self.explanation: Final = explanation
        self.new_company_domain: Final = new_company_domain
        self.new_contact_address: Final = new_contact_address

    @property
    def key(self) -> tuple[int | str | None, int | str | None]:
        """Identity of the target: (company id or new domain, contact id or new address)."""
        company = self.company_id if self.company_id is not None else self.new_company_domain
        contact = self.contact_id if self.contact_id is not None else self.new_contact_address
        return company, contact

    def values(self) -> tuple[Any, ...]:
        """The fields in order."""
        return (
            self.company_id, self.contact_id, self.reason, self.address, self.explanation,
            self.new_company_domain, self.new_contact_address,
        )  # fmt: skip

    def replace(self, **changes: Any) -> LinkDecision:
        """A copy with some fields changed."""
        return LinkDecision(**_replaced(self, _LINK_FIELDS, changes))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LinkDecision):
            return NotImplemented
        return self.values() == other.values()

    def __hash__(self) -> int:
        return hash(self.values())

    def __repr__(self) -> str:
        return _repr(self, _LINK_FIELDS)

    def __reduce__(self) -> tuple[Any, ...]:
        return (LinkDecision, self.values())


@final
class NewContact:
    """A contact the store must create (``auto_create`` allows it)."""

    __slots__ = _CONTACT_FIELDS

    def __init__(
        self,
        address: str,
        name: str | None,
        company_id: int | None,  # an existing company, or
        company_domain: str | None,  # the domain of a company created in the same batch
        reason: str,
    ) -> None:
        self.address: Final = address
        self.name: Final = name
        self.company_id: Final = company_id
        self.company_domain: Final = company_domain
        self.reason: Final = reason

    def values(self) -> tuple[Any, ...]:
        """The fields in order."""
        return (self.address, self.name, self.company_id, self.company_domain, self.reason)

    def replace(self, **changes: Any) -> NewContact:
        """A copy with some fields changed."""
        return NewContact(**_replaced(self, _CONTACT_FIELDS, changes))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NewContact):
            return NotImplemented
        return self.values() == other.values()

    def __hash__(self) -> int:
        return hash(self.values())

    def __repr__(self) -> str:
        return _repr(self, _CONTACT_FIELDS)

    def __reduce__(self) -> tuple[Any, ...]:
        return (NewContact, self.values())


@final
class NewCompany:
    """A company the store must create (``auto_create="contacts_and_companies"``)."""

    __slots__ = _COMPANY_FIELDS

    def __init__(self, domain: str, name: str, reason: str) -> None:
        self.domain: Final = domain
        self.name: Final = name
        self.reason: Final = reason

    def values(self) -> tuple[Any, ...]:
        """The fields in order."""
        return (self.domain, self.name, self.reason)

    def replace(self, **changes: Any) -> NewCompany:
        """A copy with some fields changed."""
        return NewCompany(**_replaced(self, _COMPANY_FIELDS, changes))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NewCompany):
            return NotImplemented
        return self.values() == other.values()

    def __hash__(self) -> int:
        return hash(self.values())

    def __repr__(self) -> str:
        return _repr(self, _COMPANY_FIELDS)

    def __reduce__(self) -> tuple[Any, ...]:
        return (NewCompany, self.values())


@final
class MatchResult:
    """What to do with one item."""

    __slots__ = _RESULT_FIELDS

    def __init__(
        self,
        links: tuple[LinkDecision, ...],
        direction: Direction,
        log: bool,  # False: do not log this item at all
        drop_reason: str | None,
        new_contacts: tuple[NewContact, ...] = (),
        new_companies: tuple[NewCompany, ...] = (),
    ) -> None:
        self.links: Final = links
        self.direction: Final = direction
        self.log: Final = log
        self.drop_reason: Final = drop_reason
        self.new_contacts: Final = new_contacts
        self.new_companies: Final = new_companies

    def values(self) -> tuple[Any, ...]:
        """The fields in order."""
        return (
            self.links, self.direction, self.log, self.drop_reason, self.new_contacts,
            self.new_companies,
        )  # fmt: skip

    def replace(self, **changes: Any) -> MatchResult:
        """A copy with some fields changed."""
        return MatchResult(**_replaced(self, _RESULT_FIELDS, changes))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MatchResult):
            return NotImplemented
        return self.values() == other.values()

    def __hash__(self) -> int:
        return hash(self.values())

    def __repr__(self) -> str:
        return _repr(self, _RESULT_FIELDS)

    def __reduce__(self) -> tuple[Any, ...]:
        return (MatchResult, self.values())


def clean_name(name: str | None) -> str | None:
    """A display name worth storing: not empty, not just the address again."""
    if not name:
        return None
    name = " ".join(name.split()).strip("'\"")
    if not name or "@" in name:
        return None
    return name
