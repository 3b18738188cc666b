"""CalDAV connector configuration (see config/syncd.example.toml).

``url`` is a base URL (the server root works: RFC 6764 discovery finds the
principal and its calendars) or a calendar's own URL. ``calendars`` picks
calendars by display name, by last path segment or by URL (``/alice/work/``
or absolute); empty means every calendar that can hold events. The secret
(password, or the token with ``auth = "bearer"``) comes from
``password_env``/``password_file``/``password_credential``. ``sync_method``
forces the RFC 6578 sync-collection or the ctag/etag comparison instead of
choosing per calendar from what the server advertises.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from syncd.config_base import ConnectorBase, SecretFields, parse_duration


class CaldavConnectorConfig(ConnectorBase, SecretFields):
    kind: Literal["caldav"]
    url: str = Field(pattern=r"^https?://")
    username: str | None = None
    auth: Literal["basic", "digest", "bearer"] = "basic"
    ca_file: Path | None = None
    verify_tls: bool = True
    calendars: list[str] = []  # names or URLs; empty = all
    window_past: str = "90d"
    window_future: str = "180d"
    default_tz: str = "UTC"
    sync_method: Literal["auto", "sync-collection", "ctag"] = "auto"
    timeout: str = "30s"
    rediscover: str = "1h"

    @field_validator("window_past", "window_future", "timeout", "rediscover")
    @classmethod
    def _duration(cls, v: str) -> str:
        parse_duration(v)
        return v
