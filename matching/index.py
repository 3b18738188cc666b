"""An in-memory snapshot of the CRM's matchable keys: addresses, domains, internal domains.

Built once from plain tuples (the store streams them from the database) and
then only read. Memory is the constraint (a million contacts): each address
maps to a single packed ``int`` holding the contact id and its company id,
so there is one dict lookup per participant and no per-contact objects. The
rare address or domain shared by several records keeps the full list in a
side table.

Addresses are normalised with the index's policy; a policy with different
normalisation settings cannot be used with it (:meth:`CrmIndex.rules`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from matching.addresses import normalise_domain, normalise_with

if TYPE_CHECKING:
    from matching.policy import MatchPolicy
    from matching.rules import Rules

__all__ = ["CrmIndex", "pack_contact", "unpack_contact"]

CONTACT_BITS = 40
CONTACT_MASK = (1 << CONTACT_BITS) - 1


def pack_contact(contact_id: int, company_id: int | None) -> int:
    """One int for (contact, company): company + 1 in the high bits, 0 for none."""
    return ((company_id + 1) << CONTACT_BITS if company_id is not None else 0) | contact_id


def unpack_contact(packed: int) -> tuple[int, int | None]:
    """Inverse of :func:`pack_contact`."""
    company = (packed >> CONTACT_BITS) - 1
    return packed & CONTACT_MASK, (company if company >= 0 else None)


def _check_id(kind: str, value: object, limit: int | None = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{kind} id must be a non-negative int, not {value!r}")
    if limit is not None and value > limit:
        raise ValueError(f"{kind} id {value} is larger than {limit}")
    return value


def _as_list(values: Iterable[str] | str | None) -> Iterable[str]:
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,)
    return values


class CrmIndex:
    """Read-only lookup tables; build with :meth:`CrmIndex.build`.

    Public attributes are the tables themselves (treat as read-only):
    ``contact_by_address`` (address -> packed contact), ``shared_addresses``
    (address -> all packed contacts when more than one), ``company_by_domain``,
    ``shared_domains``, ``internal_domains`` and ``internal_addresses``.
    """

    __slots__ = (
        "policy",
        "contact_by_address",
        "shared_addresses",
        "company_by_domain",
        "shared_domains",
        "internal_domains",
        "internal_addresses",
        "skipped",
        "_rules",
        "_last_rules",
    )

    def __init__(self, policy: MatchPolicy) -> None:
        self.policy = policy
        self.contact_by_address: dict[str, int] = {}
        self.shared_addresses: dict[str, tuple[int, ...]] = {}
        self.company_by_domain: dict[str, int] = {}
        self.shared_domains: dict[str, tuple[int, ...]] = {}
        self.internal_domains: frozenset[str] = frozenset()
        self.internal_addresses: frozenset[str] = frozenset()
        self.skipped: list[str] = []  # inputs that are not addresses/domains, for diagnostics
        self._rules: dict[MatchPolicy, Rules] = {}
        self._last_rules: tuple[MatchPolicy, Rules] | None = None

    @classmethod
    def build(
        cls,
        *,
        companies: Iterable[tuple[int, Iterable[str]]],
        contacts: Iterable[tuple[int, int | None, Iterable[str]]],
        internal_domains: Iterable[str],
        policy: MatchPolicy,
    ) -> CrmIndex:
        """Index companies (id, domains), contacts (id, company id, emails) and own domains.

        ``internal_domains`` may also hold full addresses (``jana@gmail.com``)
        for colleagues who work from a free-mail mailbox.
        """
        self = cls(policy)
        strip, provider = policy.normalisation_key
        skipped = self.skipped

        by_domain = self.company_by_domain
        shared_d: dict[str, list[int]] = {}
        for company_id, domains in companies:
            _check_id("company", company_id)
            for raw in _as_list(domains):
                d = normalise_domain(raw)
                if d is None:
                    if len(skipped) < 1000:
                        skipped.append(f"company #{company_id}: {raw!r} is not a domain")
                    continue
                prev = by_domain.setdefault(d, company_id)
                if prev != company_id:
                    owners = shared_d.setdefault(d, [prev])
                    if company_id not in owners:
                        owners.append(company_id)
        self.shared_domains = {d: tuple(ids) for d, ids in shared_d.items() if len(ids) > 1}

        by_address = self.contact_by_address
        shared_a: dict[str, list[int]] = {}
        for contact_id, owner, emails in contacts:
            # inline checks and packing: this loop runs a million times
            if type(contact_id) is not int or not 0 <= contact_id <= CONTACT_MASK:
                _check_id("contact", contact_id, CONTACT_MASK)
            if owner is None:
                packed = contact_id
            else:
                if type(owner) is not int or owner < 0:
                    _check_id("company", owner)
                packed = ((owner + 1) << CONTACT_BITS) | contact_id
            for raw in (emails,) if isinstance(emails, str) else emails or ():
                a = normalise_with(raw, strip, provider)
                if a is None:
                    if len(skipped) < 1000:
                        skipped.append(f"contact #{contact_id}: {raw!r} is not an address")
                    continue
                prev = by_address.setdefault(a, packed)
                if prev != packed:
                    owners = shared_a.setdefault(a, [prev])
                    if packed not in owners:
                        owners.append(packed)
        self.shared_addresses = {a: tuple(ids) for a, ids in shared_a.items() if len(ids) > 1}

        own_domains: set[str] = set()
        own_addresses: set[str] = set()
        for raw in _as_list(internal_domains):
            text = raw.strip()
            if "@" in text.lstrip("@"):
                a = normalise_with(text, strip, provider)
                if a is not None:
                    own_addresses.add(a)
                    continue
            d = normalise_domain(text)
            if d is None:
                skipped.append(f"internal: {raw!r} is neither a domain nor an address")
            else:
                own_domains.add(d)
        self.internal_domains = frozenset(own_domains)
        self.internal_addresses = frozenset(own_addresses)
        return self

    def __repr__(self) -> str:
        return (
            f"<CrmIndex {len(self.contact_by_address)} addresses, "
            f"{len(self.company_by_domain)} domains, {len(self.internal_domains)} internal>"
        )

    def contacts_for(self, address: str) -> tuple[tuple[int, int | None], ...]:
        """(contact id, company id) of every contact with this normalised address."""
        packed = self.contact_by_address.get(address)
        if packed is None:
            return ()
        if address in self.shared_addresses:
            return tuple(unpack_contact(p) for p in self.shared_addresses[address])
        return (unpack_contact(packed),)

    def rules(self, policy: MatchPolicy) -> Rules:
        """``policy`` compiled against this index (memoised per policy value)."""
        last = self._last_rules
        if last is not None and last[0] is policy:  # hashing a policy costs a microsecond
            return last[1]
        rules = self._rules.get(policy)
        if rules is None:
            if policy.normalisation_key != self.policy.normalisation_key:
                raise ValueError(
                    "the policy's strip_plus_tags/provider_rules differ from the ones the "
                    "index was built with; rebuild the index"
                )
            from matching.rules import Rules

            if len(self._rules) >= 8:
                self._rules.clear()
            rules = self._rules[policy] = Rules(self, policy)
        self._last_rules = (policy, rules)
        return rules
