"""A throwaway Radicale 3 server for the CalDAV tests and the benchmark.

``RadicaleServer.start()`` writes a config into a fresh temp dir and runs
``python -m radicale`` on a free loopback port with htpasswd users (plain
passwords), owner-only rights and INFO logging to a file, which is how the
tests count the HTTP requests the server received. Options:

- ``tls=True``: a self-signed certificate for 127.0.0.1 (``ca_file``);
- ``auth="http_x_remote_user"``: Radicale trusts the ``X-Remote-User`` header,
  for an authenticating gateway in front (``tests/servers/authproxy.py``).

Calendars are made with MKCALENDAR; events are PUT over HTTP (~80 ms each) or,
for big fixtures, written straight into the storage folder (atomic rename),
which Radicale reads on every request.
"""

from __future__ import annotations

import base64
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from xml.sax.saxutils import escape

from tests.servers import stop_process

USERS = {"alice": "secret-a", "bob": "secret-b", "carol": "secret-c"}
_REQUEST_LINE = re.compile(r"\] [A-Z]+ request for '")


def radicale_available() -> bool:
    return importlib.util.find_spec("radicale") is not None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed(directory: Path) -> tuple[Path, Path]:
    """(cert, key) for CN=localhost, SAN 127.0.0.1; the cert is its own CA."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
            "-out", str(cert), "-days", "30", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


class RadicaleServer:
    """One Radicale process; ``url`` is its root (discovery starts there)."""

    def __init__(
        self, *, users: dict[str, str] | None = None, tls: bool = False, auth: str = "htpasswd"
    ) -> None:
        self.users = dict(USERS if users is None else users)
        self.tls = tls
        self.auth = auth
        self.root = Path(tempfile.mkdtemp(prefix="syncd-radicale-"))
        self.port = free_port()
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}/"
        self.ca_file: Path | None = None
        self.log_path = self.root / "radicale.log"
        self._process: subprocess.Popen[bytes] | None = None

    # -- process ---------------------------------------------------------------

    def start(self) -> RadicaleServer:
        (self.root / "users").write_text(
            "".join(f"{u}:{p}\n" for u, p in self.users.items()), encoding="utf-8"
        )
        server = [f"hosts = 127.0.0.1:{self.port}"]
        if self.tls:
            cert, key = self_signed(self.root)
            self.ca_file = cert
            server += ["ssl = True", f"certificate = {cert}", f"key = {key}"]
        auth = [f"type = {self.auth}", "delay = 0"]
        if self.auth == "htpasswd":
            auth += [f"htpasswd_filename = {self.root / 'users'}", "htpasswd_encryption = plain"]
        config = "\n".join(
            [
                "[server]",
                *server,
                "[auth]",
                *auth,
                "[storage]",
                f"filesystem_folder = {self.root / 'collections'}",
                "[rights]",
                "type = owner_only",
                "[logging]",
                "level = info",
                "mask_passwords = True",
                "",
            ]
        )
        (self.root / "config").write_text(config, encoding="utf-8")
        log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(self.root / "config")],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"radicale exited: {self.log_path.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"radicale did not start: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        stop_process(self._process, self.root)

    def request_count(self) -> int:
        """HTTP requests Radicale has logged so far (one INFO line each)."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return len(_REQUEST_LINE.findall(text))

    # -- HTTP ------------------------------------------------------------------

    def http(
        self,
        method: str,
        path: str,
        body: bytes | str = b"",
        *,
        user: str = "alice",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        data = body.encode() if isinstance(body, str) else body
        request = urllib.request.Request(self.url.rstrip("/") + path, data=data, method=method)
        token = base64.b64encode(f"{user}:{self.users.get(user, '')}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        if self.auth == "http_x_remote_user":
            request.add_header("X-Remote-User", user)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        context = None
        if self.tls:
            import ssl

            context = ssl.create_default_context(cafile=str(self.ca_file))
        try:
            with urllib.request.urlopen(request, timeout=30, context=context) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def mkcalendar(self, user: str, name: str | None = None, display: str | None = None) -> str:
        """Create a calendar; its path (``/user/name/``)."""
        name = name or uuid.uuid4().hex[:12]
        path = f"/{user}/{name}/"
        props = f"<D:displayname>{escape(display)}</D:displayname>" if display else ""
        body = (
            '<?xml version="1.0"?><C:mkcalendar xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:caldav">'
            f"<D:set><D:prop>{props}</D:prop></D:set></C:mkcalendar>"
        )
        status, text = self.http("MKCALENDAR", path, body, user=user)
        assert status == 201, (status, text)
        return path

    def put(self, path: str, ics: str | bytes, *, user: str | None = None) -> None:
        status, text = self.http(
            "PUT",
            path,
            ics,
            user=user or path.split("/")[1],
            headers={"Content-Type": "text/calendar; charset=utf-8"},
        )
        assert status in (201, 204), (status, text)

    def delete(self, path: str, *, user: str | None = None) -> None:
        status, text = self.http("DELETE", path, user=user or path.split("/")[1])
        assert status in (200, 204), (status, text)

    # -- storage ---------------------------------------------------------------

    def storage(self, path: str) -> Path:
        return self.root / "collections" / "collection-root" / path.strip("/")

    def write(self, path: str, ics: str | bytes) -> None:
        """Put an item straight into the storage folder (no validation, no HTTP)."""
        target = self.storage(path)
        data = ics.encode() if isinstance(ics, str) else ics
        temp = target.with_name(f".tmp-{uuid.uuid4().hex}")
        temp.write_bytes(data)
        os.replace(temp, target)

    def invalidate_sync_tokens(self, calendar: str) -> None:
        """Forget the calendar's sync-token history: old tokens get 403 valid-sync-token."""
        shutil.rmtree(self.storage(calendar) / ".Radicale.cache" / "sync-token", ignore_errors=True)
