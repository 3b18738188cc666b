"""A throwaway Dovecot 2.3 master for the IMAP tests and benchmarks.

``start_dovecot()`` writes a config into a fresh temp dir and runs its own
``dovecot -c DIR/dovecot.conf`` master (no Docker, no system service) with:

- a plaintext listener (which also offers STARTTLS) and an implicit-TLS
  listener, both on free loopback ports, with a self-signed certificate for
  127.0.0.1/localhost (``server.ca_file`` verifies it);
- passwd-file users added at any time (one file per user), each with a
  Maildir that tests may write directly (then chown: mail cannot be owned
  by root) or fill with APPEND;
- SPECIAL-USE folders (RFC 6154), Unicode ones included, and ``/`` as the
  hierarchy separator;
- an oauth2 passdb for XOAUTH2/OAUTHBEARER that validates bearer tokens against
  ``OAuthProvider``, a tiny token + introspection endpoint in one
  ``http.server`` thread.

The temp dir lives outside pytest's 0700 tmp tree because Dovecot's mail
processes run as uid 65534 and must reach the Maildirs.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from imapclient import IMAPClient
from imapclient.imap_utf7 import encode as encode_utf7

MAIL_UID = 65534
SPECIAL_USE = {
    "Sent": r"\Sent",
    "Drafts": r"\Drafts",
    "Junk": r"\Junk",
    "Trash": r"\Trash",
    "Archive": r"\Archive",
    "Odoslané": r"\Sent",
    "Wysłane": r"\Sent",
    "Отправленные": r"\Sent",
    "Spam": r"\Junk",
    "Kôš": r"\Trash",
    "Koncepty": r"\Drafts",
    # Gmail's layout, for tests/servers/gmail_dialect.py
    "[Gmail]/All Mail": r"\All",
    "[Gmail]/Sent Mail": r"\Sent",
    "[Gmail]/Drafts": r"\Drafts",
    "[Gmail]/Spam": r"\Junk",
    "[Gmail]/Trash": r"\Trash",
}


def find_dovecot() -> str | None:
    """The dovecot binary, or None when it is not installed."""
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.path.exists(p)), None
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- OAuth2 provider ------------------------------------------------------------


@dataclass
class OAuthProvider:
    """Token endpoint (refresh_token grant, RFC 6749 6) + introspection (RFC 7662)."""

    expires_in: int = 3600
    grants: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # refresh -> user,id,sec
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # access -> user, expiry
    token_requests: int = 0
    introspections: int = 0
    rotate: bool = False  # each refresh revokes the used refresh token and issues a new one
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def grant(self, user: str, client_id: str = "syncd", client_secret: str = "s3cret") -> str:
        """A new refresh token for ``user``."""
        refresh = "rt-" + secrets.token_urlsafe(16)
        self.grants[refresh] = (user, client_id, client_secret)
        return refresh

    def start(self) -> OAuthProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path.startswith("/token"):
                    status, body = provider._token(form)
                elif self.path.startswith("/introspect"):
                    status, body = 200, provider._introspect(form)
                else:
                    status, body = 404, {"error": "not_found"}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        self.token_requests += 1
        grant = self.grants.get(form.get("refresh_token", ""))
        if form.get("grant_type") != "refresh_token" or grant is None:
            return 400, {"error": "invalid_grant"}
        user, client_id, client_secret = grant
        if form.get("client_id") != client_id or form.get("client_secret") != client_secret:
            return 401, {"error": "invalid_client"}
        access = "at-" + secrets.token_urlsafe(24)
        self.tokens[access] = (user, time.time() + self.expires_in)
        body: dict[str, object] = {
            "access_token": access, "token_type": "Bearer", "expires_in": self.expires_in,
        }  # fmt: skip
        if self.rotate:
            del self.grants[form["refresh_token"]]
            body["refresh_token"] = self.grant(user, client_id, client_secret)
        return 200, body

    def _introspect(self, form: dict[str, str]) -> dict[str, object]:
        self.introspections += 1
        user, expiry = self.tokens.get(form.get("token", ""), ("", 0.0))
        if not user or expiry < time.time():
            return {"active": False}
        return {"active": True, "username": user}


# --- Dovecot ----------------------------------------------------------------------


def _config(root: Path, port: int, tls_port: int) -> str:
    mailboxes = "\n".join(
        f'  mailbox "{name}" {{\n    special_use = {flag}\n  }}'
        for name, flag in SPECIAL_USE.items()
    )
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%u/Maildir
mail_fsync = never
mail_max_userip_connections = 1000
default_vsz_limit = 1G
namespace inbox {{
  inbox = yes
  separator = /
{mailboxes}
}}
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {root}/passwd.d/%u
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}
userdb {{
  driver = static
  args = uid={MAIL_UID} gid={MAIL_UID} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
  service_count = 0
  process_min_avail = 2
  client_limit = 2000
}}
service imap {{
  process_limit = 2000
}}
service anvil {{
  client_limit = 5000
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service auth {{
  client_limit = 5000
}}
default_client_limit = 5000
default_process_limit = 2000
"""


@dataclass
class DovecotServer:
    """One running Dovecot master; see the module docstring."""

    root: Path
    port: int
    tls_port: int
    oauth: OAuthProvider
    users: dict[str, str] = field(default_factory=dict)
    _proc: subprocess.Popen[bytes] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def ca_file(self) -> Path:
        return self.root / "cert.pem"

    @property
    def log(self) -> str:
        try:
            return (self.root / "dovecot.log").read_text(errors="replace")
        except OSError:
            return ""

    def add_user(self, name: str | None = None, password: str = "secret") -> str:
        """Register a user (unique name when none given); Dovecot re-reads the file."""
        name = name or f"u{secrets.token_hex(5)}"
        # One passwd-file per user: Dovecot stats a known file at most once a second,
        # while a new path is read at first use.
        with self._lock:
            self.users[name] = password
            tmp = self.root / "passwd.d" / f".{name}.tmp"
            tmp.write_text(f"{name}:{{PLAIN}}{password}::::::\n")
            tmp.replace(self.root / "passwd.d" / name)
        return name

    def client(self, user: str, *, timeout: float = 15.0) -> IMAPClient:
        """An admin connection (plaintext port) for a test to change the mailbox."""
        c = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=timeout)
        c.login(user, self.users[user])
        return c

    def maildir(self, user: str, folder: str = "INBOX") -> Path:
        """The Maildir++ directory of ``folder`` (modified UTF-7 name on disk)."""
        base = self.root / "mail" / user / "Maildir"
        if folder == "INBOX":
            return base
        return base / ("." + encode_utf7(folder).decode("ascii").replace("/", "."))

    def write_messages(
        self,
        user: str,
        folder: str,
        messages: Iterable[bytes | tuple[bytes, datetime]],
        *,
        flags: str = "S",
    ) -> int:
        """Write messages straight into a Maildir (much faster than APPEND).

        A ``(raw, when)`` pair sets the file mtime, which Dovecot reports as the
        INTERNALDATE. Files are chowned to the mail uid afterwards.
        """
        path = self.maildir(user, folder)
        for sub in ("cur", "new", "tmp"):
            (path / sub).mkdir(parents=True, exist_ok=True)
        if folder != "INBOX":
            (path / "maildirfolder").touch()
        count = 0
        stamp = int(time.time())
        for count, item in enumerate(messages, 1):
            raw, when = item if isinstance(item, tuple) else (item, None)
            name = (
                path / "cur" / f"{stamp}.M{count}P{os.getpid()}R{secrets.token_hex(4)}.t:2,{flags}"
            )
            name.write_bytes(raw)
            if when is not None:
                ts = when.timestamp()
                os.utime(name, (ts, ts))
        self.chown(user)
        return count

    def chown(self, user: str) -> None:
        home = self.root / "mail" / user
        for dirpath, _dirs, filenames in os.walk(home):
            os.chown(dirpath, MAIL_UID, MAIL_UID)
            for name in filenames:
                os.chown(os.path.join(dirpath, name), MAIL_UID, MAIL_UID)
        os.chown(self.root / "mail", MAIL_UID, MAIL_UID)

    def stop(self) -> None:
        if self._proc is None:
            return
        self._proc.send_signal(signal.SIGTERM)
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc = None


def start_dovecot(root: Path | None = None, *, binary: str | None = None) -> DovecotServer:
    """Configure and start a Dovecot master; raises RuntimeError when it does not come up."""
    binary = binary or find_dovecot()
    if binary is None:
        raise FileNotFoundError("dovecot is not installed (apt-get install dovecot-imapd)")
    root = Path(root or tempfile.mkdtemp(prefix="syncd-dovecot-"))
    root.chmod(0o755)
    for sub in ("run", "state", "mail", "passwd.d"):
        (root / sub).mkdir(exist_ok=True)
    os.chown(root / "mail", MAIL_UID, MAIL_UID)
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"),
            "-days", "30", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    oauth = OAuthProvider().start()
    (root / "oauth2.conf.ext").write_text(
        f"introspection_mode = post\nintrospection_url = {oauth.url}/introspect\n"
        "username_attribute = username\nactive_attribute = active\nactive_value = true\n"
        "force_introspection = yes\n"
    )
    (root / "passwd.d").mkdir(exist_ok=True)
    port, tls_port = free_port(), free_port()
    (root / "dovecot.conf").write_text(_config(root, port, tls_port))
    server = DovecotServer(root=root, port=port, tls_port=tls_port, oauth=oauth)
    server._proc = subprocess.Popen(
        [binary, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if server._proc.poll() is not None:
            err = server._proc.stderr.read().decode(errors="replace") if server._proc.stderr else ""
            oauth.stop()
            raise RuntimeError(f"dovecot exited: {err}\n{server.log}")
        if all(_accepts(p) for p in (port, tls_port)):
            return server
        time.sleep(0.05)
    server.stop()
    oauth.stop()
    raise RuntimeError(f"dovecot did not listen within 15 s\n{server.log}")


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def stop_dovecot(server: DovecotServer, *, remove: bool = True) -> None:
    server.stop()
    server.oauth.stop()
    if remove:
        shutil.rmtree(server.root, ignore_errors=True)
