"""Building blocks shared by every config model: strict models, durations, secrets.

Connector config modules (``config_imap``, ``config_caldav``...) build on these;
``syncd.config`` assembles them into the one validated ``Settings``.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from syncd.errors import ConfigError

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(value: str | int) -> timedelta:
    """``"90d"``, ``"5m"``, ``"30s"`` or plain seconds."""
    if isinstance(value, int):
        return timedelta(seconds=value)
    m = _DURATION.match(value)
    if not m:
        raise ValueError(f"not a duration: {value!r} (use e.g. 30s, 5m, 2h, 90d)")
    return timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConnectorBase(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
    enabled: bool = True
    visibility: Literal["metadata", "subject", "full"] = "subject"
    owner: str | None = None  # the CRM user's email whose mailbox/calendar this is


class FileConnector(ConnectorBase):
    path: Path


class SecretFields(Strict):
    password_env: str | None = None
    password_file: Path | None = None
    password_credential: str | None = None

    @model_validator(mode="after")
    def _one_secret(self) -> SecretFields:
        given = [
            n for n in ("password_env", "password_file", "password_credential") if getattr(self, n)
        ]
        if len(given) > 1:
            raise ValueError(
                "give only one of password_env, password_file, password_credential "
                f"(got {', '.join(given)})"
            )
        return self

    def password(self) -> str | None:
        """Resolve the secret at use time; never stored in the config object."""
        if self.password_env:
            value = os.environ.get(self.password_env)
            if value is None:
                raise ConfigError(
                    [f"password_env: environment variable {self.password_env} is not set"]
                )
            return value
        if self.password_file:
            return self.password_file.read_text(encoding="utf-8").strip()
        if self.password_credential:
            cred_dir = os.environ.get("CREDENTIALS_DIRECTORY")
            if not cred_dir:
                raise ConfigError(
                    [
                        "password_credential: CREDENTIALS_DIRECTORY is not set "
                        "(run under systemd with LoadCredential=)"
                    ]
                )
            return (Path(cred_dir) / self.password_credential).read_text(encoding="utf-8").strip()
        return None
