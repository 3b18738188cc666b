"""`syncd explain`: one verdict per address, the same sentence the stored links carry.

A small CRM is imported through the CLI; each case is asked in text and JSON
form. The last test syncs a Maildir through the pipeline and checks that the
explanation stored with each link is exactly the one ``explain`` gives today.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from syncd.cli import cli
from syncd.config import load_settings
from syncd.pipeline import Pipeline
from syncd.store.db import make_engine, session_factory
from syncd.store.models import Communication, Link
from syncd.store.queries import find_company, find_contact

COMPANIES = """name,registration_no,website,domains
ACME s.r.o.,35700001,,acme.sk
Tatra Holding a.s.,35700002,,tatra.sk
Tatra Trade s.r.o.,35700003,,eu.tatra.sk
Bücher GmbH,DE700004,,bücher.de
"""
CONTACTS = """name,email,position,phone,company
Jana Nováková,jana.novakova@acme.sk,,,35700001
"""
# "Коваленко, Олена" in KOI8-R, Q-encoded: the comma is =2C inside the encoded
# word and must not split the header into two mailboxes.
CYRILLIC = "Коваленко, Олена"


def _q_word(text: str, charset: str) -> str:
    """An RFC 2047 Q-encoded word (``=XX`` bytes, ``_`` for a space)."""
    body = "".join(
        chr(b) if chr(b).isascii() and chr(b).isalnum() else "_" if b == 32 else f"={b:02X}"
        for b in text.encode(charset)
    )
    return f"=?{charset.upper()}?Q?{body}?="


HEADER = f'{_q_word(CYRILLIC, "koi8-r")} <olena@acme.sk>, "Nováková, Jana" <Jana.Novakova@ACME.sk>'


def _config(tmp: Path, url: str) -> Path:
    for sub in ("cur", "new", "tmp"):
        (tmp / "mail" / sub).mkdir(parents=True, exist_ok=True)
    cfg = tmp / "syncd.toml"
    cfg.write_text(
        f'[database]\nurl = "{url}"\n\n'
        '[organisation]\ninternal_domains = ["tatrasoft.sk"]\n\n'
        '[matching]\nblocklist = ["leak@acme.sk"]\n\n'
        '[[connectors]]\nname = "archive"\nkind = "maildir"\npath = "mail"\n',
        encoding="utf-8",
    )
    return cfg


def _run(cfg: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(cfg), *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


@pytest.fixture
def crm(tmp_path: Path, db_url: str) -> tuple[Path, dict[str, int]]:
    """A config with the small CRM imported; the ids of its records by name."""
    cfg = _config(tmp_path, db_url)
    _run(cfg, "init")
    (tmp_path / "companies.csv").write_text(COMPANIES, encoding="utf-8")
    (tmp_path / "contacts.csv").write_text(CONTACTS, encoding="utf-8")
    _run(cfg, "import", "companies", str(tmp_path / "companies.csv"))
    _run(cfg, "import", "contacts", str(tmp_path / "contacts.csv"))
    engine = make_engine(db_url)
    with session_factory(engine)() as s:
        ids = {
            ref: rec.id
            for ref in ("acme.sk", "tatra.sk", "eu.tatra.sk", "bücher.de")
            if (rec := find_company(s, ref)) is not None
        }
        jana = find_contact(s, "jana.novakova@acme.sk")
        assert jana is not None and len(ids) == 4
        ids["jana"] = jana.id
    engine.dispose()
    return cfg, ids


def _explain(cfg: Path, text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = json.loads(_run(cfg, "explain", text, "--json"))
    return out


FLAGS = ("freemail", "internal", "robot", "blocked")


def _flags(v: dict[str, Any]) -> set[str]:
    return {f for f in FLAGS if v[f]}


def test_explain_each_kind_of_address(crm: tuple[Path, dict[str, int]]) -> None:
    cfg, ids = crm
    acme = ids["acme.sk"]

    (v,) = _explain(cfg, "Jana <Jana.Novakova+offers@ACME.sk>")
    assert (v["normalised"], v["registrable_domain"]) == ("jana.novakova@acme.sk", "acme.sk")
    assert (v["contact_id"], v["company_id"], v["reason"]) == (ids["jana"], acme, "contact_address")
    assert _flags(v) == set()
    assert f"is contact #{ids['jana']} (exact address)" in v["explanation"]

    (v,) = _explain(cfg, "peter.kral@acme.sk")
    assert (v["contact_id"], v["company_id"], v["reason"]) == (None, acme, "company_domain")
    assert v["explanation"] == f"acme.sk is a registered domain of company #{acme}"

    # The most specific registered domain wins: eu.tatra.sk belongs to Tatra Trade,
    # even though its parent tatra.sk is Tatra Holding's.
    (v,) = _explain(cfg, "ivan@sales.eu.tatra.sk")
    assert (v["registrable_domain"], v["company_id"], v["reason"]) == (
        "tatra.sk",
        ids["eu.tatra.sk"],
        "company_domain",
    )
    assert "sales.eu.tatra.sk is under eu.tatra.sk" in v["explanation"]
    (v,) = _explain(cfg, "ivan@tatra.sk")
    assert v["company_id"] == ids["tatra.sk"]

    (v,) = _explain(cfg, "Jan.Novak1988@gmail.com")
    assert _flags(v) == {"freemail"} and v["normalised"] == "jannovak1988@gmail.com"
    assert (v["contact_id"], v["company_id"], v["reason"]) == (None, None, None)
    assert "free-mail" in v["explanation"]

    (v,) = _explain(cfg, "peter@obchod.tatrasoft.sk")
    assert _flags(v) == {"internal"} and v["company_id"] is None
    assert "a CRM user, never linked" in v["explanation"]

    (v,) = _explain(cfg, "noreply@acme.sk")
    assert _flags(v) == {"robot"} and v["company_id"] is None and v["reason"] is None

    (v,) = _explain(cfg, "Leak@acme.sk")
    assert _flags(v) == {"blocked"} and v["company_id"] is None
    assert "blocklist" in v["explanation"]

    puny, uni = _explain(cfg, "info@xn--bcher-kva.de")[0], _explain(cfg, "Info@BÜCHER.de")[0]
    for v in (puny, uni):
        assert (v["normalised"], v["registrable_domain"]) == ("info@bücher.de", "bücher.de")
        assert (v["company_id"], v["reason"]) == (ids["bücher.de"], "company_domain")
    assert puny["explanation"] == uni["explanation"]


def test_explain_whole_header_with_rfc2047_name(crm: tuple[Path, dict[str, int]]) -> None:
    cfg, ids = crm
    assert "=?koi8-r?q?" in HEADER.lower()
    olena, jana = _explain(cfg, HEADER)
    assert (olena["address"], olena["reason"], olena["company_id"]) == (
        "olena@acme.sk",
        "company_domain",
        ids["acme.sk"],
    )
    assert (jana["normalised"], jana["contact_id"]) == ("jana.novakova@acme.sk", ids["jana"])
    assert olena["input"] == HEADER

    text = _run(cfg, "explain", HEADER)
    assert text.count("normalised:") == 2
    assert "  normalised:         olena@acme.sk" in text
    assert "  registrable domain: acme.sk" in text
    assert f"  contact / company:  {ids['jana']} / {ids['acme.sk']}" in text
    assert "  reason:             contact_address" in text
    assert "  verdicts:           external" in text


def test_explain_a_header_as_one_message(crm: tuple[Path, dict[str, int]]) -> None:
    """A header of several addresses also gets the engine's verdict on the whole message."""
    cfg, ids = crm
    text = _run(cfg, "explain", "peter@tatrasoft.sk, Jana <jana.novakova@acme.sk>")
    assert "as one message (the first address its sender):" in text
    assert f"  logged, outbound; links: contact #{ids['jana']} (contact_address)" in text
    assert f"company #{ids['acme.sk']} (contact_company)" in text
    text = _run(cfg, "explain", "peter@tatrasoft.sk, zuzana@tatrasoft.sk")
    assert "  not logged: all participants internal" in text
    text = _run(cfg, "explain", "noreply@acme.sk, peter@tatrasoft.sk")
    assert "  not logged: no external participant left" in text
    assert "as one message" not in _run(cfg, "explain", "jana.novakova@acme.sk")


def test_explain_text_shows_verdicts(crm: tuple[Path, dict[str, int]]) -> None:
    cfg, _ = crm
    text = _run(cfg, "explain", "noreply@acme.sk")
    assert "  verdicts:           robot" in text
    assert "  reason:             no link" in text
    assert "  contact / company:  - / -" in text
    text = _run(cfg, "explain", "someone@seznam.cz")
    assert "  verdicts:           freemail" in text


def _message(box: Path, n: int, sender: str) -> None:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = formataddr(("Peter Kráľ", "peter@tatrasoft.sk"))
    m["Subject"] = f"Ponuka {n}"
    m["Date"] = format_datetime(datetime(2026, 10, 1 + n, 9, 0, tzinfo=UTC))
    m["Message-ID"] = f"<explain-{n}@example>"
    m.set_content("Dobrý deň")
    (box / "cur" / f"{n}.host:2,S").write_bytes(bytes(m))


def test_stored_explanation_is_the_explain_sentence(
    crm: tuple[Path, dict[str, int]], db_url: str
) -> None:
    cfg, _ = crm
    senders = [
        "jana.novakova@acme.sk",
        "peter.kral@acme.sk",
        "ivan@sales.eu.tatra.sk",
        "info@xn--bcher-kva.de",
        formataddr((CYRILLIC, "olena@acme.sk"), charset="koi8-r"),
    ]
    for n, sender in enumerate(senders):
        _message(cfg.parent / "mail", n, sender)
    pipeline = Pipeline(load_settings(cfg), make_engine(db_url))
    pipeline.prepare()
    assert pipeline.sync("archive").created == len(senders)
    with session_factory(pipeline.engine)() as s:
        for n, sender in enumerate(senders):
            cid = s.scalar(select(Communication.id).where(Communication.subject == f"Ponuka {n}"))
            stored = s.scalars(
                select(Link.explanation).where(Link.communication_id == cid).order_by(Link.id)
            ).all()
            (verdict,) = _explain(cfg, sender)
            assert stored, sender
            assert "; ".join(e or "" for e in stored) == verdict["explanation"], sender
    pipeline.engine.dispose()
