"""An authenticating gateway in front of a server that trusts ``X-Remote-User``.

Radicale does only Basic auth itself; deployments that need bearer tokens or
Digest put a gateway in front and run Radicale with
``auth type = http_x_remote_user``. This is that gateway, small and real: it
checks ``Authorization: Bearer <token>`` (RFC 6750) or HTTP Digest (RFC 7616,
MD5, qop=auth) and forwards the request with the user in ``X-Remote-User``.
It records which scheme each request used, so a test can see what the client
sent.
"""

from __future__ import annotations

import hashlib
import http.client
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]*))')
_METHODS = ("GET", "PUT", "DELETE", "PROPFIND", "PROPPATCH", "REPORT", "MKCALENDAR", "OPTIONS")
_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "authorization", "content-length"}


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - RFC 7616 MD5, test only


class AuthProxy:
    def __init__(
        self,
        upstream: str,
        *,
        tokens: dict[str, str] | None = None,
        digest_users: dict[str, str] | None = None,
        realm: str = "syncd-test",
    ) -> None:
        self.upstream = urlsplit(upstream)
        self.tokens = dict(tokens or {})  # token -> user
        self.digest_users = dict(digest_users or {})  # user -> password
        self.realm = realm
        self.nonces: set[str] = set()
        self.schemes: list[str] = []  # "bearer", "digest", "none" per request
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _proxy(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                user = proxy.authenticate(self.command, self.headers.get("Authorization", ""))
                if user is None:
                    self._reply(401, proxy.challenges(), b"unauthorized")
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                headers["X-Remote-User"] = user
                conn = http.client.HTTPConnection(
                    proxy.upstream.hostname or "127.0.0.1", proxy.upstream.port, timeout=30
                )
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                    kept = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP]
                    self._reply(response.status, kept, data)
                finally:
                    conn.close()

            def _reply(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        for method in _METHODS:
            setattr(Handler, f"do_{method}", Handler._proxy)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> AuthProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def challenges(self) -> list[tuple[str, str]]:
        out = []
        if self.tokens:
            out.append(("WWW-Authenticate", f'Bearer realm="{self.realm}"'))
        if self.digest_users:
            nonce = secrets.token_hex(16)
            self.nonces.add(nonce)
            out.append(
                (
                    "WWW-Authenticate",
                    f'Digest realm="{self.realm}", nonce="{nonce}", qop="auth", algorithm=MD5',
                )
            )
        return out

    def authenticate(self, method: str, header: str) -> str | None:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip() in self.tokens:
            self.schemes.append("bearer")
            return self.tokens[value.strip()]
        if scheme.lower() == "digest":
            params = {m[1].lower(): m[2] or m[3] for m in _PARAM.finditer(value)}
            user = params.get("username", "")
            if user in self.digest_users and params.get("nonce") in self.nonces:
                ha1 = _md5(f"{user}:{self.realm}:{self.digest_users[user]}")
                ha2 = _md5(f"{method}:{params.get('uri', '')}")
                expected = _md5(
                    f"{ha1}:{params['nonce']}:{params.get('nc', '')}:{params.get('cnonce', '')}"
                    f":{params.get('qop', '')}:{ha2}"
                )
                if secrets.compare_digest(expected, params.get("response", "")):
                    self.schemes.append("digest")
                    return user
        self.schemes.append("none")
        return None
