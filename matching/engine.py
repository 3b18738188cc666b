"""Participants in, link decisions out: the rules that decide whose timeline a message joins.

Order of the rules, per participant (after normalisation):

1. internal addresses (own domains and their subdomains, listed colleagues)
   are CRM users: never linked, never created;
2. robots (``noreply``...) and blocklisted addresses are dropped;
3. an exact address hit links the contact (``contact_address``) and the
   contact's company (``contact_company``), free-mail included;
4. otherwise free-mail and disposable domains stop here: they never match or
   create a company;
5. the most specific registered domain, walking from the full domain up to
   the registrable one, links its company (``company_domain``);
6. auto-creation, if the policy allows it (``auto_created_*``).

Each link targets one record (see :mod:`matching.links`).

Message-level rules: bulk mail (``drop_bulk``) and internal-only mail
(unless ``log_internal_only``) are not logged, nor is mail with no external
participant left or with nothing in the CRM to link to (unmatched private
mail must not sit in the CRM's database).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple, Protocol

from matching.explain import AddressVerdict, explain_address, explain_header
from matching.index import CrmIndex
from matching.links import (
    Entry,
    LinkCollector,
    LinkDecision,
    NewCompany,
    NewContact,
    links_of,
    resolve_raw,
)
from matching.policy import MatchPolicy
from matching.rules import bulk_reason

__all__ = [
    "AddressVerdict",
    "LinkDecision",
    "MatchResult",
    "MessageSignals",
    "NewCompany",
    "NewContact",
    "ParticipantLike",
    "explain_address",
    "explain_header",
    "match_participants",
]

Direction = Literal["inbound", "outbound", "internal"]

_SENDER_RANK = {"from": 0, "organizer": 0, "sender": 1}
NO_MATCH = "no participant matches a CRM contact or company"


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


class MatchResult(NamedTuple):
    """What to do with one item (a named tuple: one is made per message)."""

    links: tuple[LinkDecision, ...]
    direction: Direction
    log: bool  # False: do not log this item at all
    drop_reason: str | None
    new_contacts: tuple[NewContact, ...]
    new_companies: tuple[NewCompany, ...]


def match_participants(
    participants: Sequence[ParticipantLike],
    index: CrmIndex,
    policy: MatchPolicy,
    signals: MessageSignals | None = None,
) -> MatchResult:
    """Decide the links, direction and loggability of one message or meeting."""
    rules = index.rules(policy)
    cache = rules.address_cache
    bulk = None
    if policy.drop_bulk and signals is not None:
        bulk = bulk_reason(
            signals.list_id, signals.precedence, signals.auto_submitted, index.internal_domains
        )
    decisions: dict[object, Entry] = {}
    collector: LinkCollector | None = None  # made for auto-created records only

    sender_rank = 9
    sender_internal = False
    valid = internal = external = 0
    seen: set[str] = set()
    for p in participants:
        raw = p.address
        hit = cache.get(raw) if type(raw) is str else None
        if hit is None:
            hit = resolve_raw(rules, raw)
            if hit is None:
                continue
        # a Resolved, as the memo's plain tuple
        addr, _, is_internal, dropped, found, auto, _ = hit
        rank = _SENDER_RANK.get(p.role, 9)
        if rank < sender_rank:
            sender_rank, sender_internal = rank, is_internal
        valid += 1
        if is_internal:
            internal += 1
            continue
        if dropped or addr in seen:
            continue
        seen.add(addr)
        external += 1
        if bulk is not None:
            continue
        for entry in found:  # matching.links.merge, inlined on the hot path
            key = entry[0]
            old = decisions.get(key)
            if old is None or entry[1] < old[1]:
                decisions[key] = entry
        if auto:
            if collector is None:
                collector = LinkCollector(decisions)
            collector.add_records(hit, p.name)

    all_internal = valid > 0 and internal == valid
    direction: Direction = (
        "internal" if all_internal else "outbound" if sender_internal else "inbound"
    )
    reason = bulk
    if reason is None and all_internal:
        if policy.log_internal_only:
            return _result((), direction, True, None, (), ())
        reason = "all participants internal"
    if reason is None and not external:
        reason = "no external participant left"
    if reason is None and not decisions:
        reason = NO_MATCH
    if reason is not None:
        return _result((), direction, False, reason, (), ())
    links = links_of(decisions)
    if collector is None:
        return _result(links, direction, True, None, (), ())
    return _result(
        links,
        direction,
        True,
        None,
        tuple(collector.new_contacts.values()) if collector.new_contacts else (),
        tuple(collector.new_companies.values()) if collector.new_companies else (),
    )


def _result(*fields: object) -> MatchResult:
    return _new_tuple(MatchResult, fields)


_new_tuple = tuple.__new__
