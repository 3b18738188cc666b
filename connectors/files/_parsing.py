"""Parse jobs in-process or in a process pool, one batch at a time, in order.

Parsing is CPU-bound, so big folders go to a ``ProcessPoolExecutor``: each
batch is cut into chunks (one task per chunk amortises pickling), and one
batch runs ahead while the caller stores the previous one. Batches come back
in submission order, so a cursor computed for batch *k* covers exactly the
files of batches 1..k. Workers read files themselves (only the path crosses
the process boundary); mbox messages travel as bytes.

The pool uses the ``forkserver`` start method where available: forking a
daemon that runs threads (scheduler, web UI) can deadlock a child. Like
``spawn``, it imports the main module in workers, so entry scripts need the
usual ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import multiprocessing
import os
import re
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
_INFO = re.compile(r"[:!;]2,")  # Maildir info separator; '!' and ';' where ':' is illegal


@dataclass(frozen=True, slots=True)
class Job:
    """One message to parse: from ``raw`` bytes, or read from ``path``."""

    source: SourceRef
    path: str | None = None
    raw: bytes | None = None
    fallback_date: datetime | None = None
    maildir_unique: str | None = None  # to find the file again after a flag rename


def parse_jobs(jobs: list[Job], visibility: Visibility, max_body_chars: int) -> list[Entry | None]:
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


class Parser:
    """Runs batches of jobs through ``parse_message`` and filters by ``since``."""

    def __init__(
        self,
        visibility: Visibility,
        *,
        workers: int | None,
        max_body_chars: int = 100_000,
        since: datetime | None = None,
    ) -> None:
        self.visibility: Visibility = visibility
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self.max_body_chars = max_body_chars
        self.since = since.replace(tzinfo=UTC) if since and since.tzinfo is None else since

    def run(
        self, batches: Iterable[tuple[T, list[Job]]], *, parallel: bool
    ) -> Iterator[tuple[T, list[Entry]]]:
        """Yield (tag, entries) per input batch, in input order."""
        if not parallel or self.workers <= 1:
            for tag, jobs in batches:
                yield tag, self._keep(parse_jobs(jobs, self.visibility, self.max_body_chars))
            return
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_context())
        pending: deque[tuple[T, list[Future[list[Entry | None]]]]] = deque()
        try:
            for tag, jobs in batches:
                step = max(4, -(-len(jobs) // (self.workers * 2)))
                futures = [
                    pool.submit(
                        parse_jobs, jobs[i : i + step], self.visibility, self.max_body_chars
                    )
                    for i in range(0, len(jobs), step)
                ]
                pending.append((tag, futures))
                if len(pending) > _LOOKAHEAD:
                    yield self._collect(*pending.popleft())
            while pending:
                yield self._collect(*pending.popleft())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _collect(self, tag: T, futures: list[Future[list[Entry | None]]]) -> tuple[T, list[Entry]]:
        try:
            results = [entry for future in futures for entry in future.result()]
        except BrokenProcessPool as exc:  # a worker was killed (OOM killer, signal)
            raise TransientError("a mail parser worker process died") from exc
        return tag, self._keep(results)

    def _keep(self, results: list[Entry | None]) -> list[Entry]:
        since = self.since
        return [
            e
            for e in results
            if e is not None and not (since and isinstance(e, MailItem) and e.occurred_at < since)
        ]


def _context() -> BaseContext | None:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["connectors.files._parsing"])
    return ctx
