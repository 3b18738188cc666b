"""Connector → matcher → store, one batch per short transaction.

For every scope of a connector the pipeline reads the stored cursor, lets the
connector yield batches, matches each item against an in-memory CRM index,
and hands the batch to the store, which writes items and the new cursor in
one transaction. Errors are contained per scope (one bad folder never stops
the others) and per connector (the caller's loop goes on with the next).

The connector reads its next batch on a thread of its own while the current
one is matched and stored (:mod:`syncd.prefetch`): network waits and the
database's own work (both outside the GIL) overlap. Batches are still stored
strictly in the connector's order, each with its cursor.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from connectors.base import Batch, Connector, Gone, MailItem, MeetingItem, Quarantined, ScopeState
from matching import CrmIndex, MatchPolicy, MatchResult, MessageSignals, match_participants
from matching.engine import NO_MATCH
from syncd.config import ConnectorConfig, Settings
from syncd.errors import AuthError, SyncdError
from syncd.prefetch import Prefetcher
from syncd.registry import build_connector
from syncd.store import batches, crm, syncstate
from syncd.store.db import session_factory
from syncd.store.relink import RelinkStats, relink_all
from syncd.store.transactions import write_retried

log = structlog.get_logger()

LEASE_TTL = timedelta(minutes=5)
INDEX_CHECK_EVERY = 10.0  # seconds between CRM fingerprint checks during a sync
RELINK_JOB = "@relink"  # lease row for the retroactive re-link job
ProgressFn = Callable[[str, str, int, int | None], None]  # connector, scope, done, total


class LeaseLost(SyncdError):
    """Another daemon holds this connector now; stop without writing."""


class Stopped(SyncdError):
    """The daemon is shutting down: the sync ends after the batch it stored."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def policy_from(settings: Settings) -> MatchPolicy:
    m = settings.matching
    return MatchPolicy(
        strip_plus_tags=m.strip_plus_tags,
        provider_rules=m.provider_rules,
        freemail_add=frozenset(d.lower() for d in m.freemail_add),
        freemail_remove=frozenset(d.lower() for d in m.freemail_remove),
        blocklist=tuple(m.blocklist),
        drop_robots=m.drop_robots,
        drop_bulk=m.drop_bulk,
        log_internal_only=m.log_internal_only,
        log_without_external=m.log_without_external,
        auto_create=m.auto_create,
    )


def config_hash(cfg: ConnectorConfig) -> str:
    return hashlib.sha256(cfg.model_dump_json().encode()).hexdigest()


@dataclass(slots=True)
class RunReport:
    connector: str
    status: str = "ok"
    created: int = 0
    updated: int = 0
    sources: int = 0
    quarantined: int = 0
    gone: int = 0
    dropped: int = 0
    retried: int = 0  # batches written again after losing a race with another daemon
    scope_errors: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0


@contextlib.contextmanager
def _closing(fetched: Iterator[Batch]) -> Iterator[Iterator[Batch]]:
    try:
        yield fetched
    finally:
        close = getattr(fetched, "close", None)
        if callable(close):
            close()


class Pipeline:
    """Runs connectors against one database; safe to share it with other daemons."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        owner: str | None = None,
        progress: ProgressFn | None = None,
        now: Callable[[], datetime] = utcnow,
        stop: threading.Event | None = None,
        prefetch: int = 1,
    ) -> None:
        """``stop`` ends running syncs between batches; ``prefetch`` is how many
        batches a connector may read ahead of the store (0: no overlap)."""
        self.settings = settings
        self.engine = engine
        self.sessions = session_factory(engine)
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}"
        self.progress = progress
        self.now = now
        self.stop = stop or threading.Event()
        self.prefetch = prefetch
        self.policy = policy_from(settings)
        self._index: CrmIndex | None = None
        self._fingerprint: tuple[object, ...] | None = None
        self._relinked_at: tuple[object, ...] | None = None
        self._index_lock = threading.Lock()
        self._index_checked = 0.0

    # --- CRM index -----------------------------------------------------------

    def index(self, session: Session, *, fresh: bool = True) -> CrmIndex:
        """The matcher's index, rebuilt only when CRM records changed.

        The fingerprint query scans the CRM tables (about 0.3-0.8 s at a million
        contacts), so batches of a sync (``fresh=False``) check it at most every
        INDEX_CHECK_EVERY seconds; each new pass, and records the sync itself
        auto-creates, check at once.
        """
        with self._index_lock:
            now = time.monotonic()
            recent = now - self._index_checked < INDEX_CHECK_EVERY
            if self._index is not None and recent and not fresh:
                return self._index
            fp = crm.crm_fingerprint(session)
            self._index_checked = now
            return self._current_index(session, fp)

    def _current_index(self, session: Session, fp: tuple[object, ...]) -> CrmIndex:
        if self._index is None or fp != self._fingerprint:
            started = time.perf_counter()
            self._index = crm.load_index(
                session, self.policy, self.settings.organisation.internal_domains
            )
            self._fingerprint = fp
            log.info("crm_index_built", ms=round((time.perf_counter() - started) * 1000))
        return self._index

    def prepare(self) -> None:
        """Write the config's organisation (internal domains, users) to the CRM."""
        org = self.settings.organisation
        with self.sessions.begin() as s:
            crm.sync_organisation(s, org.internal_domains, [(u.name, u.email) for u in org.users])

    # --- running -------------------------------------------------------------

    def sync(
        self, name: str, *, full: bool = False, connector: Connector | None = None
    ) -> RunReport:
        cfg = self.settings.connector(name)
        report = RunReport(connector=name)
        started = time.perf_counter()
        self._index_checked = 0.0  # a new pass sees CRM edits made since the last
        with self.sessions.begin() as s:
            cid = syncstate.ensure_connector(s, name, cfg.kind, config_hash(cfg))
            status = s.get(syncstate.ConnectorRow, cid).status  # type: ignore[union-attr]
            if status == "auth_failed":
                report.status = "auth_failed"
                report.error = "credentials were refused; fix the config to retry"
                return report
            if not syncstate.try_lease(s, cid, self.owner, self.now(), LEASE_TTL):
                report.status = "leased"
                return report
            if full:
                syncstate.reset_cursors(s, cid)
        try:
            connector = connector or build_connector(cfg, self.settings)
            self._sync_scopes(connector, cfg, cid, report)
        except AuthError as exc:
            report.status, report.error = "auth_failed", str(exc)
        except Stopped:
            report.status = "stopped"
        except SyncdError as exc:
            report.status, report.error = "error", str(exc)
        except Exception as exc:  # the per-connector boundary: record, never crash the daemon
            log.exception("connector_failed", connector=name)
            report.status, report.error = "error", f"{type(exc).__name__}: {exc}"
        if report.status == "ok" and report.scope_errors:
            report.status = "partial"
        report.seconds = time.perf_counter() - started
        with self.sessions.begin() as s:
            syncstate.record_run(
                s,
                cid,
                status=report.status,
                now=self.now(),
                items=report.created,
                error=report.error or next(iter(report.scope_errors.values()), None),
            )
            syncstate.release_lease(s, cid, self.owner)
        log.info(
            "connector_synced",
            connector=name,
            status=report.status,
            created=report.created,
            updated=report.updated,
            quarantined=report.quarantined,
            gone=report.gone,
            dropped=report.dropped,
            seconds=round(report.seconds, 2),
        )
        return report

    def _sync_scopes(
        self, connector: Connector, cfg: ConnectorConfig, cid: int, report: RunReport
    ) -> None:
        for scope in connector.scopes():
            try:
                self._sync_scope(connector, cfg, cid, scope, report)
            except (AuthError, Stopped):
                raise
            except SyncdError as exc:
                report.scope_errors[scope] = str(exc)
                log.warning("scope_failed", connector=cfg.name, scope=scope, error=str(exc))
                with self.sessions.begin() as s:
                    syncstate.record_scope_error(s, cid, scope, str(exc), self.now())

    def _sync_scope(
        self, connector: Connector, cfg: ConnectorConfig, cid: int, scope: str, report: RunReport
    ) -> None:
        with self.sessions() as s:
            state = ScopeState(
                cursor=syncstate.load_cursor(s, cid, scope),
                known_remote_ids=syncstate.known_remote_ids(s, cid, scope),
            )
        done = 0
        with self._fetched(connector, scope, state) as fetched:
            for batch in fetched:
                done += len(batch.entries)
                self._apply(batch, cfg, cid, report, (done, batch.total_hint))
                if self.progress:
                    self.progress(cfg.name, scope, done, batch.total_hint)
                if self.stop.is_set():
                    raise Stopped(f"connector {cfg.name} stopped after a stored batch")

    def _fetched(
        self, connector: Connector, scope: str, state: ScopeState
    ) -> contextlib.AbstractContextManager[Iterator[Batch]]:
        """The connector's batches, read ahead on a thread while the store works."""
        if self.prefetch <= 0:
            return _closing(connector.fetch(scope, state))
        return Prefetcher(
            lambda: connector.fetch(scope, state),
            depth=self.prefetch,
            name=f"fetch-{connector.name}",
        )

    def _apply(
        self,
        batch: Batch,
        cfg: ConnectorConfig,
        cid: int,
        report: RunReport,
        progress: tuple[int, int | None] | None = None,
    ) -> None:
        def write(s: Session) -> tuple[batches.BatchStats, int]:
            if not syncstate.try_lease(s, cid, self.owner, self.now(), LEASE_TTL):
                raise LeaseLost(f"connector {cfg.name} was taken over by another daemon")
            index = self.index(s, fresh=False)
            planned: list[batches.Planned] = []
            quarantined: list[Quarantined] = []
            ignored: list[tuple[MailItem | MeetingItem, str]] = []
            gone = []
            matches: dict[object, MatchResult] = {}
            dropped = 0
            for entry in batch.entries:
                if isinstance(entry, Quarantined):
                    quarantined.append(entry)
                elif isinstance(entry, Gone):
                    gone.append(entry.source)
                else:
                    signals = (
                        MessageSignals(entry.list_id, entry.precedence, entry.auto_submitted)
                        if isinstance(entry, MailItem)
                        else None
                    )
                    # Occurrences of a series, and many mails of a thread, share
                    # their participants: match each distinct set once per batch.
                    key = (entry.participants, signals)
                    match = matches.get(key)
                    if match is None:
                        match = matches[key] = match_participants(
                            entry.participants, index, self.policy, signals
                        )
                    if not match.log and not (
                        self.settings.matching.keep_unmatched and match.drop_reason == NO_MATCH
                    ):
                        dropped += 1
                        ignored.append((entry, match.drop_reason or "not logged by policy"))
                        continue
                    planned.append(batches.Planned(entry, match, cfg.visibility))
            stats = batches.apply_batch(
                s,
                connector_id=cid,
                scope=batch.scope,
                planned=planned,
                quarantined=quarantined,
                gone=gone,
                cursor=batch.cursor,
                keep_cursor=batch.keep_cursor,
                ignored=ignored,
                progress=progress,
                now=self.now(),
            )
            return stats, dropped

        # A race with another daemon (deadlock, a record it created first) rolls
        # the batch back; it is matched and written again from the start.
        def retried() -> None:
            report.retried += 1

        stats, dropped = write_retried(self.sessions, write, on_retry=retried)
        report.dropped += dropped
        if stats.auto_created:
            self._fingerprint = None  # new CRM records: rebuild the index next batch
            self._index_checked = 0.0
        report.created += stats.created
        report.updated += stats.updated
        report.sources += stats.sources_added
        report.quarantined += stats.quarantined
        report.gone += stats.gone

    def sync_all(self, *, full: bool = False) -> list[RunReport]:
        return [self.sync(c.name, full=full) for c in self.settings.connectors if c.enabled]

    # --- verify and relink -----------------------------------------------------

    def verify(self, name: str, *, fill: bool = True) -> dict[str, dict[str, int | str]]:
        """Compare the server's messages with the store per scope; fill gaps."""
        from syncd.verify import verify_connector

        return verify_connector(self, name, fill=fill)

    def relink(self, progress: Callable[[int, int], None] | None = None) -> RelinkStats:
        """Re-match every stored item against the CRM as it is now."""
        with self.sessions() as s:
            index = self.index(s)
        stats = relink_all(self.sessions, index, self.policy, self.now(), progress=progress)
        log.info(
            "relinked",
            items=stats.items,
            created=stats.created,
            removed=stats.removed,
            updated=stats.updated,
        )
        return stats

    def relink_if_crm_changed(self) -> RelinkStats | None:
        """The daemon's retroactive re-link: only when CRM records changed."""
        with self.sessions() as s:
            fp = crm.crm_fingerprint(s)
        if fp == self._relinked_at:
            return None
        # One daemon re-links at a time: the job holds a lease like a connector.
        with self.sessions.begin() as s:
            cid = syncstate.ensure_connector(s, RELINK_JOB, "internal", "")
            if not syncstate.try_lease(s, cid, self.owner, self.now(), timedelta(hours=1)):
                return None
        try:
            stats = self.relink()
            self._relinked_at = fp
            return stats
        finally:
            with self.sessions.begin() as s:
                syncstate.release_lease(s, cid, self.owner)
