"""Per-scope writes of a batch besides its items: quarantine, ignored items,
sources gone at the remote end (with meetings cancelled when every copy is
gone), and the scope's cursor with its progress. Called by ``apply_batch``
inside the batch's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session

from connectors.base import MailItem, MeetingItem, Quarantined, SourceRef
from syncd.store.bounded import DEDUPE_KEY, REMOTE_ID, SCOPE, fit, remote_id_row
from syncd.store.bulk import insert_rows
from syncd.store.models import Communication, IgnoredItem, QuarantineRow, Source, SyncCursor

_CHUNK = 400  # keeps IN (...) lists well under SQLite's variable limit


def chunks(seq: Sequence[Any], n: int = _CHUNK) -> Iterable[Sequence[Any]]:
    """Slices small enough for an ``IN (...)`` list."""
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def write_quarantine(
    session: Session, connector_id: int, items: list[Quarantined], now: datetime
) -> None:
    rows = [
        {
            "connector_id": connector_id,
            "scope": fit(q.source.scope, SCOPE),
            **remote_id_row(q.source.remote_id),
            "reason": q.reason,
            "raw": q.raw,
            "created_at": now,
        }
        for q in items
    ]
    insert_rows(
        session,
        QuarantineRow.__table__,
        rows,
        conflict=["connector_id", "scope", "remote_id"],
        update=["remote_id_full", "reason", "raw", "created_at"],
    )


def write_ignored(
    session: Session,
    connector_id: int,
    items: Sequence[tuple[MailItem | MeetingItem, str]],
    now: datetime,
) -> None:
    rows = [
        {
            "connector_id": connector_id,
            "scope": fit(it.source.scope, SCOPE),
            **remote_id_row(it.source.remote_id),
            "dedupe_key": fit(it.dedupe_key, DEDUPE_KEY),
            "reason": reason[:200],
            "seen_at": now,
        }
        for it, reason in items
    ]
    insert_rows(
        session,
        IgnoredItem.__table__,
        rows,
        conflict=["connector_id", "scope", "remote_id"],
        update=["remote_id_full", "dedupe_key", "reason", "seen_at"],
    )


def mark_gone(session: Session, connector_id: int, refs: list[SourceRef], now: datetime) -> int:
    count = 0
    for chunk in chunks(refs):
        pairs = [(fit(r.scope, SCOPE), fit(r.remote_id, REMOTE_ID)) for r in chunk]
        res = session.execute(
            update(Source)
            .where(
                Source.connector_id == connector_id,
                tuple_(Source.scope, Source.remote_id).in_(pairs),
                Source.gone_at.is_(None),
            )
            .values(gone_at=now)
            .returning(Source.communication_id)
        )
        cids = [c for (c,) in res]
        count += len(cids)
        _cancel_vanished_meetings(session, cids, now)
    return count


def _cancel_vanished_meetings(session: Session, cids: list[int], now: datetime) -> None:
    """A meeting deleted from every calendar that held it is cancelled, not dropped."""
    if not cids:
        return
    live = select(Source.communication_id).where(
        Source.communication_id.in_(cids), Source.gone_at.is_(None)
    )
    session.execute(
        update(Communication)
        .where(
            Communication.id.in_(cids),
            Communication.kind == "meeting",
            Communication.id.not_in(live),
        )
        .values(status="cancelled", updated_at=now)
    )


def save_cursor(
    session: Session,
    connector_id: int,
    scope: str,
    cursor: str | None,
    now: datetime,
    progress: tuple[int, int | None] | None = None,
) -> None:
    insert_rows(
        session,
        SyncCursor.__table__,
        [
            {
                "connector_id": connector_id,
                "scope": fit(scope, SCOPE),
                "value": cursor,
                "last_error": None,
                "updated_at": now,
                "progress_done": progress[0] if progress else None,
                "progress_total": progress[1] if progress else None,
            }
        ],
        conflict=["connector_id", "scope"],
        update=["value", "last_error", "updated_at", "progress_done", "progress_total"],
    )
