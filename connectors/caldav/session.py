"""One HTTP conversation with a CalDAV server, errors translated at the edge.

Built on ``caldav.DAVClient`` (niquests/requests session, auth objects, TLS
options) but sends its own PROPFIND/REPORT bodies and reads the multistatus
itself. The auth scheme is set up front so no request is spent on a 401
challenge (basic and bearer; digest needs one challenge per nonce). Every
method here is a read and idempotent, so transient failures (connection
refused or reset, timeouts, 429/5xx) are retried with jittered exponential
backoff. A 403/409/412 carrying ``DAV:valid-sync-token`` (RFC 6578 §3.2) is
not a permission problem: it becomes :class:`SyncTokenInvalid`.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any

import structlog
from caldav.davclient import DAVClient
from caldav.lib import error as dav_error
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from connectors.caldav.multistatus import DAV
from syncd.errors import AuthError, ProtocolError, TransientError

log = structlog.get_logger()

_TOKEN_PRECONDITION = f"{DAV}valid-sync-token"
_REPORT_PRECONDITIONS = (f"{DAV}supported-report", "{DAV:}supported-report")


class SyncTokenInvalid(ProtocolError):
    """The server no longer knows our sync token: start a full resync."""


class ReportUnsupported(ProtocolError):
    """The collection does not do the REPORT we sent (e.g. no RFC 6578)."""


class UnexpectedStatus(ProtocolError):
    """The server answered with an HTTP status we cannot use here."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class NotFound(UnexpectedStatus):
    """The collection is not there (any more)."""


class Forbidden(AuthError):
    """HTTP 403: authenticated, but not allowed here."""


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    tree: Any  # lxml element or None
    headers: Any


class DavSession:
    """PROPFIND and REPORT against one server; counts the requests it sends."""

    def __init__(
        self,
        url: str,
        *,
        username: str | None,
        password: str | None,
        auth: str = "basic",
        verify: bool | str = True,
        timeout: float = 30.0,
        attempts: int = 3,
    ) -> None:
        anonymous = password is None or (auth != "bearer" and username is None)
        self.base_url = url
        self._client = DAVClient(
            url=url,
            username=None if anonymous else username,
            password=None if anonymous else password,
            auth_type=None if anonymous else auth,
            ssl_verify_cert=verify,
            timeout=timeout,  # type: ignore[arg-type]  # seconds; float works
            enable_rfc6764=False,
        )
        self._attempts = attempts
        self.requests = 0

    def close(self) -> None:
        self._client.close()

    def propfind(self, url: str, body: str, depth: int) -> Reply:
        return self._send("PROPFIND", url, body, {"Depth": str(depth)})

    def report(self, url: str, body: str, depth: int | None = 1) -> Reply:
        headers = {} if depth is None else {"Depth": str(depth)}
        return self._send("REPORT", url, body, headers)

    def location(self, url: str, body: str) -> str | None:
        """Where a PROPFIND on ``url`` is redirected (RFC 6764 §5 well-known), unfollowed.

        Redirects are not followed by the HTTP library here because a 302
        would turn the PROPFIND into a GET.
        """
        client = self._client
        try:
            self.requests += 1
            response = client.session.request(
                "PROPFIND",
                url,
                data=body.encode(),
                headers={**dict(client.headers), "Depth": "0"},
                auth=client.auth,
                timeout=client.timeout,
                verify=client.ssl_verify_cert,
                allow_redirects=False,
            )
        except OSError as exc:
            raise _network_error(url, exc) from exc
        if response.status_code in (301, 302, 303, 307, 308):
            return response.headers.get("Location")
        return None

    def _send(self, method: str, url: str, body: str, headers: dict[str, str]) -> Reply:
        retrying = Retrying(
            retry=retry_if_exception_type(TransientError),
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential(multiplier=0.5, max=8) + wait_random(0, 0.5),
            reraise=True,
        )
        return retrying(self._send_once, method, url, body, headers)

    def _send_once(self, method: str, url: str, body: str, headers: dict[str, str]) -> Reply:
        self.requests += 1
        try:
            response = self._client.request(url, method, body, headers)
        except dav_error.AuthorizationError as exc:
            if _TOKEN_PRECONDITION in exc.preconditions:
                raise SyncTokenInvalid(f"{url}: sync token no longer valid") from exc
            if exc.status == 403 and any(p in exc.preconditions for p in _REPORT_PRECONDITIONS):
                raise ReportUnsupported(f"{url}: {method} not supported") from exc
            if exc.status == 403:
                raise Forbidden(f"{url}: access forbidden (HTTP 403)") from exc
            raise AuthError(f"{url}: credentials refused (HTTP {exc.status})") from exc
        except dav_error.RateLimitError as exc:
            raise TransientError(f"{url}: server busy (rate limited)") from exc
        except dav_error.DAVError as exc:
            raise ProtocolError(f"{url}: {type(exc).__name__}: {exc.reason}") from exc
        except OSError as exc:
            raise _network_error(url, exc) from exc
        status = int(response.status)
        if status in (207, 200):
            return Reply(status, response.tree, response.headers)
        preconditions = dav_error.parse_preconditions(getattr(response, "_raw", b""))
        if _TOKEN_PRECONDITION in preconditions:
            raise SyncTokenInvalid(f"{url}: sync token no longer valid (HTTP {status})")
        if status == 404:
            raise NotFound(f"{url}: not found (HTTP 404)", status)
        if status in (408, 425, 429) or status >= 500:
            raise TransientError(f"{url}: server error (HTTP {status} on {method})")
        if method == "REPORT" and status in (400, 403, 405, 501):
            raise ReportUnsupported(f"{url}: REPORT refused (HTTP {status})")
        raise UnexpectedStatus(f"{url}: unexpected HTTP {status} on {method}", status)


def _network_error(url: str, exc: BaseException) -> Exception:
    """A TLS verification failure is a setup problem; anything else may pass."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(
            seen
        ):
            return ProtocolError(
                f"{url}: TLS certificate not trusted ({type(seen).__name__}); "
                "set ca_file to the server's CA, or fix the certificate"
            )
        seen = seen.__cause__ or seen.__context__
    return TransientError(f"{url}: {type(exc).__name__}: {exc}")
