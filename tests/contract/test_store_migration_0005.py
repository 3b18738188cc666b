"""Migration 0005 upgrades a database that holds data, on SQLite and PostgreSQL.

SQLite rebuilds every table whose column types change; the rows, and the
rows that refer to them (with ``ON DELETE CASCADE`` / ``SET NULL``), must
come through untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, Table, func, insert, inspect, select, text, update

from connectors.base import MeetingItem, Participant, SourceRef
from matching import MatchResult
from syncd.store import batches, syncstate
from syncd.store.db import make_engine, session_factory
from syncd.store.migrate import alembic_config, current_revision, migration_transaction, upgrade
from syncd.store.models import (
    AttachmentRow,
    Communication,
    Company,
    CompanyDomain,
    ConnectorRow,
    Contact,
    ContactEmail,
    CrmUser,
    IgnoredItem,
    Link,
    ParticipantRow,
    QuarantineRow,
    Source,
    SyncCursor,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ROWS: list[tuple[Any, dict[str, Any]]] = [
    (
        Company,
        {
            "id": 1,
            "name": "ACME s.r.o.",
            "registration_no": "123",
            "website": "https://acme.sk",
            "auto_created": True,
            "auto_reason": "acme.sk is not a company's domain",
            "created_at": NOW,
            "updated_at": NOW,
        },
    ),
    (CompanyDomain, {"id": 1, "company_id": 1, "domain": "acme.sk"}),
    (
        Contact,
        {
            "id": 1,
            "name": "Jana Nováková",
            "position": "CEO",
            "phone": "+421",
            "company_id": 1,
            "auto_created": True,
            "auto_reason": "jana@acme.sk is not a contact",
            "created_at": NOW,
            "updated_at": NOW,
        },
    ),
    (ContactEmail, {"id": 1, "contact_id": 1, "email": "jana@acme.sk"}),
    (CrmUser, {"id": 1, "name": "Peter", "email": "peter@tatrasoft.sk"}),
    (
        ConnectorRow,
        {
            "id": 1,
            "name": "c1",
            "kind": "maildir",
            "status": "idle",
            "error_count": 0,
            "items_seen": 0,
        },
    ),
    (
        SyncCursor,
        {"id": 1, "connector_id": 1, "scope": "INBOX", "value": "cur", "updated_at": NOW},
    ),
    (
        Communication,
        {
            "id": 1,
            "kind": "meeting",
            "dedupe_key": "ev:1|",
            "message_id": None,
            "subject": "Rokovanie",
            "visibility": "full",
            "occurred_at": NOW,
            "all_day": False,
            "tzid": "Europe/Bratislava",
            "location": "Zasadačka",
            "direction": "inbound",
            "thread_key": "ev:1",
            "status": "confirmed",
            "sequence": 0,
            "size": 0,
            "created_by": None,
            "created_at": NOW,
            "updated_at": NOW,
        },
    ),
    (
        ParticipantRow,
        {
            "id": 1,
            "communication_id": 1,
            "role": "attendee",
            "address": "jana@acme.sk",
            "name": "Jana",
            "response": "accepted",
        },
    ),
    (
        Link,
        {
            "id": 1,
            "communication_id": 1,
            "company_id": 1,
            "contact_id": None,
            "reason": "auto_created_company",
            "explanation": "created",
            "manual": False,
            "unlinked": False,
            "created_at": NOW,
        },
    ),
    (
        Link,
        {
            "id": 2,
            "communication_id": 1,
            "company_id": None,
            "contact_id": 1,
            "reason": "auto_created_contact",
            "explanation": "created",
            "manual": False,
            "unlinked": False,
            "created_at": NOW,
        },
    ),
    (
        Source,
        {
            "id": 1,
            "communication_id": 1,
            "connector_id": 1,
            "scope": "Calendar",
            "remote_id": "cal.ics#1|",
            "seen_at": NOW,
        },
    ),
    (
        AttachmentRow,
        {
            "id": 1,
            "communication_id": 1,
            "name": "a.pdf",
            "content_type": "application/pdf",
            "size": 10,
        },
    ),
    (
        QuarantineRow,
        {
            "id": 1,
            "connector_id": 1,
            "scope": "INBOX",
            "remote_id": "9",
            "reason": "unreadable",
            "raw": b"raw",
            "created_at": NOW,
        },
    ),
    (
        IgnoredItem,
        {
            "id": 1,
            "connector_id": 1,
            "scope": "INBOX",
            "remote_id": "8",
            "dedupe_key": "m:8",
            "reason": "newsletter",
            "seen_at": NOW,
        },
    ),
]


def _at_0004(engine: Engine) -> Engine:
    """``engine``'s database migrated to 0004, holding a meeting with its records and links."""
    upgrade(engine, "0004")
    with engine.begin() as conn:
        for model, values in ROWS:
            # only the given columns: remote_id_full does not exist yet
            conn.execute(insert(model.__table__), [values])
        if engine.dialect.name == "postgresql":
            for table in {m.__tablename__ for m, _ in ROWS}:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine_at_0004(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    else:
        engine = make_engine(request.getfixturevalue("pg_database"))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    yield _at_0004(engine)
    engine.dispose()


def _snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables ROWS fills, as plain tuples, the columns 0004 had."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for model in dict.fromkeys(m for m, _ in ROWS):
            table: Table = model.__table__
            cols = [c for c in table.c if c.name != "remote_id_full"]
            out[table.name] = [tuple(r) for r in conn.execute(select(*cols).order_by(table.c.id))]
    return out


def test_upgrade_keeps_every_row_and_reference(engine_at_0004: Engine) -> None:
    engine = engine_at_0004
    before = _snapshot(engine)
    upgrade(engine, "0005")
    assert current_revision(engine) == "0005"
    assert _snapshot(engine) == before  # contacts keep their company, links and sources stay
    columns = {c["name"]: c for c in inspect(engine).get_columns("contacts")}
    assert "TEXT" in str(columns["auto_reason"]["type"]).upper()
    assert {c["name"] for c in inspect(engine).get_columns("sources")} >= {"remote_id_full"}
    long = "r" * 5000
    with engine.begin() as conn:
        conn.execute(update(Contact).values(auto_reason=long, name=long))
        conn.execute(update(Communication).values(status=long, tzid=long))
    with engine.connect() as conn:
        assert conn.scalar(select(func.length(Contact.auto_reason))) == 5000
        if engine.dialect.name == "sqlite":  # enforcement is back on after the migration
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    # and back: 0004's lengths again (PostgreSQL cuts longer values), the rows kept
    with migration_transaction(engine) as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Link.__table__)) == 2
        assert conn.scalar(select(Contact.__table__.c.company_id)) == 1
        cut = 300 if engine.dialect.name == "postgresql" else 5000
        assert conn.scalar(select(func.length(Contact.__table__.c.auto_reason))) == cut
    upgrade(engine, "0005")
    assert current_revision(engine) == "0005"


def test_0006_lets_the_crm_insert_records_in_plain_sql(engine_at_0004: Engine) -> None:
    """Server defaults for syncd's own columns; every row and reference kept on the way."""
    engine = engine_at_0004
    before = _snapshot(engine)
    upgrade(engine)
    assert current_revision(engine) == "0006"
    assert _snapshot(engine) == before
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO companies (name) VALUES ('Kvitka TOV')")
        conn.exec_driver_sql("INSERT INTO contacts (name) VALUES ('Oksana')")
    with engine.connect() as conn:
        row = conn.execute(
            select(Company.auto_created, Company.created_at, Company.updated_at).where(
                Company.name == "Kvitka TOV"
            )
        ).one()
        assert row[0] is False and row[1] is not None and row[2] is not None
        assert conn.scalar(select(Contact.auto_created).where(Contact.name == "Oksana")) is False


def test_sqlite_upgrade_with_foreign_keys_on_is_refused(tmp_path: Path) -> None:
    """Outside syncd's own upgrade, 0005 fails loudly instead of cascading deletes."""
    engine = _at_0004(make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}"))
    before = _snapshot(engine)
    cfg = alembic_config()
    with pytest.raises(RuntimeError, match="foreign keys on"), engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert current_revision(engine) == "0004"
    assert _snapshot(engine) == before
    engine.dispose()


def test_upgrade_rewrites_long_keys_the_way_the_store_writes_them(engine_at_0004: Engine) -> None:
    """Keys stored before 0005 that the store now shortens are shortened in place.

    SQLite held any length; PostgreSQL multi-byte ids over the byte budget.
    The next copy of such an item must meet its stored twin, not duplicate it.
    """
    engine = engine_at_0004
    sqlite = engine.dialect.name == "sqlite"
    uid = "u" * (700 if sqlite else 100)
    key = f"ev:{uid}|"
    scope = "Kalendár/" * (70 if sqlite else 1)
    remote = "文" * 450  # 1,350 bytes
    address = "b" * (400 if sqlite else 1) + "@acme.sk"
    with engine.begin() as conn:
        values = {**dict(ROWS)[Communication], "id": 2, "dedupe_key": key, "thread_key": None}
        conn.execute(insert(Communication), [values])
        conn.execute(
            insert(ParticipantRow),
            [{"communication_id": 2, "role": "attendee", "address": address}],
        )
        source = {"communication_id": 2, "connector_id": 1, "scope": scope, "remote_id": remote}
        conn.execute(insert(Source), [{**source, "seen_at": NOW}])
        conn.execute(
            insert(SyncCursor),
            [{"connector_id": 1, "scope": scope, "value": "cur2", "updated_at": NOW}],
        )
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as s:
        assert s.scalar(select(Source.remote_id_full).where(Source.communication_id == 2)) == remote
        assert syncstate.known_remote_ids(s, 1, scope) == {remote}
        assert syncstate.load_cursor(s, 1, scope) == "cur2"
    meeting = MeetingItem(
        source=SourceRef("c1", scope, remote),
        dedupe_key=key,
        uid=uid,
        recurrence_id=None,
        subject="Rokovanie",
        body_text=None,
        location="Zasadačka",
        occurred_at=NOW,
        ends_at=None,
        all_day=False,
        tzid="Europe/Bratislava",
        status="confirmed",
        participants=(Participant(address, None, "attendee"),),
    )
    with sessions.begin() as s:
        stats = batches.apply_batch(
            s,
            connector_id=1,
            scope=scope,
            planned=[
                batches.Planned(meeting, MatchResult((), "inbound", True, None, (), ()), "full")
            ],
            quarantined=[],
            gone=[],
            cursor="cur3",
            now=NOW,
        )
    assert (stats.created, stats.updated) == (0, 1)
    with sessions() as s:
        for model in (Communication, Source, ParticipantRow, SyncCursor):
            assert s.scalar(select(func.count()).select_from(model)) == 2, model
        assert syncstate.load_cursor(s, 1, scope) == "cur3"
