"""Retroactive re-linking: after CRM records change, fix every timeline's links.

Communications are walked in id order (keyset pagination), a chunk per short
transaction. For each item the stored participants are matched again against
the current CRM index and :func:`matching.plan_links` reconciles the result
with the stored links: automatic links that no longer hold are removed, new
ones created, changed reasons and explanations updated. Manual links and
manual unlinks (tombstones) always survive. Relinking never auto-creates
records (it matches with ``auto_create="off"``) and never drops stored
history.

A million items is mostly reading and matching (about 70 µs an item on one
core), so:

* reads bypass result processing (:func:`syncd.store.crm.driver_rows`): per
  chunk one query for the ids, and one id-range query each for participants
  and links (both tables have a unique index led by ``communication_id``);
* an item whose stored links are exactly the automatic ones it should have
  (the usual case) is not planned at all; writes go out as one statement per
  kind (a chunked ``DELETE ... IN``, ``executemany`` for inserts and updates);
* a large re-link is split into id slices shared with helper processes (one
  per spare core, started with ``forkserver``: safe from the daemon's
  threads). Each helper gets a copy of the index's tables and its own
  database connection; slices are disjoint, so helpers never touch the same
  item.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Table, bindparam, func, null, select, update
from sqlalchemy.orm import Session, sessionmaker

from matching import (
    CrmIndex,
    ExistingLink,
    LinkDecision,
    MatchPolicy,
    match_participants,
    plan_links,
)
from matching.plan import link_up_to_date
from syncd.store.crm import driver_rows
from syncd.store.link_changes import LinkChanges
from syncd.store.models import Communication, Link, ParticipantRow

_COMM: Table = Communication.__table__  # type: ignore[assignment]
_PART: Table = ParticipantRow.__table__  # type: ignore[assignment]
_LINK: Table = Link.__table__  # type: ignore[assignment]
KINDS = ("email", "meeting")  # notes and calls carry only the links a person made
CHUNK = 5000
PARALLEL_MIN = 100_000  # items; below this, starting helpers costs more than it saves
AUTO_WORKERS_MAX = 4  # each helper holds a copy of the index (~300 MB at 1M contacts)
_INDEX_TABLES = (
    "contact_by_address",
    "shared_addresses",
    "company_by_domain",
    "shared_domains",
    "internal_domains",
    "internal_addresses",
)
ProgressFn = Callable[[int, int], None]


class _Participant(NamedTuple):
    """A stored participant as matching reads it (a ``ParticipantLike``), from one row."""

    address: str
    name: str | None
    role: str
    communication_id: int


_participant = tuple.__new__  # (cls, row): a NamedTuple from a row tuple, no Python frame
# a row of _load's query: communication, link id, company, contact, reason, explanation,
# manual, unlinked
StoredLink = tuple[int, int, int | None, int | None, str, str | None, Any, Any]


@dataclass(slots=True)
class RelinkStats:
    items: int = 0
    created: int = 0
    removed: int = 0
    updated: int = 0
    direction_changed: int = 0

    def add(self, other: RelinkStats) -> None:
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def _load(
    session: Session, lo: int, hi: int
) -> tuple[dict[int, list[_Participant]], dict[int, list[StoredLink]]]:
    """Participants and links of the communications with ``lo < id <= hi``."""
    parts: dict[int, list[_Participant]] = {}
    # No name: matching reads it only to name auto-created contacts, which a
    # re-link never creates; without it the unique index covers the query.
    q = (
        select(_PART.c.address, null(), _PART.c.role, _PART.c.communication_id)
        .where(_PART.c.communication_id > lo, _PART.c.communication_id <= hi)
        .order_by(_PART.c.communication_id)
    )
    current = -1
    group: list[_Participant] = []
    for row in driver_rows(session, q):
        if row[3] != current:
            current = row[3]
            group = parts[current] = []
        group.append(_participant(_Participant, row))
    links: dict[int, list[StoredLink]] = {}
    lq = select(
        _LINK.c.communication_id,
        _LINK.c.id,
        _LINK.c.company_id,
        _LINK.c.contact_id,
        _LINK.c.reason,
        _LINK.c.explanation,
        _LINK.c.manual,
        _LINK.c.unlinked,
    ).where(_LINK.c.communication_id > lo, _LINK.c.communication_id <= hi)
    for row in driver_rows(session, lq):
        links.setdefault(row[0], []).append(row)
    return parts, links


def _unchanged(desired: tuple[LinkDecision, ...], stored: list[StoredLink]) -> bool:
    """True when the stored links are exactly the desired ones, all automatic.

    The common case of a re-link; :func:`matching.plan_links` would return no
    operation for it, so it is skipped. Explanations are compared only once
    the pair and reason agree. A link made with an auto-created record
    (``auto_created_*``) stands for any decision on its pair, as in
    ``plan_links``.
    """
    if len(desired) != len(stored):
        return False
    have: dict[tuple[int | None, int | None], StoredLink] = {}
    for row in stored:
        if row[6] or row[7]:  # manual, unlinked
            return False
        have[row[2], row[3]] = row
    if len(have) != len(stored):
        return False
    for d in desired:
        # pop: a pair desired twice cannot stand for two stored links
        link = have.pop((d.company_id, d.contact_id), None)
        if link is None:
            return False
        if not link_up_to_date(link[4], link[5], d):
            return False
    return True


def _existing(stored: list[StoredLink]) -> list[ExistingLink]:
    return [
        ExistingLink(lid, company, contact, reason, bool(manual), bool(unlinked), explanation)
        for _, lid, company, contact, reason, explanation, manual, unlinked in stored
    ]


def relink_chunk(
    session: Session,
    rows: list[tuple[int, str]],
    lo: int,
    index: CrmIndex,
    policy: MatchPolicy,
    now: datetime,
    stats: RelinkStats,
) -> None:
    """Re-match and reconcile the links of ``rows`` (id, direction), ids ascending after ``lo``.

    ``policy`` must have ``auto_create="off"`` (see :func:`relink_all`).
    """
    parts, links = _load(session, lo, rows[-1][0])
    changes = LinkChanges()
    directions: list[dict[str, Any]] = []
    no_parts: list[_Participant] = []
    for cid, direction in rows:
        item_parts = parts.get(cid, no_parts)
        stored = links.get(cid)
        result = match_participants(item_parts, index, policy)
        if item_parts and result.direction != direction:
            directions.append({"b_id": cid, "b_direction": result.direction})
        if stored is None:
            if not result.links:
                continue
            stored = []
        elif _unchanged(result.links, stored):
            continue
        changes.add(cid, plan_links(result.links, _existing(stored)), now)
    changes.write(session)
    if directions:
        session.execute(
            update(_COMM)
            .where(_COMM.c.id == bindparam("b_id"))
            .values(direction=bindparam("b_direction")),
            directions,
        )
    stats.items += len(rows)
    stats.created += len(changes.creates)
    stats.removed += len(changes.removes)
    stats.updated += len(changes.updates)
    stats.direction_changed += len(directions)


def relink_range(
    sessions: sessionmaker[Session],
    index: CrmIndex,
    policy: MatchPolicy,
    now: datetime,
    lo: int,
    hi: int | None = None,
    *,
    chunk: int = CHUNK,
    on_chunk: Callable[[int], None] | None = None,
) -> RelinkStats:
    """Re-link the emails and meetings with ``lo < id <= hi``, a transaction per chunk.

    ``on_chunk`` is called with the number of items after each chunk commits.
    """
    stats = RelinkStats()
    last = lo
    while True:
        with sessions.begin() as s:
            q = select(_COMM.c.id, _COMM.c.direction).where(
                _COMM.c.id > last, _COMM.c.kind.in_(KINDS)
            )
            if hi is not None:
                q = q.where(_COMM.c.id <= hi)
            rows = list(driver_rows(s, q.order_by(_COMM.c.id).limit(chunk)))
            if not rows:
                return stats
            relink_chunk(s, rows, last, index, policy, now, stats)
            last = rows[-1][0]
        if on_chunk is not None:
            on_chunk(len(rows))


def relink_all(
    sessions: sessionmaker[Session],
    index: CrmIndex,
    policy: MatchPolicy,
    now: datetime,
    *,
    chunk: int = CHUNK,
    progress: ProgressFn | None = None,
    workers: int | None = None,
) -> RelinkStats:
    """Re-link every email and meeting; notes and calls keep their manual links.

    Each chunk is its own transaction, so a sync running at the same time
    waits at most one chunk, and an interrupted re-link leaves every item
    either re-linked or as it was (the next run finishes the job).
    ``workers``: processes in all, this one included; by default one per
    core (at most ``AUTO_WORKERS_MAX``) for ``PARALLEL_MIN`` items or more,
    else 1.
    """
    if policy.auto_create != "off":
        policy = dataclasses.replace(policy, auto_create="off")
    with sessions() as s:
        total, first, last = s.execute(
            select(func.count(), func.min(_COMM.c.id), func.max(_COMM.c.id)).where(
                _COMM.c.kind.in_(KINDS)
            )
        ).one()
    from syncd.store.relink_parallel import relink_parallel, shareable_url

    url = shareable_url(sessions.kw.get("bind"))
    if workers is None:
        workers = min(os.cpu_count() or 1, AUTO_WORKERS_MAX) if total >= PARALLEL_MIN else 1
    if not total or workers <= 1 or url is None:
        done = 0

        def on_chunk(items: int) -> None:
            nonlocal done
            done += items
            if progress:
                progress(done, total)

        return relink_range(sessions, index, policy, now, 0, chunk=chunk, on_chunk=on_chunk)
    return relink_parallel(
        sessions, url, index, policy, now, (first - 1, last, total), workers, chunk, progress
    )
