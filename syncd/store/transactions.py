"""Write transactions that survive the races of several daemons on one database.

Daemons sharing a PostgreSQL store the same message from two mailboxes and
may auto-create the same company at the same moment. Lock order is kept
consistent where the store controls it (rows are inserted in key order), but
a race can still end a transaction with a deadlock (40P01), a serialisation
failure (40001) or a unique violation (23505, the other daemon committed the
row first), and SQLite may report a locked database. Such a transaction is
rolled back and run again from scratch: the next attempt sees the committed
rows, and the dedupe keys make the replay harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import structlog
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

T = TypeVar("T")
log = structlog.get_logger()

ATTEMPTS = 5
_TRANSIENT = {"40P01", "40001", "23505", "55P03"}


def is_transient(exc: BaseException) -> bool:
    """A race between writers that a fresh attempt resolves."""
    if not isinstance(exc, DBAPIError):
        return False
    state = getattr(exc.orig, "sqlstate", None)
    if state is not None:
        return state in _TRANSIENT
    return "database is locked" in str(exc.orig)  # SQLite past its busy timeout


def _log(state: object) -> None:
    exc = state.outcome.exception() if state.outcome else None  # type: ignore[attr-defined]
    log.warning(
        "store_write_retried",
        attempt=state.attempt_number,  # type: ignore[attr-defined]
        error=type(getattr(exc, "orig", exc)).__name__,
    )


def write_retried(
    sessions: sessionmaker[Session],
    work: Callable[[Session], T],
    *,
    attempts: int = ATTEMPTS,
    on_retry: Callable[[], None] | None = None,
) -> T:
    """Run ``work`` in a transaction, again from the start after a transient race.

    ``on_retry`` is called before each new attempt (for counters)."""

    def before_sleep(state: object) -> None:
        _log(state)
        if on_retry is not None:
            on_retry()

    for attempt in Retrying(
        retry=retry_if_exception(is_transient),
        stop=stop_after_attempt(attempts),
        wait=wait_random_exponential(multiplier=0.05, max=2),
        before_sleep=before_sleep,
        reraise=True,
    ):
        with attempt, sessions.begin() as s:
            return work(s)
    raise AssertionError("unreachable")  # pragma: no cover - Retrying reraises
