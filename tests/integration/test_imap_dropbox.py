"""Dropbox mode end to end: forwards in a shared mailbox become the originals on the timeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.conftest import (
    ImapUser,
    imap_connector,
    make_pipeline,
    query,
    seed_crm,
    settings_for,
)

pytestmark = pytest.mark.integration
DATA = Path(__file__).resolve().parents[1] / "data" / "mail"


def test_dropbox_logs_originals_and_refuses_outsiders(
    imap_user: ImapUser, tmp_path: Path, db_url: str
) -> None:
    seed_crm(db_url, ("acme.sk", "firma.pl", "stroje.cz"))
    names = [
        "forward_gmail_en.eml",
        "forward_outlook_en_html_only.eml",
        "forward_thunderbird_cs_iso8859_2.eml",
        "forward_attached_rfc822.eml",
        "dropbox_bcc_outbound.eml",
        "dropbox_external_sender.eml",
    ]
    for name in names:
        imap_user.append("INBOX", (DATA / name).read_bytes())
    cfg = imap_connector(imap_user, name="crm-dropbox", mode="dropbox", since=None)
    pipeline = make_pipeline(settings_for(tmp_path, db_url, [cfg]), db_url)
    report = pipeline.sync("crm-dropbox")
    assert report.status == "ok", report.error
    assert report.created == 5 and report.quarantined == 1

    senders = query(
        db_url,
        """SELECT c.subject, p.address FROM communications c
           JOIN participants p ON p.communication_id = c.id AND p.role = 'from'
           ORDER BY c.subject""",
    )
    assert senders == [
        ("Cenova ponuka", "peter@tatrasoft.sk"),
        ("Ponuka na servis 2025", "jan.novak@acme.sk"),
        ("Poptávka školení", "jan.dvorak@stroje.cz"),
        ("Reklamácia", "jan.novak@acme.sk"),
        ("Zapytanie ofertowe", "jan.kowalski@firma.pl"),
    ]
    on_behalf = query(db_url, "SELECT DISTINCT address FROM participants WHERE role = 'sender'")
    assert sorted(a for (a,) in on_behalf) == ["peter@tatrasoft.sk", "petr@tatrasoft.sk"]
    directions = dict(query(db_url, "SELECT subject, direction FROM communications"))
    assert directions["Ponuka na servis 2025"] == "inbound"
    assert directions["Cenova ponuka"] == "outbound"
    (reason,) = query(db_url, "SELECT reason FROM quarantine")[0]
    assert reason == "dropbox: sender offers@cheap-leads.example is not internal"
    links = query(db_url, "SELECT count(*) FROM links")[0][0]
    assert links >= 5
