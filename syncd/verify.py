"""``syncd verify``: prove nothing was missed, and fill what was.

For every scope the connector lists what the server holds (within the
backfill window); each remote id must be known to the store as a source, a
quarantine row, or an item policy chose not to log. Anything else is a gap:
it is reported, then fetched by id without moving the cursor.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

import structlog

from connectors.base import Verifiable
from syncd.config_base import parse_duration
from syncd.errors import ConfigError, SyncdError
from syncd.registry import build_connector
from syncd.store import syncstate
from syncd.store.models import ConnectorRow

if TYPE_CHECKING:
    from syncd.pipeline import Pipeline

log = structlog.get_logger()


def verify_connector(
    pipeline: Pipeline, name: str, *, fill: bool = True
) -> dict[str, dict[str, int | str]]:
    """Per scope: ``remote``, ``known``, ``missing``, ``filled`` (or ``error``)."""
    from syncd.pipeline import LEASE_TTL, RunReport, config_hash

    cfg = pipeline.settings.connector(name)
    connector = build_connector(cfg, pipeline.settings)
    if not isinstance(connector, Verifiable):
        raise ConfigError([f"connectors.{name}: kind {cfg.kind!r} cannot be verified"])
    since_text = getattr(cfg, "since", None)
    now = pipeline.now()
    since: datetime | None = now - parse_duration(since_text) if since_text else None
    with pipeline.sessions.begin() as s:
        cid = syncstate.ensure_connector(s, name, cfg.kind, config_hash(cfg))
        if not syncstate.try_lease(s, cid, pipeline.owner, now, LEASE_TTL):
            raise SyncdError(f"connector {name} is being synced by another daemon; try later")
    result: dict[str, dict[str, int | str]] = {}
    report = RunReport(connector=name)
    try:
        for scope in connector.scopes():
            try:
                remote = connector.list_remote(scope, since)
                with pipeline.sessions() as s:
                    known = syncstate.known_remote_ids(s, cid, scope)
                missing = [r.remote_id for r in remote if r.remote_id not in known]
                entry: dict[str, int | str] = {
                    "remote": len(remote),
                    "known": len(remote) - len(missing),
                    "missing": len(missing),
                    "filled": 0,
                }
                if fill and missing:
                    before = report.created + report.sources + report.quarantined + report.dropped
                    for batch in connector.fetch_ids(scope, missing):
                        pipeline._apply(batch, cfg, cid, report)
                    after = report.created + report.sources + report.quarantined + report.dropped
                    entry["filled"] = after - before
                result[scope] = entry
                log.info("scope_verified", connector=name, scope=scope, **entry)
            except SyncdError as exc:
                result[scope] = {"error": str(exc)}
    finally:
        with pipeline.sessions.begin() as s:
            row = s.get(ConnectorRow, cid)
            assert row is not None
            row.last_verify_at = pipeline.now()
            row.last_verify = json.dumps(result, ensure_ascii=False)
            syncstate.release_lease(s, cid, pipeline.owner)
    return result
