"""Fault injection: a loopback proxy cuts the IMAP connection at random points.

The proxy sits between syncd and Dovecot (TLS end to end) and drops both
sockets after a random number of bytes, at most ``MAX_CUTS`` times and for
at most ``MAX_SECONDS``; after that it passes traffic through. The sync is
run until it reports ok. Then the timeline must hold exactly the server's
messages: none missing, none twice, every source live.
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
from pathlib import Path

import pytest

from connectors.imap import sync
from tests.integration.conftest import (
    ImapUser,
    imap_connector,
    make_pipeline,
    message,
    query,
    seed_crm,
    settings_for,
)

pytestmark = pytest.mark.integration
MAX_CUTS = 30
MAX_SECONDS = 60.0


class CuttingProxy:
    """TCP proxy on 127.0.0.1 that cuts connections after a random byte budget."""

    def __init__(self, upstream: int, *, seed: int, max_cuts: int, max_seconds: float) -> None:
        self.upstream = upstream
        self.rng = random.Random(seed)
        self.max_cuts = max_cuts
        self.deadline = time.monotonic() + max_seconds
        self.cuts = 0
        self.connections = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                cutting = self.cuts < self.max_cuts and time.monotonic() < self.deadline
                budget = self.rng.randint(100, 20_000) if cutting else None
            threading.Thread(target=self._serve, args=(client, budget), daemon=True).start()

    def _serve(self, client: socket.socket, budget: int | None) -> None:
        try:
            server = socket.create_connection(("127.0.0.1", self.upstream))
        except OSError:
            client.close()
            return
        state = {"left": budget, "closed": False}
        lock = threading.Lock()

        def close() -> None:
            for s in (client, server):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

        def pump(src: socket.socket, dst: socket.socket) -> None:
            while True:
                try:
                    data = src.recv(4096)
                except OSError:
                    data = b""
                with lock:
                    if state["closed"]:
                        return
                    if data and state["left"] is not None:
                        if len(data) >= state["left"]:
                            data = data[: state["left"]]
                            state["left"] = 0
                        else:
                            state["left"] -= len(data)
                    cut = state["left"] == 0
                    if not data or cut:
                        if data:
                            with contextlib.suppress(OSError):
                                dst.sendall(data)
                        state["closed"] = True
                        if cut:
                            with self.lock:
                                self.cuts += 1
                        close()
                        return
                try:
                    dst.sendall(data)
                except OSError:
                    with lock:
                        state["closed"] = True
                    close()
                    return

        threading.Thread(target=pump, args=(client, server), daemon=True).start()
        pump(server, client)

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()


@pytest.mark.parametrize("workers", [1, 2], ids=["inline", "readers"])
def test_random_connection_cuts_end_with_exactly_the_servers_messages(
    imap_user: ImapUser,
    tmp_path: Path,
    db_url: str,
    workers: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With ``readers``, reader processes read the backfill and the caller takes over
    whenever a cut ends them (``connectors.imap.reader_process``)."""
    monkeypatch.setattr(sync, "READERS_MIN_MESSAGES", 10)
    seed_crm(db_url)
    imap_user.create("Sent")
    subjects = set()
    for i in range(48):
        subject = f"Správa {i:02d}"
        subjects.add(subject)
        raw = message(
            i,
            subject=subject,
            attachment=i % 5 == 0,
            message_id=None if i % 11 == 0 else True,
            body=f"Dobrý deň, posielam podklady k zákazke č. {i}.\n" * 40,
        )
        imap_user.append("INBOX", raw)
    for i in range(48, 60):
        subject = f"Odoslaná {i:02d}"
        subjects.add(subject)
        imap_user.append(
            "Sent", message(i, subject=subject, sender="peter@tatrasoft.sk", to="jan@acme.sk")
        )

    proxy = CuttingProxy(
        imap_user.server.tls_port, seed=5, max_cuts=MAX_CUTS, max_seconds=MAX_SECONDS
    )
    try:
        cfg = imap_connector(imap_user, port=proxy.port, timeout="5s")
        settings = settings_for(tmp_path, db_url, [cfg], batch_size=3, sync={"workers": workers})
        pipeline = make_pipeline(settings, db_url)
        statuses = []
        for _ in range(100):  # the daemon's loop: sync again until a run completes
            report = pipeline.sync("imap")
            statuses.append(report.status)
            if report.status == "ok":
                break
        proxy.max_cuts = 0  # from now on traffic passes untouched
        final = pipeline.sync("imap")
    finally:
        proxy.stop()
    assert statuses[-1] == "ok", statuses
    assert proxy.cuts >= 10, proxy.cuts
    assert final.status == "ok" and final.created == 0 and final.gone == 0

    rows = query(db_url, "SELECT subject, dedupe_key FROM communications")
    assert sorted(s for s, _ in rows) == sorted(subjects)  # none missing, none twice
    live = query(db_url, "SELECT scope, remote_id FROM sources WHERE gone_at IS NULL")
    assert len(live) == 60 and len(set(live)) == 60
    assert query(db_url, "SELECT count(*) FROM quarantine")[0][0] == 0
