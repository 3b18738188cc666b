"""The process context for the connectors' helper processes (parsers, IMAP readers).

``forkserver`` where available: forking a daemon that runs threads (scheduler,
prefetch, web UI) can deadlock a child on a lock another thread held. The
fork server imports the modules helpers need once, the first time a helper
starts, and every later helper forks from it already warm. Like ``spawn``, it
imports the main module in helpers, so entry scripts need the usual
``if __name__ == "__main__":`` guard. ``warm_up`` starts the server ahead of
need (the daemon calls it at start-up, off the critical path).
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.context import BaseContext

PRELOAD = ["connectors.files._parsing", "connectors.imap.reader_process"]


def context() -> BaseContext | None:
    """The fork-server context (preloaded with ``PRELOAD``), or None for the default."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def warm_up() -> None:
    """Start the fork server now, so the first helper does not wait for its imports.

    Returns once the server has imported ``PRELOAD``: a no-op helper is forked
    from it and joined.
    """
    ctx = context()
    if ctx is None:
        return
    proc = ctx.Process(target=_noop, name="syncd-warm-up", daemon=True)  # type: ignore[attr-defined]
    proc.start()
    proc.join()


def _noop() -> None:
    """A helper that does nothing (``warm_up``)."""
