"""Gmail's IMAP dialect in front of the test Dovecot: X-GM-EXT-1 and X-GM-MSGID.

No Gmail server can run here. Gmail differs from Dovecot in what syncd
relies on in three ways, and this loopback proxy adds exactly those to a
real Dovecot session (everything else is Dovecot's own answer):

- CAPABILITY (untagged, or in a response code) lists ``X-GM-EXT-1`` and no
  ``QRESYNC`` (Gmail offers CONDSTORE only);
- ``X-GM-MSGID`` in a client's FETCH item list is sent to Dovecot as
  ``X-GUID`` (Dovecot's stable per-message id: the Maildir file's base name);
- ``X-GUID <guid>`` in Dovecot's FETCH answers reaches the client as
  ``X-GM-MSGID <63-bit decimal>``, derived from the GUID, so it stays the
  same while the file does (a rebuilt folder with a new UIDVALIDITY keeps it,
  as Gmail keeps X-GM-MSGID).

Literals (``{n}`` then n raw bytes) pass through untouched in both
directions; only protocol lines are rewritten. Client command lines are
recorded in ``commands`` for assertions. One thread per direction and
connection; ``stop()`` closes everything.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import socket
import threading
from collections.abc import Callable

_LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n\Z")
_GUID = re.compile(rb"X-GUID (\"[^\"]*\"|[^\s()]+)")
_CAPS = re.compile(rb"(CAPABILITY [^\]\r\n]*)")


def msgid_for(guid: bytes) -> int:
    """The X-GM-MSGID the proxy reports for a Dovecot GUID (stable, 63 bits)."""
    return int(hashlib.sha256(guid.strip(b'"')).hexdigest()[:15], 16)


def _server_line(line: bytes) -> bytes:
    if b"CAPABILITY" in line:
        line = _CAPS.sub(lambda m: m.group(1).replace(b" QRESYNC", b"") + b" X-GM-EXT-1", line)
    if b"X-GUID" in line:
        line = _GUID.sub(lambda m: b"X-GM-MSGID %d" % msgid_for(m.group(1)), line)
    return line


def _client_line(line: bytes) -> bytes:
    return line.replace(b"X-GM-MSGID", b"X-GUID") if b"FETCH" in line.upper() else line


def _same(line: bytes) -> bytes:
    return line


class GmailDialectProxy:
    """Listens on a free loopback port and speaks Gmail's dialect to clients."""

    def __init__(self, upstream_port: int, *, gmail: bool = True) -> None:
        """``gmail=False``: pass everything through unchanged (and still record)."""
        self.upstream_port = upstream_port
        self.gmail = gmail
        self.commands: list[str] = []  # client command lines (without literals)
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self) -> None:
        self._stopped.set()
        with self._lock:
            sockets = [self._listener, *self._sockets]
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def sent(self, word: str) -> list[str]:
        """Recorded client command lines that contain ``word`` (case-insensitive)."""
        with self._lock:
            return [c for c in self.commands if word.upper() in c.upper()]

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
                server = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:
                return
            with self._lock:
                self._sockets += [client, server]
            down, up = (_server_line, _client_line) if self.gmail else (_same, _same)
            threading.Thread(
                target=self._pump, args=(server, client, down, None), daemon=True
            ).start()
            threading.Thread(
                target=self._pump, args=(client, server, up, self._record), daemon=True
            ).start()

    def _record(self, line: bytes) -> None:
        with self._lock:
            self.commands.append(line.decode("utf-8", "replace").rstrip("\r\n"))

    def _pump(
        self,
        src: socket.socket,
        dst: socket.socket,
        rewrite: Callable[[bytes], bytes],
        record: Callable[[bytes], None] | None,
    ) -> None:
        """Copy ``src`` to ``dst`` line by line, rewriting lines, never literals."""
        buf = b""
        literal = 0  # raw bytes still to copy as they are
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                buf += data
                out = []
                while buf:
                    if literal:
                        take = buf[:literal]
                        out.append(take)
                        literal -= len(take)
                        buf = buf[len(take) :]
                        continue
                    end = buf.find(b"\r\n")
                    if end < 0:
                        break
                    line, buf = buf[: end + 2], buf[end + 2 :]
                    m = _LITERAL.search(line)
                    literal = int(m.group(1)) if m else 0
                    if record is not None:
                        record(line)
                    out.append(rewrite(line))
                if out:
                    dst.sendall(b"".join(out))
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
