"""IMAP connector configuration (see config/syncd.example.toml)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import field_validator

from syncd.config_base import ConnectorBase, SecretFields, parse_duration


class ImapConnectorConfig(ConnectorBase, SecretFields):
    kind: Literal["imap"]
    host: str
    port: int | None = None  # default: 993 for tls, 143 for starttls/plain
    security: Literal["tls", "starttls", "plain"] = "tls"
    ca_file: Path | None = None
    username: str
    since: str | None = "90d"  # backfill window; None = everything
    idle: bool = False
    folders_include: list[str] = []
    folders_exclude: list[str] = []
    max_message_size: int = 25_000_000
    mode: Literal["mailbox", "dropbox"] = "mailbox"
    verify_every: str = "1d"

    @field_validator("since", "verify_every")
    @classmethod
    def _duration(cls, v: str | None) -> str | None:
        if v is not None:
            parse_duration(v)
        return v
