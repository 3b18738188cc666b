"""The pipeline reads a connector ahead on a thread: order, errors, early stops.

A scripted connector (the pipeline is under test, not a protocol) against a
real database on both backends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from connectors.base import Batch, CheckResult, MailItem, Participant, ScopeState, SourceRef
from syncd.errors import AuthError, SyncdError
from syncd.pipeline import Pipeline
from syncd.store import syncstate
from syncd.store.db import make_engine, session_factory
from syncd.store.models import ConnectorRow, Source, SyncCursor
from tests.integration.conftest import seed_crm, settings_for

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def _mail(scope: str, n: int) -> MailItem:
    return MailItem(
        source=SourceRef("fake", scope, str(n)),
        dedupe_key=f"<m{n}.{scope}@acme.sk>",
        message_id=f"m{n}.{scope}@acme.sk",
        subject=f"Ponuka {n}",
        body_text="Dobrý deň",
        occurred_at=T0 + timedelta(minutes=n),
        participants=(
            Participant("jan@acme.sk", "Ján", "from"),
            Participant("peter@tatrasoft.sk", "Peter", "to"),
        ),
        thread_key=None,
    )


class Scripted:
    """Yields ``batches`` batches of 3 mails per scope; may fail at one of them."""

    name = "fake"

    def __init__(
        self, batches: int = 5, fail_at: int | None = None, error: BaseException | None = None
    ) -> None:
        self.batches, self.fail_at, self.error = batches, fail_at, error
        self.threads: set[int] = set()
        self.closed: list[str] = []
        self.fetched: list[tuple[str, int]] = []

    def scopes(self) -> list[str]:
        return ["INBOX", "Sent"]

    def fetch(self, scope: str, state: ScopeState) -> Iterator[Batch]:
        start = int(state.cursor or 0)
        try:
            for b in range(start, self.batches):
                self.threads.add(threading.get_ident())
                if b == self.fail_at and self.error is not None:
                    raise self.error
                self.fetched.append((scope, b))
                items = tuple(_mail(scope, b * 3 + k) for k in range(3))
                yield Batch(scope, items, cursor=str(b + 1), total_hint=self.batches * 3)
        finally:
            self.threads.add(threading.get_ident())
            self.closed.append(scope)

    def check(self) -> CheckResult:
        return CheckResult(True, tuple(self.scopes()), "")


def _pipeline(tmp_path: Path, db_url: str, **kwargs: object) -> Pipeline:
    seed_crm(db_url)
    settings = settings_for(tmp_path, db_url, [{"name": "fake", "kind": "eml", "path": "/x"}])
    pipeline = Pipeline(settings, make_engine(db_url), **kwargs)  # type: ignore[arg-type]
    pipeline.prepare()
    return pipeline


def _cursors(pipeline: Pipeline) -> dict[str, str | None]:
    with session_factory(pipeline.engine)() as s:
        return {c.scope: c.value for c in s.scalars(select(SyncCursor))}


def _fetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("fetch-")]


def _connector_id(pipeline: Pipeline) -> int:
    with pipeline.sessions() as s:
        return s.scalars(select(ConnectorRow.id).where(ConnectorRow.name == "fake")).one()


def _sources(pipeline: Pipeline) -> int:
    with session_factory(pipeline.engine)() as s:
        return s.scalar(select(func.count()).select_from(Source)) or 0


@pytest.mark.parametrize("prefetch", [0, 1, 2])
def test_batches_are_stored_in_order_with_their_cursor(
    tmp_path: Path, db_url: str, prefetch: int
) -> None:
    seen: list[tuple[str, int]] = []
    pipeline = _pipeline(
        tmp_path, db_url, prefetch=prefetch, progress=lambda c, s, d, t: seen.append((s, d))
    )
    connector = Scripted()
    report = pipeline.sync("fake", connector=connector)
    assert report.status == "ok", report
    assert report.created == 30
    assert seen == [(s, d) for s in ("INBOX", "Sent") for d in (3, 6, 9, 12, 15)]
    assert _cursors(pipeline) == {"INBOX": "5", "Sent": "5"}
    assert sorted(connector.closed) == ["INBOX", "Sent"]
    if prefetch:  # the generator ran on the read-ahead thread, never on ours
        assert threading.get_ident() not in connector.threads
    assert not _fetch_threads()


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (AuthError("credentials refused"), "auth_failed"),
        (SyncdError("folder vanished"), "partial"),
        (RuntimeError("connector bug"), "error"),
    ],
)
def test_fetch_error_keeps_stored_batches_and_reports_like_before(
    tmp_path: Path, db_url: str, error: BaseException, status: str
) -> None:
    pipeline = _pipeline(tmp_path, db_url)
    report = pipeline.sync("fake", connector=Scripted(fail_at=2, error=error))
    assert report.status == status, report
    assert str(error) in (report.error or "") + "".join(report.scope_errors.values())
    cursors = _cursors(pipeline)
    assert cursors["INBOX"] == "2"  # batches 0 and 1 committed, then the error
    # the next run resumes after the last stored batch (credentials fixed)
    with pipeline.sessions.begin() as s:
        s.scalars(select(ConnectorRow)).one().status = "idle"
    again = pipeline.sync("fake", connector=Scripted())
    assert again.status == "ok", again
    assert _cursors(pipeline) == {"INBOX": "5", "Sent": "5"}
    assert _sources(pipeline) == 30


def test_lost_lease_stops_reading_and_closes_the_generator(tmp_path: Path, db_url: str) -> None:
    def steal(connector: str, scope: str, done: int, total: int | None) -> None:
        if done == 6:  # another daemon's lease, valid for a while
            with pipeline.sessions.begin() as s:
                row = s.scalars(select(ConnectorRow).where(ConnectorRow.name == "fake")).one()
                row.lease_owner = "other:1"
                row.lease_until = datetime.now(UTC) + timedelta(hours=1)

    pipeline = _pipeline(tmp_path, db_url, progress=steal)
    connector = Scripted(batches=1000)
    report = pipeline.sync("fake", connector=connector)
    assert "taken over" in "".join(report.scope_errors.values()), report
    assert _cursors(pipeline)["INBOX"] == "2"
    assert "INBOX" in connector.closed
    assert max(b for s, b in connector.fetched if s == "INBOX") <= 5  # read ahead, bounded
    assert not _fetch_threads()
    with pipeline.sessions() as s:  # the other daemon still holds it
        assert not syncstate.try_lease(
            s, _connector_id(pipeline), "third:1", datetime.now(UTC), timedelta(minutes=1)
        )


def test_stop_event_ends_the_sync_after_the_stored_batch(tmp_path: Path, db_url: str) -> None:
    stop = threading.Event()

    def progress(connector: str, scope: str, done: int, total: int | None) -> None:
        if done == 6:
            stop.set()

    pipeline = _pipeline(tmp_path, db_url, stop=stop, progress=progress)
    connector = Scripted(batches=1000)
    report = pipeline.sync("fake", connector=connector)
    assert report.status == "stopped", report
    assert _cursors(pipeline) == {"INBOX": "2"}
    assert connector.closed == ["INBOX"]
    assert not _fetch_threads()
