"""Re-link in parallel: id slices shared between this process and helpers.

Helper processes come from the connectors' fork server
(:func:`connectors.workers.context`: safe from the daemon's threads, the main
module loaded once there, the runtime's logging set-up run first), each with
a copy of the index's tables and its own database connection.
Slices are disjoint, so no two processes touch the same item; if a helper
dies, this process takes its slices back and finishes alone.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from connectors import workers as helpers
from matching import CrmIndex, MatchPolicy
from syncd.store.relink import _INDEX_TABLES, ProgressFn, RelinkStats, relink_range


def shareable_url(engine: Any) -> str | None:
    """The URL a helper process can open, or None (in-memory SQLite, no engine)."""
    if not isinstance(engine, Engine):
        return None
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:") or url.database.startswith("file:"):
            return None
        url = url.set(database=os.path.abspath(url.database))
    return url.render_as_string(hide_password=False)


# --- helper processes ----------------------------------------------------------

_helper: tuple[sessionmaker[Session], CrmIndex, MatchPolicy, datetime, int] | None = None


def _index_tables(index: CrmIndex) -> tuple[Any, ...]:
    return (index.policy, *(getattr(index, name) for name in _INDEX_TABLES))


def _helper_start(
    url: str,
    tables: tuple[Any, ...],
    policy: MatchPolicy,
    now: datetime,
    chunk: int,
    setup: Callable[[], None] | None,
) -> None:
    """Runs once in each helper process: its own engine and a copy of the index."""
    global _helper
    if setup is not None:
        setup()
    from syncd.store.db import make_engine, session_factory

    index = CrmIndex(tables[0])
    for name, value in zip(_INDEX_TABLES, tables[1:], strict=True):
        setattr(index, name, value)
    _helper = (session_factory(make_engine(url)), index, policy, now, chunk)


def _helper_slice(lo: int, hi: int) -> RelinkStats:
    assert _helper is not None, "helper process not started"
    sessions, index, policy, now, chunk = _helper
    return relink_range(sessions, index, policy, now, lo, hi, chunk=chunk)


def relink_parallel(
    sessions: sessionmaker[Session],
    url: str,
    index: CrmIndex,
    policy: MatchPolicy,
    now: datetime,
    span: tuple[int, int, int],
    workers: int,
    chunk: int,
    progress: ProgressFn | None,
) -> RelinkStats:
    """Id slices shared between this process and ``workers - 1`` helpers.

    If a helper dies (killed, out of memory, cannot connect), this process
    re-links the slices it held and finishes alone: re-linking an item twice
    is harmless.
    """
    lo, hi, total = span
    count = max(workers * 8, -(-total // (chunk * 4)))
    step = -(-(hi - lo) // count)
    slices = deque((a, min(a + step, hi)) for a in range(lo, hi, step))
    stats = RelinkStats()
    done = 0
    ctx = helpers.context() or multiprocessing.get_context("spawn")
    pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
        max_workers=workers - 1,
        mp_context=ctx,
        initializer=_helper_start,
        initargs=(url, _index_tables(index), policy, now, chunk, helpers.helper_setup()),
    )
    pending: dict[Future[RelinkStats], tuple[int, int]] = {}

    def fail_over() -> None:
        nonlocal pool
        slices.extend(pending.values())
        pending.clear()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
            pool = None

    def feed() -> None:
        """Collect finished slices; keep two slices queued per helper."""
        nonlocal done
        finished = [f for f in pending if f.done()]
        for f in finished:
            piece = pending.pop(f)
            try:
                part = f.result()
            except BrokenProcessPool:
                slices.append(piece)
                fail_over()
                break
            stats.add(part)
            done += part.items
        while pool is not None and slices and len(pending) < 2 * (workers - 1):
            piece = slices.popleft()
            try:
                pending[pool.submit(_helper_slice, *piece)] = piece
            except BrokenProcessPool:
                slices.appendleft(piece)
                fail_over()
        if finished and progress:
            progress(done, total)

    def on_chunk(items: int) -> None:
        nonlocal done
        done += items
        feed()
        if progress:
            progress(done, total)

    try:
        feed()
        while slices or pending:
            if slices:  # this process takes slices too, from the far end
                a, b = slices.pop()
                stats.add(
                    relink_range(sessions, index, policy, now, a, b, chunk=chunk, on_chunk=on_chunk)
                )
            else:
                wait(pending, return_when=FIRST_COMPLETED)
            feed()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return stats
