"""Build the IMAP connector from its validated config.

Config is translated into plain constructor arguments here, because
connectors never import ``syncd.config``. Secrets go in as bound methods of
the config, so they are read from env/file/credential only when a login
needs them.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from connectors.base import Connector
from connectors.imap import ImapConnector, OAuth2Settings, RetryPolicy
from syncd.config_base import parse_duration
from syncd.config_imap import ImapConnectorConfig, save_refresh_token
from syncd.errors import ConfigError

if TYPE_CHECKING:
    from syncd.config import Settings

RETRY = RetryPolicy()  # module-level so tests can shorten the backoff


def build_imap(cfg: ImapConnectorConfig, settings: Settings) -> Connector:
    """An ``ImapConnector`` for ``cfg``; the organisation's domains feed dropbox mode."""
    if cfg.mode == "dropbox" and not settings.organisation.internal_domains:
        raise ConfigError(
            [f"connectors.{cfg.name}.mode: dropbox needs organisation.internal_domains"]
        )
    oauth2 = None
    if cfg.auth == "oauth2":
        assert cfg.oauth2_token_url and cfg.oauth2_client_id  # checked by the config model
        oauth2 = OAuth2Settings(
            token_url=cfg.oauth2_token_url,
            client_id=cfg.oauth2_client_id,
            refresh_token=cfg.oauth2_refresh_token,
            client_secret=cfg.oauth2_client_secret,
            scope=cfg.oauth2_scope,
            # only a token file can take a rotated token; env and credentials are read-only
            on_rotate=(
                partial(save_refresh_token, Path(cfg.oauth2_refresh_token_file))
                if cfg.oauth2_refresh_token_file
                else None
            ),
        )
    return ImapConnector(
        cfg.name,
        host=cfg.host,
        username=cfg.username,
        port=cfg.port,
        security=cfg.security,
        ca_file=cfg.ca_file,
        password=cfg.password if cfg.auth == "password" else None,
        oauth2=oauth2,
        oauth2_mechanism=cfg.oauth2_mechanism,
        visibility=cfg.visibility,
        since=parse_duration(cfg.since) if cfg.since else None,
        folders_include=cfg.folders_include,
        folders_exclude=cfg.folders_exclude,
        max_message_size=cfg.max_message_size,
        mode=cfg.mode,
        internal_domains=settings.organisation.internal_domains,
        batch_size=settings.sync.batch_size,
        workers=settings.sync.workers,
        timeout=parse_duration(cfg.timeout).total_seconds(),
        retry=RETRY,
        ignore_capabilities=cfg.ignore_capabilities,
        idle_folder=cfg.idle_folder,
    )
