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

from sqlalchemy import Engine, select, update

from matching import explain_address
from syncd.config import parse_settings
from syncd.pipeline import Pipeline
from syncd.store.db import make_engine, session_factory
from syncd.store.models import Communication, Company, CompanyDomain, Contact, Link
from syncd.store.relink import RelinkStats, relink_all

ME = "peter@tatrasoft.sk"
LinkRow = tuple[str, str, str, str | None]  # subject, target kind, reason, explanation


def _write_mail(box: Path, senders: list[str], tag: str = "") -> None:
    """Messages ``Mail <n>`` from each sender to ME in the Maildir ``box``."""
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True, exist_ok=True)
    for n, sender in enumerate(senders):
        m = EmailMessage()
        m["From"] = sender
        m["To"] = ME
        m["Subject"] = f"Mail {n}"
        m["Date"] = format_datetime(datetime(2026, 9, 1, 8, n, tzinfo=UTC))
        m["Message-ID"] = f"<kept-{tag}{n}@example>"
        m.set_content("Dobrý deň")
        (box / "cur" / f"{tag}{n}.host:2,S").write_bytes(bytes(m))


def _pipeline(tmp: Path, url: str, senders: list[str], auto_create: str = "off") -> Pipeline:
    """A pipeline over the Maildir ``tmp/box`` of mail from ``senders``, synced once."""
    box = tmp / "box"
    _write_mail(box, senders)
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


def test_relink_refreshes_stale_explanations(tmp_path: Path, db_url: str) -> None:
    p = _pipeline(tmp_path, db_url, [])
    with p.sessions.begin() as s:
        acme = Company(name="ACME")
        acme.domains.append(CompanyDomain(domain="acme.sk"))
        s.add(acme)
        s.flush()
        acme_id = acme.id
    _write_mail(tmp_path / "box", ["jan@sales.acme.sk", "eva@acme.sk"], tag="later-")
    assert p.sync("box").created == 2
    assert _counts(_relink(p)) == (0, 0, 0)

    def explained(address: str) -> str:
        with p.sessions() as s:
            index = p.index(s)
        return explain_address(address, index, p.policy).explanation

    stored = {subject: why for subject, _, _, why in _links(p.engine)}
    assert stored == {
        "Mail 0": explained("jan@sales.acme.sk"),
        "Mail 1": explained("eva@acme.sk"),
    }
    assert "is under acme.sk" in str(stored["Mail 0"])
    # A subdomain is registered on the same company: same link, another sentence.
    with p.sessions.begin() as s:
        s.add(CompanyDomain(company_id=acme_id, domain="sales.acme.sk"))
    stats = _relink(p)
    assert (stats.items, *_counts(stats)) == (2, 0, 0, 1)
    stored = {subject: why for subject, _, _, why in _links(p.engine)}
    assert stored["Mail 0"] == explained("jan@sales.acme.sk")
    assert str(stored["Mail 0"]).startswith("sales.acme.sk is a registered domain")
    assert stored["Mail 1"] == explained("eva@acme.sk")
    assert _counts(_relink(p)) == (0, 0, 0)
    # Words edited in the database (or by an older syncd) are put right as well,
    # and nothing else is touched.
    with p.engine.begin() as conn:
        conn.execute(update(Link).values(explanation=None))
    assert _counts(_relink(p)) == (0, 0, 2)
    assert {why for _, _, _, why in _links(p.engine)} == {
        explained("jan@sales.acme.sk"),
        explained("eva@acme.sk"),
    }
    p.engine.dispose()


def test_relink_leaves_auto_created_and_manual_explanations(tmp_path: Path, db_url: str) -> None:
    p = _pipeline(tmp_path, db_url, ["ana@novy-zakaznik.sk"], auto_create="contacts_and_companies")
    with p.sessions.begin() as s:
        cid = s.scalar(select(Communication.id))
        other = Company(name="Other")
        s.add(other)
        s.flush()
        s.add(
            Link(
                communication_id=cid,
                company_id=other.id,
                reason="manual",
                explanation="filed by hand",
                manual=True,
            )
        )
        s.execute(update(Link).where(Link.contact_id.is_not(None)).values(explanation="why not"))
    before = _links(p.engine)
    assert ("Mail 0", "contact", "auto_created_contact", "why not") in before
    assert _counts(_relink(p)) == (0, 0, 0)
    assert _links(p.engine) == before
    p.engine.dispose()
