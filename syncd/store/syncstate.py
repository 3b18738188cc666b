"""Connector rows, cursors, leases and status bookkeeping.

Several daemons may share one PostgreSQL database. Each connector is worked
by one daemon at a time, under a renewable lease taken with a conditional
UPDATE (atomic on both SQLite and PostgreSQL): the owner renews it while it
works, and a crashed owner's lease simply runs out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from syncd.store.bounded import SCOPE, fit
from syncd.store.models import ConnectorRow, IgnoredItem, QuarantineRow, Source, SyncCursor
from syncd.store.upsert import insert_ignore


def ensure_connector(session: Session, name: str, kind: str, config_hash: str) -> int:
    """Register a configured connector; a changed config clears ``auth_failed``."""
    insert_ignore(
        session,
        ConnectorRow.__table__,
        [
            {
                "name": name,
                "kind": kind,
                "status": "idle",
                "config_hash": config_hash,
                "error_count": 0,
                "items_seen": 0,
            }
        ],
        ["name"],
    )
    row = session.scalars(select(ConnectorRow).where(ConnectorRow.name == name)).one()
    if row.config_hash != config_hash:
        row.config_hash = config_hash
        row.kind = kind
        if row.status == "auth_failed":
            row.status = "idle"
            row.last_error = None
    return row.id


def try_lease(
    session: Session, connector_id: int, owner: str, now: datetime, ttl: timedelta
) -> bool:
    """Take or renew the connector's lease; False when another daemon holds it."""
    res = session.execute(
        update(ConnectorRow)
        .where(
            ConnectorRow.id == connector_id,
            or_(
                ConnectorRow.lease_owner.is_(None),
                ConnectorRow.lease_owner == owner,
                ConnectorRow.lease_until < now,
            ),
        )
        .values(lease_owner=owner, lease_until=now + ttl)
    )
    return bool(getattr(res, "rowcount", 0))


def release_lease(session: Session, connector_id: int, owner: str) -> None:
    session.execute(
        update(ConnectorRow)
        .where(ConnectorRow.id == connector_id, ConnectorRow.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )


def load_cursor(session: Session, connector_id: int, scope: str) -> str | None:
    return session.scalar(
        select(SyncCursor.value).where(
            SyncCursor.connector_id == connector_id, SyncCursor.scope == fit(scope, SCOPE)
        )
    )


def known_remote_ids(session: Session, connector_id: int, scope: str) -> frozenset[str]:
    """Remote ids already handled for a scope: stored, quarantined or ignored.

    Whole ids, as the connector gave them, also those the key column holds
    shortened (:mod:`syncd.store.bounded`): a connector compares them with
    what it lists, and reports the ones it no longer sees as gone.
    """
    scope = fit(scope, SCOPE)
    stored = select(func.coalesce(Source.remote_id_full, Source.remote_id)).where(
        Source.connector_id == connector_id,
        Source.scope == scope,
        Source.gone_at.is_(None),
    )
    others = [
        select(func.coalesce(model.remote_id_full, model.remote_id)).where(
            model.connector_id == connector_id, model.scope == scope
        )
        for model in (QuarantineRow, IgnoredItem)
    ]
    return frozenset(session.scalars(stored.union(*others)))


def reset_cursors(session: Session, connector_id: int) -> None:
    session.execute(
        update(SyncCursor).where(SyncCursor.connector_id == connector_id).values(value=None)
    )


def record_scope_error(
    session: Session, connector_id: int, scope: str, error: str, now: datetime
) -> None:
    scope = fit(scope, SCOPE)
    row = session.scalar(
        select(SyncCursor).where(SyncCursor.connector_id == connector_id, SyncCursor.scope == scope)
    )
    if row is None:
        session.add(
            SyncCursor(
                connector_id=connector_id, scope=scope, value=None, last_error=error, updated_at=now
            )
        )
    else:
        row.last_error = error
        row.updated_at = now


def record_run(
    session: Session,
    connector_id: int,
    *,
    status: str,
    now: datetime,
    items: int = 0,
    error: str | None = None,
) -> None:
    row = session.get(ConnectorRow, connector_id)
    assert row is not None
    row.status = status
    row.last_sync_at = now
    row.items_seen = (row.items_seen or 0) + items
    if error:
        row.last_error = error
        row.error_count = (row.error_count or 0) + 1
    elif status == "ok":
        row.last_error = None
