"""Real CalDAV servers (Radicale, Xandikos) and helpers for the CalDAV tests.

Servers are session-scoped processes on free loopback ports. A missing server
package skips locally but *fails* in CI (``CI=true``): a green CI run must
have talked to the real servers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from syncd import registry_caldav
from syncd.config import Settings, parse_settings
from syncd.pipeline import Pipeline
from syncd.store.db import make_engine, session_factory
from syncd.store.models import Communication, Company, CompanyDomain, Source
from tests.servers.authproxy import AuthProxy
from tests.servers.radicale import RadicaleServer, radicale_available
from tests.servers.xandikos import XandikosServer, xandikos_available

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything in this directory talks to a real server."""
    for item in items:
        if _HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.integration)


def _missing(what: str) -> None:
    message = f"{what} is not installed (pip install -e '.[test]')"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def radicale() -> Iterator[RadicaleServer]:
    if not radicale_available():
        _missing("radicale")
    server = RadicaleServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def radicale_tls() -> Iterator[RadicaleServer]:
    if not radicale_available():
        _missing("radicale")
    server = RadicaleServer(tls=True).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def gateway() -> Iterator[tuple[AuthProxy, RadicaleServer]]:
    """Radicale trusting X-Remote-User behind a bearer/digest gateway."""
    if not radicale_available():
        _missing("radicale")
    server = RadicaleServer(auth="http_x_remote_user").start()
    proxy = AuthProxy(
        server.url, tokens={"tok-alice-123": "alice"}, digest_users={"alice": "digest-pw"}
    ).start()
    yield proxy, server
    proxy.stop()
    server.stop()


@pytest.fixture(scope="session")
def xandikos() -> Iterator[XandikosServer]:
    if not xandikos_available():
        _missing("xandikos")
    server = XandikosServer().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_connectors() -> Iterator[None]:
    registry_caldav.forget_all()
    yield
    registry_caldav.forget_all()


def seed_crm(url: str) -> None:
    """ACME (acme.sk) in the CRM so that meetings with its people are logged."""
    engine = make_engine(url)
    with session_factory(engine).begin() as s:
        acme = Company(name="ACME s.r.o.", registration_no="11111111")
        acme.domains.append(CompanyDomain(domain="acme.sk"))
        s.add(acme)
    engine.dispose()


class Harness:
    """A pipeline over CalDAV connectors against one test database."""

    def __init__(self, tmp_path: Path, db_url: str) -> None:
        self.tmp_path = tmp_path
        self.db_url = db_url
        self.connectors: list[dict[str, Any]] = []
        self.engine = make_engine(db_url)
        seed_crm(db_url)

    def add(
        self, name: str, url: str, *, user: str | None, secret: str | None, **extra: Any
    ) -> None:
        cfg: dict[str, Any] = {"name": name, "kind": "caldav", "url": url, **extra}
        if user is not None:
            cfg["username"] = user
        if secret is not None:
            path = self.tmp_path / f"{name}.secret"
            path.write_text(secret, encoding="utf-8")
            cfg["password_file"] = str(path)
        self.connectors = [c for c in self.connectors if c["name"] != name] + [cfg]

    def settings(self) -> Settings:
        return parse_settings(
            {
                "database": {"url": self.db_url},
                "organisation": {"internal_domains": ["tatrasoft.sk"]},
                "sync": {"batch_size": 50},
                "connectors": self.connectors,
            },
            self.tmp_path,
        )

    def pipeline(self) -> Pipeline:
        return Pipeline(self.settings(), self.engine)

    def sync(self, name: str, *, full: bool = False) -> Any:
        report = self.pipeline().sync(name, full=full)
        assert report.status == "ok", (report.status, report.error, report.scope_errors)
        return report

    def meetings(self) -> dict[str, Communication]:
        with session_factory(self.engine)() as s:
            rows = s.scalars(select(Communication).where(Communication.kind == "meeting"))
            out = {r.dedupe_key: r for r in rows}
            s.expunge_all()
            return out

    def sources(self) -> list[tuple[str, str, str, bool]]:
        """(dedupe key, scope, remote id, gone) of every source."""
        with session_factory(self.engine)() as s:
            rows = s.execute(
                select(Communication.dedupe_key, Source.scope, Source.remote_id, Source.gone_at)
                .join(Source, Source.communication_id == Communication.id)
                .order_by(Source.remote_id)
            )
            return [(k, sc, r, g is not None) for k, sc, r, g in rows]

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def harness(tmp_path: Path, db_url: str) -> Iterator[Harness]:
    h = Harness(tmp_path, db_url)
    yield h
    h.close()


def vcalendar(*events: str, extra: str = "") -> str:
    """A VCALENDAR around VEVENT texts (lines joined with CRLF)."""
    body = "".join(events)
    text = f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//syncd tests//EN\n{extra}{body}END:VCALENDAR\n"
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def vevent(
    uid: str,
    start: str,
    end: str | None = None,
    *,
    summary: str = "Meeting",
    attendees: tuple[str, ...] = ("jan@acme.sk",),
    organizer: str = "peter@tatrasoft.sk",
    extra: str = "",
) -> str:
    """A VEVENT; ``start``/``end`` are property tails like ``;TZID=X:20250101T100000``."""
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20250101T000000Z",
        f"DTSTART{start}",
        *([f"DTEND{end}"] if end else []),
        f"SUMMARY:{summary}",
        f"ORGANIZER;CN=Peter:mailto:{organizer}",
        *(f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{a}" for a in attendees),
    ]
    tail = extra if not extra or extra.endswith("\n") else extra + "\n"
    return "\n".join(lines) + "\n" + tail + "END:VEVENT\n"
