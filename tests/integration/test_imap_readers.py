"""Big backfills read by helper processes (``connectors.imap.reader_process``), real Dovecot.

The readers fetch and parse; the caller stores in chunk order. These tests
check that a backfill read that way stores exactly what reading inline
stores, with the same cursors, and that a reader that dies or loses its
connection hands over to the caller without losing or doubling a message.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs

from connectors import workers
from connectors.base import Batch, MailItem, ScopeState
from connectors.imap import reader_process, sync
from syncd import logs
from tests.integration.conftest import (
    ImapUser,
    connector_of,
    imap_connector,
    make_pipeline,
    message,
    query,
    seed_crm,
    settings_for,
)

pytestmark = pytest.mark.integration
COUNT = 40


@pytest.fixture(autouse=True)
def _info_logs_captured() -> Iterator[None]:
    """capture_logs sees info events even if an earlier test filtered them out."""
    old = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
    yield
    structlog.configure(**old)


@pytest.fixture()
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Readers for any backfill of 10 or more messages (the default is 1,000)."""
    monkeypatch.setattr(sync, "READERS_MIN_MESSAGES", 10)


def _fill(user: ImapUser) -> None:
    for i in range(COUNT):
        raw = message(
            i,
            subject=f"Objednávka {i:02d}",
            attachment=i % 4 == 0,
            message_id=None if i % 9 == 0 else True,
            body=f"Dobrý deň, v prílohe je objednávka č. {i}.\n" * (1 + i % 3),
        )
        user.append("INBOX", raw)
    user.append("INBOX", b"\x01 not mail at all\r\n")  # quarantined, in a reader too


def _batches(user: ImapUser, workers: int, visibility: str = "full") -> list[Batch]:
    cfg = imap_connector(user, since=None, visibility=visibility)
    settings = settings_for(Path("."), "sqlite://", [cfg], batch_size=7, sync={"workers": workers})
    connector = connector_of(settings)
    try:
        connector.scopes()
        return list(connector.fetch("INBOX", ScopeState(None)))
    finally:
        connector.close()


@pytest.mark.parametrize("visibility", ["full", "subject"])
def test_readers_yield_the_batches_inline_reading_yields(
    imap_user: ImapUser, small_threshold: None, visibility: str
) -> None:
    _fill(imap_user)
    inline = _batches(imap_user, workers=1, visibility=visibility)
    with capture_logs() as logs:
        helped = _batches(imap_user, workers=2, visibility=visibility)
    assert _reader_events(logs) == ["imap_readers", "imap_readers_finished"]
    assert helped == inline  # same entries, same order, same cursor after each batch
    entries = [e for b in helped for e in b.entries]
    assert len(entries) == COUNT + 1
    assert sum(isinstance(e, MailItem) for e in entries) == COUNT
    assert all(e.raw is None for e in entries if isinstance(e, MailItem))


def test_backfills_share_the_reader_slots(imap_user: ImapUser, small_threshold: None) -> None:
    """With every slot held by other backfills, a backfill reads inline, the same batches."""
    _fill(imap_user)
    inline = _batches(imap_user, workers=1)
    held = reader_process._take_slots(1000)
    try:
        with capture_logs() as logs:
            busy = _batches(imap_user, workers=2)
    finally:
        reader_process._release_slots(held)
    assert _reader_events(logs) == ["imap_readers_busy"]
    assert busy == inline
    with capture_logs() as logs:  # the slots are free again
        assert _batches(imap_user, workers=2) == inline
    assert _reader_events(logs) == ["imap_readers", "imap_readers_finished"]


def test_a_stopped_daemon_ends_its_readers(
    imap_user: ImapUser, tmp_path: Path, db_url: str, small_threshold: None
) -> None:
    """A stop between batches (SIGTERM) ends the sync and its readers, which are still
    busy (a reader blocks once the pipe holds what the store has not taken yet)."""
    seed_crm(db_url)
    body = "Dobrý deň, posielam podklady k zákazke.\n" * 200  # ~8 KiB of text each
    for i in range(120):
        imap_user.append("INBOX", message(i, subject=f"Podklady {i:03d}", body=body))
    stop = threading.Event()
    alive_at_stop: list[bool] = []

    def progress(*_: object) -> None:
        pids = [p for e in logs if e["event"] == "imap_readers" for p in e["pids"]]
        alive_at_stop.extend(_alive(p) for p in pids)
        stop.set()

    cfg = imap_connector(imap_user, since=None)
    settings = settings_for(tmp_path, db_url, [cfg], batch_size=10, sync={"workers": 2})
    pipeline = make_pipeline(settings, db_url, stop=stop, progress=progress)
    with capture_logs() as logs:
        report = pipeline.sync("imap")
    assert alive_at_stop == [True, True]  # busy readers, not finished ones
    assert report.status == "stopped", report
    assert query(db_url, "SELECT count(*) FROM communications")[0][0] < 120
    (started,) = [e for e in logs if e["event"] == "imap_readers"]
    assert len(started["pids"]) == 2
    for pid in started["pids"]:
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid), f"reader {pid} outlived the stopped sync"
    stop.clear()
    pipeline.progress = None
    again = pipeline.sync("imap")  # the next run resumes from the stored cursor
    assert again.status == "ok"
    assert query(db_url, "SELECT count(*) FROM communications")[0][0] == 120


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def _mark_started(folder: str) -> None:
    """A helper set-up (``connectors.workers.set_helper_setup``): one file per process."""
    Path(folder, str(os.getpid())).touch()


def test_readers_run_the_runtimes_set_up_first(
    imap_user: ImapUser, small_threshold: None, tmp_path: Path
) -> None:
    """The runtime's logging set-up (``syncd.logs.configure``) reaches every reader."""
    _fill(imap_user)
    workers.set_helper_setup(partial(_mark_started, str(tmp_path)))
    try:
        _batches(imap_user, workers=2)
    finally:
        workers.set_helper_setup(None)
    assert len(list(tmp_path.iterdir())) == 2  # both readers, each in its own process
    assert str(os.getpid()) not in {p.name for p in tmp_path.iterdir()}


def test_syncd_logs_configure_registers_the_helper_set_up() -> None:
    old = structlog.get_config()
    try:
        logs.configure(verbose=True, json=True)
        setup = workers.helper_setup()
        assert isinstance(setup, partial) and setup.args == (logging.DEBUG, True)
    finally:
        structlog.configure(**old)
        workers.set_helper_setup(None)


def _reader_events(logs: list[dict[str, Any]]) -> list[str]:
    return [e["event"] for e in logs if e["event"].startswith("imap_reader")]


def _killing_first_reader(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Kill the readers as soon as the caller has its first chunk; returns the chunks seen."""
    seen: list[int] = []
    results = reader_process.ReaderPool.results

    def results_then_kill(self: Any) -> Iterator[tuple[int, list[Any]]]:
        for n, entries in results(self):
            seen.append(n)
            if len(seen) == 1:
                for proc in self._procs:
                    proc.kill()
                    proc.join(5)
            yield n, entries

    monkeypatch.setattr(reader_process.ReaderPool, "results", results_then_kill)
    return seen


@pytest.fixture()
def crm_and_mail(imap_user: ImapUser, db_url: str, small_threshold: None) -> str:
    """The test database with a CRM, and the mailbox filled; returns the database URL."""
    seed_crm(db_url)
    _fill(imap_user)
    return db_url


def test_a_reader_killed_midway_hands_over_to_the_caller(
    imap_user: ImapUser, tmp_path: Path, crm_and_mail: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_url = crm_and_mail
    seen = _killing_first_reader(monkeypatch)
    cfg = imap_connector(imap_user, since=None)
    settings = settings_for(tmp_path, db_url, [cfg], batch_size=7, sync={"workers": 2})
    pipeline = make_pipeline(settings, db_url)
    with capture_logs() as logs:
        report = pipeline.sync("imap")
    assert report.status == "ok", report.error
    failed = [e for e in logs if e["event"] == "imap_reader_failed"]
    assert len(failed) == 1 and failed[0]["chunk"] > 0
    assert seen[0] == 0 and len(seen) <= failed[0]["chunk"]
    subjects = [s for (s,) in query(db_url, "SELECT subject FROM communications")]
    assert sorted(subjects) == sorted(f"Objednávka {i:02d}" for i in range(COUNT))
    assert query(db_url, "SELECT count(*) FROM quarantine")[0][0] == 1
    live = query(db_url, "SELECT remote_id FROM sources WHERE gone_at IS NULL")
    assert len(live) == COUNT
    again = pipeline.sync("imap")
    assert again.status == "ok" and again.created == 0 and again.quarantined == 0


def test_readers_log_in_with_the_callers_oauth2_token(
    imap_user: ImapUser, tmp_path: Path, crm_and_mail: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader gets the caller's access token; the provider is asked for one token only."""
    db_url = crm_and_mail
    provider = imap_user.server.oauth
    monkeypatch.setenv("SYNCD_TEST_REFRESH", provider.grant(imap_user.name))
    secret = tmp_path / "client_secret"
    secret.write_text("s3cret\n")
    cfg = imap_connector(
        imap_user,
        since=None,
        auth="oauth2",
        password_env=None,
        oauth2_token_url=f"{provider.url}/token",
        oauth2_client_id="syncd",
        oauth2_client_secret_file=str(secret),
        oauth2_refresh_token_env="SYNCD_TEST_REFRESH",
    )
    before = provider.token_requests
    pipeline = make_pipeline(
        settings_for(tmp_path, db_url, [cfg], batch_size=7, sync={"workers": 2}), db_url
    )
    with capture_logs() as logs:
        started = time.monotonic()
        report = pipeline.sync("imap")
    assert report.status == "ok", report.error
    assert report.created == COUNT and time.monotonic() - started < 60
    assert _reader_events(logs) == ["imap_readers", "imap_readers_finished"]
    assert provider.token_requests == before + 1
