"""Retroactive re-linking, the daemon loop and its metrics, on both databases."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import func, select

from syncd.config import parse_settings
from syncd.metrics import Metrics
from syncd.pipeline import Pipeline
from syncd.scheduler import Scheduler
from syncd.store.db import make_engine, session_factory
from syncd.store.models import Company, CompanyDomain, Link
from syncd.store.queries import connector_status, timeline


def _maildir(root: Path, senders: list[str]) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for i, sender in enumerate(senders):
        m = EmailMessage()
        m["From"] = sender
        m["To"] = "peter@tatrasoft.sk"
        m["Subject"] = f"Dopyt {i}"
        m["Date"] = format_datetime(datetime(2026, 9, 1 + i, 8, 0, tzinfo=UTC))
        m["Message-ID"] = f"<dopyt-{i}@example>"
        m.set_content("Dobrý deň")
        (root / "cur" / f"{i}.demo:2,S").write_bytes(bytes(m))
    (root / "cur" / "bad.demo:2,S").write_bytes(b"")
    return root


def _pipeline(tmp: Path, url: str, box: Path) -> Pipeline:
    settings = parse_settings(
        {
            "database": {"url": url},
            "organisation": {"internal_domains": ["tatrasoft.sk"]},
            "connectors": [{"name": "box", "kind": "maildir", "path": str(box)}],
        },
        tmp,
    )
    p = Pipeline(settings, make_engine(url))
    p.prepare()
    return p


def test_relink_follows_crm_changes_and_keeps_manual_unlinks(tmp_path: Path, db_url: str) -> None:
    box = _maildir(tmp_path / "box", ["ana@novy-zakaznik.sk", "ivo@novy-zakaznik.sk"])
    p = _pipeline(tmp_path, db_url, box)
    assert p.sync("box").created == 2
    sessions = session_factory(p.engine)
    with sessions.begin() as s:
        company = Company(name="Nový zákazník s.r.o.")
        company.domains.append(CompanyDomain(domain="novy-zakaznik.sk"))
        s.add(company)
        s.flush()
        cid = company.id
    stats = p.relink_if_crm_changed()
    assert stats is not None and stats.created == 2
    with sessions() as s:
        assert len(timeline(s, company_id=cid)) == 2
    # A user removes one item from the company's timeline by hand: a tombstone.
    with sessions.begin() as s:
        link = s.scalars(select(Link).where(Link.company_id == cid)).first()
        assert link is not None
        link.unlinked, link.manual = True, True
    p.relink()
    with sessions() as s:
        assert len(timeline(s, company_id=cid)) == 1
    # The domain is removed from the company: automatic links go, history stays.
    with sessions.begin() as s:
        s.execute(CompanyDomain.__table__.delete())
    p.relink_if_crm_changed()
    with sessions() as s:
        assert timeline(s, company_id=cid) == []
        assert s.scalars(select(Link).where(Link.unlinked.is_(True))).one()
    assert p.relink_if_crm_changed() is None  # nothing changed since: no work
    p.engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_daemon_passes_and_metrics(tmp_path: Path, db_url: str) -> None:
    box = _maildir(tmp_path / "box", ["ana@firma.sk"])
    p = _pipeline(tmp_path, db_url, box)
    metrics = Metrics()
    port = _free_port()
    metrics.serve(f"127.0.0.1:{port}")
    reports = []

    def on_report(r: object) -> None:
        reports.append(r)
        metrics.observe(r)  # type: ignore[arg-type]
        with session_factory(p.engine)() as s:
            metrics.refresh(connector_status(s))

    stop = threading.Event()
    Scheduler(p, interval=0.1, stop=stop, on_report=on_report).run(passes=2)
    assert [r.status for r in reports] == ["ok", "ok"]
    assert [r.created for r in reports] == [1, 0]
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    assert 'syncd_quarantined{connector="box"} 1.0' in body
    assert 'syncd_items{connector="box"} 1.0' in body
    assert 'syncd_connector_ok{connector="box"} 1.0' in body
    p.engine.dispose()


def test_running_daemon_relinks_after_a_direct_crm_edit(tmp_path: Path, db_url: str) -> None:
    """The scheduler's own housekeeping notices a CRM edit made in SQL and re-links."""
    from sqlalchemy import text

    box = _maildir(tmp_path / "box", ["ana@firma.sk", "eva@firma.sk"])
    p = _pipeline(tmp_path, db_url, box)
    stop = threading.Event()
    scheduler = Scheduler(p, interval=0.2, stop=stop, housekeeping_every=0.1)
    thread = threading.Thread(target=scheduler.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and p._relinked_at is None:
            time.sleep(0.05)  # the first sync and the start-up re-link are done
        with session_factory(p.engine)() as s:
            assert s.scalar(select(func.count(Link.id))) == 0  # kept, on no timeline
        with p.engine.begin() as conn:  # the CRM itself adds a company, no syncd code involved
            conn.execute(text("INSERT INTO companies (name) VALUES ('Firma s.r.o.')"))
            company = conn.execute(text("SELECT max(id) FROM companies")).scalar_one()
            conn.execute(
                text("INSERT INTO company_domains (company_id, domain) VALUES (:c, 'firma.sk')"),
                {"c": company},
            )
        linked = 0
        while time.monotonic() < deadline and linked < 2:
            time.sleep(0.1)
            with session_factory(p.engine)() as s:
                linked = s.scalar(select(func.count(Link.id)).where(Link.company_id == company))
        assert linked == 2  # both old mails are now on the company's timeline
    finally:
        stop.set()
        thread.join(timeout=30)
        p.engine.dispose()
    assert not thread.is_alive()
