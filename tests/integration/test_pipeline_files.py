"""File archives through the whole pipeline into a real database (both backends)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from syncd.cli import cli
from syncd.config import parse_settings
from syncd.pipeline import Pipeline
from syncd.store.db import make_engine, session_factory
from syncd.store.models import Communication, Link, QuarantineRow, Source
from syncd.store.queries import find_company, timeline

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "config" / "demo"


def _msg(
    i: int, sender: str, to: str, subject: str, *, msgid: str | None = None, charset: str = "utf-8"
) -> bytes:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = format_datetime(datetime(2026, 10, 1 + i % 28, 9, i % 60, tzinfo=UTC))
    m["Message-ID"] = msgid or make_msgid(domain="acme.sk")
    m.set_content(f"Správa číslo {i}. Ďakujem.", charset=charset)
    return bytes(m)


def _maildir(root: Path, messages: dict[str, bytes]) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for name, raw in messages.items():
        (root / "cur" / f"{name}:2,S").write_bytes(raw)
    return root


def _settings(tmp: Path, url: str, connectors: list[dict]) -> object:
    return parse_settings(
        {
            "database": {"url": url},
            "organisation": {"internal_domains": ["tatrasoft.sk"]},
            "sync": {"batch_size": 7},
            "connectors": connectors,
        },
        tmp,
    )


def _seed_crm(url: str) -> None:
    from syncd.store.models import Company, CompanyDomain, Contact, ContactEmail

    with session_factory(make_engine(url)).begin() as s:
        acme = Company(name="ACME s.r.o.", registration_no="11111111")
        acme.domains.append(CompanyDomain(domain="acme.sk"))
        s.add(acme)
        s.flush()
        jana = Contact(name="Jana Nováková", company_id=acme.id)
        jana.emails.append(ContactEmail(email="jana.novakova@gmail.com"))
        s.add(jana)


def test_two_mailboxes_replays_and_malformed_mail(tmp_path: Path, db_url: str) -> None:
    _seed_crm(db_url)
    shared = _msg(
        0, "Ján Novák <jan@acme.sk>", "peter@tatrasoft.sk, zuzana@tatrasoft.sk", "Objednávka č. 17"
    )
    inbox = {
        f"m{i}": _msg(i, "jan@acme.sk", "peter@tatrasoft.sk", f"Ponuka {i}") for i in range(20)
    }
    inbox["shared"] = shared
    inbox["freemail"] = _msg(30, "Jana <jana.novakova@gmail.com>", "peter@tatrasoft.sk", "Z mobilu")
    inbox["stranger"] = _msg(31, "x@gmail.com", "peter@tatrasoft.sk", "Ahoj")
    inbox["broken"] = b"\x00\x01\x02 this is not mail"
    a = _maildir(tmp_path / "peter", inbox)
    b = _maildir(tmp_path / "zuzana", {"copy": shared})
    settings = _settings(
        tmp_path,
        db_url,
        [
            {"name": "peter", "kind": "maildir", "path": str(a), "visibility": "full"},
            {"name": "zuzana", "kind": "maildir", "path": str(b), "visibility": "full"},
        ],
    )
    engine = make_engine(db_url)
    pipeline = Pipeline(settings, engine)  # type: ignore[arg-type]
    pipeline.prepare()
    first = pipeline.sync_all()
    assert [r.status for r in first] == ["ok", "ok"]
    again = pipeline.sync_all()
    rescan = pipeline.sync_all(full=True)
    assert sum(r.created for r in again + rescan) == 0

    with session_factory(engine)() as s:
        # 20 + shared + freemail-contact + stranger (no company: still logged? no links)
        acme_items = timeline(s, company_id=1, limit=100)
        subjects = {i["subject"] for i in acme_items}
        assert "Objednávka č. 17" in subjects and "Z mobilu" in subjects
        assert "Ahoj" not in subjects  # unknown gmail user never reaches a company
        shared_item = next(i for i in acme_items if i["subject"] == "Objednávka č. 17")
        assert {x["connector"] for x in shared_item["sources"]} == {"peter", "zuzana"}
        assert (
            s.scalar(
                select(func.count())
                .select_from(Communication)
                .where(Communication.subject == "Objednávka č. 17")
            )
            == 1
        )
        q = s.scalars(select(QuarantineRow)).one()
        assert q.raw == b"\x00\x01\x02 this is not mail" and q.reason
        freemail = next(i for i in acme_items if i["subject"] == "Z mobilu")
        assert {lk["reason"] for lk in freemail["links"]} >= {"contact_company"}
    engine.dispose()


def test_reused_message_id_keeps_both_messages(tmp_path: Path, db_url: str) -> None:
    _seed_crm(db_url)
    mid = "<12345@broken-mailer>"
    box = _maildir(
        tmp_path / "box",
        {
            "a": _msg(1, "jan@acme.sk", "peter@tatrasoft.sk", "Faktúra 1", msgid=mid),
            "b": _msg(9, "eva@acme.sk", "peter@tatrasoft.sk", "Úplne iná správa", msgid=mid),
        },
    )
    settings = _settings(
        tmp_path,
        db_url,
        [{"name": "box", "kind": "maildir", "path": str(box), "visibility": "subject"}],
    )
    engine = make_engine(db_url)
    Pipeline(settings, engine).sync("box")  # type: ignore[arg-type]
    with session_factory(engine)() as s:
        subjects = set(s.scalars(select(Communication.subject)))
    assert subjects == {"Faktúra 1", "Úplne iná správa"}
    engine.dispose()


@pytest.mark.parametrize("keep", [False, True])
def test_mail_with_no_external_party_left_follows_the_policy(
    tmp_path: Path, db_url: str, keep: bool
) -> None:
    """A robot's mail to a colleague: not logged by default, kept on no timeline if asked."""
    _seed_crm(db_url)
    box = _maildir(
        tmp_path / "box",
        {
            "robot": _msg(1, "noreply@acme.sk", "peter@tatrasoft.sk", "Vaša objednávka"),
            "blocked": _msg(2, "spam@blocked.sk", "peter@tatrasoft.sk", "Výhra!"),
            "jan": _msg(3, "jan@acme.sk", "peter@tatrasoft.sk", "Ponuka"),
        },
    )
    settings = parse_settings(
        {
            "database": {"url": db_url},
            "organisation": {"internal_domains": ["tatrasoft.sk"]},
            "matching": {"log_without_external": keep, "blocklist": ["blocked.sk"]},
            "connectors": [{"name": "box", "kind": "maildir", "path": str(box)}],
        },
        tmp_path,
    )
    engine = make_engine(db_url)
    Pipeline(settings, engine).sync("box")  # type: ignore[arg-type]
    with session_factory(engine)() as s:
        rows = dict(
            s.execute(
                select(Communication.subject, func.count(Link.id))
                .outerjoin(Link, Link.communication_id == Communication.id)
                .group_by(Communication.subject)
            ).all()
        )
    expected = {"Ponuka": 1} | ({"Vaša objednávka": 0} if keep else {})
    assert rows == expected  # the blocklisted sender's mail is never logged
    engine.dispose()


def test_crm_users_are_internal_even_on_free_mail(tmp_path: Path, db_url: str) -> None:
    """A salesperson writing from a private Gmail is the organisation, not a customer."""
    _seed_crm(db_url)
    box = _maildir(
        tmp_path / "box",
        {
            "out": _msg(1, "Peter <Peter.Home@gmail.com>", "jan@acme.sk", "Ponuka"),
            "own": _msg(2, "peter.home@gmail.com", "zuzana@tatrasoft.sk", "Interné"),
        },
    )
    settings = parse_settings(
        {
            "database": {"url": db_url},
            "organisation": {
                "internal_domains": ["tatrasoft.sk"],
                "users": [{"name": "Peter", "email": "peter.home@gmail.com"}],
            },
            "connectors": [{"name": "box", "kind": "maildir", "path": str(box)}],
        },
        tmp_path,
    )
    engine = make_engine(db_url)
    pipeline = Pipeline(settings, engine)  # type: ignore[arg-type]
    pipeline.prepare()
    pipeline.sync("box")
    with session_factory(engine)() as s:
        rows = s.execute(select(Communication.subject, Communication.direction)).all()
    assert rows == [("Ponuka", "outbound")]  # the internal-only mail is not logged
    engine.dispose()


@pytest.fixture
def demo_config(tmp_path: Path, db_url: str) -> Path:
    """The bundled demo, copied, pointed at the test database."""
    target = tmp_path / "demo"
    shutil.copytree(DEMO, target)
    cfg = (target / "syncd.toml").read_text(encoding="utf-8")
    cfg = cfg.replace('url = "sqlite:///../../var/demo.sqlite"', f'url = "{db_url}"')
    (target / "syncd.toml").write_text(cfg, encoding="utf-8")
    return target / "syncd.toml"


def test_demo_end_to_end_through_the_cli(demo_config: Path, db_url: str) -> None:
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--config", str(demo_config), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    run("init")
    run("import", "companies", str(demo_config.parent / "companies.csv"))
    run("import", "contacts", str(demo_config.parent / "contacts.csv"))
    result = runner.invoke(cli, ["--config", str(demo_config), "sync", "--once"])
    assert "peter-mail" in result.output
    status = json.loads(run("status", "--json"))
    mail = next(r for r in status if r["name"] == "peter-mail")
    assert mail["items"] > 100 and mail["quarantined"] >= 3
    inbox = next(sc for sc in mail["scopes"] if sc["scope"] == "INBOX")
    assert inbox["progress"]["done"] == inbox["progress"]["total"] > 100
    # a second sync writes nothing new
    before = _count(db_url)
    runner.invoke(cli, ["--config", str(demo_config), "sync", "--once"])
    assert _count(db_url) == before
    engine = make_engine(db_url)
    with session_factory(engine)() as s:
        busiest = s.execute(
            select(Link.company_id, func.count())
            .where(Link.company_id.is_not(None))
            .group_by(Link.company_id)
            .order_by(func.count().desc())
        ).first()
    engine.dispose()
    assert busiest is not None
    items = json.loads(run("timeline", "--company", str(busiest[0]), "--json"))
    assert items and items == sorted(items, key=lambda i: i["occurred_at"], reverse=True)
    for key in ("kind", "subject", "occurred_at", "direction", "participants", "links", "sources"):
        assert key in items[0]
    assert all(lk["reason"] for i in items for lk in i["links"])
    run(
        "note",
        "add",
        "--company",
        str(busiest[0]),
        "--kind",
        "call",
        "--text",
        "Telefonát: cena OK",
        "--at",
        "2031-01-05T10:00:00",
    )
    items = json.loads(run("timeline", "--company", str(busiest[0]), "--json"))
    assert items[0]["kind"] == "call" and items[0]["links"][0]["manual"] is True


def test_demo_timelines_match_the_expected_answers(demo_config: Path, db_url: str) -> None:
    """Every demo company shows exactly the emails and meetings the data set says."""
    runner = CliRunner()
    for args in (
        ["init"],
        ["import", "companies", str(demo_config.parent / "companies.csv")],
        ["import", "contacts", str(demo_config.parent / "contacts.csv")],
        ["sync", "--once"],
    ):
        runner.invoke(cli, ["--config", str(demo_config), *args], catch_exceptions=False)
    expected = json.loads((DEMO / "expected.json").read_text(encoding="utf-8"))
    engine = make_engine(db_url)
    wrong = []
    with session_factory(engine)() as s:
        for reg, company in expected["companies"].items():
            rec = find_company(s, reg)
            assert rec is not None, reg
            items = timeline(s, company_id=rec.id, limit=10_000)
            emails = sum(1 for i in items if i["kind"] == "email")
            meetings = len({i["thread_key"] for i in items if i["kind"] == "meeting"})
            if (emails, meetings) != (company["emails"], company["meetings"]):
                wrong.append(
                    (company["name"], emails, company["emails"], meetings, company["meetings"])
                )
        assert s.scalar(select(func.count()).select_from(QuarantineRow)) >= 5
    engine.dispose()
    assert not wrong, wrong


def _count(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    with engine.connect() as c:
        out = (
            c.scalar(select(func.count()).select_from(Communication)),
            c.scalar(select(func.count()).select_from(Source)),
        )
    engine.dispose()
    return out
