"""Several daemons writing to one PostgreSQL at once: no deadlock, nothing lost.

Two mailboxes hold the same messages (the sender's Sent, the recipient's
INBOX), so two daemons store overlapping items in whatever order their
servers give; and both may auto-create the same new company.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from matching import LinkDecision, MatchResult, NewCompany, NewContact
from syncd.store import batches, syncstate
from syncd.store.db import session_factory
from syncd.store.models import Communication, Company, CompanyDomain, Contact, Link, Source
from syncd.store.transactions import write_retried
from tests.contract.test_store import NOW, mail, match

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_sessions(pg_database):  # type: ignore[no-untyped-def]
    from syncd.store.migrate import upgrade
    from tests.conftest import _fresh_pg

    engine = _fresh_pg(pg_database)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def _race(n: int, work: Callable[[int], None]) -> list[BaseException]:
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return errors


def _connectors(sessions: sessionmaker[Session], n: int) -> list[int]:
    with sessions.begin() as s:
        return [syncstate.ensure_connector(s, f"c{i}", "maildir", "h") for i in range(n)]


def test_overlapping_batches_in_opposite_orders_do_not_deadlock(pg_sessions) -> None:  # type: ignore[no-untyped-def]
    ids = _connectors(pg_sessions, 2)
    rounds, per_batch = 5, 200

    def work(i: int, keys: list[str]) -> None:
        order = keys if i == 0 else keys[::-1]  # the other server lists newest first
        items = [mail(k, f"{i}-{k}", connector=f"c{i}") for k in order]
        with pg_sessions.begin() as s:
            batches.apply_batch(
                s,
                connector_id=ids[i],
                scope="INBOX",
                planned=[batches.Planned(it, match(), "full") for it in items],
                quarantined=[],
                gone=[],
                cursor="x",
                now=NOW,
            )

    for r in range(rounds):
        keys = [f"k{r}-{n:03d}" for n in range(per_batch)]
        assert _race(2, lambda i, keys=keys: work(i, keys)) == []
    with pg_sessions() as s:
        assert s.scalar(select(func.count()).select_from(Communication)) == rounds * per_batch
        assert s.scalar(select(func.count()).select_from(Source)) == 2 * rounds * per_batch


def _auto_match(domain: str, address: str) -> MatchResult:
    links = (
        LinkDecision(None, None, "auto_created_company", address, "new", domain, None),
        LinkDecision(None, None, "auto_created_contact", address, "new", None, address),
    )
    return MatchResult(
        links,
        "inbound",
        True,
        None,
        (NewContact(address, "Oksana", None, domain, "new"),),
        (NewCompany(domain, "Kvitka", "new"),),
    )


def _waiting_on_a_lock(sessions: sessionmaker[Session]) -> bool:
    with sessions() as s:
        return bool(
            s.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        )


def test_two_daemons_auto_creating_one_company_make_one(pg_sessions) -> None:  # type: ignore[no-untyped-def]
    ids = _connectors(pg_sessions, 2)

    def write(s: Session, i: int) -> None:
        batches.apply_batch(
            s,
            connector_id=ids[i],
            scope="INBOX",
            planned=[
                batches.Planned(
                    mail(f"key-{i}", f"r{i}", connector=f"c{i}"),
                    _auto_match("kvitka.ua", "oksana@kvitka.ua"),
                    "full",
                )
            ],
            quarantined=[],
            gone=[],
            cursor="x",
            now=NOW,
        )

    errors: list[BaseException] = []
    with pg_sessions.begin() as first:
        write(first, 0)  # daemon 0 created the company, not yet committed
        second = lambda: write_retried(pg_sessions, lambda s: write(s, 1))  # noqa: E731
        other = threading.Thread(target=_record, args=(errors, second))
        other.start()
        deadline = time.monotonic() + 10
        while not _waiting_on_a_lock(pg_sessions):  # daemon 1 waits on the same domain
            assert time.monotonic() < deadline, "the second daemon never reached the domain"
            time.sleep(0.02)
    other.join(30)
    assert errors == []
    with pg_sessions() as s:
        assert s.scalar(select(func.count()).select_from(Company)) == 1
        assert s.scalar(select(func.count()).select_from(CompanyDomain)) == 1
        assert s.scalar(select(func.count()).select_from(Contact)) == 1
        assert s.scalar(select(func.count()).select_from(Communication)) == 2
        companies = s.scalars(select(Link.company_id).where(Link.company_id.is_not(None)))
        assert len(set(companies)) == 1  # both items on the one company


def _record(errors: list[BaseException], fn: Callable[[], object]) -> None:
    try:
        fn()
    except BaseException as exc:  # reported by the test
        errors.append(exc)
