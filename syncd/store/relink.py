"""Retroactive re-linking: after CRM records change, fix every timeline's links.

Communications are walked in id order, a chunk per short transaction. For
each item the stored participants are matched again against the current CRM
index and :func:`matching.plan_links` reconciles the result with the stored
links: automatic links that no longer hold are removed, new ones created,
changed reasons updated. Manual links and manual unlinks always survive.
Relinking never auto-creates records and never drops stored history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from connectors.base import Participant
from matching import CrmIndex, ExistingLink, MatchPolicy, match_participants, plan_links
from syncd.store.models import Communication, Link, ParticipantRow


@dataclass(slots=True)
class RelinkStats:
    items: int = 0
    created: int = 0
    removed: int = 0
    updated: int = 0
    direction_changed: int = 0


def _load(
    session: Session, ids: list[int]
) -> tuple[dict[int, list[Participant]], dict[int, list[ExistingLink]]]:
    parts: dict[int, list[Participant]] = defaultdict(list)
    q = select(
        ParticipantRow.communication_id,
        ParticipantRow.address,
        ParticipantRow.name,
        ParticipantRow.role,
    ).where(ParticipantRow.communication_id.in_(ids))
    for cid, address, name, role in session.execute(q):
        parts[cid].append(Participant(address, name, role))
    links: dict[int, list[ExistingLink]] = defaultdict(list)
    lq = select(
        Link.id,
        Link.communication_id,
        Link.company_id,
        Link.contact_id,
        Link.reason,
        Link.manual,
        Link.unlinked,
    ).where(Link.communication_id.in_(ids))
    for lid, cid, company, contact, reason, manual, unlinked in session.execute(lq):
        links[cid].append(ExistingLink(lid, company, contact, reason, manual, unlinked))
    return parts, links


def relink_chunk(
    session: Session,
    ids: list[int],
    directions: dict[int, str],
    index: CrmIndex,
    policy: MatchPolicy,
    now: datetime,
    stats: RelinkStats,
) -> None:
    """Re-match and reconcile the links of the given communications."""
    parts, links = _load(session, ids)
    creates: list[dict[str, Any]] = []
    removes: list[int] = []
    direction_updates: list[dict[str, Any]] = []
    for cid in ids:
        result = match_participants(parts.get(cid, []), index, policy)
        desired = [
            d
            for d in result.links
            if d.new_company_domain is None and d.new_contact_address is None
        ]
        for op in plan_links(desired, links.get(cid, [])):
            if op.op == "create":
                creates.append(
                    {
                        "communication_id": cid,
                        "company_id": op.company_id,
                        "contact_id": op.contact_id,
                        "reason": op.reason,
                        "explanation": op.explanation,
                        "manual": False,
                        "unlinked": False,
                        "created_at": now,
                    }
                )
            elif op.op == "remove" and op.link_id is not None:
                removes.append(op.link_id)
            elif op.op == "update":
                session.execute(
                    update(Link)
                    .where(Link.id == op.link_id)
                    .values(reason=op.reason, explanation=op.explanation)
                )
                stats.updated += 1
        if parts.get(cid) and result.direction != directions[cid]:
            direction_updates.append({"b_id": cid, "b_direction": result.direction})
    if removes:
        for i in range(0, len(removes), 500):
            session.execute(delete(Link).where(Link.id.in_(removes[i : i + 500])))
    if creates:
        session.execute(insert(Link), creates)
    if direction_updates:
        from sqlalchemy import bindparam

        session.execute(
            update(Communication.__table__)
            .where(Communication.__table__.c.id == bindparam("b_id"))
            .values(direction=bindparam("b_direction")),
            direction_updates,
        )
    stats.items += len(ids)
    stats.created += len(creates)
    stats.removed += len(removes)
    stats.direction_changed += len(direction_updates)


def relink_all(
    sessions: sessionmaker[Session],
    index: CrmIndex,
    policy: MatchPolicy,
    now: datetime,
    *,
    chunk: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> RelinkStats:
    """Re-link every email and meeting; notes and calls keep their manual links."""
    stats = RelinkStats()
    with sessions() as s:
        from sqlalchemy import func

        total = (
            s.scalar(
                select(func.count())
                .select_from(Communication)
                .where(Communication.kind.in_(("email", "meeting")))
            )
            or 0
        )
    last = 0
    while True:
        with sessions.begin() as s:
            rows = s.execute(
                select(Communication.id, Communication.direction)
                .where(Communication.id > last, Communication.kind.in_(("email", "meeting")))
                .order_by(Communication.id)
                .limit(chunk)
            ).all()
            if not rows:
                break
            ids = [r[0] for r in rows]
            relink_chunk(s, ids, {r[0]: r[1] for r in rows}, index, policy, now, stats)
            last = ids[-1]
        if progress:
            progress(stats.items, total)
    return stats
