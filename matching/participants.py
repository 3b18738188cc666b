"""Per-participant rules and the per-message scan: matching's hot path, compiled.

Everything :func:`match_participants` does per address lives here, typed so
that mypyc compiles it to C when the package is installed (``setup.py``;
``SYNCD_PURE_PYTHON=1`` skips that and this same source runs as plain
Python). On a cold stream, a first sync of a huge shared mailbox, most of the
cost was the interpreter itself spread over many small steps, so the whole
path is compiled rather than one hot spot (README, "Matching at scale").

What a participant address resolves to depends only on the raw string, the
index and the policy, so it is memoised per raw string. A memo entry is one
flat tuple (read with the ``R_*`` positions; :class:`matching.links.Resolved`
is the readable view): address, domain facts, internal, dropped, auto mode,
the three auto texts, then per decision the target key, its kind (the
reason) and its explanation; :func:`link_fields` spells out the
``LinkDecision`` when a message needs one. Flat on purpose: CPython's
collector untracks a tuple of atomic values only once its inner tuples are
untracked, and every container that outlives its message brings the next
young-generation collection nearer. An entry is one such container (its
domain facts are the domain memo's, long untracked), and short: each
collection visits every item of every young tuple twice. The earlier nested
layouts left most entries tracked into the oldest generation, or paid one
collection per ~200 cold addresses instead of one per ~700.
Entries are typed ``tuple[Any, ...]``: mypyc would re-box a fixed-length
tuple type into a new object on every store.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from matching import index as _index
from matching import rules as _rules
from matching.addresses import normalise_parts
from matching.records import (
    COMPANY_DRAFT,
    CONTACT_DRAFT,
    LinkDecision,
    MatchResult,
    NewCompany,
    NewContact,
    new_company,
    new_contact,
)
from matching.rules import (
    ADDRESS_CACHE_SIZE,
    ROBOT_LOCAL_PARTS,
    ROBOT_PREFIXES,
    bulk_reason,
    company_name_from_domain,
)

if TYPE_CHECKING:
    from matching.index import CrmIndex
    from matching.policy import MatchPolicy
    from matching.records import MessageSignals, ParticipantLike
    from matching.rules import Rules

__all__ = [
    "NO_MATCH",
    "REASON_RANK",
    "clean_name",
    "match_participants",
    "resolve_raw",
]

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

NO_AUTO: Final = 0
AUTO_CONTACT: Final = 1  # a contact at the domain's only company
AUTO_COMPANY: Final = 2  # a company for the registrable domain and a contact there

# memo entry positions (links.Resolved); decisions start at R_DECISIONS, R_STRIDE
# apart: target key, kind (K_*), explanation; link_fields() makes the LinkDecision
R_ADDRESS: Final = 0
R_INFO: Final = 1
R_INTERNAL: Final = 2
R_DROPPED: Final = 3
R_AUTO: Final = 4
R_LABEL: Final = 5  # AUTO_COMPANY: the new company's name
R_COMPANY_WHY: Final = 6  # AUTO_COMPANY: why the company is created
R_CONTACT_WHY: Final = 7  # AUTO_CONTACT, AUTO_COMPANY: why the contact is created
R_DECISIONS: Final = 8
R_STRIDE: Final = 3
# decision kinds: a reason and where its target key goes; K_NEW_CONTACT ranks as _AUTO
K_CONTACT: Final = 0  # key ~contact id
K_CONTACTS_COMPANY: Final = 1  # key company id
K_DOMAIN: Final = 2  # key company id
K_NEW_COMPANY: Final = 3  # key the new company's domain
K_NEW_CONTACT: Final = 4  # key the new contact's address

# matching.rules.DomainInfo positions and matching.index's packing, as C constants
_D_INTERNAL: Final = 2
_D_FREEMAIL: Final = 3
_D_DISPOSABLE: Final = 4
_D_COMPANIES: Final = 6
_D_COMPANY_DOMAIN: Final = 7
_D_CREATABLE: Final = 8
_D_DOMAIN: Final = 0
_D_REGISTRABLE: Final = 1
_CONTACT_BITS: Final = 40
_CONTACT_MASK: Final = (1 << 40) - 1

if (
    (_D_DOMAIN, _D_REGISTRABLE, _D_INTERNAL, _D_FREEMAIL, _D_DISPOSABLE)
    != (_rules.D_DOMAIN, _rules.D_REGISTRABLE, _rules.D_INTERNAL, _rules.D_FREEMAIL,
        _rules.D_DISPOSABLE)
    or (_D_COMPANIES, _D_COMPANY_DOMAIN, _D_CREATABLE)
    != (_rules.D_COMPANIES, _rules.D_COMPANY_DOMAIN, _rules.D_CREATABLE)
    or (_CONTACT_BITS, _CONTACT_MASK) != (_index.CONTACT_BITS, _index.CONTACT_MASK)
):  # fmt: skip
    raise ImportError("matching.participants: positions drifted from matching.rules/index")

_SENDER_RANK: Final = {"from": 0, "organizer": 0, "sender": 1}
_new_tuple: Final = tuple.__new__  # NamedTuple.__new__ without its Python-level frame
# Final: compiled, a C static each, not a module-dict lookup per use
_LINK: Final = LinkDecision
_RESULT: Final = MatchResult
_NEW_CONTACT: Final = NewContact
_NEW_COMPANY: Final = NewCompany
_CONTACT_DRAFT: Final = CONTACT_DRAFT
_COMPANY_DRAFT: Final = COMPANY_DRAFT

Raw = tuple[Any, ...]  # a memo entry (links.Resolved as a flat tuple)


class _Hot:
    """One :class:`~matching.rules.Rules`' tables as typed attributes.

    Compiled, these are C struct reads instead of attribute lookups on
    Python objects. The dicts are the rules' own (they are cleared, never
    replaced), so the memos stay shared with :mod:`matching.links`.
    """

    def __init__(self, rules: Rules) -> None:
        index = rules.index
        self.rules = rules
        self.address_cache: dict[str, Raw] = rules.address_cache
        self.domain_cache: dict[str, tuple[Any, ...]] = rules.domain_cache
        self.text_cache: dict[str, tuple[str, str]] = rules.text_cache
        self.contacts: dict[str, int] = index.contact_by_address
        self.shared_addresses: dict[str, tuple[int, ...]] = index.shared_addresses
        self.internal_addresses: frozenset[str] = index.internal_addresses
        self.internal_domains: frozenset[str] = index.internal_domains
        self.strip_plus: bool = rules.strip_plus_tags
        self.provider_rules: bool = rules.provider_rules
        self.drop_robots: bool = rules.drop_robots
        self.blocks: bool = rules.blocks
        self.auto_contacts: bool = rules.auto_contacts
        self.auto_create: str = rules.policy.auto_create
        self.robot_parts: frozenset[str] = ROBOT_LOCAL_PARTS
        # robot prefixes by first letter: most local parts start with no robot's letter
        self.robot_first: dict[str, tuple[str, ...]] = {
            c: tuple(p for p in ROBOT_PREFIXES if p[0] == c)
            for c in {w[0] for w in (*ROBOT_LOCAL_PARTS, *ROBOT_PREFIXES)}
        }


def _hot(rules: Rules) -> _Hot:
    hot: _Hot | None = rules.hot
    if hot is None:
        hot = rules.hot = _Hot(rules)
    return hot


def resolve_raw(rules: Rules, raw: object) -> Raw | None:
    """Normalise, classify and link one raw participant address, as a memo entry.

    Mail has strong locality (colleagues are on every message, customers
    write back), so most calls are one dict lookup.
    """
    if type(raw) is not str or not isinstance(raw, str):
        return None
    hot = _hot(rules)
    hit = hot.address_cache.get(raw)
    if hit is not None:
        return hit
    return _resolve_cold(hot, raw)


def _resolve_cold(hot: _Hot, raw: str) -> Raw | None:
    parts = normalise_parts(raw, hot.strip_plus, hot.provider_rules)
    if parts is None:
        return None
    addr, domain = parts
    info = hot.domain_cache.get(domain) or hot.rules.domain_facts(domain)
    internal: bool = info[_D_INTERNAL] or addr in hot.internal_addresses
    dropped = False
    if not internal:
        if hot.drop_robots:
            prefixes = hot.robot_first.get(addr[0])
            if prefixes is not None:
                local = addr[: addr.rfind("@")]
                dropped = local in hot.robot_parts or local.startswith(prefixes)
        if not dropped and hot.blocks:
            dropped = hot.rules.is_blocked(addr, info)
    if internal or dropped:
        hit: Raw = (addr, info, internal, dropped, NO_AUTO, None, None, None)
    else:
        hit = _decide(hot, addr, info)
    cache = hot.address_cache
    if len(cache) >= ADDRESS_CACHE_SIZE:
        cache.clear()  # a new generation: cheaper than evicting; hot entries return at once
    cache[raw] = hit
    return hit


def _decide(hot: _Hot, addr: str, info: tuple[Any, ...]) -> Raw:
    """The per-participant rules (see :mod:`matching.engine`) as a memo entry.

    A decision is the target key (a company id, ``~contact id``, or for
    records still to be created the new company's domain or the new
    contact's address, told apart by the ``@``; a plain string, not a pair),
    its kind (``K_*``) and the explanation, all inline. The usual
    cases return one tuple display, the rest (:func:`_decide_list`) grow a list.
    """
    packed = hot.contacts.get(addr)
    if packed is not None:
        if hot.shared_addresses and addr in hot.shared_addresses:
            return _decide_list(hot, addr, info, packed)
        contact = packed & _CONTACT_MASK
        company = (packed >> _CONTACT_BITS) - 1
        number = str(contact)
        why = f"{addr} is contact #{number} (exact address)"
        if company >= 0:
            company_id: object = company
            why2 = f"{addr} is contact #{number} of company #{company}"
            return (addr, info, False, False, NO_AUTO, None, None, None,
                    ~contact, K_CONTACT, why,
                    company_id, K_CONTACTS_COMPANY, why2)  # fmt: skip
        if info[_D_FREEMAIL] or info[_D_DISPOSABLE] or not info[_D_COMPANIES]:
            return (addr, info, False, False, NO_AUTO, None, None, None,
                    ~contact, K_CONTACT, why)  # fmt: skip
        return _decide_list(hot, addr, info, packed)
    if info[_D_FREEMAIL] or info[_D_DISPOSABLE]:
        return (addr, info, False, False, NO_AUTO, None, None, None)
    companies: tuple[int, ...] = info[_D_COMPANIES]
    if len(companies) == 1:
        cd: str = info[_D_COMPANY_DOMAIN]
        domain: str = info[_D_DOMAIN]
        company = companies[0]
        by_domain: object = company  # boxed once
        number = str(company)
        if cd == domain:
            why = f"{cd} is a registered domain of company #{number}"
        else:
            why = f"{domain} is under {cd}, a registered domain of company #{number}"
        if not hot.auto_contacts:
            return (addr, info, False, False, NO_AUTO, None, None, None,
                    by_domain, K_DOMAIN, why)  # fmt: skip
        contact_why = (
            f"{addr} is not a contact and {cd} is a domain of company "
            f"#{number}, so a contact is created (auto_create={hot.auto_create})"
        )
        return (addr, info, False, False, AUTO_CONTACT, None, None, contact_why,
                by_domain, K_DOMAIN, why, addr, K_NEW_CONTACT, contact_why)  # fmt: skip
    if companies:
        return _decide_list(hot, addr, info, None)
    if info[_D_CREATABLE]:
        reg: str = info[_D_REGISTRABLE]
        label, company_why = _new_company_texts(hot, reg)
        contact_why = (
            f"{addr} is not a contact, so a contact is created at the new company "
            f'"{label}" for {reg} (auto_create={hot.auto_create})'
        )
        return (addr, info, False, False, AUTO_COMPANY, label, company_why, contact_why,
                reg, K_NEW_COMPANY, company_why,
                addr, K_NEW_CONTACT, contact_why)  # fmt: skip
    return (addr, info, False, False, NO_AUTO, None, None, None)


def _decide_list(hot: _Hot, addr: str, info: tuple[Any, ...], packed: int | None) -> Raw:
    """:func:`_decide` for an address shared by contacts, or several links by domain."""
    out: list[Any] = [addr, info, False, False, NO_AUTO, None, None, None]
    if packed is not None:
        shared = hot.shared_addresses.get(addr) if hot.shared_addresses else None
        has_company = False
        for value in (packed,) if shared is None else shared:
            contact = value & _CONTACT_MASK
            company = (value >> _CONTACT_BITS) - 1
            why = f"{addr} is contact #{contact} (exact address)"
            out += (~contact, K_CONTACT, why)  # fmt: skip
            if company >= 0:
                has_company = True
                why = f"{addr} is contact #{contact} of company #{company}"
                out += (company, K_CONTACTS_COMPANY, why)  # fmt: skip
        if has_company:
            return tuple(out)
    if info[_D_FREEMAIL] or info[_D_DISPOSABLE]:
        return tuple(out)
    companies: tuple[int, ...] = info[_D_COMPANIES]
    if companies:
        cd: str = info[_D_COMPANY_DOMAIN]
        domain: str = info[_D_DOMAIN]
        where = f"{cd} is" if cd == domain else f"{domain} is under {cd},"
        note = (
            f" (also registered on {len(companies) - 1} other companies)"
            if len(companies) > 1
            else ""
        )
        for company in companies:
            why = f"{where} a registered domain of company #{company}{note}"
            out += (company, K_DOMAIN, why)
        # never guess which of several companies a new contact belongs to
        if packed is None and hot.auto_contacts and len(companies) == 1:
            why = (
                f"{addr} is not a contact and {cd} is a domain of company "
                f"#{companies[0]}, so a contact is created (auto_create={hot.auto_create})"
            )
            out += (addr, K_NEW_CONTACT, why)
            out[R_AUTO] = AUTO_CONTACT
            out[R_CONTACT_WHY] = why
        return tuple(out)
    return tuple(out)  # with companies, no record is created (_decide)


def _new_company_texts(hot: _Hot, reg: str) -> tuple[str, str]:
    """The name and reason of a company auto-created for ``reg``; per domain."""
    texts = hot.text_cache.get(reg)
    if texts is None:
        label = company_name_from_domain(reg)
        texts = (
            label,
            f"{reg} is no CRM company's domain and not free-mail, disposable or internal, "
            f'so company "{label}" is created (auto_create={hot.auto_create})',
        )
        if len(hot.text_cache) >= ADDRESS_CACHE_SIZE:
            hot.text_cache.clear()
        hot.text_cache[reg] = texts
    return texts


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
    hot = _hot(last[1] if last is not None and last[0] is policy else index.rules(policy))
    cache = hot.address_cache
    bulk: str | None = None
    if policy.drop_bulk and signals is not None:
        bulk = bulk_reason(
            signals.list_id, signals.precedence, signals.auto_submitted, hot.internal_domains
        )
    # per target key the link of the strongest reason; a key rarely comes
    # twice, so the rank is looked up again only then
    chosen: dict[object, tuple[Any, ...]] = {}
    # each address is added once (``seen``), so contacts need no dict
    new_contacts: list[NewContact] = []
    new_companies: list[NewCompany] = []

    sender_rank = 9
    sender_internal = False
    valid = internal = external = 0
    seen: set[str] = set()
    for p in participants:
        part: Any = p
        raw = part.address
        if type(raw) is not str or not isinstance(raw, str):
            continue
        hit = cache.get(raw)
        if hit is None:
            hit = _resolve_cold(hot, raw)
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
        addr: str = hit[R_ADDRESS]
        if hit[R_DROPPED] or addr in seen:
            continue
        seen.add(addr)
        external += 1
        if bulk is not None:
            continue
        for i in range(R_DECISIONS, len(hit), R_STRIDE):  # the strongest reason per target wins
            key = hit[i]
            old = chosen.get(key)
            if old is None or rank_at(hit, i) < REASON_RANK[old[2]]:
                chosen[key] = _new_tuple(_LINK, link_fields(hit, i))
        if hit[R_AUTO]:
            _add_records(hit, part.name, new_contacts, new_companies)

    all_internal = valid > 0 and internal == valid
    direction = "internal" if all_internal else "outbound" if sender_internal else "inbound"
    reason = bulk
    if reason is None and all_internal:
        if policy.log_internal_only:
            return _result(((), direction, True, None, (), ()))
        reason = "all participants internal"
    if reason is None and not external:
        reason = "no external participant left"
    if reason is None and not chosen:
        reason = NO_MATCH
    if reason is not None:
        return _result(((), direction, False, reason, (), ()))
    links = tuple(chosen.values())
    return _result(
        (
            links,
            direction,
            True,
            None,
            tuple(new_contacts) if new_contacts else (),
            tuple(new_companies) if new_companies else (),
        )
    )


def link_fields(hit: Raw, i: int) -> tuple[Any, ...]:
    """The ``LinkDecision`` fields of the decision at position ``i`` of memo entry ``hit``."""
    key = hit[i]
    kind: int = hit[i + 1]
    addr = hit[R_ADDRESS]
    why = hit[i + 2]
    fields: tuple[Any, ...]
    if kind == K_CONTACT:
        fields = (None, ~key, "contact_address", addr, why, None, None)
    elif kind == K_CONTACTS_COMPANY:
        fields = (key, None, "contact_company", addr, why, None, None)
    elif kind == K_DOMAIN:
        fields = (key, None, "company_domain", addr, why, None, None)
    elif kind == K_NEW_COMPANY:
        fields = (None, None, "auto_created_company", addr, why, key, None)
    else:
        fields = (None, None, "auto_created_contact", addr, why, None, key)
    return fields


def rank_at(hit: Raw, i: int) -> int:
    """The reason rank of the decision at position ``i`` of memo entry ``hit``."""
    kind: int = hit[i + 1]
    return _AUTO if kind == K_NEW_CONTACT else kind


def _result(fields: tuple[Any, ...]) -> MatchResult:
    result: MatchResult = _new_tuple(_RESULT, fields)
    return result


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
        company = hit[R_INFO][_D_COMPANIES][0]
        new_contacts.append(_new_contact(addr, clean_name(name), company, None, hit[R_CONTACT_WHY]))
    elif auto == AUTO_COMPANY:
        reg: str = hit[R_INFO][_D_REGISTRABLE]
        for known in new_companies:
            if known.domain == reg:
                break
        else:
            new_companies.append(_new_company(reg, hit[R_LABEL], hit[R_COMPANY_WHY]))
        new_contacts.append(_new_contact(addr, clean_name(name), None, reg, hit[R_CONTACT_WHY]))


def _new_contact(
    addr: str, name: str | None, company: int | None, domain: str | None, why: str
) -> NewContact:
    """``NewContact(...)`` without a Python frame (:mod:`matching._fast`)."""
    if _CONTACT_DRAFT is None:  # pragma: no cover - not CPython
        return new_contact(addr, name, company, domain, why)
    obj: Any = _CONTACT_DRAFT()
    obj.address = addr
    obj.name = name
    obj.company_id = company
    obj.company_domain = domain
    obj.reason = why
    obj.__class__ = _NEW_CONTACT
    return obj


def _new_company(reg: str, label: str, why: str) -> NewCompany:
    """``NewCompany(...)`` without a Python frame (:mod:`matching._fast`)."""
    if _COMPANY_DRAFT is None:  # pragma: no cover - not CPython
        return new_company(reg, label, why)
    obj: Any = _COMPANY_DRAFT()
    obj.domain = reg
    obj.name = label
    obj.reason = why
    obj.__class__ = _NEW_COMPANY
    return obj


def clean_name(name: str | None) -> str | None:
    """A display name worth storing: not empty, not just the address again."""
    if not name:
        return None
    name = " ".join(name.split()).strip("'\"")
    if not name or "@" in name:
        return None
    return name
