"""Read a connector's next batch while the pipeline stores the current one.

Fetching (network reads, parsing) and storing (sqlite3 and psycopg release
the GIL while the database works) overlap when the connector's generator runs
on a thread of its own, a bounded number of batches ahead. The generator never
leaves that thread: it is created, advanced and closed there, so a connector
that holds one connection is used by one thread at a time.

The consumer sees what a plain ``for`` loop over the generator would show:
batches in order, then either the end or the producer's exception itself
(same object, same type). A consumer that stops early (an error, a lost
lease, shutdown) closes the prefetcher, which stops the producer after the
batch it is reading, closes the generator on the producer thread and joins it.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Generic, TypeVar

import structlog

log = structlog.get_logger()

T = TypeVar("T")

JOIN_TIMEOUT = 300.0  # seconds to wait for the producer's current read on close
_POLL = 0.05  # seconds between checks of the stop flag while the queue is full
_ITEM, _END, _ERROR = "item", "end", "error"


class Prefetcher(Generic[T]):
    """Iterate ``make()`` on a background thread, at most ``depth`` items ahead.

    Use as a context manager so the thread is always joined::

        with Prefetcher(lambda: connector.fetch(scope, state)) as batches:
            for batch in batches:
                store(batch)
    """

    def __init__(
        self, make: Callable[[], Iterator[T]], *, depth: int = 1, name: str = "prefetch"
    ) -> None:
        self._make = make
        self._queue: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._finished = False
        # Log context (structlog contextvars) follows the work onto the thread.
        ctx = contextvars.copy_context()
        self._thread = threading.Thread(
            target=ctx.run, args=(self._produce,), name=name, daemon=True
        )

    def __enter__(self) -> Prefetcher[T]:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        if self._finished:
            raise StopIteration
        kind, value = self._queue.get()
        if kind == _ITEM:
            return value  # type: ignore[return-value]
        self._finished = True
        if kind == _ERROR:
            assert isinstance(value, BaseException)
            raise value
        raise StopIteration

    def close(self) -> None:
        """Stop the producer, close the generator on its thread, and join it."""
        self._finished = True
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(JOIN_TIMEOUT)
            if self._thread.is_alive():
                log.warning("prefetch_thread_stuck", thread=self._thread.name)
        while not self._queue.empty():  # drop batches nobody will store
            self._queue.get_nowait()

    # --- producer thread -------------------------------------------------------

    def _produce(self) -> None:
        it: Iterator[T] | None = None
        try:
            it = self._make()
            for item in it:
                if not self._put(_ITEM, item):
                    return
            self._put(_END, None)
        except BaseException as exc:  # handed to the consumer, re-raised there as is
            self._put(_ERROR, exc)
        finally:
            self._close_source(it)

    def _put(self, kind: str, value: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put((kind, value), timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    @staticmethod
    def _close_source(it: Iterator[T] | None) -> None:
        close = getattr(it, "close", None)
        if callable(close):
            try:
                close()  # runs the generator's cleanup (finally blocks) on this thread
            except Exception as exc:
                log.warning("prefetch_close_failed", error=f"{type(exc).__name__}: {exc}")
