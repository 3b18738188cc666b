"""Reconcile desired links with stored ones without overriding the user.

Pure: the store passes the links it has for one item and the decisions of a
fresh match, and applies the returned operations in one transaction. Modelled
on Twenty's ``computeTargetReconciliationOperations``:

* manual links are never removed or rewritten;
* a manual unlink (a tombstone row) blocks re-creating that pair, and an
  automatic link that coexists with the tombstone is removed;
* automatic links no longer desired are removed, duplicates collapsed;
* desired links not stored are created; a changed reason or explanation
  is an update (the stored explanation is what ``syncd explain`` says);
* an automatic link made when its record was auto-created (reason
  ``auto_created_*``) is up to date for any decision on the same pair: its
  reason and explanation record why the record exists, so a later match
  (``contact_address`` once the contact is in the CRM) does not rewrite it;
* decisions whose record must still be auto-created (``new_*`` set, id
  None) are skipped: the store creates the record, then plans again.

Identity is the pair (company_id, contact_id). Output order is stable:
removes, then updates, then creates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from matching.links import REASON_RANK

if TYPE_CHECKING:
    from matching.links import LinkDecision

__all__ = ["AUTO_CREATED_PREFIX", "ExistingLink", "LinkOp", "link_up_to_date", "plan_links"]

Pair = tuple[int | None, int | None]
AUTO_CREATED_PREFIX = "auto_created_"  # reasons of links made with an auto-created record


@dataclass(frozen=True, slots=True)
class ExistingLink:
    """A stored link of one item (``unlinked``: a manual "remove" tombstone)."""

    link_id: int
    company_id: int | None
    contact_id: int | None
    reason: str
    manual: bool
    unlinked: bool
    explanation: str | None


@dataclass(frozen=True, slots=True)
class LinkOp:
    """One change for the store to apply."""

    op: Literal["create", "remove", "update"]
    company_id: int | None
    contact_id: int | None
    reason: str
    explanation: str
    link_id: int | None = None


def _resolved(d: LinkDecision) -> bool:
    if d.company_id is None and d.contact_id is None:
        return False
    if d.company_id is None and d.new_company_domain is not None:
        return False
    return not (d.contact_id is None and d.new_contact_address is not None)


def plan_links(desired: Iterable[LinkDecision], existing: Iterable[ExistingLink]) -> list[LinkOp]:
    """The operations that turn ``existing`` into ``desired``, respecting manual work."""
    want: dict[Pair, LinkDecision] = {}
    for d in desired:
        if not _resolved(d):
            continue
        key = (d.company_id, d.contact_id)
        old = want.get(key)
        if old is None or REASON_RANK.get(d.reason, 9) < REASON_RANK.get(old.reason, 9):
            want[key] = d

    removes: list[LinkOp] = []
    live: dict[Pair, ExistingLink] = {}
    tombstones: set[Pair] = set()
    extra: list[ExistingLink] = []
    for e in existing:
        key = (e.company_id, e.contact_id)
        if e.unlinked:
            tombstones.add(key)
            continue
        kept = live.get(key)
        if kept is None:
            live[key] = e
        elif e.manual and not kept.manual:  # keep the manual row of a duplicate pair
            live[key] = e
            extra.append(kept)
        else:
            extra.append(e)
    for e in extra:
        if not e.manual:
            removes.append(_remove(e, "duplicate of another link to the same record"))

    updates: list[LinkOp] = []
    creates: list[LinkOp] = []
    for key, e in live.items():
        if e.manual:
            continue
        if key in tombstones:
            removes.append(_remove(e, "the user unlinked this record from the item"))
        elif key not in want:
            removes.append(_remove(e, f"the automatic match ({e.reason}) no longer holds"))
    for key, d in want.items():
        row = live.get(key)
        if row is None:
            if key not in tombstones:
                creates.append(
                    LinkOp("create", d.company_id, d.contact_id, d.reason, d.explanation)
                )
        elif (
            not row.manual
            and key not in tombstones
            and not link_up_to_date(row.reason, row.explanation, d)
        ):
            updates.append(
                LinkOp("update", d.company_id, d.contact_id, d.reason, d.explanation, row.link_id)
            )
    return removes + updates + creates


def link_up_to_date(reason: str, explanation: str | None, d: LinkDecision) -> bool:
    """A stored automatic link (its reason and explanation) needs no update for ``d``.

    ``d`` targets the same pair. The rule of :func:`plan_links`, shared with
    the store's re-link fast path.
    """
    if reason == d.reason and explanation == d.explanation:
        return True
    return reason.startswith(AUTO_CREATED_PREFIX)


def _remove(e: ExistingLink, why: str) -> LinkOp:
    return LinkOp("remove", e.company_id, e.contact_id, e.reason, why, e.link_id)
