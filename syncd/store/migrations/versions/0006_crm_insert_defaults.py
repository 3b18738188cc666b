"""server defaults on the CRM tables, for a CRM that writes them in plain SQL

syncd shares the CRM's database, and the CRM adds companies and contacts
with its own code, often plain ``INSERT``s that know nothing of syncd's
bookkeeping columns. ``auto_created`` (false), ``created_at`` and
``updated_at`` (now) get database-side defaults so such an insert works;
the ORM keeps filling them itself. SQLite rebuilds the tables for this
(batch mode): ``syncd.store.migrate`` runs migrations with foreign keys off.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("companies", "contacts")
NOW = sa.text("CURRENT_TIMESTAMP")


def _refuse_sqlite_cascades() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "migration 0006 rebuilds SQLite tables and would cascade deletes with foreign "
            "keys on: run it through `syncd init` (syncd.store.migrate.upgrade)"
        )


def upgrade() -> None:
    _refuse_sqlite_cascades()
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "auto_created", existing_type=sa.Boolean(), server_default=sa.false()
            )
            for column in ("created_at", "updated_at"):
                batch_op.alter_column(
                    column, existing_type=sa.DateTime(timezone=True), server_default=NOW
                )


def downgrade() -> None:
    _refuse_sqlite_cascades()
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in ("auto_created", "created_at", "updated_at"):
                batch_op.alter_column(column, server_default=None)
