"""Build connector adapters from their validated config."""

from __future__ import annotations

from connectors.base import Connector
from syncd.config import (
    ConnectorConfig,
    EmlConnectorConfig,
    IcsConnectorConfig,
    MaildirConnectorConfig,
    MboxConnectorConfig,
    Settings,
    parse_duration,
)
from syncd.errors import ConfigError


def build_connector(cfg: ConnectorConfig, settings: Settings) -> Connector:
    """Instantiate the adapter for ``cfg.kind``; file paths must exist."""
    batch_size = settings.sync.batch_size
    if cfg.kind == "imap":
        from syncd.registry_imap import build_imap

        return build_imap(cfg, settings)
    if cfg.kind == "caldav":
        from syncd.registry_caldav import build_caldav

        return build_caldav(cfg, settings)
    if not cfg.path.exists():
        raise ConfigError([f"connectors.{cfg.name}.path: {cfg.path} does not exist"])
    if isinstance(cfg, MaildirConnectorConfig):
        from connectors.files import MaildirConnector

        return MaildirConnector(
            cfg.name, cfg.path, cfg.visibility, workers=settings.sync.workers, batch_size=batch_size
        )
    if isinstance(cfg, MboxConnectorConfig):
        from connectors.files import MboxConnector

        return MboxConnector(
            cfg.name, cfg.path, cfg.visibility, workers=settings.sync.workers, batch_size=batch_size
        )
    if isinstance(cfg, EmlConnectorConfig):
        from connectors.files import EmlDirConnector

        return EmlDirConnector(
            cfg.name, cfg.path, cfg.visibility, workers=settings.sync.workers, batch_size=batch_size
        )
    if isinstance(cfg, IcsConnectorConfig):
        from connectors.ics_files import IcsConnector

        return IcsConnector(
            cfg.name,
            cfg.path,
            cfg.visibility,
            window_past_days=parse_duration(cfg.window_past).days,
            window_future_days=parse_duration(cfg.window_future).days,
            default_tz=cfg.default_tz,
            batch_size=batch_size,
        )
    raise ConfigError([f"connectors.{cfg.name}.kind: unsupported kind {cfg.kind!r}"])
