"""``syncd explain``: why an address would (not) link, in one verdict per address.

The verdict runs the same per-participant rules as the engine
(:class:`matching.links.LinkCollector`), so the explanation cannot drift
from what matching actually does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from matching.addresses import parse_address_header
from matching.links import LinkCollector, resolve_raw, view
from matching.participants import match_participants
from matching.rules import is_robot

if TYPE_CHECKING:
    from matching.index import CrmIndex
    from matching.policy import MatchPolicy
    from matching.records import MatchResult

__all__ = ["AddressVerdict", "explain_address", "explain_header", "explain_message"]


@dataclass(frozen=True, slots=True)
class AddressVerdict:
    """Everything matching concluded about one address."""

    input: str
    address: str | None  # the addr-spec read from the input
    normalised: str | None
    domain: str | None
    registrable_domain: str | None
    freemail: bool
    disposable: bool
    internal: bool
    robot: bool
    blocked: bool
    contact_id: int | None
    company_id: int | None
    reason: str | None  # the strongest link reason, None if nothing links
    explanation: str


def explain_address(text: str, index: CrmIndex, policy: MatchPolicy) -> AddressVerdict:
    """Explain one address, given bare (``jana@acme.sk``) or with a name (``Jana <...>``)."""
    pairs = parse_address_header(text)
    name, spec = pairs[0] if pairs else (None, None)
    return _verdict(text, spec, name, index, policy)


def explain_header(header: str, index: CrmIndex, policy: MatchPolicy) -> list[AddressVerdict]:
    """Explain every address of a raw To/From/Cc header (RFC 2047 names, groups...)."""
    return [
        _verdict(header, spec, name, index, policy) for name, spec in parse_address_header(header)
    ]


@dataclass(frozen=True, slots=True)
class _Participant:
    address: str
    name: str | None
    role: str


def explain_message(header: str, index: CrmIndex, policy: MatchPolicy) -> MatchResult:
    """How a message with the header's addresses would be logged, the first one its sender.

    The engine's own answer (:func:`matching.match_participants`): whether
    the message is logged at all (and if not, why), its direction, its links
    and the records it would create.
    """
    people = [
        _Participant(spec, name, "from" if i == 0 else "to")
        for i, (name, spec) in enumerate(parse_address_header(header))
    ]
    return match_participants(people, index, policy)


def _verdict(
    text: str, spec: str | None, name: str | None, index: CrmIndex, policy: MatchPolicy
) -> AddressVerdict:
    rules = index.rules(policy)
    raw = resolve_raw(rules, spec) if spec else None
    if raw is None:
        return AddressVerdict(
            text, spec, None, None, None, False, False, False, False, False, None, None, None,
            f"{spec or text!r} is not an e-mail address syncd can match",
        )  # fmt: skip
    resolved = view(raw)
    addr, info, internal = resolved.address, resolved.info, resolved.internal
    local, _, domain = addr.rpartition("@")
    robot = is_robot(local)
    blocked = rules.is_blocked(addr, info)  # a DomainInfo reads as its facts

    def verdict(
        explanation: str,
        contact: int | None = None,
        company: int | None = None,
        reason: str | None = None,
    ) -> AddressVerdict:
        return AddressVerdict(
            text, spec, addr, domain, info.registrable, info.freemail, info.disposable,
            internal, robot, blocked, contact, company, reason, explanation,
        )  # fmt: skip

    if internal:
        why = (
            "is an internal address"
            if addr in index.internal_addresses
            else (f"is at an internal domain ({domain} or a parent)")
        )
        return verdict(f"{addr} {why}: a CRM user, never linked or created")
    if robot and policy.drop_robots:
        return verdict(f"{addr} is an automated sender ({local}): ignored (drop_robots)")
    if blocked:
        return verdict(f"{addr} is on the blocklist: ignored")

    links = LinkCollector()
    links.add(raw, name)
    decisions = list(links.links())
    if not decisions:
        if info.freemail or info.disposable:
            kind = "free-mail" if info.freemail else "a disposable mailbox"
            why = (
                f"{addr} is {kind} ({info.registrable or domain}) and no contact has this exact "
                "address: not linked (free-mail never matches or creates a company)"
            )
            if info.companies:
                owners = ", ".join(f"#{c}" for c in info.companies)
                why += (
                    f"; {info.company_domain} is registered on company {owners}, which is "
                    "ignored: remove it from the company or use MatchPolicy.freemail_remove"
                )
        else:
            why = f"no contact has {addr} and no company owns {domain} or a parent: not linked"
            if policy.auto_create == "off":
                why += " (auto_create is off)"
        return verdict(why)
    contact = next((d.contact_id for d in decisions if d.contact_id is not None), None)
    company = next((d.company_id for d in decisions if d.company_id is not None), None)
    prefix = f"{info.registrable or domain} is free-mail; " if info.freemail else ""
    return verdict(
        prefix + "; ".join(d.explanation for d in decisions),
        contact,
        company,
        decisions[0].reason,
    )
