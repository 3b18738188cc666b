"""Parse jobs in-process or in a process pool, one batch at a time, in order.

Parsing is CPU-bound, so big folders go to a ``ProcessPoolExecutor``: each
batch is cut into chunks (one task per chunk amortises pickling), and one
batch runs ahead while the caller stores the previous one. Batches come back
in submission order, so a cursor computed for batch *k* covers exactly the
files of batches 1..k. Workers read files themselves (only the path crosses
the process boundary); mbox and IMAP messages travel as bytes. When the
caller needs a batch whose chunks no worker has started (the workers are
behind, the cores busy), it takes them back and parses them itself, and while
a worker still runs one of the batch's chunks it takes the last unstarted
chunk of a later batch: no process idles, and the pool is never much slower
than parsing inline.
``Parser.stats`` counts where the jobs were parsed and how long the caller
waited, for logs and the benchmarks.

The pool uses the ``forkserver`` start method where available
(:mod:`connectors.workers`).
"""

from __future__ import annotations

import os
import re
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import TypeVar

from connectors.base import Entry, MailItem, Quarantined, SourceRef, Visibility
from connectors.mailparse import parse_message
from syncd.errors import TransientError

T = TypeVar("T")

POOL_MIN_JOBS = 200  # below this, worker start-up costs more than it saves
BATCH_MAX_BYTES = 64 * 1024 * 1024  # raw bytes held per batch (items keep ``raw``)
_LOOKAHEAD = 1  # batches parsed ahead of the one being stored
_CHUNKS_PER_WORKER = 4  # tasks per batch and worker: fine enough to take unstarted ones back
_INFO = re.compile(r"[:!;]2,")  # Maildir info separator; '!' and ';' where ':' is illegal


@dataclass(frozen=True, slots=True)
class Job:
    """One message to parse: from ``raw`` bytes, or read from ``path``."""

    source: SourceRef
    path: str | None = None
    raw: bytes | None = None
    fallback_date: datetime | None = None
    maildir_unique: str | None = None  # to find the file again after a flag rename
    size: int | None = None  # the source's own size of the message (IMAP RFC822.SIZE)


def parse_jobs(
    jobs: list[Job],
    visibility: Visibility,
    max_body_chars: int,
    digests: bool = True,
    keep_raw: bool = True,
) -> list[Entry | None]:
    """Worker entry point; None for a file that vanished before it was read."""
    out: list[Entry | None] = []
    for job in jobs:
        raw = job.raw
        if raw is None:
            try:
                raw = _read(job)
            except OSError as exc:
                reason = f"cannot read file: {exc.strerror or type(exc).__name__}"
                out.append(Quarantined(source=job.source, reason=reason, raw=b""))
                continue
            if raw is None:
                out.append(None)
                continue
        out.append(
            parse_message(
                raw,
                job.source,
                visibility,
                max_body_chars=max_body_chars,
                fallback_date=job.fallback_date,
                attachment_digests=digests,
                keep_raw=keep_raw,
                size=job.size,
            )
        )
    return out


def _read(job: Job) -> bytes | None:
    assert job.path is not None
    try:
        return Path(job.path).read_bytes()
    except FileNotFoundError:
        if job.maildir_unique is None:
            return None
    folder = Path(job.path).parent.parent  # a MUA moved new/x to cur/x:2,S meanwhile
    for sub in ("cur", "new"):
        try:
            with os.scandir(folder / sub) as it:
                for entry in it:
                    if maildir_unique(entry.name) == job.maildir_unique and entry.is_file():
                        return Path(entry.path).read_bytes()
        except FileNotFoundError:
            continue
    return None


def maildir_unique(name: str) -> str:
    """The unique part of a Maildir file name: flags after ":2," (or "!2,") may change."""
    match = _INFO.search(name)
    return name[: match.start()] if match else name


def batches_of(jobs: Iterable[tuple[Job, int]], batch_size: int) -> Iterator[list[Job]]:
    """Group (job, size) pairs by count and by raw bytes (at least one job each)."""
    batch: list[Job] = []
    size = 0
    for job, job_size in jobs:
        if batch and (len(batch) >= batch_size or size + job_size > BATCH_MAX_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(job)
        size += job_size
    if batch:
        yield batch


@dataclass(slots=True)
class _Chunk:
    """Jobs submitted to the pool; parsed here instead if no worker started them."""

    jobs: list[Job]
    future: Future[list[Entry | None]]
    result: list[Entry | None] | None = None
    local: bool = False

    def take_back(self, parser: Parser) -> bool:
        if self.result is not None or not self.future.cancel():
            return False
        self.result, self.local = parser._local(self.jobs), True
        return True

    def wait(self) -> None:
        if self.result is None:
            self.result = self.future.result()


@dataclass(slots=True)
class ParseStats:
    """Where jobs were parsed (this process or the pool) and the caller's time on them."""

    local_jobs: int = 0
    pool_jobs: int = 0
    local_seconds: float = 0.0  # parsing in this process (inline or taken back)
    wait_seconds: float = 0.0  # waiting for pool results


class Parser:
    """Runs batches of jobs through ``parse_message`` and filters by ``since``."""

    def __init__(
        self,
        visibility: Visibility,
        *,
        workers: int | None,
        max_body_chars: int = 100_000,
        since: datetime | None = None,
        attachment_digests: bool = True,
        keep_raw: bool = True,
        pool_min_workers: int = 2,
    ) -> None:
        """``workers`` pool processes parse when ``run(parallel=True)`` and there are at
        least ``pool_min_workers`` of them (below that, batches are parsed inline).
        ``attachment_digests`` and ``keep_raw`` are passed to ``parse_message``."""
        self.visibility: Visibility = visibility
        self.digests = attachment_digests
        self.keep_raw = keep_raw
        self.pool_min_workers = pool_min_workers
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self.max_body_chars = max_body_chars
        self.since = since.replace(tzinfo=UTC) if since and since.tzinfo is None else since
        self.stats = ParseStats()

    @property
    def _options(self) -> tuple[Visibility, int, bool, bool]:
        return self.visibility, self.max_body_chars, self.digests, self.keep_raw

    def run(
        self, batches: Iterable[tuple[T, list[Job]]], *, parallel: bool
    ) -> Iterator[tuple[T, list[Entry]]]:
        """Yield (tag, entries) per input batch, in input order."""
        if not parallel or self.workers < max(1, self.pool_min_workers):
            for tag, jobs in batches:
                yield tag, self._keep(self._local(jobs))
            return
        from connectors.workers import helper_setup

        pool = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=_context(), initializer=helper_setup()
        )
        pending: deque[tuple[T, list[_Chunk]]] = deque()
        try:
            for tag, jobs in batches:
                step = max(4, -(-len(jobs) // (self.workers * _CHUNKS_PER_WORKER)))
                chunks = [
                    _Chunk(
                        jobs[i : i + step],
                        pool.submit(parse_jobs, jobs[i : i + step], *self._options),
                    )
                    for i in range(0, len(jobs), step)
                ]
                pending.append((tag, chunks))
                if len(pending) > _LOOKAHEAD:
                    yield self._collect(pending)
            while pending:
                yield self._collect(pending)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _collect(self, pending: deque[tuple[T, list[_Chunk]]]) -> tuple[T, list[Entry]]:
        """The first pending batch's entries, parsing here what no worker has started.

        When the workers fall behind (busy cores, a slow worker), the caller
        would otherwise sit idle waiting: it takes back the batch's unstarted
        chunks, and while a worker still runs one of them, the last unstarted
        chunk of a later batch. Every process stays busy, and the pool is never
        much slower than parsing inline.
        """
        tag, chunks = pending.popleft()
        for chunk in reversed(chunks):
            chunk.take_back(self)
        started, local = time.perf_counter(), self.stats.local_seconds
        try:
            for chunk in chunks:
                while not chunk.future.done() and self._steal_one(pending):
                    pass
                chunk.wait()
        except BrokenProcessPool as exc:  # a worker was killed (OOM killer, signal)
            raise TransientError("a mail parser worker process died") from exc
        waited = time.perf_counter() - started - (self.stats.local_seconds - local)
        self.stats.wait_seconds += waited
        self.stats.pool_jobs += sum(len(c.jobs) for c in chunks if not c.local)
        return tag, self._keep([entry for c in chunks for entry in c.result or ()])

    def _steal_one(self, pending: deque[tuple[T, list[_Chunk]]]) -> bool:
        for _, chunks in reversed(pending):
            for chunk in reversed(chunks):
                if chunk.take_back(self):
                    return True
        return False

    def _local(self, jobs: list[Job]) -> list[Entry | None]:
        started = time.perf_counter()
        try:
            return parse_jobs(jobs, *self._options)
        finally:
            self.stats.local_seconds += time.perf_counter() - started
            self.stats.local_jobs += len(jobs)

    def _keep(self, results: list[Entry | None]) -> list[Entry]:
        since = self.since
        return [
            e
            for e in results
            if e is not None and not (since and isinstance(e, MailItem) and e.occurred_at < since)
        ]


def _context() -> BaseContext | None:
    from connectors.workers import context

    return context()
