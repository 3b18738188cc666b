"""CalDAV connector configuration (see config/syncd.example.toml)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import field_validator

from syncd.config_base import ConnectorBase, SecretFields, parse_duration


class CaldavConnectorConfig(ConnectorBase, SecretFields):
    kind: Literal["caldav"]
    url: str
    username: str | None = None
    auth: Literal["basic", "digest", "bearer"] = "basic"
    ca_file: Path | None = None
    verify_tls: bool = True
    calendars: list[str] = []  # names or URLs; empty = all
    window_past: str = "90d"
    window_future: str = "180d"
    default_tz: str = "UTC"

    @field_validator("window_past", "window_future")
    @classmethod
    def _window(cls, v: str) -> str:
        parse_duration(v)
        return v
