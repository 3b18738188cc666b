"""Two daemons share one PostgreSQL and four mailboxes that hold the same mail.

A message a colleague sent to another sits in both mailboxes, and each
server lists it in its own order; unknown correspondents' companies are
auto-created by whichever daemon meets them first. Run for real: Dovecot,
PostgreSQL, two pipelines with their own connections, started together.
The leases must split the connectors, and the timeline must hold every
message once, with one source per mailbox and one company per new domain.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syncd.metrics import Metrics
from syncd.pipeline import RunReport
from tests.integration.conftest import (
    INTERNAL,
    imap_connector,
    make_pipeline,
    message,
    query,
    seed_crm,
    settings_for,
)
from tests.servers.dovecot import DovecotServer

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

MAILBOXES = 4
MESSAGES = 160
NEW_DOMAINS = [f"firma{i}.sk" for i in range(12)]


@pytest.fixture
def pg_url(pg_database: str) -> str:
    from syncd.store.migrate import upgrade
    from tests.conftest import _fresh_pg

    engine = _fresh_pg(pg_database)
    upgrade(engine)
    engine.dispose()
    return pg_database


def _sender(n: int) -> str:
    """Two of three messages come from new people at new companies."""
    if n % 3 == 0:
        return "Ján Novák <jan@acme.sk>"
    return f"Klient {n} <klient{n % 30}@{NEW_DOMAINS[n % len(NEW_DOMAINS)]}>"


def _fill(dovecot: DovecotServer) -> tuple[list[str], dict[int, list[int]]]:
    """Four mailboxes; message n is in every mailbox but one, each listed in its own order."""
    now = datetime.now(UTC)
    raws = {
        n: message(
            n,
            sender=_sender(n),
            to=f"Peter <peter@{INTERNAL}>, Eva <eva@{INTERNAL}>",
            when=now - timedelta(hours=n + 1),
        )
        for n in range(MESSAGES)
    }
    users, held = [], {}
    for box in range(MAILBOXES):
        user = dovecot.add_user()
        numbers = [n for n in range(MESSAGES) if n % MAILBOXES != box]
        if box % 2:
            numbers.reverse()  # the other server's order
        dovecot.write_messages(user, "INBOX", [raws[n] for n in numbers])
        users.append(user)
        held[box] = numbers
    return users, held


def test_two_daemons_split_the_mailboxes_and_store_each_message_once(
    dovecot: DovecotServer, tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNCD_TEST_IMAP_PASSWORD", "secret")
    seed_crm(pg_url)
    users, held = _fill(dovecot)
    connectors = [
        imap_connector(_User(dovecot, u), name=f"box{i}", since="30d") for i, u in enumerate(users)
    ]
    settings = settings_for(
        tmp_path,
        pg_url,
        connectors,
        batch_size=10,
        matching={"auto_create": "contacts_and_companies"},
    )
    daemons = [make_pipeline(settings, pg_url, owner=f"daemon-{d}") for d in "ab"]
    runs: list[tuple[str, RunReport]] = []
    held_lease: list[tuple[str, float, float]] = []  # connector, while its scopes synced
    lock = threading.Lock()
    start = threading.Barrier(len(daemons))

    def recorded(pipeline):  # type: ignore[no-untyped-def]
        inner = pipeline._sync_scopes

        def sync_scopes(connector, cfg, cid, report):  # type: ignore[no-untyped-def]
            began = time.monotonic()
            try:
                return inner(connector, cfg, cid, report)
            finally:
                with lock:
                    held_lease.append((cfg.name, began, time.monotonic()))

        pipeline._sync_scopes = sync_scopes
        return pipeline

    def work(pipeline) -> None:  # type: ignore[no-untyped-def]
        recorded(pipeline)
        start.wait()
        for _ in range(3):  # a daemon's passes: each tries every connector
            for cfg in settings.connectors:
                report = pipeline.sync(cfg.name)
                with lock:
                    runs.append((pipeline.owner, report))

    threads = [threading.Thread(target=work, args=(d,)) for d in daemons]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)

    assert {r.status for _, r in runs} <= {"ok", "leased"}, [
        (r.connector, r.status, r.error) for _, r in runs
    ]
    for box in range(MAILBOXES):  # a lease lets one daemon at a time sync a mailbox
        spans = sorted((b, e) for name, b, e in held_lease if name == f"box{box}")
        assert spans and all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert {owner for owner, r in runs if r.created} == {"daemon-a", "daemon-b"}
    metrics = Metrics()
    for _, r in runs:
        metrics.observe(r)
    retried = sum(r.retried for _, r in runs)
    counted = sum(
        s.value for m in metrics.retried.collect() for s in m.samples if s.name.endswith("_total")
    )
    assert counted == retried  # races lost (if any this run) show in the metrics

    (items,) = query(pg_url, "SELECT count(*), count(DISTINCT dedupe_key) FROM communications")
    assert items == (MESSAGES, MESSAGES)
    (sources,) = query(pg_url, "SELECT count(*) FROM sources")
    assert sources == (sum(len(v) for v in held.values()),)
    per_item = query(pg_url, "SELECT communication_id, count(*) FROM sources GROUP BY 1")
    assert {n for _, n in per_item} == {MAILBOXES - 1}
    companies = query(
        pg_url, "SELECT d.domain FROM companies c JOIN company_domains d ON d.company_id = c.id "
        "WHERE c.auto_created"
    )  # fmt: skip
    new = {_sender(n).rpartition("@")[2].rstrip(">") for n in range(MESSAGES) if n % 3}
    assert sorted(d for (d,) in companies) == sorted(new) and len(new) >= 8
    (contacts,) = query(pg_url, "SELECT count(*), count(DISTINCT email) FROM contact_emails")
    assert contacts[0] == contacts[1]
    (linked,) = query(
        pg_url, "SELECT count(DISTINCT communication_id) FROM links WHERE NOT unlinked"
    )
    assert linked == (MESSAGES,)


class _User:
    """What ``imap_connector`` reads of a test user."""

    def __init__(self, server: DovecotServer, name: str) -> None:
        self.server, self.name = server, name
