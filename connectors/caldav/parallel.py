"""Parse many changed resources in a process pool while the caller stores entries.

iCalendar parsing and recurrence expansion are CPU-bound and, on a first
sync, cost more than the download and the database writes together. Above
``POOL_MIN_JOBS`` changed resources the work is cut into chunks and sent to a
``ProcessPoolExecutor``; results come back in submission order, so entries
reach the store in the same order as without the pool, while the workers
parse ahead of the batch being written. Below it (every incremental poll),
and with one worker (``sync.workers`` unset on two cores), everything stays
in-process.

Like the file connectors' pool, it uses ``forkserver`` where available
(forking a threaded daemon can deadlock the child); entry scripts need the
``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from multiprocessing.context import BaseContext

from connectors.base import Entry
from connectors.caldav.cursor import horizon
from connectors.caldav.occurrences import Reading
from syncd.errors import TransientError

POOL_MIN_JOBS = 200  # below this, starting workers costs more than it saves
_CHUNK = 40
_FIRST = 120  # at most this many parsed in-process while the pool starts

Job = tuple[str, bytes, frozenset[str]]  # path, calendar data, stored refs of the path
Parsed = tuple[str, int | None, list[Entry]]  # path, horizon, entries


def parse_jobs(
    reading: Reading, jobs: Sequence[Job], start: datetime, end: datetime
) -> list[Parsed]:
    """Worker entry point: entries (and horizon) of each resource, in order."""
    return [
        (path, horizon(data), reading.changed(path, data, known, start, end))
        for path, data, known in jobs
    ]


def parse_all(
    reading: Reading,
    jobs: Sequence[Job],
    start: datetime,
    end: datetime,
    *,
    workers: int | None,
) -> Iterator[Parsed]:
    """``parse_jobs`` over every job, in a pool when there are enough of them."""
    count = workers if workers is not None else default_workers()
    if count <= 1 or len(jobs) < POOL_MIN_JOBS:
        for path, data, known in jobs:
            yield path, horizon(data), reading.changed(path, data, known, start, end)
        return
    first = min(_FIRST, len(jobs) // (count + 1))
    pool = ProcessPoolExecutor(max_workers=count, mp_context=_context())
    try:
        futures: list[Future[list[Parsed]]] = [
            pool.submit(parse_jobs, reading, jobs[i : i + _CHUNK], start, end)
            for i in range(first, len(jobs), _CHUNK)
        ]
        # the workers start up meanwhile (imports take a while): parse the first part here
        yield from parse_jobs(reading, jobs[:first], start, end)
        for future in futures:
            try:
                yield from future.result()
            except BrokenProcessPool as exc:  # a worker was killed (OOM killer, signal)
                raise TransientError("a calendar parser worker process died") from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def default_workers() -> int:
    """One core stays with the caller, which stores entries while workers parse.

    On two cores a pool of two measured slower than parsing in-process (the
    store and both workers competed for the cores), and no faster when idle.
    """
    return max(1, (os.cpu_count() or 1) - 1)


def _context() -> BaseContext | None:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["connectors.caldav.parallel"])
    return ctx


__all__ = ["POOL_MIN_JOBS", "default_workers", "parse_all", "parse_jobs"]
