"""structlog set-up: readable on a terminal, JSON lines under a service manager."""

from __future__ import annotations

import logging
import sys
from functools import partial

import structlog


def configure(verbose: bool = False, json: bool | None = None, quiet: bool = False) -> None:
    """Configure structlog here, and the same in helper processes started from now on."""
    level = logging.DEBUG if verbose else (logging.WARNING if quiet else logging.INFO)
    if json is None:
        json = not sys.stderr.isatty()
    from connectors.workers import set_helper_setup

    set_helper_setup(partial(_configure, level, json))
    _configure(level, json)


def _configure(level: int, json: bool) -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if json
        # Plain tracebacks: a rich one would print local variables, which can
        # hold secrets or message bodies.
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
