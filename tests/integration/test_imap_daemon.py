"""The daemon against Dovecot: IDLE push lands new mail fast, polls reuse the connection."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from syncd.pipeline import Pipeline
from syncd.scheduler import Scheduler
from syncd.store.db import make_engine
from tests.integration.conftest import (
    ImapUser,
    imap_commands,
    imap_connector,
    message,
    query,
    seed_crm,
    settings_for,
)

pytestmark = pytest.mark.integration


def _count(db_url: str) -> int:
    return query(db_url, "SELECT count(*) FROM communications")[0][0]


def test_idle_daemon_logs_an_append_within_two_seconds(
    imap_user: ImapUser, tmp_path: Path, db_url: str
) -> None:
    seed_crm(db_url)
    imap_user.append("INBOX", message(1))
    settings = settings_for(tmp_path, db_url, [imap_connector(imap_user, idle=True)])
    pipeline = Pipeline(settings, make_engine(db_url))
    pipeline.prepare()
    stop = threading.Event()
    scheduler = Scheduler(pipeline, interval=120, stop=stop, housekeeping_every=0.5)
    worker = threading.Thread(target=scheduler.run, daemon=True)
    with imap_commands() as sent:
        worker.start()
        try:
            deadline = time.monotonic() + 20
            while _count(db_url) < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _count(db_url) == 1
            time.sleep(0.5)  # let the worker reach IDLE
            latencies = []
            for i in range(2, 5):
                imap_user.append("INBOX", message(i))
                started = time.monotonic()
                while _count(db_url) < i and time.monotonic() - started < 10:
                    time.sleep(0.02)
                latencies.append(time.monotonic() - started)
                time.sleep(0.3)
        finally:
            stop.set()
            worker.join(30)
    assert _count(db_url) == 4
    assert max(latencies) < 2.0, latencies  # the poll interval is 120 s: this is push
    # One long-lived connector: the sync connection, IDLE and the start-up verify
    # log in once each; the test's own three APPEND connections log in too.
    assert sent.count("LOGIN") - 3 <= 3, sent
    pipeline.engine.dispose()
