"""OAuth2 access tokens for XOAUTH2/OAUTHBEARER (RFC 7628) from a refresh token.

The token endpoint is called with the ``refresh_token`` grant (RFC 6749 6).
Access tokens are cached process-wide (keyed by endpoint, client and refresh
token, never logged) and refreshed before they expire: a connector is
rebuilt for every sync, and a daemon with an IDLE connection opens several
sessions per token lifetime. A rotated refresh token (Microsoft, Google
sometimes do this) is kept in memory for the life of the process only.
"""

from __future__ import annotations

import hashlib
import json
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from syncd.errors import AuthError, ProtocolError, TransientError

log = structlog.get_logger()

_LOCK = threading.Lock()
_CACHE: dict[str, tuple[str, float, float]] = {}  # key -> (access token, obtained, expiry)
_ROTATED: dict[str, str] = {}  # key -> newer refresh token
_AUTH_ERRORS = {"invalid_grant", "invalid_client", "unauthorized_client", "access_denied"}


@dataclass(frozen=True, slots=True)
class OAuth2Settings:
    """Where and as whom to refresh; secrets are callables resolved at use time."""

    token_url: str
    client_id: str
    refresh_token: Callable[[], str | None]
    client_secret: Callable[[], str | None] | None = None
    scope: str | None = None
    timeout: float = 30.0
    # Called with a refresh token the endpoint rotated (RFC 6749 6), so it
    # outlives the process; None keeps it in memory only.
    on_rotate: Callable[[str], None] | None = None


class TokenSource:
    """Callable ``(force_refresh) -> access token``; see the module docstring."""

    def __init__(
        self,
        settings: OAuth2Settings,
        *,
        clock: Callable[[], float] = time.time,
        ca_file: str | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.ca_file = ca_file

    def __call__(self, force: bool = False) -> str:
        refresh = self.settings.refresh_token()
        if not refresh:
            raise AuthError("oauth2: no refresh token configured")
        key = hashlib.sha256(
            "\0".join((self.settings.token_url, self.settings.client_id, refresh)).encode()
        ).hexdigest()
        with _LOCK:
            cached = _CACHE.get(key)
            now = self.clock()
            if cached and not force:
                token, obtained, expiry = cached
                margin = min(60.0, (expiry - obtained) / 2)
                if now < expiry - margin:
                    return token
            token, lifetime, rotated = self._request(_ROTATED.get(key, refresh))
            _CACHE[key] = (token, now, now + lifetime)
            if rotated:
                _ROTATED[key] = rotated
                self._keep(rotated, token, now, now + lifetime)
        log.info("oauth2_token_refreshed", client_id=self.settings.client_id, expires_in=lifetime)
        return token

    def _keep(self, rotated: str, token: str, now: float, expiry: float) -> None:
        """Hand a rotated refresh token to ``on_rotate``; the access token stays cached."""
        keep = self.settings.on_rotate
        if keep is None:
            log.warning("oauth2_refresh_token_rotated_in_memory", client_id=self.settings.client_id)
            return
        try:
            keep(rotated)
        except OSError as exc:  # the old token may still work; say so, don't fail the sync
            log.error("oauth2_refresh_token_not_saved", client_id=self.settings.client_id,
                      error=type(exc).__name__)  # fmt: skip
            return
        new_key = hashlib.sha256(
            "\0".join((self.settings.token_url, self.settings.client_id, rotated)).encode()
        ).hexdigest()
        _CACHE[new_key] = (token, now, expiry)

    def _request(self, refresh: str) -> tuple[str, float, str | None]:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh,
            "client_id": self.settings.client_id,
        }
        secret = self.settings.client_secret() if self.settings.client_secret else None
        if secret:
            form["client_secret"] = secret
        if self.settings.scope:
            form["scope"] = self.settings.scope
        req = urllib.request.Request(
            self.settings.token_url,
            data=urllib.parse.urlencode(form).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            method="POST",
        )
        ctx = ssl.create_default_context(cafile=self.ca_file) if self.ca_file else None
        where = urllib.parse.urlsplit(self.settings.token_url).netloc
        try:
            with urllib.request.urlopen(req, timeout=self.settings.timeout, context=ctx) as resp:
                body = resp.read()
        except urllib.error.HTTPError as exc:
            error = _error_code(exc.read())
            if exc.code in (400, 401, 403) and (error in _AUTH_ERRORS or exc.code != 400):
                raise AuthError(f"oauth2 token endpoint {where} refused: {error}") from exc
            if exc.code == 429 or exc.code >= 500:
                raise TransientError(f"oauth2 token endpoint {where}: HTTP {exc.code}") from exc
            raise ProtocolError(f"oauth2 token endpoint {where}: HTTP {exc.code} {error}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise TransientError(f"oauth2 token endpoint {where} unreachable: {exc}") from exc
        try:
            data = json.loads(body)
            token = str(data["access_token"])
            lifetime = float(data.get("expires_in") or 3600)
        except (ValueError, KeyError, TypeError) as exc:
            raise ProtocolError(f"oauth2 token endpoint {where}: no access_token") from exc
        rotated = data.get("refresh_token")
        return token, lifetime, str(rotated) if rotated and rotated != refresh else None


def _error_code(body: bytes) -> str:
    try:
        return str(json.loads(body).get("error") or "error")
    except (ValueError, AttributeError):
        return "error"


def forget_tokens() -> None:
    """Drop every cached token (tests; a config reload)."""
    with _LOCK:
        _CACHE.clear()
        _ROTATED.clear()
