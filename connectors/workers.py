"""The process context for the connectors' helper processes (parsers, IMAP readers).

``forkserver`` where available: forking a daemon that runs threads (scheduler,
prefetch, web UI) can deadlock a child on a lock another thread held. The
fork server imports the modules helpers need once, the first time a helper
starts, and every later helper forks from it already warm. ``warm_up`` starts
the server ahead of need (the sync commands call it at start-up).

The program's main module is loaded once in the server too. multiprocessing
means to do that when ``"__main__"`` is preloaded, but Python 3.11's fork
server never receives the main module's path, so every helper would run the
main script again (0.3-0.6 s of imports each for the ``syncd`` script, pytest
or a benchmark). The path reaches the server in ``SYNCD_HELPERS_MAIN``, set
only while the server starts and naming the starting process's pid, so no
other program acts on it; this module, preloaded first, loads it the way
multiprocessing's own fork server would, and a helper finds its main module
in place. Like ``spawn``, this needs the usual ``if __name__ == "__main__":``
guard in entry scripts.

Helpers start as fresh interpreters, without the runtime's logging set-up:
the runtime registers it with ``set_helper_setup`` and every helper runs it
first, so their logs are the daemon's (JSON lines, its level), not defaults.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from multiprocessing.context import BaseContext

_setup: Callable[[], None] | None = None


def set_helper_setup(setup: Callable[[], None] | None) -> None:
    """What every helper process runs first (the runtime's logging set-up); picklable."""
    global _setup
    _setup = setup


def helper_setup() -> Callable[[], None] | None:
    """The set-up helpers run first; pass it to them (``initializer=`` or as an argument)."""
    return _setup


PRELOAD = ["connectors.workers", "connectors.files._parsing", "connectors.imap.reader_process"]
MAIN_ENV = "SYNCD_HELPERS_MAIN"
_lock = threading.Lock()
_started = False


def context() -> BaseContext | None:
    """The fork-server context, its server started (see ``warm_up``); None without one."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    _start_server(ctx)
    return ctx


def warm_up() -> None:
    """Start the fork server now, so the first helper does not wait for its imports."""
    context()


def _start_server(ctx: BaseContext) -> None:
    """Start the server once, with the main module's path in ``MAIN_ENV`` for its start only.

    Returns when it has imported ``PRELOAD``: a no-op helper is forked from it and
    joined. (Should the server die later, multiprocessing starts a new one; its
    helpers then import the main module themselves: slower, still correct.)
    """
    global _started
    with _lock:
        if _started:
            return
        main = sys.modules.get("__main__")
        path = getattr(main, "__file__", None)
        if path and getattr(getattr(main, "__spec__", None), "name", None) is None:
            os.environ[MAIN_ENV] = f"{os.getpid()}:{os.path.normpath(path)}"
        try:
            proc = ctx.Process(target=_noop, name="syncd-warm-up", daemon=True)  # type: ignore[attr-defined]
            proc.start()
            proc.join()
        finally:
            os.environ.pop(MAIN_ENV, None)
        _started = True


def _noop() -> None:
    """A helper that does nothing (``_start_server``)."""


def _load_main_in_fork_server() -> None:
    """In the fork server only: load the main module as the helpers would (docstring)."""
    starter, _, path = os.environ.get(MAIN_ENV, "").partition(":")
    if not path or starter != str(os.getppid()) or "multiprocessing.forkserver" not in sys.modules:
        return
    from multiprocessing import process, spawn

    process.current_process()._inheriting = True  # type: ignore[attr-defined]
    try:
        spawn.import_main_path(path)
    finally:
        del process.current_process()._inheriting  # type: ignore[attr-defined]


_load_main_in_fork_server()
