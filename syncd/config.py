"""Configuration: one TOML file, validated by pydantic.

Errors name the field by its path (``connectors[2].path``) and say what is
wrong; all problems are reported at once. Secrets are never inline: a
connector names ``password_env``, ``password_file`` or ``password_credential``
(a systemd credential under ``$CREDENTIALS_DIRECTORY``).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from matching import normalise_domain
from matching.addresses import normalise_with
from syncd.config_base import FileConnector, Strict, parse_duration
from syncd.config_caldav import CaldavConnectorConfig
from syncd.config_imap import ImapConnectorConfig
from syncd.errors import ConfigError

DEFAULT_DB_URL = "sqlite:///syncd.sqlite"


class DatabaseConfig(Strict):
    url: str = DEFAULT_DB_URL


MAX_DOMAIN = 255  # internal_domains.domain
MAX_EMAIL = 320  # crm_users.email


def _address(text: str) -> str:
    """A configured address: matchable and short enough for the database, else an error."""
    address = normalise_with(text.strip(), False, False)
    if address is None:
        raise ValueError(f"{text!r} is not an email address")
    if len(address) > MAX_EMAIL:
        raise ValueError(f"{text[:40]!r}... is longer than {MAX_EMAIL} characters")
    return address


class UserConfig(Strict):
    name: str
    email: str

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        return _address(v)


class OrganisationConfig(Strict):
    # the organisation's domains (subdomains included), or colleagues' own addresses
    internal_domains: list[str] = []
    users: list[UserConfig] = []

    @field_validator("internal_domains")
    @classmethod
    def _internal(cls, v: list[str]) -> list[str]:
        out = []
        for entry in v:
            text = entry.strip().lower().lstrip("@")
            if "@" in text:
                out.append(_address(text))
                continue
            domain = normalise_domain(text)
            if domain is None:
                raise ValueError(f"{entry!r} is neither a domain nor an email address")
            if len(domain) > MAX_DOMAIN:
                raise ValueError(f"{entry[:40]!r}... is longer than {MAX_DOMAIN} characters")
            out.append(domain)
        return out


class MatchingConfig(Strict):
    auto_create: Literal["off", "contacts", "contacts_and_companies"] = "off"
    strip_plus_tags: bool = True
    provider_rules: bool = True
    freemail_add: list[str] = []
    freemail_remove: list[str] = []
    blocklist: list[str] = []
    drop_robots: bool = True
    drop_bulk: bool = True
    log_internal_only: bool = False
    log_without_external: bool = False
    keep_unmatched: bool = True


class SyncConfig(Strict):
    interval: str = "5m"
    batch_size: int = Field(500, ge=1, le=10_000)
    workers: int | None = Field(None, ge=1, le=64)
    metrics_listen: str | None = None  # e.g. "127.0.0.1:9464" for `syncd run`

    @field_validator("interval")
    @classmethod
    def _interval(cls, v: str) -> str:
        parse_duration(v)
        return v


class MaildirConnectorConfig(FileConnector):
    kind: Literal["maildir"]


class MboxConnectorConfig(FileConnector):
    kind: Literal["mbox"]


class EmlConnectorConfig(FileConnector):
    kind: Literal["eml"]


class IcsConnectorConfig(FileConnector):
    kind: Literal["ics"]
    window_past: str = "90d"
    window_future: str = "180d"
    default_tz: str = "UTC"

    @field_validator("window_past", "window_future")
    @classmethod
    def _window(cls, v: str) -> str:
        parse_duration(v)
        return v


ConnectorConfig = Annotated[
    MaildirConnectorConfig
    | MboxConnectorConfig
    | EmlConnectorConfig
    | IcsConnectorConfig
    | ImapConnectorConfig
    | CaldavConnectorConfig,
    Field(discriminator="kind"),
]


class Settings(Strict):
    database: DatabaseConfig = DatabaseConfig()
    organisation: OrganisationConfig = OrganisationConfig()
    matching: MatchingConfig = MatchingConfig()
    sync: SyncConfig = SyncConfig()
    connectors: list[ConnectorConfig] = []

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        seen: set[str] = set()
        for c in self.connectors:
            if c.name in seen:
                raise ValueError(f"connector name {c.name!r} is used twice")
            seen.add(c.name)
        return self

    def connector(self, name: str) -> ConnectorConfig:
        for c in self.connectors:
            if c.name == name:
                return c
        known = ", ".join(c.name for c in self.connectors) or "none configured"
        raise ConfigError([f"connectors: no connector named {name!r} (known: {known})"])

    def database_url(self) -> str:
        return os.environ.get("SYNCD_DATABASE_URL") or self.database.url


_KINDS = {"maildir", "mbox", "eml", "ics", "imap", "caldav", "ews"}


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in {"maildir", "mbox", "eml", "ics", "imap", "caldav", "ews"} and out.endswith(
            "]"
        ):
            continue  # discriminator tag pydantic inserts; not a user field
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _resolve_paths(data: dict, base: Path) -> dict:
    for conn in data.get("connectors", []) or []:
        if isinstance(conn, dict):
            for key in [k for k in conn if k == "path" or k.endswith("_file")]:
                if isinstance(conn.get(key), str) and not Path(conn[key]).is_absolute():
                    conn[key] = str((base / conn[key]).resolve())
    db = data.get("database")
    if isinstance(db, dict) and isinstance(db.get("url"), str):
        db["url"] = _resolve_sqlite_url(db["url"], base)
    return data


def _resolve_sqlite_url(url: str, base: Path) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite://":
        return prefix + str((base / url[len(prefix) :]).resolve())
    return url


def parse_settings(data: dict, base: Path) -> Settings:
    """Validate a config mapping; relative paths resolve against ``base``."""
    try:
        return Settings.model_validate(_resolve_paths(data, base))
    except ValidationError as exc:
        problems = [f"{_field_path(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ConfigError(problems) from None


def load_settings(path: Path | None) -> Settings:
    """Load the TOML config; without a file, defaults (SQLite, no connectors)."""
    if path is None:
        return parse_settings({}, Path.cwd())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"]) from None
    return parse_settings(data, path.parent.resolve())
