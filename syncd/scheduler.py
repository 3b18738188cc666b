"""The daemon: one worker thread per connector, plus housekeeping.

Each worker syncs its connector, then waits: on IMAP IDLE when the connector
can watch the server (``Watchable``), otherwise for the poll interval. A
failing connector backs off exponentially (with jitter, capped at the
interval) and never stops the others. The main thread re-links the timeline
when CRM records change, runs scheduled verifications, and refreshes metrics.
SIGTERM sets the stop event; workers finish their current batch and exit.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

import structlog

from connectors.base import Connector, Verifiable, Watchable
from syncd.config import ConnectorConfig
from syncd.config_base import parse_duration
from syncd.pipeline import Pipeline, RunReport
from syncd.registry import build_connector

log = structlog.get_logger()

WATCH_SLICE = 30.0  # seconds per wait_for_changes call, so stop stays responsive


class Scheduler:
    """Keeps every enabled connector current until ``stop`` is set."""

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        interval: float,
        stop: threading.Event | None = None,
        on_report: Callable[[RunReport], None] | None = None,
        housekeeping_every: float = 60.0,
    ) -> None:
        self.pipeline = pipeline
        self.interval = interval
        self.stop = stop or threading.Event()
        pipeline.stop = self.stop  # running syncs end after the batch they are storing
        self.on_report = on_report
        self.housekeeping_every = housekeeping_every
        self._last_verify: dict[str, float] = {}
        self._active: dict[str, Connector] = {}  # for closing (it ends a waiting IDLE)

    def run(self, passes: int | None = None) -> None:
        """Run until stopped (or, for tests and benchmarks, ``passes`` rounds each)."""
        cfgs = [c for c in self.pipeline.settings.connectors if c.enabled]
        workers = [
            threading.Thread(
                target=self._worker, args=(c, passes), name=f"sync-{c.name}", daemon=True
            )
            for c in cfgs
        ]
        for w in workers:
            w.start()
        while not self.stop.is_set() and any(w.is_alive() for w in workers):
            self.housekeeping()
            self.stop.wait(self.housekeeping_every if passes is None else 0.2)
        self.stop.set()
        for connector in list(self._active.values()):
            self._close(connector)
        for w in workers:
            w.join(timeout=60)

    def housekeeping(self) -> None:
        try:
            self.pipeline.relink_if_crm_changed()
        except Exception:  # the daemon boundary: log and go on
            log.exception("relink_failed")

    # --- one connector -------------------------------------------------------

    def _worker(self, cfg: ConnectorConfig, passes: int | None) -> None:
        # One long-lived adapter per connector: an IMAP connection, CalDAV
        # discovery and the IDLE session survive between passes.
        connector: Connector | None = None
        failures = 0
        n = 0
        while not self.stop.is_set():
            connector = connector or self._build(cfg)
            if connector is not None:
                self._active[cfg.name] = connector
            report = self.pipeline.sync(cfg.name, connector=connector)
            n += 1
            if self.on_report:
                try:
                    self.on_report(report)
                except Exception:  # metrics must never stop a connector
                    log.exception("report_hook_failed", connector=cfg.name)
            failures = failures + 1 if report.status == "error" else 0
            if failures:
                self._close(connector)
                connector = None  # rebuilt (and reconnected) on the next pass
            if report.status == "auth_failed":
                log.warning("connector_paused", connector=cfg.name, reason="auth_failed")
            self._maybe_verify(cfg)
            if passes is not None and n >= passes:
                break
            if failures:
                self._sleep(min(self.interval, 2 ** min(failures, 8)) * random.uniform(0.5, 1.0))
                continue
            if getattr(cfg, "idle", False) and isinstance(connector, Watchable):
                self._watch(connector, cfg.name)
            else:
                self._sleep(self.interval)
        self._close(connector)

    def _build(self, cfg: ConnectorConfig) -> Connector | None:
        try:
            return build_connector(cfg, self.pipeline.settings)
        except Exception:  # the sync reports the same error with its status
            log.warning("connector_build_failed", connector=cfg.name)
            return None

    @staticmethod
    def _close(connector: Connector | None) -> None:
        close = getattr(connector, "close", None)
        if callable(close):
            try:
                close()
            except Exception:
                log.warning("connector_close_failed")

    def _watch(self, watcher: Watchable, name: str) -> None:
        deadline = time.monotonic() + self.interval
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                if watcher.wait_for_changes(min(WATCH_SLICE, deadline - time.monotonic())):
                    return
            except Exception as exc:  # push is an optimisation: fall back to polling
                log.warning("watch_failed", connector=name, error=str(exc))
                self._sleep(deadline - time.monotonic())
                return

    def _maybe_verify(self, cfg: ConnectorConfig) -> None:
        every = getattr(cfg, "verify_every", None)
        if not every:
            return
        now = time.monotonic()
        last = self._last_verify.get(cfg.name)
        if last is not None and now - last < parse_duration(every).total_seconds():
            return
        self._last_verify[cfg.name] = now
        try:
            connector = build_connector(cfg, self.pipeline.settings)
            if isinstance(connector, Verifiable):
                self.pipeline.verify(cfg.name)
        except Exception:
            log.exception("verify_failed", connector=cfg.name)

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.stop.wait(seconds)
