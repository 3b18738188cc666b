"""The per-message scan: participants in, one :class:`MatchResult` out (compiled).

Part of matching's hot path with :mod:`matching.decisions` (what one address
resolves to, memoised), :mod:`matching.addresses` and :mod:`matching.records`;
mypyc compiles them when the package is installed (``setup.py``). Per message
this merges the participants' memo entries: for a target linked twice the
strongest reason wins, records to auto-create are collected once per address,
and the links are spelled out as :class:`~matching.records.LinkDecision`
values (native classes, one direct constructor call each).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from matching.decisions import (
    AUTO_COMPANY,
    AUTO_CONTACT,
    K_CONTACT,
    K_CONTACTS_COMPANY,
    K_DOMAIN,
    K_NEW_COMPANY,
    K_NEW_CONTACT,
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
    Raw,
    hot_tables,
    resolve_cold,
)
from matching.records import LinkDecision, MatchResult, NewCompany, NewContact, clean_name
from matching.rules import bulk_reason

if TYPE_CHECKING:
    from matching.index import CrmIndex
    from matching.policy import MatchPolicy
    from matching.records import Direction, MessageSignals, ParticipantLike

__all__ = ["NO_MATCH", "REASON_RANK", "make_link", "match_participants", "rank_at"]

NO_MATCH: Final = "no participant matches a CRM contact or company"
# reason ranks: for a target linked twice in one message the lowest wins
_BY_CONTACT: Final = 0
_CONTACTS_COMPANY: Final = 1
_BY_DOMAIN: Final = 2
_AUTO: Final = 3
REASON_RANK: Final = {
    "contact_address": _BY_CONTACT,
    "contact_company": _CONTACTS_COMPANY,
    "company_domain": _BY_DOMAIN,
    "auto_created_company": _AUTO,
    "auto_created_contact": _AUTO,
}
_D_REGISTRABLE: Final = 1  # matching.rules.D_REGISTRABLE (checked by matching.decisions)
_D_COMPANIES: Final = 6  # matching.rules.D_COMPANIES
_SENDER_RANK: Final = {"from": 0, "organizer": 0, "sender": 1}
_SCAN_MAX: Final = 12  # participants up to which a message scans short lists, not hashes


def match_participants(
    participants: Sequence[ParticipantLike],
    index: CrmIndex,
    policy: MatchPolicy,
    signals: MessageSignals | None = None,
) -> MatchResult:
    """Decide the links, direction and loggability of one message or meeting.

    Public as :func:`matching.match_participants` (rules: :mod:`matching.engine`).
    Participants are read untyped (``part``): compiled code would otherwise
    check each attribute's type, and an address that is not a ``str`` is
    skipped, not an error.
    """
    last = index._last_rules  # index.rules(policy) without a Python method call
    hot = hot_tables(last[1] if last is not None and last[0] is policy else index.rules(policy))
    cache = hot.address_cache
    bulk: str | None = None
    if policy.drop_bulk and signals is not None:
        bulk = bulk_reason(
            signals.list_id, signals.precedence, signals.auto_submitted, hot.internal_domains
        )
    # per target key (``keys``, in step with ``links``) the link of the strongest
    # reason; a short message scans the lists, a long one indexes them (``where``)
    links: list[LinkDecision] = []
    keys: list[object] = []
    where: dict[object, int] | None = None if len(participants) <= _SCAN_MAX else {}
    # each address is added once (``seen``), so contacts need no dict
    seen: list[str] = []
    seen_set: set[str] | None = None if where is None else set()
    new_contacts: list[NewContact] = []
    new_companies: list[NewCompany] = []

    sender_rank = 9
    sender_internal = False
    keep_robots: bool = policy.log_without_external
    blocked = False  # a dropped participant was blocklisted, not a robot
    valid = internal = external = 0
    for p in participants:
        part: Any = p
        raw = part.address
        if type(raw) is not str or not isinstance(raw, str):
            continue
        hit = cache.get(raw)
        if hit is None:
            hit = resolve_cold(hot, raw)
            if hit is None:
                continue
        is_internal: bool = hit[R_INTERNAL]
        role_rank: int = _SENDER_RANK.get(part.role, 9)
        if role_rank < sender_rank:
            sender_rank, sender_internal = role_rank, is_internal
        valid += 1
        if is_internal:
            internal += 1
            continue
        if hit[R_DROPPED]:
            if keep_robots and not blocked and hot.blocks:
                blocked = hot.rules.is_blocked(hit[R_ADDRESS], hit[R_INFO])
            continue
        addr: str = hit[R_ADDRESS]
        if seen_set is None:
            if addr in seen:
                continue
            seen.append(addr)
        else:
            if addr in seen_set:
                continue
            seen_set.add(addr)
        external += 1
        if bulk is not None:
            continue
        for i in range(R_DECISIONS, len(hit), R_STRIDE):  # the strongest reason per target wins
            key = hit[i]
            at = _position(keys, key) if where is None else where.get(key, -1)
            if at < 0:
                if where is not None:
                    where[key] = len(keys)
                keys.append(key)
                links.append(make_link(hit, i))
            elif rank_at(hit, i) < REASON_RANK[links[at].reason]:
                links[at] = make_link(hit, i)
        if hit[R_AUTO]:
            _add_records(hit, part.name, new_contacts, new_companies)

    all_internal = valid > 0 and internal == valid
    direction: Direction = (
        "internal" if all_internal else "outbound" if sender_internal else "inbound"
    )
    reason = bulk
    if reason is None and all_internal:
        if policy.log_internal_only:
            return MatchResult((), direction, True, None, (), ())
        reason = "all participants internal"
    if reason is None and not external:
        if keep_robots and valid > 0 and not blocked:
            return MatchResult((), direction, True, None, (), ())
        reason = "no external participant left"
    if reason is None and not links:
        reason = NO_MATCH
    if reason is not None:
        return MatchResult((), direction, False, reason, (), ())
    return MatchResult(
        tuple(links),
        direction,
        True,
        None,
        tuple(new_contacts) if new_contacts else (),
        tuple(new_companies) if new_companies else (),
    )


def _position(keys: list[object], key: object) -> int:
    """Where ``key`` is in ``keys``, or -1 (a few items: cheaper than hashing)."""
    for i in range(len(keys)):
        if keys[i] == key:
            return i
    return -1


def make_link(hit: Raw, i: int) -> LinkDecision:
    """The ``LinkDecision`` of the decision at position ``i`` of memo entry ``hit``."""
    key = hit[i]
    kind: int = hit[i + 1]
    addr: str = hit[R_ADDRESS]
    why: str = hit[i + 2]
    if kind == K_CONTACT:
        return LinkDecision(None, ~key, "contact_address", addr, why, None, None)
    if kind == K_CONTACTS_COMPANY:
        return LinkDecision(key, None, "contact_company", addr, why, None, None)
    if kind == K_DOMAIN:
        return LinkDecision(key, None, "company_domain", addr, why, None, None)
    if kind == K_NEW_COMPANY:
        return LinkDecision(None, None, "auto_created_company", addr, why, key, None)
    return LinkDecision(None, None, "auto_created_contact", addr, why, None, key)


def rank_at(hit: Raw, i: int) -> int:
    """The reason rank of the decision at position ``i`` of memo entry ``hit``."""
    kind: int = hit[i + 1]
    return _AUTO if kind == K_NEW_CONTACT else kind


def _add_records(
    hit: Raw,
    name: str | None,
    new_contacts: list[NewContact],
    new_companies: list[NewCompany],
) -> None:
    """The records to auto-create for one participant (``links.LinkCollector.add_records``).

    Called once per address of a message; a company is added once per domain.
    """
    auto: int = hit[R_AUTO]
    addr: str = hit[R_ADDRESS]
    if auto == AUTO_CONTACT:
        company: int = hit[R_INFO][_D_COMPANIES][0]
        new_contacts.append(NewContact(addr, clean_name(name), company, None, hit[R_CONTACT_WHY]))
    elif auto == AUTO_COMPANY:
        reg: str = hit[R_INFO][_D_REGISTRABLE]
        for known in new_companies:
            if known.domain == reg:
                break
        else:
            new_companies.append(NewCompany(reg, hit[R_LABEL], hit[R_COMPANY_WHY]))
        new_contacts.append(NewContact(addr, clean_name(name), None, reg, hit[R_CONTACT_WHY]))
