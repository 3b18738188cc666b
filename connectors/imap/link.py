"""The connector's connection: opened lazily, reopened and retried after transient failures.

Only idempotent operations go through ``run``/``in_folder`` (connect, login,
LIST, STATUS, EXAMINE, SEARCH, FETCH with PEEK): tenacity retries them on
``TransientError`` with exponential backoff and jitter, a cap and
``reraise=True``. A failed attempt drops the connection; the next one logs
in again and re-opens the folder. If the folder's UIDVALIDITY changed in
between, the UIDs we hold mean other messages now, so the scope fails and
the next run rescans it (RFC 3501 2.3.1.1).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from syncd.errors import ProtocolError, TransientError

from .session import ImapParams, Selected, Session

log = structlog.get_logger()
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 6
    initial: float = 0.5
    max_wait: float = 30.0
    max_total: float = 300.0


class UidValidityChanged(ProtocolError):
    """The folder was recreated while we worked on it; the next run rescans."""


class Link:
    """One lazily opened ``Session`` plus the retry discipline; see the module docstring."""

    def __init__(self, params: ImapParams, retry: RetryPolicy | None = None) -> None:
        self.params = params
        self.retry = retry or RetryPolicy()
        self._session: Session | None = None
        self._lock = threading.RLock()
        self.connects = 0

    def session(self) -> Session:
        if self._session is None:
            self._session = Session(self.params)
            self.connects += 1
        return self._session

    def run(self, what: str, op: Callable[[Session], T]) -> T:
        """Run ``op`` on a live session, retrying transient failures on a new one."""

        def attempt() -> T:
            with self._lock:
                try:
                    return op(self.session())
                except TransientError:
                    self.drop()
                    raise

        retrying = Retrying(
            retry=retry_if_exception_type(TransientError),
            stop=stop_after_attempt(self.retry.attempts) | stop_after_delay(self.retry.max_total),
            wait=wait_exponential_jitter(
                multiplier=self.retry.initial, max=self.retry.max_wait, jitter=self.retry.initial
            ),
            reraise=True,
            before_sleep=lambda rs: _log_retry(what, self.params.host, rs),
        )
        return retrying(attempt)

    def in_folder(
        self, folder: str, uidvalidity: int | None, op: Callable[[Session, Selected], T], what: str
    ) -> T:
        """``run`` with ``folder`` selected (re-opened after a reconnect)."""

        def with_folder(s: Session) -> T:
            sel = s.selected
            if sel is None or sel.folder != folder:
                sel = s.examine(folder)
            if uidvalidity is not None and sel.uidvalidity != uidvalidity:
                raise UidValidityChanged(
                    f"UIDVALIDITY of {folder!r} changed during the sync; it will be rescanned"
                )
            return op(s, sel)

        return self.run(what, with_folder)

    def drop(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.abort()
                self._session = None

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.logout()
                self._session = None


def _log_retry(what: str, host: str, rs: RetryCallState) -> None:
    exc = rs.outcome.exception() if rs.outcome else None
    log.warning(
        "imap_retry",
        op=what,
        host=host,
        attempt=rs.attempt_number,
        error=str(exc)[:200] if exc else None,
        wait_s=round(rs.next_action.sleep, 2) if rs.next_action else None,
    )
