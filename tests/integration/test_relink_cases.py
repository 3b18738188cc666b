"""Retroactive re-linking as the CRM changes under stored mail (both databases).

Each case syncs a small Maildir first, changes the CRM the way an admin or
the CRM itself would (CSV import, merge, delete, a direct SQL edit), and then
runs the daemon's path, :meth:`Pipeline.relink_if_crm_changed`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from syncd.config import parse_settings
from syncd.pipeline import Pipeline
from syncd.store.crm import crm_fingerprint
from syncd.store.crm_import import import_companies, import_contacts
from syncd.store.db import make_engine, session_factory
from syncd.store.models import (
    Communication,
    Company,
    CompanyDomain,
    Contact,
    ContactEmail,
    Link,
)
from syncd.store.notes import add_note
from syncd.store.relink import relink_all

ME = "peter@tatrasoft.sk"
LinkRow = tuple[str, str, str, bool]  # subject, target, reason, manual


def _maildir(root: Path, mails: list[tuple[str, str]]) -> Path:
    """Messages ``Mail <n>`` from the first address to the second."""
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for n, (sender, to) in enumerate(mails):
        m = EmailMessage()
        m["From"] = sender
        m["To"] = to
        m["Subject"] = f"Mail {n}"
        m["Date"] = format_datetime(datetime(2026, 9, 1, 8, n, tzinfo=UTC))
        m["Message-ID"] = f"<relink-{root.name}-{n}@example>"
        m.set_content("Dobrý deň")
        (root / "cur" / f"{n}.host:2,S").write_bytes(bytes(m))
    return root


def _pipeline(
    tmp: Path, url: str, mails: list[tuple[str, str]], crm: Callable[[Session], None] | None = None
) -> Pipeline:
    """A pipeline over a Maildir of ``mails``, synced once (after ``crm`` set up records)."""
    box = _maildir(tmp / "box", mails)
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
    if crm is not None:
        with p.sessions.begin() as s:
            crm(s)
    assert p.sync("box").created == len(mails)
    return p


def _company(s: Session, name: str, *domains: str) -> int:
    c = Company(name=name)
    c.domains.extend(CompanyDomain(domain=d) for d in domains)
    s.add(c)
    s.flush()
    return c.id


def _contact(s: Session, name: str, company: int | None, *emails: str) -> int:
    c = Contact(name=name, company_id=company)
    c.emails.extend(ContactEmail(email=e) for e in emails)
    s.add(c)
    s.flush()
    return c.id


def _links(engine: Engine) -> set[LinkRow]:
    """Every live link as (subject, "company <name>" or "contact <name>", reason, manual)."""
    with session_factory(engine)() as s:
        rows = s.execute(
            select(Communication.subject, Company.name, Contact.name, Link.reason, Link.manual)
            .join(Link, Link.communication_id == Communication.id)
            .outerjoin(Company, Company.id == Link.company_id)
            .outerjoin(Contact, Contact.id == Link.contact_id)
            .where(Link.unlinked.is_(False))
        ).all()
    return {
        (subj, f"company {co}" if co else f"contact {ct}", reason, bool(manual))
        for subj, co, ct, reason, manual in rows
    }


def _directions(engine: Engine) -> dict[str, str]:
    with session_factory(engine)() as s:
        rows = s.execute(select(Communication.subject, Communication.direction)).all()
    return {subject: direction for subject, direction in rows}


def _sql(engine: Engine, *statements: str) -> None:
    """What the CRM does in the shared database: plain SQL, no syncd code."""
    with engine.begin() as conn:
        for stmt in statements:
            conn.execute(text(stmt))


def _manual(engine: Engine, subject: str, **target: int) -> None:
    with session_factory(engine).begin() as s:
        cid = s.scalar(select(Communication.id).where(Communication.subject == subject))
        s.add(Link(communication_id=cid, reason="manual", manual=True, **target))


def test_csv_import_links_old_mail(tmp_path: Path, db_url: str) -> None:
    p = _pipeline(
        tmp_path,
        db_url,
        [
            ("ana@novy-zakaznik.sk", ME),
            ("Jozef.Mrkva@gmail.com", ME),
            ("nikto@iny.sk", ME),
        ],
    )
    assert _links(p.engine) == set()  # unmatched mail is kept, unlinked
    (tmp_path / "companies.csv").write_text(
        "name,registration_no,website,domains\nNový zákazník s.r.o.,36000001,,novy-zakaznik.sk\n",
        encoding="utf-8",
    )
    (tmp_path / "contacts.csv").write_text(
        "name,email,position,phone,company\nJozef Mrkva,jozef.mrkva@gmail.com,,,36000001\n",
        encoding="utf-8",
    )
    now = datetime.now(UTC)
    with session_factory(p.engine).begin() as s:
        import_companies(s, tmp_path / "companies.csv", now)
        import_contacts(s, tmp_path / "contacts.csv", now)
    stats = p.relink_if_crm_changed()
    assert stats is not None and (stats.items, stats.created) == (3, 3)
    assert _links(p.engine) == {
        ("Mail 0", "company Nový zákazník s.r.o.", "company_domain", False),
        ("Mail 1", "contact Jozef Mrkva", "contact_address", False),
        ("Mail 1", "company Nový zákazník s.r.o.", "contact_company", False),
    }
    assert p.relink_if_crm_changed() is None
    p.engine.dispose()


def test_company_merge_moves_links(tmp_path: Path, db_url: str) -> None:
    ids: dict[str, int] = {}

    def crm(s: Session) -> None:
        ids["a"] = _company(s, "ACME", "acme.sk")
        ids["b"] = _company(s, "ACME Trade", "acme-trade.sk")
        ids["eva"] = _contact(s, "Eva", ids["b"], "eva@acme-trade.sk")

    mails = [("eva@acme-trade.sk", ME), ("boris@acme-trade.sk", ME), ("jan@acme.sk", ME)]
    p = _pipeline(tmp_path, db_url, mails, crm)
    a, b, eva = ids["a"], ids["b"], ids["eva"]
    assert _links(p.engine) == {
        ("Mail 0", "contact Eva", "contact_address", False),
        ("Mail 0", "company ACME Trade", "contact_company", False),
        ("Mail 1", "company ACME Trade", "company_domain", False),
        ("Mail 2", "company ACME", "company_domain", False),
    }
    _manual(p.engine, "Mail 2", contact_id=eva)  # a user filed Jan's mail on Eva too
    p.relink_if_crm_changed()
    # The CRM merges ACME Trade into ACME: contacts and domains move, B goes.
    _sql(
        p.engine,
        f"UPDATE contacts SET company_id = {a} WHERE company_id = {b}",
        f"UPDATE company_domains SET company_id = {a} WHERE company_id = {b}",
        f"DELETE FROM companies WHERE id = {b}",
    )
    stats = p.relink_if_crm_changed()
    assert stats is not None and stats.created == 2
    assert _links(p.engine) == {
        ("Mail 0", "contact Eva", "contact_address", False),
        ("Mail 0", "company ACME", "contact_company", False),
        ("Mail 1", "company ACME", "company_domain", False),
        ("Mail 2", "company ACME", "company_domain", False),
        ("Mail 2", "contact Eva", "manual", True),
    }
    p.engine.dispose()


def test_deleting_a_contact_removes_automatic_links_only(tmp_path: Path, db_url: str) -> None:
    p = _pipeline(tmp_path, db_url, [("jana.novakova@gmail.com", ME), ("peter@acme.sk", ME)])
    with session_factory(p.engine).begin() as s:
        acme = _company(s, "ACME", "acme.sk")
        other = _company(s, "Other", "other.sk")
        jana = _contact(s, "Jana", acme, "jana.novakova@gmail.com")
        peter = _contact(s, "Peter", acme, "peter@acme.sk")
    p.relink_if_crm_changed()
    _manual(p.engine, "Mail 0", company_id=other)
    _manual(p.engine, "Mail 1", contact_id=jana)
    assert len(_links(p.engine)) == 6
    _sql(p.engine, f"DELETE FROM contacts WHERE id = {jana}")  # the CRM deletes Jana
    stats = p.relink_if_crm_changed()
    # Jana's own links went with her record; the company link she brought is
    # removed (free-mail never links by domain); the user's link stays.
    assert stats is not None and stats.removed == 1
    assert _links(p.engine) == {
        ("Mail 0", "company Other", "manual", True),
        ("Mail 1", "contact Peter", "contact_address", False),
        ("Mail 1", "company ACME", "contact_company", False),
    }
    _sql(p.engine, f"DELETE FROM contacts WHERE id = {peter}")
    stats = p.relink_if_crm_changed()
    assert stats is not None and stats.updated == 1  # still ACME's, now by its domain
    assert _links(p.engine) == {
        ("Mail 0", "company Other", "manual", True),
        ("Mail 1", "company ACME", "company_domain", False),
    }
    p.engine.dispose()


def test_direct_sql_edit_of_a_domain_is_picked_up(tmp_path: Path, db_url: str) -> None:
    p = _pipeline(tmp_path, db_url, [("ivo@tatra-stav.cz", ME), ("ivo@tatra-stav.sk", ME)])
    with session_factory(p.engine).begin() as s:
        stav = _company(s, "Tatra Stav", "tatra-stav.sk")
        vltava = _company(s, "Vltava", "vltava.cz")
    p.relink_if_crm_changed()
    assert _links(p.engine) == {("Mail 1", "company Tatra Stav", "company_domain", False)}
    assert p.relink_if_crm_changed() is None

    sessions = session_factory(p.engine)
    with sessions() as s:
        before = crm_fingerprint(s)
        shape = s.execute(select(func.count(), func.max(CompanyDomain.id))).one()
    # Same length, same row count, same ids: only the text changed.
    _sql(
        p.engine,
        "UPDATE company_domains SET domain = 'tatra-stav.cz' WHERE domain = 'tatra-stav.sk'",
    )
    with sessions() as s:
        assert s.execute(select(func.count(), func.max(CompanyDomain.id))).one() == shape
        assert crm_fingerprint(s) != before
    stats = p.relink_if_crm_changed()
    assert stats is not None and (stats.created, stats.removed) == (1, 1)
    assert _links(p.engine) == {("Mail 0", "company Tatra Stav", "company_domain", False)}

    # Two companies swap their domains: counts and the set of names stay equal.
    _sql(
        p.engine,
        "UPDATE company_domains SET company_id = CASE company_id "
        f"WHEN {stav} THEN {vltava} ELSE {stav} END",
    )
    assert p.relink_if_crm_changed() is not None
    assert _links(p.engine) == {("Mail 0", "company Vltava", "company_domain", False)}
    p.engine.dispose()


def test_direct_sql_move_of_a_contact_is_picked_up(tmp_path: Path, db_url: str) -> None:
    p = _pipeline(tmp_path, db_url, [("jana@gmail.com", ME)])
    with session_factory(p.engine).begin() as s:
        acme = _company(s, "ACME", "acme.sk")
        other = _company(s, "Other", "other.sk")
        jana = _contact(s, "Jana", acme, "jana@gmail.com")
    p.relink_if_crm_changed()
    assert ("Mail 0", "company ACME", "contact_company", False) in _links(p.engine)
    # The CRM moves her without touching updated_at.
    _sql(p.engine, f"UPDATE contacts SET company_id = {other} WHERE id = {jana}")
    assert p.relink_if_crm_changed() is not None
    assert _links(p.engine) == {
        ("Mail 0", "contact Jana", "contact_address", False),
        ("Mail 0", "company Other", "contact_company", False),
    }
    # An address edited in place (same length, same ids).
    _sql(
        p.engine,
        "UPDATE contact_emails SET email = 'jano@gmail.com' WHERE email = 'jana@gmail.com'",
    )
    assert p.relink_if_crm_changed() is not None
    assert _links(p.engine) == set()
    p.engine.dispose()


def test_internal_domain_added_removes_links(tmp_path: Path, db_url: str) -> None:
    p = _pipeline(tmp_path, db_url, [("ana@partner.sk", ME), (ME, "ana@partner.sk")])
    with session_factory(p.engine).begin() as s:
        _company(s, "Partner", "partner.sk")
    p.relink_if_crm_changed()
    assert len(_links(p.engine)) == 2
    assert _directions(p.engine) == {"Mail 0": "inbound", "Mail 1": "outbound"}
    # The organisation takes Partner over: its domain becomes one of ours.
    _sql(p.engine, "INSERT INTO internal_domains (domain) VALUES ('partner.sk')")
    stats = p.relink_if_crm_changed()
    assert stats is not None and (stats.removed, stats.direction_changed) == (2, 2)
    assert _links(p.engine) == set()
    assert _directions(p.engine) == {"Mail 0": "internal", "Mail 1": "internal"}
    p.engine.dispose()


def test_freemail_contact_links_contact_and_company_not_domain(tmp_path: Path, db_url: str) -> None:
    p = _pipeline(
        tmp_path,
        db_url,
        [
            ("jana.novakova@gmail.com", ME),
            ("Jana.Novakova+crm@googlemail.com", ME),
            ("stranger@gmail.com", ME),
        ],
    )
    with session_factory(p.engine).begin() as s:
        acme = _company(s, "ACME", "acme.sk")
        _company(s, "Gmail Fans", "gmail.com")  # a CRM record that must never match by domain
        _contact(s, "Jana", acme, "jana.novakova@gmail.com")
    stats = p.relink_if_crm_changed()
    assert stats is not None
    assert _links(p.engine) == {
        ("Mail 0", "contact Jana", "contact_address", False),
        ("Mail 0", "company ACME", "contact_company", False),
        ("Mail 1", "contact Jana", "contact_address", False),
        ("Mail 1", "company ACME", "contact_company", False),
    }
    p.engine.dispose()


def test_relink_walks_many_chunks_and_skips_notes(tmp_path: Path, db_url: str) -> None:
    """Keyset chunks: every item once, notes and their manual links untouched."""
    mails = [(f"buyer{n}@acme.sk", ME) for n in range(23)]
    p = _pipeline(tmp_path, db_url, mails)
    with session_factory(p.engine).begin() as s:
        acme = _company(s, "ACME", "acme.sk")
        add_note(
            s,
            kind="note",
            text="Called",
            subject="Note",
            occurred_at=datetime(2026, 9, 2, tzinfo=UTC),
            company_id=acme,
            contact_id=None,
            author=None,
        )
    with session_factory(p.engine)() as s:
        index = p.index(s)
    stats = relink_all(p.sessions, index, p.policy, datetime.now(UTC), chunk=5)
    assert (stats.items, stats.created) == (23, 23)
    links = _links(p.engine)
    assert ("Note", "company ACME", "manual", True) in links
    assert len(links) == 24
    again = relink_all(p.sessions, index, p.policy, datetime.now(UTC), chunk=7)
    assert (again.items, again.created, again.removed, again.updated) == (23, 0, 0, 0)
    p.engine.dispose()


def test_parallel_relink_equals_serial(tmp_path: Path, db_url: str) -> None:
    """Helper processes share the id slices: same links, manual work kept, progress to 100 %."""
    mails = [(f"buyer{n}@{('acme.sk', 'beta.cz', 'gmail.com')[n % 3]}", ME) for n in range(40)]
    p = _pipeline(tmp_path, db_url, mails)
    with session_factory(p.engine).begin() as s:
        acme = _company(s, "ACME", "acme.sk")
        beta = _company(s, "Beta", "beta.cz")
    _manual(p.engine, "Mail 3", company_id=acme)  # buyer3@acme.sk: already filed by hand
    _manual(p.engine, "Mail 2", company_id=beta)  # a free-mail item filed by hand
    with session_factory(p.engine).begin() as s:  # a user unlinked Mail 1 from Beta
        cid = s.scalar(select(Communication.id).where(Communication.subject == "Mail 1"))
        s.add(
            Link(communication_id=cid, company_id=beta, reason="manual", manual=True, unlinked=True)
        )
    with session_factory(p.engine)() as s:
        index = p.index(s)
    seen: list[tuple[int, int]] = []
    stats = relink_all(
        p.sessions,
        index,
        p.policy,
        datetime.now(UTC),
        chunk=3,
        workers=2,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert stats.items == 40 and seen[-1] == (40, 40)
    # 27 items at acme.sk or beta.cz: all linked but the hand-filed and the unlinked one
    assert stats.created == 25
    links = _links(p.engine)
    assert len(links) == 25 + 2
    assert ("Mail 3", "company ACME", "manual", True) in links
    assert ("Mail 2", "company Beta", "manual", True) in links
    assert not any(subject == "Mail 1" for subject, *_ in links)
    again = relink_all(p.sessions, index, p.policy, datetime.now(UTC), chunk=4, workers=1)
    assert (again.items, again.created, again.removed, again.updated) == (40, 0, 0, 0)
    p.engine.dispose()


def test_parallel_relink_finishes_alone_when_a_helper_dies(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import syncd.store.relink_parallel as relink

    mails = [(f"buyer{n}@acme.sk", ME) for n in range(12)]
    p = _pipeline(tmp_path, db_url, mails)
    with session_factory(p.engine).begin() as s:
        _company(s, "ACME", "acme.sk")
    with session_factory(p.engine)() as s:
        index = p.index(s)
    # the helper's start-up fails on these tables: its pool breaks
    monkeypatch.setattr(relink, "_index_tables", lambda index: ("not an index",))
    stats = relink_all(p.sessions, index, p.policy, datetime.now(UTC), chunk=2, workers=2)
    assert (stats.items, stats.created) == (12, 12)
    assert len(_links(p.engine)) == 12
    p.engine.dispose()


def test_relink_helpers_come_from_the_shared_server_and_run_the_runtime_setup(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-link helpers fork from connectors.workers' server and run the logging set-up first."""
    import functools

    import syncd.store.relink_parallel as relink
    from connectors import workers

    mails = [(f"buyer{n}@acme.sk", ME) for n in range(12)]
    p = _pipeline(tmp_path, db_url, mails)
    with session_factory(p.engine).begin() as s:
        _company(s, "ACME", "acme.sk")
    with session_factory(p.engine)() as s:
        index = p.index(s)
    contexts: list[object] = []
    real_context = workers.context

    def spy() -> object:
        ctx = real_context()
        contexts.append(ctx)
        return ctx

    monkeypatch.setattr(relink.helpers, "context", spy)
    marker = tmp_path / "helper-setup-ran"
    monkeypatch.setattr(workers, "_setup", functools.partial(marker.write_text, "ran"))
    stats = relink_all(p.sessions, index, p.policy, datetime.now(UTC), chunk=2, workers=2)
    assert (stats.items, stats.created) == (12, 12)
    assert contexts and contexts[0] is not None
    assert marker.read_text() == "ran"  # written by the helper, not by this process
    p.engine.dispose()
