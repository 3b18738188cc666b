"""text for outside text, full remote ids

Free text that comes from mail, calendars and CSV files (display names,
auto-creation reasons, iCalendar TZID/STATUS/PARTSTAT, attachment names and
types, positions, phones, websites) becomes TEXT: PostgreSQL rejected longer
values and the whole batch failed. Key columns keep their lengths and get
values through ``syncd.store.bounded``; ``remote_id_full`` keeps a remote id
that had to be shortened. Stored keys too long for that function (SQLite
ignores declared lengths, so it may hold any; PostgreSQL may hold multi-byte
ones over the byte budget) are rewritten the way the store now writes them,
or the next copy of such an item would not meet its stored twin. A
downgrade leaves them shortened.

SQLite rebuilds a table to change a column type (batch mode). The old copy
is dropped, and with foreign keys enforced that drop would cascade to the
rows that refer to it (links, participants, contacts...): this migration
refuses to run on SQLite with foreign keys on; ``syncd.store.migrate``
turns them off for the upgrade.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

from syncd.store import bounded

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# table -> (column, old length, nullable)
TO_TEXT: dict[str, list[tuple[str, int, bool]]] = {
    "companies": [("name", 300, False), ("website", 300, True), ("auto_reason", 300, True)],
    "contacts": [
        ("name", 300, True),
        ("position", 200, True),
        ("phone", 60, True),
        ("auto_reason", 300, True),
    ],
    "crm_users": [("name", 300, False)],
    "communications": [("tzid", 100, True), ("status", 20, True), ("created_by", 320, True)],
    "participants": [("name", 300, True), ("response", 20, True)],
    "attachments": [("name", 500, True), ("content_type", 200, False)],
}
FULL_REMOTE_ID = ("sources", "quarantine", "ignored_items")
# key columns whose stored values must read as bounded writes them
KEYS: list[tuple[str, str, tuple[int, int]]] = [
    ("communications", "dedupe_key", bounded.DEDUPE_KEY),
    ("communications", "message_id", bounded.HEADER_KEY),
    ("communications", "thread_key", bounded.HEADER_KEY),
    ("participants", "address", bounded.ADDRESS),
    ("sync_cursors", "scope", bounded.SCOPE),
    ("ignored_items", "dedupe_key", bounded.DEDUPE_KEY),
    *((table, "scope", bounded.SCOPE) for table in FULL_REMOTE_ID),
    *((table, "remote_id", bounded.REMOTE_ID) for table in FULL_REMOTE_ID),
]


def _refuse_sqlite_cascades() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "migration 0005 rebuilds SQLite tables and would cascade deletes with foreign "
            "keys on: run it through `syncd init` (syncd.store.migrate.upgrade)"
        )


def upgrade() -> None:
    _refuse_sqlite_cascades()
    for table, columns in TO_TEXT.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, length, nullable in columns:
                batch_op.alter_column(
                    column,
                    existing_type=sa.String(length=length),
                    type_=sa.Text(),
                    existing_nullable=nullable,
                )
    for table in FULL_REMOTE_ID:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("remote_id_full", sa.Text(), nullable=True))
    for table, column, limit in KEYS:
        _shorten(table, column, limit)


def _shorten(table: str, column: str, limit: tuple[int, int]) -> None:
    """Rewrite the values of ``table.column`` that ``bounded`` would not store as they are."""
    shorten: Callable[[str], str] = (
        bounded.fit_address if column == "address" else (lambda v: bounded.fit(v, limit))
    )
    full = column == "remote_id"
    t = sa.table(table, sa.column("id"), sa.column(column), sa.column("remote_id_full"))
    col = t.c[column]
    bind = op.get_bind()
    # as bounded.fits: so many characters always fit (four bytes a character at most)
    safe = min(limit[0], limit[1] // 4)
    rows = bind.execute(sa.select(t.c.id, col).where(sa.func.length(col) > safe))
    changes = [
        {"b_id": row_id, "b_value": shorten(value), **({"b_full": value} if full else {})}
        for row_id, value in rows
        if value is not None and shorten(value) != value
    ]
    if changes:
        values: dict[str, Any] = {column: sa.bindparam("b_value")}
        if full:
            values["remote_id_full"] = sa.bindparam("b_full")
        bind.execute(t.update().where(t.c.id == sa.bindparam("b_id")).values(values), changes)


def downgrade() -> None:
    _refuse_sqlite_cascades()
    for table in reversed(FULL_REMOTE_ID):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("remote_id_full")
    for table, columns in reversed(TO_TEXT.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, length, nullable in columns:
                batch_op.alter_column(
                    column,
                    existing_type=sa.Text(),
                    type_=sa.String(length=length),
                    existing_nullable=nullable,
                    postgresql_using=f"left({column}, {length})",  # longer values are cut
                )
