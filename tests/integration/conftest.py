"""Fixtures for integration tests against real servers (see tests/servers/).

``dovecot`` is one Dovecot master for the whole session; every test gets a
fresh user (``imap_user``), so tests never see each other's mail. In CI
(``CI=true``) a missing dovecot binary fails the tests, never skips them.
"""

from __future__ import annotations

import imaplib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from connectors.imap import ImapConnector
from connectors.imap.oauth import forget_tokens
from syncd import registry_imap
from syncd.config import Settings, parse_settings
from syncd.store.db import make_engine, session_factory
from tests.servers.dovecot import DovecotServer, find_dovecot, start_dovecot, stop_dovecot

INTERNAL = "tatrasoft.sk"


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    if find_dovecot() is None:
        message = "dovecot is not installed: run ./scripts/test (apt-get install dovecot-imapd)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    server = start_dovecot()
    yield server
    stop_dovecot(server)


@dataclass
class ImapUser:
    """A throwaway account on the session's Dovecot."""

    server: DovecotServer
    name: str
    password: str = "secret"

    def client(self) -> IMAPClient:
        return self.server.client(self.name)

    def append(self, folder: str, raw: bytes, when: datetime | None = None) -> int:
        """APPEND and return the new UID (UIDPLUS)."""
        with self.client() as c:
            if folder.upper() != "INBOX" and not c.folder_exists(folder):
                c.create_folder(folder)
            resp = c.append(folder, raw, msg_time=when)
        return int(resp.split(b"]")[0].split()[-1])

    def create(self, *folders: str) -> None:
        with self.client() as c:
            for folder in folders:
                if not c.folder_exists(folder):
                    c.create_folder(folder)


@pytest.fixture
def imap_user(dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch) -> ImapUser:
    name = dovecot.add_user()
    monkeypatch.setenv("SYNCD_TEST_IMAP_PASSWORD", "secret")
    return ImapUser(dovecot, name)


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep backoff short in tests; the policy is the production one otherwise."""
    monkeypatch.setattr(
        registry_imap, "RETRY", registry_imap.RetryPolicy(attempts=4, initial=0.05, max_wait=0.3)
    )
    forget_tokens()


def message(
    i: int,
    *,
    sender: str = "Ján Novák <jan@acme.sk>",
    to: str = f"Peter Horváth <peter@{INTERNAL}>",
    subject: str | None = None,
    when: datetime | None = None,
    message_id: str | None | bool = True,
    body: str | None = None,
    attachment: bool = False,
) -> bytes:
    """A realistic Slovak business message (CRLF line ends, as IMAP serves them)."""
    m = EmailMessage()
    m["From"] = sender
    m["To"] = to
    m["Subject"] = subject if subject is not None else f"Ponuka č. {i}"
    m["Date"] = format_datetime(when or datetime.now(UTC) - timedelta(hours=i))
    if message_id is True:
        m["Message-ID"] = make_msgid(idstring=f"m{i}", domain="acme.sk")
    elif message_id:
        m["Message-ID"] = message_id
    m.set_content(body or f"Dobrý deň,\n\nposielam ponuku č. {i}. Ďakujem.\n\nJán")
    if attachment:
        m.add_attachment(
            b"%PDF-1.4\n" + b"x" * 3000, maintype="application", subtype="pdf",
            filename=f"ponuka_{i}.pdf",
        )  # fmt: skip
    return bytes(m).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def imap_connector(user: ImapUser, **overrides: Any) -> dict[str, Any]:
    """Connector config for ``user`` over implicit TLS, verified against the test CA."""
    cfg: dict[str, Any] = {
        "name": "imap",
        "kind": "imap",
        "host": "127.0.0.1",
        "port": user.server.tls_port,
        "security": "tls",
        "ca_file": str(user.server.ca_file),
        "username": user.name,
        "password_env": "SYNCD_TEST_IMAP_PASSWORD",
        "visibility": "full",
        "timeout": "10s",
    }
    cfg.update(overrides)
    return {k: v for k, v in cfg.items() if v is not None}


def settings_for(
    tmp: Path, db_url: str, connectors: list[dict[str, Any]], **extra: Any
) -> Settings:
    data: dict[str, Any] = {
        "database": {"url": db_url},
        "organisation": {"internal_domains": [INTERNAL]},
        "sync": {"batch_size": extra.pop("batch_size", 5), **extra.pop("sync", {})},
        "connectors": connectors,
    }
    data.update(extra)
    return parse_settings(data, tmp)


def connector_of(settings: Settings, index: int = 0) -> ImapConnector:
    """The IMAP connector the runtime would build for ``settings.connectors[index]``."""
    from syncd.registry import build_connector

    connector = build_connector(settings.connectors[index], settings)
    assert isinstance(connector, ImapConnector)
    return connector


def seed_crm(url: str, domains: tuple[str, ...] = ("acme.sk",)) -> None:
    """One company per domain, so messages from it are logged."""
    from syncd.store.models import Company, CompanyDomain

    engine = make_engine(url)
    with session_factory(engine).begin() as s:
        for i, domain in enumerate(domains):
            company = Company(name=f"{domain} s.r.o.", registration_no=f"{i + 1:08d}")
            company.domains.append(CompanyDomain(domain=domain))
            s.add(company)
    engine.dispose()


@contextmanager
def imap_commands() -> Iterator[list[str]]:
    """Record the IMAP commands this process sends ("LOGIN", "LIST", "UID FETCH"...)."""
    sent: list[str] = []
    original = imaplib.IMAP4.send

    def send(self: Any, data: bytes) -> None:
        if data.startswith(self.tagpre):
            words = data.split(b" ", 3)
            name = words[1].decode("ascii", "replace").upper() if len(words) > 1 else "?"
            if name == "UID" and len(words) > 2:
                name += " " + words[2].decode("ascii", "replace").upper()
            sent.append(name.strip())
        original(self, data)

    imaplib.IMAP4.send = send  # type: ignore[method-assign,assignment]
    try:
        yield sent
    finally:
        imaplib.IMAP4.send = original  # type: ignore[method-assign]


def query(db_url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of a read-only SQL query against the test database."""
    from sqlalchemy import text

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def make_pipeline(settings: Settings, db_url: str, **kwargs: Any) -> Any:
    from syncd.pipeline import Pipeline

    pipeline = Pipeline(settings, make_engine(db_url), **kwargs)
    pipeline.prepare()
    return pipeline
