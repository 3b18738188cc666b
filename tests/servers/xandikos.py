"""A throwaway Xandikos server: the second CalDAV implementation of the tests.

``xandikos serve -d DIR --defaults`` on a free loopback port, without auth
(Xandikos only does Basic auth behind ``--autocert``). Its behaviour differs
from Radicale's where the connector must cope: sync-collection answers 404 for
``calendar-data`` (so the connector follows with calendar-multiget), an
unknown sync token is a 412 with ``valid-sync-token``, and the well-known URL
redirects with 302. The default calendar is ``/user/calendars/calendar/``.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from tests.servers import stop_process
from tests.servers.radicale import free_port

DEFAULT_CALENDAR = "/user/calendars/calendar/"


def xandikos_available() -> bool:
    return importlib.util.find_spec("xandikos") is not None


class XandikosServer:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="syncd-xandikos-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = self.root / "xandikos.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> XandikosServer:
        log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [
                sys.executable, "-m", "xandikos", "serve", "-d", str(self.root / "data"),
                "--defaults", "-l", "127.0.0.1", "-p", str(self.port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"xandikos exited: {self.log_path.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                if self.http("PROPFIND", "/", headers={"Depth": "0"})[0] == 207:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"xandikos did not start: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        stop_process(self._process, self.root)

    def http(
        self,
        method: str,
        path: str,
        body: bytes | str = b"",
        *,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        data = body.encode() if isinstance(body, str) else body
        request = urllib.request.Request(self.url.rstrip("/") + path, data=data, method=method)
        request.add_header("Content-Type", "text/xml")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def mkcalendar(self, name: str | None = None) -> str:
        path = f"/user/calendars/{name or uuid.uuid4().hex[:12]}/"
        body = (
            '<?xml version="1.0"?><C:mkcalendar xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>'
            "<D:displayname>Test</D:displayname></D:prop></D:set></C:mkcalendar>"
        )
        status, text = self.http("MKCALENDAR", path, body)
        assert status == 201, (status, text)
        return path

    def put(self, path: str, ics: str | bytes) -> None:
        status, text = self.http(
            "PUT", path, ics, headers={"Content-Type": "text/calendar; charset=utf-8"}
        )
        assert status in (201, 204), (status, text)

    def delete(self, path: str) -> None:
        status, text = self.http("DELETE", path)
        assert status in (200, 204), (status, text)
