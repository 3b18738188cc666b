"""Prometheus metrics for the daemon (``syncd run --metrics 127.0.0.1:9464``).

Gauges mirror ``syncd status`` (refreshed from the database, so they are right
for connectors worked by other daemons too); counters count what this process
wrote since it started.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

from syncd.pipeline import RunReport


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.items = Gauge(
            "syncd_items", "Timeline items seen by the connector", ["connector"], registry=r
        )
        self.quarantined = Gauge(
            "syncd_quarantined", "Items kept in quarantine", ["connector"], registry=r
        )
        self.not_logged = Gauge(
            "syncd_not_logged", "Items policy chose not to log", ["connector"], registry=r
        )
        self.errors = Gauge(
            "syncd_errors", "Failed syncs recorded for the connector", ["connector"], registry=r
        )
        self.last_sync = Gauge(
            "syncd_last_sync_timestamp_seconds", "End of the last sync", ["connector"], registry=r
        )
        self.up = Gauge(
            "syncd_connector_ok",
            "1 when the last sync succeeded",
            ["connector"],
            registry=r,
        )
        self.created = Counter(
            "syncd_items_created", "Items written by this process", ["connector"], registry=r
        )
        self.retried = Counter(
            "syncd_batches_retried",
            "Batches written again after a race with another daemon (deadlock, duplicate)",
            ["connector"],
            registry=r,
        )
        self.runs = Counter(
            "syncd_sync_runs", "Sync passes by outcome", ["connector", "status"], registry=r
        )

    def observe(self, report: RunReport) -> None:
        self.created.labels(report.connector).inc(report.created)
        self.runs.labels(report.connector, report.status).inc()
        if report.retried:
            self.retried.labels(report.connector).inc(report.retried)

    def refresh(self, status_rows: list[dict[str, Any]]) -> None:
        for row in status_rows:
            name = row["name"]
            self.items.labels(name).set(row["items"])
            self.quarantined.labels(name).set(row["quarantined"])
            self.not_logged.labels(name).set(row.get("not_logged", 0))
            self.errors.labels(name).set(row["errors"])
            if row["last_sync_at"]:
                ts = datetime.fromisoformat(row["last_sync_at"].replace("Z", "+00:00"))
                self.last_sync.labels(name).set(ts.timestamp())
            self.up.labels(name).set(1 if row["status"] == "ok" else 0)

    def serve(self, listen: str) -> None:
        host, _, port = listen.rpartition(":")
        start_http_server(int(port), addr=host or "127.0.0.1", registry=self.registry)
