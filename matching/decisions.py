"""Per-address resolution: what one participant address links to, memoised (compiled).

Part of matching's hot path with :mod:`matching.participants` (the
per-message scan) and :mod:`matching.addresses`; all three are typed so that
mypyc compiles them to C when the package is installed (``setup.py``;
``SYNCD_PURE_PYTHON=1`` skips that and this same source runs as plain
Python). On a cold stream, a first sync of a huge shared mailbox, most of the
cost was the interpreter itself spread over many small steps, so the whole
path is compiled rather than one hot spot (README, "Matching at scale").

What a participant address resolves to depends only on the raw string, the
index and the policy, so it is memoised per raw string. A memo entry is one
flat tuple (read with the ``R_*`` positions; :class:`matching.links.Resolved`
is the readable view): address, domain facts, internal, dropped, auto mode,
the three auto texts, then per decision the target key, its kind (the
reason) and its explanation; :func:`matching.participants.make_link` builds
the ``LinkDecision`` when a message needs one. Flat on purpose: CPython's
collector untracks a tuple of atomic values only once its inner tuples are
untracked, and every container that outlives its message costs the next
young-generation collection.

The memo admits an address on its second sighting (a doorkeeper bitmap of
raw-string hashes, cleared every :data:`ADMIT_WINDOW` first sightings): a
mailbox's correspondents come back and are remembered, while the one-off
addresses that fill a first sync of a huge mailbox are worked out, used and
freed at once instead of churning the memo and the garbage collector.
Entries are typed ``tuple[Any, ...]``: mypyc would re-box a fixed-length
tuple type into a new object on every store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from matching import index as _index
from matching import rules as _rules
from matching.addresses import GMAIL_DOMAINS, normalise_parts, simple_local_end
from matching.rules import (
    ADDRESS_CACHE_SIZE,
    ROBOT_LOCAL_PARTS,
    ROBOT_PREFIXES,
    company_name_from_domain,
)

if TYPE_CHECKING:
    from matching.rules import Rules

__all__ = ["ADMIT_WINDOW", "Hot", "hot_tables", "resolve_cold", "resolve_raw"]

NO_AUTO: Final = 0
AUTO_CONTACT: Final = 1  # a contact at the domain's only company
AUTO_COMPANY: Final = 2  # a company for the registrable domain and a contact there

# memo entry positions (links.Resolved); decisions start at R_DECISIONS, R_STRIDE
# apart: target key, kind (K_*), explanation; participants.make_link makes the LinkDecision
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
# decision kinds: a reason and where its target key goes; K_NEW_CONTACT ranks as K_NEW_COMPANY
K_CONTACT: Final = 0  # key ~contact id
K_CONTACTS_COMPANY: Final = 1  # key company id
K_DOMAIN: Final = 2  # key company id
K_NEW_COMPANY: Final = 3  # key the new company's domain
K_NEW_CONTACT: Final = 4  # key the new contact's address

# matching.rules.DomainInfo positions and matching.index's packing, as C constants
_D_DOMAIN: Final = 0
_D_REGISTRABLE: Final = 1
_D_INTERNAL: Final = 2
_D_FREEMAIL: Final = 3
_D_DISPOSABLE: Final = 4
_D_COMPANIES: Final = 6
_D_COMPANY_DOMAIN: Final = 7
_D_CREATABLE: Final = 8
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
    raise ImportError("matching.decisions: positions drifted from matching.rules/index")

ADMIT_WINDOW: Final = 1 << 16  # first sightings remembered before the doorkeeper is cleared
_ADMIT_BITS: Final = 1 << 20  # 128 KiB: at most 1 in 16 one-off addresses is admitted anyway
_ADMIT_MASK: Final = _ADMIT_BITS - 1

Raw = tuple[Any, ...]  # a memo entry (links.Resolved as a flat tuple)


class Hot:
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
        self.any_internal_address: bool = bool(index.internal_addresses)
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
        self.seen_once = bytearray(_ADMIT_BITS >> 3)  # the doorkeeper (module docstring)
        self.first_sightings = 0


def hot_tables(rules: Rules) -> Hot:
    """The typed tables of ``rules`` (made once per rules object)."""
    hot: Hot | None = rules.hot
    if hot is None:
        hot = rules.hot = Hot(rules)
    return hot


def resolve_raw(rules: Rules, raw: object) -> Raw | None:
    """Normalise, classify and link one raw participant address, as a memo entry.

    Mail has strong locality (colleagues are on every message, customers
    write back), so most calls are one dict lookup.
    """
    if type(raw) is not str or not isinstance(raw, str):
        return None
    hot = hot_tables(rules)
    hit = hot.address_cache.get(raw)
    if hit is not None:
        return hit
    return resolve_cold(hot, raw)


def resolve_cold(hot: Hot, raw: str) -> Raw | None:
    """:func:`resolve_raw` for an address not in the memo; admits it on a second sighting."""
    info: tuple[Any, ...] | None = None
    at = simple_local_end(raw)
    if at > 0:
        # an already-canonical address: the domain memo holds only normalised domains
        info = hot.domain_cache.get(raw[at + 1 :])
        if info is not None and hot.provider_rules and info[_D_DOMAIN] in GMAIL_DOMAINS:
            info = None
    if info is not None:
        addr = raw
    else:
        parts = normalise_parts(raw, hot.strip_plus, hot.provider_rules)
        if parts is None:
            return None
        addr, domain = parts
        info = hot.domain_cache.get(domain) or hot.rules.domain_facts(domain)
    internal: bool = info[_D_INTERNAL] or (
        hot.any_internal_address and addr in hot.internal_addresses
    )
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
    _remember(hot, raw, hit)
    return hit


def _remember(hot: Hot, raw: str, hit: Raw) -> None:
    """Put ``hit`` in the memo if ``raw`` was seen before (module docstring)."""
    bit = hash(raw) & _ADMIT_MASK
    seen = hot.seen_once
    mask = 1 << (bit & 7)
    byte: int = seen[bit >> 3]
    if not byte & mask:
        seen[bit >> 3] = byte | mask
        hot.first_sightings += 1
        if hot.first_sightings >= ADMIT_WINDOW:
            hot.seen_once = bytearray(_ADMIT_BITS >> 3)
            hot.first_sightings = 0
        return
    cache = hot.address_cache
    if len(cache) >= ADDRESS_CACHE_SIZE:
        cache.clear()  # a new generation: cheaper than evicting; hot entries return at once
    cache[raw] = hit


def _decide(hot: Hot, addr: str, info: tuple[Any, ...]) -> Raw:
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
        if company >= 0 and info[_D_COMPANIES] and not _only(info[_D_COMPANIES], company):
            # at another company's domain: that company's page collects it too
            return _decide_list(hot, addr, info, packed)
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


def _decide_list(hot: Hot, addr: str, info: tuple[Any, ...], packed: int | None) -> Raw:
    """:func:`_decide` for an address shared by contacts, or several links by domain."""
    out: list[Any] = [addr, info, False, False, NO_AUTO, None, None, None]
    linked: list[int] = []  # companies linked through their contacts
    if packed is not None:
        shared = hot.shared_addresses.get(addr) if hot.shared_addresses else None
        for value in (packed,) if shared is None else shared:
            contact = value & _CONTACT_MASK
            company = (value >> _CONTACT_BITS) - 1
            why = f"{addr} is contact #{contact} (exact address)"
            out += (~contact, K_CONTACT, why)  # fmt: skip
            if company >= 0:
                linked.append(company)
                why = f"{addr} is contact #{contact} of company #{company}"
                out += (company, K_CONTACTS_COMPANY, why)  # fmt: skip
    if info[_D_FREEMAIL] or info[_D_DISPOSABLE]:
        return tuple(out)
    companies: tuple[int, ...] = info[_D_COMPANIES]
    if linked and all(c in linked for c in companies):
        return tuple(out)
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
            if company not in linked:
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


def _only(companies: tuple[int, ...], company: int) -> bool:
    """Is ``company`` the one and only owner of the domain (``companies``)?"""
    return len(companies) == 1 and companies[0] == company


def _new_company_texts(hot: Hot, reg: str) -> tuple[str, str]:
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
