"""Logs never carry secrets or bodies, not even inside a traceback."""

from __future__ import annotations

import io

import pytest
import structlog

from syncd import logs


@pytest.mark.parametrize("json", [True, False])
def test_exception_logs_do_not_print_local_variables(json: bool) -> None:
    logs.configure(json=json)
    buf = io.StringIO()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=buf))

    def connect() -> None:
        password = "TOPSECRET-p4ss"  # noqa: F841 - a local a rich traceback would show
        body = "Dôverné: cenová ponuka"  # noqa: F841
        raise ConnectionError("refused")

    try:
        connect()
    except ConnectionError:
        structlog.get_logger().exception("connector_failed", connector="peter")
    out = buf.getvalue()
    assert "connector_failed" in out and "ConnectionError" in out
    assert "TOPSECRET" not in out and "Dôverné" not in out
