"""Shared fixtures: real databases (SQLite file and a throwaway PostgreSQL database).

PostgreSQL is never mocked. The session creates one database per test run
(dropped at the end) and each test gets a clean schema in it. When the server
cannot be reached the PostgreSQL tests *fail* with a clear message: a missing
server must never turn into a green run. Set SYNCD_TEST_PG_ADMIN_URL to use
another server; the default is the local cluster with role ``syncd``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from syncd.store.db import make_engine
from syncd.store.migrate import upgrade

PG_ADMIN_URL = os.environ.get(
    "SYNCD_TEST_PG_ADMIN_URL", "postgresql+psycopg://syncd:syncd@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test run; its URL."""
    name = f"syncd_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # a missing server is a failure, never a skip
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL.split('@')[-1]} ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0]}). Start it with ./scripts/test (it runs "
            "`pg_ctlcluster --skip-systemctl-redirect 15 main start` and creates role syncd).",
            pytrace=False,
        )
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def _fresh_pg(url: str) -> Engine:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database URL on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'syncd.sqlite'}"
        engine = make_engine(url)
    else:
        url = request.getfixturevalue("pg_database")
        engine = _fresh_pg(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()
