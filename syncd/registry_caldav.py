"""Build the CalDAV connector from its config.

Connectors are kept per process, one per (configuration, secret): the
pipeline asks for a connector on every poll, and a kept one remembers its
discovery (principal, calendars) and its HTTP session, so polling an
unchanged calendar costs one request instead of a rediscovery. A changed
configuration or secret builds a new one.
"""

from __future__ import annotations

import hashlib
import threading

from connectors.base import Connector
from connectors.caldav import CaldavConnector
from syncd.config import Settings
from syncd.config_base import parse_duration
from syncd.config_caldav import CaldavConnectorConfig
from syncd.errors import ConfigError

_KEEP = 32
_lock = threading.Lock()
_kept: dict[str, CaldavConnector] = {}


def build_caldav(cfg: CaldavConnectorConfig, settings: Settings) -> Connector:
    """The connector for ``cfg``, reused while the config and secret are unchanged."""
    secret = cfg.password()
    if cfg.ca_file is not None and not cfg.ca_file.is_file():
        raise ConfigError([f"connectors.{cfg.name}.ca_file: {cfg.ca_file} does not exist"])
    fingerprint = hashlib.sha256(
        "\0".join((cfg.model_dump_json(), secret or "", str(settings.sync.batch_size))).encode()
    ).hexdigest()
    with _lock:
        kept = _kept.get(fingerprint)
        if kept is not None:
            return kept
    verify: bool | str = str(cfg.ca_file) if cfg.ca_file and cfg.verify_tls else cfg.verify_tls
    connector = CaldavConnector(
        cfg.name,
        cfg.url,
        cfg.visibility,
        username=cfg.username,
        password=secret,
        auth=cfg.auth,
        verify=verify,
        calendars=cfg.calendars,
        window_past_days=parse_duration(cfg.window_past).days,
        window_future_days=parse_duration(cfg.window_future).days,
        default_tz=cfg.default_tz,
        batch_size=settings.sync.batch_size,
        sync_method=cfg.sync_method,
        timeout=parse_duration(cfg.timeout).total_seconds(),
        rediscover_seconds=parse_duration(cfg.rediscover).total_seconds(),
        workers=settings.sync.workers,
    )
    with _lock:
        for key in [k for k, c in _kept.items() if c.name == cfg.name]:
            del _kept[key]  # superseded; not closed, a sync may still be using it
        while len(_kept) >= _KEEP:
            del _kept[next(iter(_kept))]
        _kept[fingerprint] = connector
    return connector


def forget_all() -> None:
    """Drop every kept connector (tests; config reload)."""
    with _lock:
        for connector in _kept.values():
            connector.close()
        _kept.clear()
