"""IMAP connector configuration (see config/syncd.example.toml).

Secrets never sit in the file: the password, and for ``auth = "oauth2"``
the refresh token and client secret, are each named by an environment
variable, a file, or a systemd credential, and resolved at use time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from syncd.config_base import ConnectorBase, SecretFields, parse_duration
from syncd.errors import ConfigError


class ImapConnectorConfig(ConnectorBase, SecretFields):
    kind: Literal["imap"]
    host: str
    port: int | None = Field(None, ge=1, le=65535)  # default: 993 for tls, 143 otherwise
    security: Literal["tls", "starttls", "plain"] = "tls"
    ca_file: Path | None = None
    username: str
    auth: Literal["password", "oauth2"] = "password"
    oauth2_token_url: str | None = None
    oauth2_client_id: str | None = None
    oauth2_scope: str | None = None
    oauth2_mechanism: Literal["auto", "xoauth2", "oauthbearer"] = "auto"
    oauth2_refresh_token_env: str | None = None
    oauth2_refresh_token_file: Path | None = None
    oauth2_refresh_token_credential: str | None = None
    oauth2_client_secret_env: str | None = None
    oauth2_client_secret_file: Path | None = None
    oauth2_client_secret_credential: str | None = None
    since: str | None = "90d"  # backfill window; None = everything
    idle: bool = False
    idle_folder: str = "INBOX"
    folders_include: list[str] = []
    folders_exclude: list[str] = []
    max_message_size: int = Field(25_000_000, ge=1)
    mode: Literal["mailbox", "dropbox"] = "mailbox"
    verify_every: str = "1d"
    timeout: str = "60s"
    ignore_capabilities: list[str] = []  # work around a server that advertises but breaks

    @field_validator("since", "verify_every", "timeout")
    @classmethod
    def _duration(cls, v: str | None) -> str | None:
        if v is not None:
            parse_duration(v)
        return v

    @model_validator(mode="after")
    def _auth(self) -> ImapConnectorConfig:
        passwords = [self.password_env, self.password_file, self.password_credential]
        if self.auth == "password" and not any(passwords):
            raise ValueError(
                "auth = 'password' needs one of password_env, password_file, password_credential"
            )
        for group in ("refresh_token", "client_secret"):
            given = [n for n in _names(group) if getattr(self, n)]
            if len(given) > 1:
                raise ValueError(f"give only one of {', '.join(_names(group))}")
        if self.auth == "oauth2":
            missing = [n for n in ("oauth2_token_url", "oauth2_client_id") if not getattr(self, n)]
            if not any(getattr(self, n) for n in _names("refresh_token")):
                missing.append("one of " + ", ".join(_names("refresh_token")))
            if missing:
                raise ValueError("auth = 'oauth2' needs " + " and ".join(missing))
        if self.security == "plain" and self.ca_file is not None:
            raise ValueError("ca_file has no effect with security = 'plain'")
        return self

    def oauth2_refresh_token(self) -> str | None:
        """The OAuth2 refresh token, resolved now (never kept in the config object)."""
        return _secret(self, "refresh_token")

    def oauth2_client_secret(self) -> str | None:
        return _secret(self, "client_secret")


def _names(group: str) -> tuple[str, str, str]:
    return (f"oauth2_{group}_env", f"oauth2_{group}_file", f"oauth2_{group}_credential")


def save_refresh_token(path: Path, token: str) -> None:
    """Replace the refresh-token file atomically, readable by its owner only."""
    tmp = path.with_name(f".{path.name}.new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(token + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _secret(cfg: ImapConnectorConfig, group: str) -> str | None:
    env, file, credential = (getattr(cfg, n) for n in _names(group))
    if env:
        value = os.environ.get(env)
        if value is None:
            raise ConfigError([f"oauth2_{group}_env: environment variable {env} is not set"])
        return value
    if file:
        return Path(file).read_text(encoding="utf-8").strip()
    if credential:
        cred_dir = os.environ.get("CREDENTIALS_DIRECTORY")
        if not cred_dir:
            raise ConfigError(
                [f"oauth2_{group}_credential: CREDENTIALS_DIRECTORY is not set "
                 "(run under systemd with LoadCredential=)"]
            )  # fmt: skip
        return (Path(cred_dir) / credential).read_text(encoding="utf-8").strip()
    return None
