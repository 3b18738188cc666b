"""Fetch and parse a big backfill in helper processes; the caller stores in order.

One Python process cannot use a second core for its own work (the GIL): a
backfill that fetches, parses, matches and stores in one process runs at a
third of what the server can deliver. So for a big backfill the connector
hands the chunks of UIDs to reader processes, each with its own IMAP
connection: a reader fetches and parses its chunks (``MessageReader.read``,
exactly what the connector does inline) and sends the finished entries back.
The caller only matches and stores, strictly in chunk order, each batch with
the cursor that holds once it is stored.

Chunks go to the readers in turn, and each reader works through its own in
order; a reader blocks on a full pipe, so it runs at most about one chunk
ahead of the store. Anything that goes wrong in a reader (the server drops
the connection, the process dies, a UIDVALIDITY change) ends the readers:
``ReaderFailed`` names the first chunk not delivered, and the caller reads it
and the rest itself, with its own connection and retry discipline. The cursor
only moves with stored batches, so nothing is skipped or stored twice.

Credentials: a reader gets the password, or the current OAuth2 access token,
resolved by the caller (the callables that produce them may not cross a
process boundary). A reader cannot refresh a token: if the server refuses it,
the caller takes over and refreshes as usual.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from functools import partial
from multiprocessing.connection import Connection
from typing import Any

import structlog

from connectors.base import Entry
from syncd.errors import AuthError, SyncdError

from .fetch import MessageReader, ReadOptions
from .link import Link, RetryPolicy
from .session import ImapParams, Selected, Session

log = structlog.get_logger()

Chunk = tuple[int, list[int]]  # (chunk number, UIDs to read; may be empty)
_QUICK_RETRY = RetryPolicy(attempts=2, initial=0.2, max_wait=1.0, max_total=10.0)
_JOIN_SECONDS = 5.0


class ReaderFailed(SyncdError):
    """A reader could not deliver chunk ``chunk``; the caller reads from there on."""

    def __init__(self, chunk: int, reason: str) -> None:
        super().__init__(f"reader process stopped at chunk {chunk}: {reason}")
        self.chunk = chunk
        self.reason = reason


class ReadersBusy(SyncdError):
    """Other backfills of this daemon hold every reader slot; read inline instead."""


# Reader processes across all of this daemon's connectors: several mailboxes
# backfilling at once share the machine's cores instead of each taking them all.
_slots_lock = threading.Lock()
_slots_free: int | None = None


def _take_slots(wanted: int) -> int:
    """Up to ``wanted`` reader slots (none when all are taken)."""
    global _slots_free
    with _slots_lock:
        if _slots_free is None:
            _slots_free = max(2, reader_count(None))
        got = max(0, min(wanted, _slots_free))
        _slots_free -= got
        return got


def _release_slots(count: int) -> None:
    global _slots_free
    with _slots_lock:
        if _slots_free is not None:
            _slots_free += count


class _Secret:
    """A resolved password that pickles, and never shows in a repr or a log."""

    __slots__ = ("value",)

    def __init__(self, value: str | None) -> None:
        self.value = value

    def __call__(self) -> str | None:
        return self.value

    def __repr__(self) -> str:
        return "<secret>"


class _FixedToken(_Secret):
    """The caller's current access token; a reader cannot refresh it."""

    __slots__ = ()

    def __call__(self, refresh: bool = False) -> str:
        if refresh or self.value is None:
            raise AuthError("reader process: the access token needs a refresh")
        return self.value


def reader_params(params: ImapParams) -> ImapParams:
    """``params`` with its secrets resolved into picklable holders."""
    password = _Secret(params.password()) if params.password is not None else None
    token = _FixedToken(params.token(False)) if params.token is not None else None
    return replace(params, password=password, token=token)


class ReaderPool:
    """``processes`` readers over ``chunks`` (see the module docstring)."""

    def __init__(
        self,
        params: ImapParams,
        opts: ReadOptions,
        folder: str,
        uidvalidity: int,
        chunks: Sequence[Chunk],
        processes: int,
    ) -> None:
        from connectors.workers import context, helper_setup

        ctx = context()
        if ctx is None:  # pragma: no cover - every POSIX system has forkserver
            import multiprocessing

            ctx = multiprocessing.get_context()
        self.chunks = list(chunks)
        self.cpu_seconds = 0.0  # CPU time the readers reported when they finished
        self._finished = False
        self._pipes: list[Connection] = []
        self._procs: list[Any] = []
        child = reader_params(params)  # before taking slots: resolving may fail
        self._held = _take_slots(min(processes, len(self.chunks)))
        if not self._held:
            raise ReadersBusy("every reader process slot is in use by other backfills")
        count = self.processes = self._held
        try:
            for i in range(count):
                mine = self.chunks[i::count]
                recv, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(  # type: ignore[attr-defined]
                    target=_child_main,
                    args=(send, child, opts, folder, uidvalidity, mine, helper_setup()),
                    name=f"syncd-reader-{i}",
                    daemon=True,
                )
                proc.start()
                send.close()  # the child holds its end: EOF here once it exits
                self._pipes.append(recv)
                self._procs.append(proc)
        except BaseException:
            self.close()
            raise

    @property
    def pids(self) -> list[int]:
        """The readers' process ids (for logs)."""
        return [p.pid for p in self._procs if p.pid is not None]

    def results(self) -> Iterator[tuple[int, list[Entry]]]:
        """(chunk number, entries) in chunk order; raises ``ReaderFailed``."""
        count = len(self._pipes)
        for i, (n, _) in enumerate(self.chunks):
            pipe = self._pipes[i % count]
            try:
                message = pipe.recv()
            except (EOFError, OSError) as exc:
                raise ReaderFailed(n, f"reader process ended ({type(exc).__name__})") from exc
            except Exception as exc:  # a message that does not unpickle: take over, too
                raise ReaderFailed(n, f"unreadable message ({type(exc).__name__})") from exc
            if message[0] == "ok" and message[1] == n:
                yield n, message[2]
            elif message[0] == "failed":
                raise ReaderFailed(n, message[2])
            else:
                raise ReaderFailed(n, f"unexpected message {message[0]!r}")
        for pipe in self._pipes:  # each reader ends with its CPU time (logs, benchmarks)
            with contextlib.suppress(EOFError, OSError):
                message = pipe.recv()
                if message[0] == "done":
                    self.cpu_seconds += message[1]
        self._finished = True

    def close(self) -> None:
        """End the readers (finished or not) and release their pipes."""
        for pipe in self._pipes:
            with contextlib.suppress(OSError):
                pipe.close()
        for proc in self._procs:
            if self._finished:
                proc.join(_JOIN_SECONDS)  # it sent everything and is logging out
            if proc.is_alive():
                proc.terminate()
        for proc in self._procs:
            proc.join(_JOIN_SECONDS)
            if proc.is_alive():  # pragma: no cover - a reader stuck in a system call
                proc.kill()
                proc.join(_JOIN_SECONDS)
        self._pipes, self._procs = [], []
        _release_slots(self._held)
        self._held = 0


def _child_main(
    out: Connection,
    params: ImapParams,
    opts: ReadOptions,
    folder: str,
    uidvalidity: int,
    chunks: list[Chunk],
    setup: Callable[[], None] | None = None,
) -> None:
    """A reader: read each chunk in order and send its entries; stop at the first failure."""
    if setup is not None:
        setup()
    link = Link(params, _QUICK_RETRY)
    reader = MessageReader(opts)
    try:
        for n, uids in chunks:
            if not uids:
                out.send(("ok", n, []))
                continue
            try:
                entries = link.in_folder(
                    folder, uidvalidity, partial(_read, reader, folder, uids), f"FETCH {folder}"
                )
            except Exception as exc:  # the caller takes over from this chunk
                out.send(("failed", n, _reason(exc)))
                return
            out.send(("ok", n, entries))
        out.send(("done", time.process_time()))
    except (BrokenPipeError, EOFError, OSError):
        return  # the caller is gone or closed the pipe: nothing left to do
    finally:
        with contextlib.suppress(Exception):
            link.close()
        with contextlib.suppress(OSError):
            out.close()


def _read(
    reader: MessageReader, folder: str, uids: list[int], session: Session, sel: Selected
) -> list[Entry]:
    return reader.read(session, folder, sel.uidvalidity, uids)


def _reason(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def reader_count(cores: int | None) -> int:
    """Reader processes for ``cores`` cores: one per core, at most 4; none on one core.

    One per core, not one per spare core: the caller only matches and stores,
    about a quarter of the work, so with one reader on two cores the reader is
    the bottleneck and a core idles (20,000-message backfill on 2 cores: 0.43x
    raw with one reader, 0.57x with two).
    """
    n = cores if cores is not None else (os.cpu_count() or 1)
    return 0 if n < 2 else min(n, 4)
