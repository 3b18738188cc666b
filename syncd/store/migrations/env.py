"""Alembic environment: runs against the connection syncd hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from syncd.store.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from syncd.store.db import make_engine
        from syncd.store.migrate import migration_transaction

        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
        with migration_transaction(engine) as conn:
            _configure_and_run(conn)
        return
    _configure_and_run(connection)


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs batch mode for ALTER
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
