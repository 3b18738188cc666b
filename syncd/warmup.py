"""Start-up work done in the background, so the first sync does not wait for it."""

from __future__ import annotations

import os
import threading

from connectors.workers import warm_up as start_helper_server
from matching.addresses import registrable_domain
from syncd.config import Settings


def warm_up(settings: Settings) -> threading.Thread:
    """Load what the first sync would otherwise wait for; the sync commands call it.

    The Public Suffix List the matcher reads (~0.25 s to parse) and, with a
    second core, the server that helper processes (parsers, IMAP readers)
    fork from, which imports syncd's modules once (~0.4 s). Returns the
    thread, to join if needed.
    """
    helpers = (os.cpu_count() or 1) > 1 and any(c.enabled for c in settings.connectors)

    def load() -> None:
        registrable_domain("example.com")
        if helpers:
            start_helper_server()

    thread = threading.Thread(target=load, name="warm-up", daemon=True)
    thread.start()
    return thread
