"""Push via IMAP IDLE (RFC 2177) on a connection of its own.

The watcher EXAMINEs one folder (INBOX) and stays in IDLE between calls, so
a change that arrives while the caller is syncing is waiting in the socket
the next time it asks. IDLE is re-issued before the 29 minutes after which
a server may drop an idle client (RFC 2177 3). EXISTS, EXPUNGE, FETCH and
VANISHED responses mean "something changed"; ``* OK Still here`` does not.

After (re)connecting it answers True at once: changes made before IDLE
started were not seen by anyone. A dropped IDLE connection also answers
True (the caller's sync will surface a real outage) and reconnects on the
next call. Without the IDLE capability it sleeps ``timeout`` and answers
True: plain polling.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

import structlog

from syncd.errors import SyncdError, TransientError

from .session import Session

log = structlog.get_logger()

CHANGE_RESPONSES = frozenset({b"EXISTS", b"EXPUNGE", b"FETCH", b"VANISHED", b"RECENT"})


class IdleWatcher:
    """See the module docstring. Not thread-safe except ``close`` (which may interrupt)."""

    def __init__(
        self,
        open_session: Callable[[], Session],
        folder: str = "INBOX",
        *,
        renew_after: float = 25 * 60,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.open_session = open_session
        self.folder = folder
        self.renew_after = renew_after
        self.clock = clock
        self.sleep = sleep
        self._session: Session | None = None
        self._since = 0.0
        self._no_idle = False
        self._closed = threading.Event()
        self._waiting = False

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds; True when the folder (may have) changed."""
        if self._closed.is_set():
            return False
        if self._no_idle:
            self._closed.wait(timeout)
            return not self._closed.is_set()
        if self._session is None:
            self._start()
            return True
        self._waiting = True
        try:
            return self._wait(self.clock() + timeout)
        finally:
            self._waiting = False

    def _wait(self, deadline: float) -> bool:
        while not self._closed.is_set():
            now = self.clock()
            if now >= deadline:
                return False
            if now - self._since >= self.renew_after and self._renew():
                return True
            step = min(deadline - now, max(0.05, self.renew_after - (now - self._since)))
            session = self._session
            if session is None:
                return not self._closed.is_set()
            began = self.clock()
            try:
                responses = session.idle_check(step)
                if self._closed.is_set():
                    return False
            except SyncdError as exc:  # dropped, or an answer we cannot use: start over
                if self._closed.is_set():
                    return False
                log.info("imap_idle_lost", folder=self.folder, error=str(exc)[:200])
                self._drop()
                return True
            if any(_is_change(r) for r in responses):
                return True
            if not responses and self.clock() - began < step * 0.5:
                # Readable but nothing parsed: EOF. Let the caller sync; reconnect next time.
                log.info("imap_idle_eof", folder=self.folder)
                self._drop()
                return True
        return False

    def _start(self) -> None:
        session = self.open_session()
        if not session.has("IDLE"):
            log.info("imap_idle_unsupported", folder=self.folder)
            session.logout()
            self._no_idle = True
            return
        try:
            session.examine(self.folder)
            session.idle_start()
        except BaseException:
            session.abort()
            raise
        self._session = session
        self._since = self.clock()
        log.debug("imap_idle_started", folder=self.folder)

    def _renew(self) -> bool:
        """DONE, NOOP, IDLE; True when they brought news (or the connection had to be redone).

        The NOOP makes the server look at the mailbox: Dovecot can lose a change that
        arrives while one IDLE ends and the next begins.
        """
        assert self._session is not None
        try:
            _, responses = self._session.idle_done()
            responses += self._session.noop()
            self._session.idle_start()
            self._since = self.clock()
        except TransientError:
            self._drop()
            self._start()
            return True
        return any(_is_change(r) for r in responses)

    def _drop(self) -> None:
        if self._session is not None:
            self._session.abort()
            self._session = None

    def close(self) -> None:
        """End IDLE and log out; from another thread, interrupt a waiting ``wait``."""
        self._closed.set()
        session, self._session = self._session, None
        if session is None:
            return
        if self._waiting:
            session.abort()  # the waiting thread wakes up on EOF
            return
        with contextlib.suppress(Exception):  # closing anyway
            session.idle_done()
        session.logout()


def _is_change(response: tuple[object, ...]) -> bool:
    if (
        len(response) >= 2
        and isinstance(response[1], bytes)
        and (response[1].upper() in CHANGE_RESPONSES)
    ):
        return True
    return bool(response) and response[0] == b"VANISHED"
