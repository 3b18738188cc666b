"""Apply one connector batch to the timeline in a single transaction.

The batch's items, their participants, links, attachments and sources, its
quarantine rows, the sources it reports gone, and the connector's new cursor
are written together: either all of it is committed or none of it, so a
restart replays the batch and the dedupe key makes the replay harmless.

Each table gets one multi-row statement per batch (:mod:`syncd.store.bulk`):
communications go in first with ``INSERT ... ON CONFLICT DO NOTHING
RETURNING``, so new items need no lookup, and two daemons that meet the same
message at once (two mailboxes, one shared PostgreSQL) both end with one
communication and two sources. Items already stored are handled in bulk by
:mod:`syncd.store.known_items`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, text
from sqlalchemy.orm import Session

from connectors.base import MailItem, MeetingItem, Quarantined, SourceRef
from matching import LinkDecision, MatchResult
from syncd.store import known_items
from syncd.store.bounded import (
    DEDUPE_KEY,
    HEADER_KEY,
    SCOPE,
    fit,
    fit_address,
    fit_optional,
    remote_id_row,
)
from syncd.store.bulk import insert_rows
from syncd.store.crm import AutoCreated, create_auto_records
from syncd.store.models import (
    AttachmentRow,
    Communication,
    Link,
    ParticipantRow,
    Source,
)
from syncd.store.scope_writes import (
    mark_gone,
    save_cursor,
    write_ignored,
    write_quarantine,
)

_COMM = cast(Table, Communication.__table__)
_PARTICIPANTS = cast(Table, ParticipantRow.__table__)
_LINKS = cast(Table, Link.__table__)
_ATTACHMENTS = cast(Table, AttachmentRow.__table__)
_SOURCES = cast(Table, Source.__table__)
_KEY_ID = ("dedupe_key", "id")


@dataclass(frozen=True, slots=True)
class Planned:
    """An item with its match result and the visibility its connector allows."""

    item: MailItem | MeetingItem
    match: MatchResult
    visibility: str


@dataclass(slots=True)
class BatchStats:
    created: int = 0
    updated: int = 0
    sources_added: int = 0
    quarantined: int = 0
    gone: int = 0
    skipped: int = 0
    auto_created: list[str] = field(default_factory=list)


def _key(item: MailItem | MeetingItem) -> str:
    """The item's dedupe key as stored (:mod:`syncd.store.bounded`)."""
    return fit(item.dedupe_key, DEDUPE_KEY)


def _comm_row(p: Planned, now: datetime) -> dict[str, Any]:
    it = p.item
    vis = "metadata" if isinstance(it, MeetingItem) and it.private else p.visibility
    show_subject = vis in ("subject", "full")
    row: dict[str, Any] = {
        "kind": it.kind,
        "dedupe_key": _key(it),
        "subject": it.subject if show_subject else None,
        "body": it.body_text if vis == "full" else None,
        "visibility": vis,
        "occurred_at": it.occurred_at,
        "direction": p.match.direction,
        "created_at": now,
        "updated_at": now,
        "message_id": None,
        "ends_at": None,
        "all_day": False,
        "tzid": None,
        "location": None,
        "thread_key": None,
        "status": None,
        "sequence": 0,
        "size": 0,
        "created_by": None,
    }
    if isinstance(it, MailItem):
        row.update(
            message_id=fit_optional(it.message_id, HEADER_KEY),
            thread_key=fit_optional(it.thread_key, HEADER_KEY),
            size=it.size,
        )
    else:
        row.update(
            ends_at=it.ends_at,
            all_day=it.all_day,
            tzid=it.tzid,
            location=it.location if show_subject else None,
            status=it.status,
            sequence=it.sequence,
            thread_key=fit(f"ev:{it.uid}", HEADER_KEY),
        )
    return row


def _participant_rows(cid: int, item: MailItem | MeetingItem) -> list[dict[str, Any]]:
    seen: set[tuple[str, str]] = set()
    rows = []
    for p in item.participants:
        address = fit_address(p.address)
        if (p.role, address) in seen:
            continue
        seen.add((p.role, address))
        rows.append(
            {
                "communication_id": cid,
                "role": p.role,
                "address": address,
                "name": p.name,
                "response": p.response,
            }
        )
    return rows


def _resolve(d: LinkDecision, auto: AutoCreated) -> tuple[int | None, int | None] | None:
    company = d.company_id
    contact = d.contact_id
    if company is None and d.new_company_domain:
        company = auto.companies.get(d.new_company_domain)
        if company is None:
            return None
    if contact is None and d.new_contact_address:
        contact = auto.contacts.get(d.new_contact_address)
        if contact is None:
            return None
    if company is None and contact is None:
        return None
    return company, contact


def _resolved_decisions(match: MatchResult, auto: AutoCreated) -> list[LinkDecision]:
    out: list[LinkDecision] = []
    seen: set[tuple[int | None, int | None]] = set()
    for d in match.links:
        ids = _resolve(d, auto)
        if ids is None or ids in seen:
            continue
        seen.add(ids)
        out.append(
            LinkDecision(
                company_id=ids[0],
                contact_id=ids[1],
                reason=d.reason,
                address=d.address,
                explanation=d.explanation,
            )
        )
    return out


def _link_rows(cid: int, decisions: list[LinkDecision], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "communication_id": cid,
            "company_id": d.company_id,
            "contact_id": d.contact_id,
            "reason": d.reason,
            "explanation": d.explanation,
            "manual": False,
            "unlinked": False,
            "created_at": now,
        }
        for d in decisions
    ]


def _attachment_rows(cid: int, item: MailItem) -> list[dict[str, Any]]:
    return [
        {
            "communication_id": cid,
            "name": a.name,
            "content_type": a.content_type,
            "size": a.size,
            "sha256": a.sha256,
        }
        for a in item.attachments
    ]


def _write_items(
    session: Session, connector_id: int, planned: list[Planned], now: datetime, stats: BatchStats
) -> None:
    auto = create_auto_records(session, [p.match for p in planned], now)
    stats.auto_created.extend(auto.describe())
    keys = [_key(p.item) for p in planned]
    # First occurrence of each key in the batch wins; later ones only add sources.
    unique: dict[str, Planned] = {}
    for key, p in zip(keys, planned, strict=True):
        unique.setdefault(key, p)
    rows = {k: _comm_row(p, now) for k, p in unique.items()}
    if session.get_bind().dialect.name == "postgresql":
        rows = _in_lock_order(session, rows)
    # Insert first: new items (the usual case) need no lookup. A row that
    # hits the dedupe key is stored already, or was just stored by another
    # daemon; those few are looked up after.
    inserted = dict(
        insert_rows(session, _COMM, list(rows.values()), conflict=["dedupe_key"], returning=_KEY_ID)
    )
    stored = known_items.existing(session, [k for k in rows if k not in inserted])
    ids = {**{k: v[0] for k, v in stored.items()}, **inserted}

    participants: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    attachments: list[dict[str, Any]] = []
    mails: list[dict[str, Any]] = []
    meetings: list[known_items.Revisit] = []
    for key in rows:
        p, cid = unique[key], ids[key]
        if key in inserted:
            stats.created += 1
            participants += _participant_rows(cid, p.item)
            links += _link_rows(cid, _resolved_decisions(p.match, auto), now)
            if isinstance(p.item, MailItem):
                attachments += _attachment_rows(cid, p.item)
        elif isinstance(p.item, MeetingItem):
            meetings.append(
                known_items.Revisit(
                    cid,
                    rows[key],
                    _participant_rows(cid, p.item),
                    _resolved_decisions(p.match, auto),
                )
            )
        else:
            mails.append(rows[key])
    insert_rows(session, _PARTICIPANTS, participants)
    insert_rows(session, _LINKS, links)
    insert_rows(session, _ATTACHMENTS, attachments)
    stats.updated += known_items.update_meetings(session, meetings, now)
    known_items.upgrade_visibility(session, mails, stored)
    stats.sources_added += _write_sources(
        session, connector_id, planned, [ids[k] for k in keys], now
    )


def _in_lock_order(session: Session, rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The rows in dedupe-key order, with ids drawn in the connector's order.

    Daemons sharing one PostgreSQL store overlapping batches (one message in
    two mailboxes, listed in different orders); inserting in key order makes
    them take the rows' locks in one order, so they cannot deadlock. The ids
    still follow the connector's order (newest first on a backfill).
    """
    ids = (
        session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('communications', 'id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": len(rows)},
        )
        .scalars()
        .all()
    )
    for row, cid in zip(rows.values(), sorted(ids), strict=True):
        row["id"] = cid
    return {k: rows[k] for k in sorted(rows)}


def _write_sources(
    session: Session,
    connector_id: int,
    planned: list[Planned],
    ids: list[int],
    now: datetime,
) -> int:
    rows = [
        {
            "communication_id": cid,
            "connector_id": connector_id,
            "scope": fit(p.item.source.scope, SCOPE),
            **remote_id_row(p.item.source.remote_id),
            "seen_at": now,
            "gone_at": None,
        }
        for p, cid in zip(planned, ids, strict=True)
    ]
    # A remote id seen again (re-delivered, or content changed under the same
    # id) points at the item it now holds and is no longer gone.
    insert_rows(
        session,
        _SOURCES,
        rows,
        conflict=["connector_id", "scope", "remote_id"],
        update=["communication_id", "remote_id_full", "seen_at", "gone_at"],
    )
    return len(rows)


def apply_batch(
    session: Session,
    *,
    connector_id: int,
    scope: str,
    planned: list[Planned],
    quarantined: list[Quarantined],
    gone: list[SourceRef],
    cursor: str | None,
    now: datetime,
    ignored: Sequence[tuple[MailItem | MeetingItem, str]] = (),
    keep_cursor: bool = False,
    progress: tuple[int, int | None] | None = None,
) -> BatchStats:
    """Write one batch and its cursor; the caller owns the transaction."""
    stats = BatchStats(skipped=len(ignored))
    if ignored:
        write_ignored(session, connector_id, ignored, now)
    if planned:
        _write_items(session, connector_id, planned, now, stats)
    if quarantined:
        write_quarantine(session, connector_id, quarantined, now)
        stats.quarantined = len(quarantined)
    if gone:
        stats.gone = mark_gone(session, connector_id, gone, now)
    if not keep_cursor:
        save_cursor(session, connector_id, scope, cursor, now, progress)
    return stats
