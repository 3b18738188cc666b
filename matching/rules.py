"""Noise rules (robots, blocklist, bulk headers) and the per-domain facts matching needs.

A :class:`Rules` object is one policy compiled against one :class:`CrmIndex`:
sets instead of lists, one combined pattern for fnmatch blocklist entries, and
a bounded memo of :class:`DomainInfo` so a domain is classified once (Public
Suffix List, free-mail, disposable, internal, company walk) however many
addresses share it. Bulk-mail detection follows RFC 2076 (Precedence),
RFC 2919 (List-Id) and RFC 3834 (Auto-Submitted).
"""

from __future__ import annotations

import contextlib
import fnmatch
import re
import unicodedata
from itertools import islice
from typing import TYPE_CHECKING, Any, NamedTuple

from matching.addresses import (
    has_known_suffix,
    normalise_address,
    normalise_domain,
    registrable_or_none,
)
from matching.freemail import disposable_contains, freemail_set

if TYPE_CHECKING:
    from collections.abc import Callable

    from matching.index import CrmIndex
    from matching.policy import MatchPolicy

# Local parts of automated senders. Role accounts people answer (info@,
# office@, sales@, obchod@, biuro@) are deliberately absent.
ROBOT_LOCAL_PARTS = frozenset(
    {
        "noreply", "no-reply", "no_reply", "no.reply", "donotreply", "do-not-reply",
        "do_not_reply", "do.not.reply", "mailer-daemon", "mailerdaemon", "postmaster",
        "bounce", "bounces", "notification", "notifications", "notify", "notifier",
        "alert", "alerts", "daemon", "autoreply", "auto-reply", "auto-confirm",
        "automailer", "newsletter", "neodpovedat", "neodpovidat", "neodpovedajte",
        "nieodpowiadac", "nie-odpowiadac", "ne-otvechat", "neotvechat",
    }
)  # fmt: skip
ROBOT_PREFIXES = (
    "noreply", "no-reply", "no_reply", "no.reply", "donotreply", "do-not-reply",
    "do_not_reply", "do.not.reply", "mailer-daemon", "postmaster", "bounce",
    "notification", "neodpovedat", "neodpovidat", "nieodpowiadac", "nie-odpowiadac",
)  # fmt: skip

_BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})
_DOMAIN_CACHE_SIZE = 1 << 18  # every domain of a 200,000-company CRM
ADDRESS_CACHE_SIZE = 1 << 16


def is_robot(local: str) -> bool:
    """True for the local part of an automated sender (noreply, mailer-daemon, bounces...)."""
    return local in ROBOT_LOCAL_PARTS or local.startswith(ROBOT_PREFIXES)


def bulk_reason(
    list_id: str | None,
    precedence: str | None,
    auto_submitted: str | None,
    internal_domains: frozenset[str] = frozenset(),
) -> str | None:
    """Why a message is bulk or automated, or None.

    A List-Id under an internal domain (``<obchod.ourco.sk>``: the
    organisation's own Google Group used as a shared inbox) is not bulk:
    customers write to such groups.
    """
    if list_id and list_id.strip():
        token = list_id.rpartition("<")[2].partition(">")[0].strip().lower() or list_id.strip()
        if not _any_parent_in(token, internal_domains, None):
            return "bulk mail (List-Id)"
    if precedence:
        value = precedence.strip().lower()
        if value in _BULK_PRECEDENCE:
            return f"bulk mail (Precedence: {value})"
    if auto_submitted:
        value = auto_submitted.partition(";")[0].strip().lower()
        if value and value != "no":
            return f"automated mail (Auto-Submitted: {value})"
    return None


class DomainInfo(NamedTuple):
    """Everything matching needs to know about one normalised domain.

    This is the readable view (:meth:`Rules.domain_info`). The memo holds the
    same fields as a plain tuple (:meth:`Rules.domain_facts`, read with the
    ``D_*`` positions): CPython's collector untracks only exact tuples of
    atomic values, and a memo of 200,000 tracked tuples made every full
    collection several times slower.
    """

    domain: str
    registrable: str | None
    internal: bool
    freemail: bool
    disposable: bool
    blocked: bool
    companies: tuple[int, ...]  # company ids owning the most specific registered domain
    company_domain: str | None  # that registered domain
    creatable: bool  # a company may be auto-created for ``registrable``


D_DOMAIN, D_REGISTRABLE, D_INTERNAL, D_FREEMAIL, D_DISPOSABLE, D_BLOCKED = range(6)
D_COMPANIES, D_COMPANY_DOMAIN, D_CREATABLE = range(6, 9)
Facts = tuple[Any, ...]  # a DomainInfo as a plain tuple


class Rules:
    """One policy compiled against one index (see module docstring)."""

    __slots__ = (
        "policy", "index", "freemail", "blocked_addresses", "blocked_domains",
        "block_pattern", "domain_cache", "address_cache", "strip_plus_tags", "provider_rules",
        "drop_robots", "auto_contacts", "auto_companies", "blocks", "text_cache", "hot",
    )  # fmt: skip

    def __init__(self, index: CrmIndex, policy: MatchPolicy) -> None:
        self.policy = policy
        self.index = index
        self.freemail = freemail_set(policy.freemail_add, policy.freemail_remove)
        addresses: set[str] = set()
        domains: set[str] = set()
        patterns: list[str] = []
        for entry in policy.blocklist:
            e = entry.strip().lower()
            if not e:
                continue
            if any(c in e for c in "*?["):
                patterns.append(fnmatch.translate(_pattern_text(e)))
            elif "@" in e.lstrip("@"):
                a = normalise_address(e, policy)
                if a is not None:
                    addresses.add(a)
            else:
                d = normalise_domain(e)
                if d is not None:
                    domains.add(d)
        self.blocks = bool(addresses or domains or patterns)
        self.blocked_addresses = frozenset(addresses)
        self.blocked_domains = frozenset(domains)
        self.block_pattern: Callable[[str], object] | None = (
            re.compile("|".join(f"(?:{p})" for p in patterns)).match if patterns else None
        )
        self.strip_plus_tags, self.provider_rules = policy.normalisation_key
        self.drop_robots = policy.drop_robots
        self.auto_contacts = policy.auto_create != "off"
        self.auto_companies = policy.auto_create == "contacts_and_companies"
        self.domain_cache: dict[str, Facts] = {}  # keys: normalised domains only
        self.address_cache: dict[str, Any] = {}  # raw address -> links.Resolved, as a tuple
        # a new company's name and reason, per registrable domain (links._new_company_texts)
        self.text_cache: dict[str, Any] = {}
        self.hot: Any = None  # these tables as typed attributes (matching.participants)

    def domain_info(self, domain: str) -> DomainInfo:
        """Facts about a normalised domain (the readable view)."""
        return DomainInfo._make(self.domain_facts(domain))

    def domain_facts(self, domain: str) -> Facts:
        """Facts about a normalised domain as a plain tuple (``D_*`` positions), memoised."""
        info = self.domain_cache.get(domain)
        if info is None:
            cache = self.domain_cache
            if len(cache) >= _DOMAIN_CACHE_SIZE:
                evict_oldest(cache)
            info = cache[domain] = self._domain_facts(domain)
        return info

    def is_blocked(self, address: str, info: Facts) -> bool:
        """Blocklist verdict for a normalised address (``info``: its domain's facts)."""
        if info[D_BLOCKED] or address in self.blocked_addresses:
            return True
        return self.block_pattern is not None and self.block_pattern(address) is not None

    def _domain_facts(self, domain: str) -> Facts:
        index = self.index
        reg = registrable_or_none(domain)
        internal = _any_parent_in(domain, index.internal_domains, None)
        freemail = self.freemail.contains(domain, reg)
        disposable = disposable_contains(domain, reg)
        blocked = _any_parent_in(domain, self.blocked_domains, None)
        companies: tuple[int, ...] = ()
        company_domain = None
        table = index.company_by_domain
        d = domain
        while True:  # most specific registered domain wins, never above the registrable one
            hit = table.get(d)
            if hit is not None:
                companies = index.shared_domains.get(d, (hit,))
                company_domain = d
                break
            if reg is None or d == reg:
                break
            dot = d.find(".")
            if dot < 0 or len(d) - dot - 1 < len(reg):
                break
            d = d[dot + 1 :]
        creatable = (
            self.auto_companies
            and not companies
            and reg is not None
            and not (internal or freemail or disposable or blocked)
            and has_known_suffix(reg)
        )
        return (
            domain, reg, internal, freemail, disposable, blocked, companies, company_domain,
            creatable,
        )  # fmt: skip


def _pattern_text(entry: str) -> str:
    """A blocklist pattern in the form addresses are normalised to (NFC, Unicode IDN labels).

    ``*@xn--bcher-kva.de`` becomes ``*@bücher.de``: patterns match normalised
    addresses, whose domains are in Unicode form.
    """
    text = unicodedata.normalize("NFC", entry.lower())
    head, at, domain = text.rpartition("@")
    labels = []
    for label in domain.split("."):
        if label.startswith("xn--") and not any(c in label for c in "*?[]"):
            with contextlib.suppress(UnicodeError, ValueError):  # not punycode: as written
                label = unicodedata.normalize("NFC", label[4:].encode("ascii").decode("punycode"))
        labels.append(label.lower())
    return head + at + ".".join(labels)


def evict_oldest(cache: dict[str, Any]) -> None:
    """Drop the oldest quarter of an insertion-ordered memo (cheap FIFO bound)."""
    for key in list(islice(cache, len(cache) // 4 or 1)):
        cache.pop(key, None)  # pop: another thread may evict the same key


def _any_parent_in(domain: str, table: frozenset[str], stop: str | None) -> bool:
    """Is ``domain`` or any parent domain (down to ``stop``, else the TLD) in ``table``?"""
    if not table:
        return False
    d = domain
    while True:
        if d in table:
            return True
        if d == stop:
            return False
        dot = d.find(".")
        if dot < 0:
            return False
        d = d[dot + 1 :]


def company_name_from_domain(registrable: str) -> str:
    """A readable company name from a registrable domain: ``acme-trade.sk`` -> ``Acme Trade``."""
    label = registrable.partition(".")[0]
    words = [w for w in label.replace("_", "-").split("-") if w]
    return " ".join(w[:1].upper() + w[1:] for w in words) or registrable
