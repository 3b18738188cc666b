"""A re-link rewrites a stored link only when the matcher's view of it changed (both databases).

Links made with an auto-created record keep their ``auto_created_*`` reason
and explanation (they say why the record exists), and a re-link with no CRM
change writes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import Engine, select

from syncd.config import parse_settings
from syncd.pipeline import Pipeline
from syncd.store.db import make_engine, session_factory
from syncd.store.models import Communication, Company, Contact, Link
from syncd.store.relink import RelinkStats, relink_all

ME = "peter@tatrasoft.sk"
LinkRow = tuple[str, str, str, str | None]  # subject, target kind, reason, explanation


def _pipeline(tmp: Path, url: str, senders: list[str], auto_create: str = "off") -> Pipeline:
    box = tmp / "box"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True, exist_ok=True)
    for n, sender in enumerate(senders):
        m = EmailMessage()
        m["From"] = sender
        m["To"] = ME
        m["Subject"] = f"Mail {n}"
        m["Date"] = format_datetime(datetime(2026, 9, 1, 8, n, tzinfo=UTC))
        m["Message-ID"] = f"<kept-{n}@example>"
        m.set_content("Dobrý deň")
        (box / "cur" / f"{n}.host:2,S").write_bytes(bytes(m))
    settings = parse_settings(
        {
            "database": {"url": url},
            "organisation": {"internal_domains": ["tatrasoft.sk"]},
            "matching": {"auto_create": auto_create},
            "connectors": [{"name": "box", "kind": "maildir", "path": str(box)}],
        },
        tmp,
    )
    p = Pipeline(settings, make_engine(url))
    p.prepare()
    assert p.sync("box").created == len(senders)
    return p


def _links(engine: Engine) -> set[LinkRow]:
    with session_factory(engine)() as s:
        rows = s.execute(
            select(
                Communication.subject,
                Link.company_id,
                Link.reason,
                Link.explanation,
            ).join(Link, Link.communication_id == Communication.id)
        ).all()
    return {
        (subject, "company" if company else "contact", reason, explanation)
        for subject, company, reason, explanation in rows
    }


def _counts(stats: RelinkStats) -> tuple[int, int, int]:
    return stats.created, stats.removed, stats.updated


def _relink(p: Pipeline) -> RelinkStats:
    with p.sessions() as s:
        index = p.index(s)
    return relink_all(p.sessions, index, p.policy, p.now())


def test_relink_keeps_links_made_with_auto_created_records(tmp_path: Path, db_url: str) -> None:
    p = _pipeline(
        tmp_path,
        db_url,
        ["ana@novy-zakaznik.sk", "ivo@novy-zakaznik.sk"],
        auto_create="contacts_and_companies",
    )
    before = _links(p.engine)
    assert {(subject, kind, reason) for subject, kind, reason, _ in before} == {
        ("Mail 0", "contact", "auto_created_contact"),
        ("Mail 0", "company", "auto_created_company"),
        ("Mail 1", "contact", "auto_created_contact"),
        ("Mail 1", "company", "auto_created_company"),
    }
    with p.sessions() as s:
        assert s.scalar(select(Company.auto_created)) is True
        assert all(s.scalars(select(Contact.auto_created)))
    stats = _relink(p)  # the CRM is as the sync left it
    assert (stats.items, *_counts(stats)) == (2, 0, 0, 0)
    assert _links(p.engine) == before  # reasons and explanations as they were
    assert _counts(p.relink()) == (0, 0, 0)
    p.engine.dispose()
