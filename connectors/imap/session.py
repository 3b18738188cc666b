"""One authenticated IMAP connection, with library errors translated at the edge.

``Session`` wraps an ``imapclient.IMAPClient`` and adds what the connector
needs and imapclient lacks: SELECT/EXAMINE with QRESYNC parameters
(RFC 7162 3.2.5), ``LIST ... RETURN (SPECIAL-USE STATUS (...))`` (RFC 5819,
RFC 6154) and UID FETCH over a UID *set string* (imapclient's ``fetch``
only takes lists of ints, and Dovecot refuses 20k-element lists).

Security: TLS by default with certificate and host name verification,
implicit (993) or STARTTLS (RFC 3501 6.2.1, refused when not offered);
plaintext only when configured. Every library call runs inside
``errors.translated``, so only syncd errors leave this module. imaplib's own
debug logging (which would print LOGIN arguments) is switched off.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import structlog
from imapclient import IMAPClient, SocketTimeout
from imapclient import exceptions as imap_exc
from imapclient.imap_utf7 import decode as decode_utf7
from imapclient.response_parser import parse_fetch_response, parse_response

from syncd.errors import AuthError, ProtocolError

from .errors import translated
from .wire import parse_fetch, parse_uid_set

log = structlog.get_logger()

Security = Literal["tls", "starttls", "plain"]
FetchData = dict[bytes, Any]


@dataclass(frozen=True, slots=True)
class ImapParams:
    """How to reach and log in to one account. Secrets are callables, resolved late."""

    host: str
    username: str
    port: int | None = None
    security: Security = "tls"
    ca_file: Path | None = None
    password: Callable[[], str | None] | None = field(default=None, repr=False)
    token: Callable[[bool], str] | None = field(default=None, repr=False)  # oauth2: (refresh)
    oauth2_mechanism: Literal["auto", "xoauth2", "oauthbearer"] = "auto"
    timeout: float = 60.0
    ignore_capabilities: frozenset[str] = frozenset()

    @property
    def effective_port(self) -> int:
        return self.port or (993 if self.security == "tls" else 143)


@dataclass(frozen=True, slots=True)
class Selected:
    """What EXAMINE reported (RFC 3501 6.3.2, RFC 7162 3.1.2 / 3.2.5.1)."""

    folder: str
    exists: int
    uidvalidity: int
    uidnext: int | None
    highestmodseq: int | None
    vanished: tuple[int, ...] = ()
    qresync: bool = False  # VANISHED is authoritative since the given MODSEQ


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Verifying context: system roots, or only ``ca_file`` when given."""
    ctx = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


class Session:
    """A logged-in connection; see the module docstring."""

    def __init__(self, params: ImapParams) -> None:
        self.params = params
        self.client = _login(params)
        self.selected: Selected | None = None
        self._qresync = False
        self._caps = frozenset(
            c.decode("ascii", "replace").upper() for c in self.client.capabilities()
        ) - {c.upper() for c in params.ignore_capabilities}

    def has(self, capability: str) -> bool:
        return capability.upper() in self._caps

    @property
    def capabilities(self) -> frozenset[str]:
        return self._caps

    # --- folders -------------------------------------------------------------------

    def list_folders(
        self,
    ) -> tuple[list[tuple[tuple[bytes, ...], str]], dict[str, dict[bytes, int]]]:
        """(flags, name) per folder and, with LIST-STATUS, each folder's STATUS: one round trip."""
        self.leave_folder()
        imap = self.client._imap
        items = "MESSAGES UIDNEXT UIDVALIDITY" + (" HIGHESTMODSEQ" if self.has("CONDSTORE") else "")
        with translated("LIST"):
            if self.has("LIST-STATUS"):
                ret = (
                    "(SPECIAL-USE STATUS (" + items + "))"
                    if self.has("SPECIAL-USE")
                    else ("(STATUS (" + items + "))")
                )
                typ, data = imap._simple_command("LIST", '""', '"*"', "RETURN", ret)
            else:
                typ, data = imap._simple_command("LIST", '""', '"*"')
            if typ != "OK":
                raise ProtocolError(f"LIST failed: {data!r}")
            _, lines = imap._untagged_response(typ, data, "LIST")
            _, status_lines = imap._untagged_response(typ, data, "STATUS")
            folders = [(tuple(flags), _name(name)) for flags, _sep, name in _triplets(lines)]
            statuses = {}
            for line in status_lines:
                if line is None:
                    continue
                parsed = parse_response([line])
                if len(parsed) >= 2:
                    statuses[_name(parsed[0])] = _pairs(parsed[-1])
        return folders, statuses

    def leave_folder(self) -> None:
        """Deselect before STATUS: a server may answer stale STATUS for the selected folder
        (RFC 3501 6.3.10), which would make a long-lived connection miss new mail."""
        if self.selected is None:
            return
        with translated("UNSELECT"):
            if self.has("UNSELECT"):
                self.client.unselect_folder()
            else:
                self.client.close_folder()  # read-only (EXAMINE): CLOSE expunges nothing
        self.selected = None

    def status(self, folder: str) -> dict[bytes, int]:
        self.leave_folder()
        what = ["MESSAGES", "UIDNEXT", "UIDVALIDITY"]
        if self.has("CONDSTORE"):
            what.append("HIGHESTMODSEQ")
        with translated(f"STATUS {folder}"):
            return {k.upper(): v for k, v in self.client.folder_status(folder, what).items()}

    def status_size(self, folder: str) -> tuple[int, int] | None:
        """(messages, bytes) via STATUS=SIZE (RFC 8438), or None when unsupported."""
        if not self.has("STATUS=SIZE"):
            return None
        with translated(f"STATUS {folder}"):
            st = self.client.folder_status(folder, ["MESSAGES", "SIZE"])
        return int(st[b"MESSAGES"]), int(st[b"SIZE"])

    def examine(
        self, folder: str, *, uidvalidity: int | None = None, modseq: int | None = None
    ) -> Selected:
        """EXAMINE (read-only SELECT); with QRESYNC when a (uidvalidity, modseq) pair is given."""
        imap = self.client._imap
        with translated(f"EXAMINE {folder}"):
            qresync = bool(uidvalidity and modseq and self.has("QRESYNC"))
            if self.has("QRESYNC") and not self._qresync and self.selected is None:
                self.client.enable("QRESYNC")  # RFC 7162 3.2.3: once, before any SELECT
                self._qresync = True
            qresync = qresync and self._qresync
            args = [self.client._normalise_folder(folder)]
            if qresync:
                args.append(f"(QRESYNC ({uidvalidity} {modseq}))")
            imap.untagged_responses = {}
            self.selected = None
            typ, data = imap._simple_command("EXAMINE", *args)
            if typ != "OK":
                raise ProtocolError(f"cannot open folder {folder!r}: {_text(data)}")
            imap.state = "SELECTED"
            imap.is_readonly = True
            resp = self.client._process_select_response(imap.untagged_responses)
            vanished = _vanished(imap.untagged_responses.get("VANISHED", []))
            imap.untagged_responses = {}
            if b"UIDVALIDITY" not in resp:
                raise ProtocolError(f"folder {folder!r}: server sent no UIDVALIDITY")
            self.selected = Selected(
                folder=folder,
                exists=int(resp.get(b"EXISTS", 0)),
                uidvalidity=int(resp[b"UIDVALIDITY"]),
                uidnext=int(resp[b"UIDNEXT"]) if b"UIDNEXT" in resp else None,
                highestmodseq=int(resp[b"HIGHESTMODSEQ"]) if b"HIGHESTMODSEQ" in resp else None,
                vanished=vanished,
                qresync=qresync,
            )
        return self.selected

    # --- messages ------------------------------------------------------------------

    def search(self, criteria: list[Any]) -> list[int]:
        with translated("UID SEARCH"):
            return sorted(int(u) for u in self.client.search(criteria))

    def fetch(self, uid_set: str, items: list[str]) -> dict[int, FetchData]:
        """UID FETCH of a UID set string ("1:40,42"); unsolicited responses are left out."""
        if not uid_set:
            return {}
        imap = self.client._imap
        with translated("UID FETCH"):
            typ, data = imap.uid("FETCH", uid_set, "(" + " ".join(items) + ")")
            if typ != "OK":
                raise ProtocolError(f"UID FETCH failed: {_text(data)}")
            try:
                parsed: dict[int, FetchData] = parse_fetch(data)
            except (ValueError, StopIteration):  # something unusual: the thorough parser
                parsed = dict(parse_fetch_response(data, normalise_times=False, uid_is_key=True))
        want = {_response_key(i) for i in items}
        return {uid: d for uid, d in parsed.items() if want & set(d)}

    # --- IDLE (RFC 2177) -----------------------------------------------------------

    def idle_start(self) -> None:
        with translated("IDLE"):
            self.client.idle()

    def idle_check(self, timeout: float) -> list[tuple[Any, ...]]:
        with translated("IDLE"):
            return list(self.client.idle_check(timeout=timeout))

    def idle_done(self) -> tuple[bytes, list[tuple[Any, ...]]]:
        with translated("IDLE DONE"):
            text, responses = self.client.idle_done()
        return text, list(responses)

    def noop(self) -> list[tuple[Any, ...]]:
        with translated("NOOP"):
            _, responses = self.client.noop()
        return list(responses)

    def fileno(self) -> int:
        return int(self.client.socket().fileno())

    def logout(self) -> None:
        """Say goodbye if we can; a dead socket is simply closed."""
        try:
            self.client.logout()
        except Exception:  # noqa: BLE001 - best effort: the connection may already be gone
            self.abort()

    def abort(self) -> None:
        with contextlib.suppress(Exception):  # already closed
            self.client.shutdown()


def _login(params: ImapParams) -> IMAPClient:
    where = f"{params.host}:{params.effective_port}"
    ctx = tls_context(params.ca_file) if params.security != "plain" else None
    with translated(f"connect {where}"):
        client = IMAPClient(
            params.host,
            port=params.effective_port,
            ssl=params.security == "tls",
            ssl_context=ctx,
            timeout=SocketTimeout(connect=params.timeout, read=params.timeout),
        )
    client._imap.debug = 0  # imaplib would log LOGIN arguments at debug level
    client.normalise_times = False
    try:
        if params.security == "starttls":
            with translated(f"STARTTLS {where}"):
                client.starttls(ctx)
        with translated(f"login {params.username}@{where}"):
            if params.token is not None:
                _oauth_login(client, params)
            else:
                password = params.password() if params.password else None
                if password is None:
                    raise AuthError(f"no password configured for {params.username}")
                client.login(params.username, password)
    except BaseException:
        with contextlib.suppress(Exception):  # already closed
            client.shutdown()
        raise
    log.debug("imap_logged_in", host=params.host, user=params.username, security=params.security)
    return client


def _oauth_login(client: IMAPClient, params: ImapParams) -> None:
    """XOAUTH2 or OAUTHBEARER (RFC 7628); a refused token is refreshed once and retried."""
    assert params.token is not None
    caps = {c.decode("ascii", "replace").upper() for c in client.capabilities()}
    mech = params.oauth2_mechanism
    if mech == "auto":
        mech = "oauthbearer" if "AUTH=OAUTHBEARER" in caps else "xoauth2"
    for attempt in (0, 1):
        token = params.token(attempt == 1)
        try:
            if mech == "oauthbearer":
                client.oauthbearer_login(params.username, token)
            else:
                client.oauth2_login(params.username, token)
            return
        except imap_exc.LoginError as exc:
            if attempt == 1 or "[UNAVAILABLE]" in str(exc).upper():
                raise


def _name(raw: Any) -> str:
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, bytes):
        return decode_utf7(raw)
    return str(raw)


def _triplets(lines: list[Any]) -> Iterator[tuple[Any, Any, Any]]:
    """(flags, delimiter, name) per LIST response; LIST-EXTENDED data (RFC 5258) skipped."""
    lines = [x for x in lines if x not in (b"", None)]
    if not lines:
        return
    parsed = parse_response(lines)
    i = 0
    while i + 2 < len(parsed):
        yield parsed[i], parsed[i + 1], parsed[i + 2]
        i += 3
        # Extended data is a parenthesised list after the name; the next response
        # starts with a flag list followed by a delimiter, never by another list.
        if (
            i < len(parsed)
            and isinstance(parsed[i], tuple)
            and (i + 1 >= len(parsed) or isinstance(parsed[i + 1], tuple))
        ):
            i += 1


def _pairs(items: Any) -> dict[bytes, int]:
    out: dict[bytes, int] = {}
    for i in range(0, len(items) - 1, 2):
        key = items[i]
        if isinstance(key, bytes):
            try:
                out[key.upper()] = int(items[i + 1])
            except (TypeError, ValueError):
                continue
    return out


def _vanished(lines: list[Any]) -> tuple[int, ...]:
    """UIDs from ``VANISHED (EARLIER) 41,43:116`` responses (RFC 7162 3.2.10)."""
    out: list[int] = []
    for line in lines:
        text = line.decode("ascii", "replace") if isinstance(line, bytes) else str(line)
        text = text.replace("(EARLIER)", "").strip()
        out.extend(parse_uid_set(text))
    return tuple(out)


def _response_key(item: str) -> bytes:
    """The key a FETCH item comes back under: BODY.PEEK[X]<0.n> -> BODY[X]<0>."""
    key = item.upper().replace("BODY.PEEK[", "BODY[")
    if "<" in key:
        head, _, rest = key.partition("<")
        key = head + "<" + rest.split(".")[0].rstrip(">") + ">"
    return key.encode("ascii")


def _text(data: Any) -> str:
    if isinstance(data, list) and data:
        data = data[0]
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return str(data)
