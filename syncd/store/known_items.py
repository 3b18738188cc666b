"""Items a batch meets again: meeting updates, visibility upgrades, re-links.

A batch meets stored items when a calendar re-sends a changed event (often
every occurrence of a series), when a file is re-expanded, and when the same
message lives in two mailboxes. Each case is done per batch, not per item:
one query loads what is stored for all of them, Python compares, and only
what differs is written, a statement per kind of change (``executemany`` for
updates and inserts, ``DELETE ... IN`` for removals). An occurrence re-sent
unchanged costs no write at all, yet counts as updated, as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from matching import ExistingLink, LinkDecision, plan_links
from syncd.store.bulk import insert_rows
from syncd.store.link_changes import LinkChanges
from syncd.store.models import Communication, Link, ParticipantRow
from syncd.store.scope_writes import chunks

VISIBILITY_RANK = {"metadata": 0, "subject": 1, "full": 2}
MEETING_FIELDS = (
    "subject",
    "body",
    "visibility",
    "occurred_at",
    "ends_at",
    "all_day",
    "tzid",
    "location",
    "status",
    "sequence",
)
_HIDDEN_BY_VISIBILITY = ("subject", "body", "location", "visibility")
_COMM = cast(Table, Communication.__table__)
_PARTICIPANTS = cast(Table, ParticipantRow.__table__)
_LINKS = cast(Table, Link.__table__)


@dataclass(frozen=True, slots=True)
class Revisit:
    """A stored meeting met again: its id, the new row, participants and links."""

    cid: int
    row: dict[str, Any]
    participants: list[dict[str, Any]]
    links: list[LinkDecision]


def existing(session: Session, keys: Sequence[str]) -> dict[str, tuple[int, str]]:
    """Dedupe key → (id, visibility) of the stored communications among ``keys``."""
    found: dict[str, tuple[int, str]] = {}
    for chunk in chunks(keys):
        q = select(_COMM.c.dedupe_key, _COMM.c.id, _COMM.c.visibility).where(
            _COMM.c.dedupe_key.in_(chunk)
        )
        found.update({k: (i, v) for k, i, v in session.execute(q)})
    return found


def upgrade_visibility(
    session: Session, rows: list[dict[str, Any]], stored: dict[str, tuple[int, str]]
) -> None:
    """A copy seen through a connector allowed to show more fills the gaps."""
    by_target: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        cid, have = stored[row["dedupe_key"]]
        if VISIBILITY_RANK[have] < VISIBILITY_RANK[row["visibility"]]:
            values = {"b_id": cid, "b_subject": row["subject"], "b_body": row["body"]}
            by_target.setdefault(row["visibility"], []).append(values)
    for target, params in by_target.items():
        lower = [v for v, r in VISIBILITY_RANK.items() if r < VISIBILITY_RANK[target]]
        session.execute(
            update(_COMM)
            .where(_COMM.c.id == bindparam("b_id"), _COMM.c.visibility.in_(lower))
            .values(subject=bindparam("b_subject"), body=bindparam("b_body"), visibility=target),
            sorted(params, key=_by_id),  # one lock order for all daemons
        )


def update_meetings(session: Session, revisits: list[Revisit], now: datetime) -> int:
    """Apply newer copies of stored meetings; returns how many were not stale."""
    if not revisits:
        return 0
    ids = [r.cid for r in revisits]
    stored: dict[int, dict[str, Any]] = {}
    cols = [_COMM.c.id, *(_COMM.c[f] for f in MEETING_FIELDS)]
    for chunk in chunks(ids):
        for row in session.execute(select(*cols).where(_COMM.c.id.in_(chunk))):
            stored[row[0]] = dict(zip(MEETING_FIELDS, row[1:], strict=True))
    current = [r for r in revisits if r.row["sequence"] >= stored[r.cid]["sequence"]]
    changed = []
    for r in current:  # an older copy (an attendee's stale calendar) was dropped above
        have = stored[r.cid]
        values = {f: r.row[f] for f in MEETING_FIELDS}
        if VISIBILITY_RANK[r.row["visibility"]] < VISIBILITY_RANK[have["visibility"]]:
            values.update({f: have[f] for f in _HIDDEN_BY_VISIBILITY})
        if values != have:
            changed.append({"b_id": r.cid, "updated_at": now, **values})
    if changed:
        session.execute(
            update(_COMM)
            .where(_COMM.c.id == bindparam("b_id"))
            .values({f: bindparam(f) for f in (*MEETING_FIELDS, "updated_at")}),
            sorted(changed, key=_by_id),
        )
    _replace_participants(session, current)
    _reconcile_links(session, current, now)
    return len(current)


def _replace_participants(session: Session, revisits: list[Revisit]) -> None:
    stored: dict[int, set[tuple[Any, ...]]] = {}
    cols = ("role", "address", "name", "response")
    for chunk in chunks([r.cid for r in revisits]):
        q = select(_PARTICIPANTS.c.communication_id, *(_PARTICIPANTS.c[c] for c in cols)).where(
            _PARTICIPANTS.c.communication_id.in_(chunk)
        )
        for cid, *values in session.execute(q):
            stored.setdefault(cid, set()).add(tuple(values))
    stale = [
        r
        for r in revisits
        if stored.get(r.cid, set()) != {tuple(p[c] for c in cols) for p in r.participants}
    ]
    for chunk in chunks([r.cid for r in stale]):
        session.execute(delete(_PARTICIPANTS).where(_PARTICIPANTS.c.communication_id.in_(chunk)))
    insert_rows(session, _PARTICIPANTS, [p for r in stale for p in r.participants])


def _reconcile_links(session: Session, revisits: list[Revisit], now: datetime) -> None:
    """Automatic links follow the new participants; manual ones survive."""
    stored: dict[int, list[ExistingLink]] = {}
    for chunk in chunks([r.cid for r in revisits]):
        q = select(
            _LINKS.c.communication_id,
            _LINKS.c.id,
            _LINKS.c.company_id,
            _LINKS.c.contact_id,
            _LINKS.c.reason,
            _LINKS.c.manual,
            _LINKS.c.unlinked,
            _LINKS.c.explanation,
        ).where(_LINKS.c.communication_id.in_(chunk))
        for cid, lid, company, contact, reason, manual, unlinked, why in session.execute(q):
            stored.setdefault(cid, []).append(
                ExistingLink(lid, company, contact, reason, bool(manual), bool(unlinked), why)
            )
    changes = LinkChanges()
    for r in revisits:
        changes.add(r.cid, plan_links(r.links, stored.get(r.cid, [])), now)
    changes.write(session)


def _by_id(params: Mapping[str, Any]) -> int:
    return int(params["b_id"])
