"""Push (IMAP IDLE, RFC 2177) on INBOX: wake-up latency, renewal, fallback, close."""

from __future__ import annotations

import threading
import time

import pytest

from connectors.imap import ImapConnector
from tests.integration.conftest import ImapUser, message

pytestmark = pytest.mark.integration


def _connector(user: ImapUser, **kwargs: object) -> ImapConnector:
    return ImapConnector(
        "idle",
        host="127.0.0.1",
        port=user.server.tls_port,
        ca_file=user.server.ca_file,
        username=user.name,
        password=lambda: user.password,
        timeout=10,
        **kwargs,  # type: ignore[arg-type]
    )


def _later(delay: float, fn: object) -> threading.Timer:
    timer = threading.Timer(delay, fn)  # type: ignore[arg-type]
    timer.start()
    return timer


def test_idle_wakes_within_two_seconds_of_an_append(imap_user: ImapUser) -> None:
    connector = _connector(imap_user, idle_renew_after=1.0)
    try:
        assert connector.wait_for_changes(5) is True  # first call: changes before IDLE unseen
        started = time.monotonic()
        assert connector.wait_for_changes(1.5) is False  # quiet; IDLE renewed meanwhile
        assert 1.4 <= time.monotonic() - started < 3

        _later(0.3, lambda: imap_user.append("INBOX", message(1)))
        started = time.monotonic()
        assert connector.wait_for_changes(10) is True
        assert time.monotonic() - started - 0.3 < 2.0

        with imap_user.client() as c:  # an expunge wakes it too
            c.select_folder("INBOX")
            c.delete_messages(c.search(["ALL"]))
            _later(0.2, c.expunge)
            started = time.monotonic()
            assert connector.wait_for_changes(10) is True
            assert time.monotonic() - started < 2.2
    finally:
        connector.close()


def test_close_interrupts_a_waiting_idle(imap_user: ImapUser) -> None:
    connector = _connector(imap_user)
    assert connector.wait_for_changes(5) is True
    _later(0.3, connector.close)
    started = time.monotonic()
    assert connector.wait_for_changes(20) is False
    assert time.monotonic() - started < 3


def test_without_idle_it_polls(imap_user: ImapUser) -> None:
    connector = _connector(imap_user, ignore_capabilities=["IDLE"])
    try:
        assert connector.wait_for_changes(5) is True
        started = time.monotonic()
        assert connector.wait_for_changes(0.4) is True  # slept the timeout: poll now
        assert 0.35 <= time.monotonic() - started < 2
    finally:
        connector.close()
