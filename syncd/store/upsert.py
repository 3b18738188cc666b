"""Dialect-aware INSERT ... ON CONFLICT helpers (SQLite and PostgreSQL).

For the occasional row (connectors, CRM records). Batch writes go through
:mod:`syncd.store.bulk`, one statement per table and batch.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def dialect_insert(session: Session, table: Any) -> Any:
    """The dialect's INSERT (with ``on_conflict_*``) for this session's database."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database dialect {name}")


def insert_ignore(
    session: Session, table: Any, rows: list[dict[str, Any]], conflict: list[str]
) -> None:
    """Insert rows, silently skipping those that hit the unique ``conflict`` columns."""
    if not rows:
        return
    stmt = dialect_insert(session, table).on_conflict_do_nothing(index_elements=conflict)
    session.execute(stmt, rows)
