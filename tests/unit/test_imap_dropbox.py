"""Dropbox mode on real forward payloads (tests/data/mail/forward_*.eml, make_forwards.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from connectors.base import MailItem, Quarantined, SourceRef
from connectors.imap.dropbox import dropbox_entry
from connectors.imap.forwarded import addresses, find_forward, parse_loose_date
from connectors.mailparse import parse_message

DATA = Path(__file__).resolve().parents[1] / "data" / "mail"
SRC = SourceRef("dropbox", "INBOX", "1:1")
INTERNAL = ("tatrasoft.sk",)


def _entry(name: str) -> MailItem | Quarantined:
    return dropbox_entry((DATA / name).read_bytes(), SRC, "full", INTERNAL)


def _people(item: MailItem, role: str) -> list[str]:
    return [p.address for p in item.participants if p.role == role]


@pytest.mark.parametrize(
    ("name", "sender", "sender_name", "when", "subject", "to", "cc", "forwarder", "snippet"),
    [
        (
            "forward_gmail_en.eml", "jan.novak@acme.sk", "Ján Novák",
            datetime(2025, 1, 6, 9, 15, tzinfo=UTC), "Ponuka na servis 2025",
            ["peter@tatrasoft.sk"], ["eva.mala@acme.sk", "nakup@acme.sk"],
            "peter@tatrasoft.sk", "servisnú zmluvu",
        ),
        (
            "forward_outlook_sk_windows1250.eml", "jan.novak@acme.sk", "Novák, Ján",
            datetime(2025, 1, 6, 14, 5, tzinfo=UTC), "RE: Objednávka č. 42",
            ["peter@tatrasoft.sk"], ["eva.mala@acme.sk", "stefan.kovac@acme.sk"],
            "peter@tatrasoft.sk", "objednávku č. 42 potvrdzujem",
        ),
        (
            "forward_outlook_en_html_only.eml", "jan.kowalski@firma.pl", "Jan Kowalski",
            datetime(2025, 1, 7, 14, 45, tzinfo=UTC), "Zapytanie ofertowe",
            ["peter@tatrasoft.sk"], [], "peter@tatrasoft.sk", "20 licencji",
        ),
        (
            "forward_thunderbird_cs_iso8859_2.eml", "jan.dvorak@stroje.cz", "Jan Dvořák",
            datetime(2025, 1, 8, 8, 30, 12, tzinfo=UTC), "Poptávka školení",
            ["petr@tatrasoft.sk"], [], "petr@tatrasoft.sk", "školení pro 5 lidí",
        ),
        (
            "forward_apple_mail_pl.eml", "anna@handel.pl", "Anna Wiśniewska",
            datetime(2025, 1, 9, 10, 20, 45, tzinfo=UTC), "Umowa serwisowa",
            ["piotr@tatrasoft.sk"], [], "piotr@tatrasoft.sk", "uwagi do umowy",
        ),
        (
            "forward_seznam_cs.eml", "karel.svoboda@seznam.cz", "Karel Svoboda",
            datetime(2025, 1, 10, 7, 5, 33, tzinfo=UTC), "Dotaz na cenu",
            ["petr@tatrasoft.sk"], [], "petr@tatrasoft.sk", "kolik stojí licence",
        ),
        (
            "forward_gmail_ru_koi8r.eml", "ivan.petrov@zavod.ru", "Иван Петров",
            datetime(2025, 1, 13, 15, 40, tzinfo=UTC), "Счёт на оплату",
            ["peter@tatrasoft.sk"], [], "peter@tatrasoft.sk", "Направляю счёт",
        ),
        (
            "forward_outlook_uk.eml", "olena@torg.com.ua", "Олена Коваленко",
            datetime(2025, 1, 14, 10, 0, tzinfo=UTC), "Пропозиція співпраці",
            ["peter@tatrasoft.sk"], [], "peter@tatrasoft.sk", "Пропонуємо співпрацю",
        ),
    ],
)  # fmt: skip
def test_inline_forwards_log_the_original(
    name: str,
    sender: str,
    sender_name: str,
    when: datetime,
    subject: str,
    to: list[str],
    cc: list[str],
    forwarder: str,
    snippet: str,
) -> None:
    item = _entry(name)
    assert isinstance(item, MailItem), item
    assert _people(item, "from") == [sender]
    assert next(p.name for p in item.participants if p.role == "from") == sender_name
    assert item.occurred_at == when
    assert item.subject == subject
    assert _people(item, "to") == to
    assert _people(item, "cc") == cc
    assert _people(item, "sender") == [forwarder]  # logged on behalf of the sales person
    assert snippet in (item.body_text or "")
    assert "Forwarded" not in (item.body_text or "") and "CRM" not in (item.body_text or "")
    assert item.dedupe_key.startswith("f:") and item.message_id is None
    again = _entry(name)
    assert isinstance(again, MailItem) and again.dedupe_key == item.dedupe_key  # stable


def test_forward_as_attachment_keeps_the_original_identity() -> None:
    raw = (DATA / "forward_attached_rfc822.eml").read_bytes()
    item = dropbox_entry(raw, SRC, "subject", INTERNAL)
    assert isinstance(item, MailItem)
    assert item.message_id == "reklamacia-77@acme.sk"
    assert item.subject == "Reklamácia"
    assert _people(item, "from") == ["jan.novak@acme.sk"]
    assert _people(item, "sender") == ["peter@tatrasoft.sk"]
    inner = raw.split(b'filename="Reklamacia.eml"\r\n\r\n', 1)[1].split(b"\r\n--------", 1)[0]
    original = parse_message(inner, SRC, "subject")
    assert isinstance(original, MailItem)
    assert item.dedupe_key == original.dedupe_key  # merges with the mailbox copy
    assert item.occurred_at == datetime(2025, 1, 16, 12, 14, 15, tzinfo=UTC)


def test_bcc_to_the_dropbox_logs_the_message_itself() -> None:
    raw = (DATA / "dropbox_bcc_outbound.eml").read_bytes()
    item = dropbox_entry(raw, SRC, "full", INTERNAL)
    own = parse_message(raw, SRC, "full")
    assert isinstance(item, MailItem) and isinstance(own, MailItem)
    assert item.dedupe_key == own.dedupe_key
    assert _people(item, "to") == ["jan.novak@acme.sk"]


def test_external_sender_is_refused() -> None:
    raw = (DATA / "dropbox_external_sender.eml").read_bytes()
    entry = dropbox_entry(raw, SRC, "full", INTERNAL)
    assert isinstance(entry, Quarantined)
    assert entry.reason == "dropbox: sender offers@cheap-leads.example is not internal"
    assert entry.raw == raw


def test_subdomains_of_internal_domains_are_internal() -> None:
    raw = (
        (DATA / "dropbox_bcc_outbound.eml")
        .read_bytes()
        .replace(b"peter@tatrasoft.sk", b"peter@sales.tatrasoft.sk")
    )
    assert isinstance(dropbox_entry(raw, SRC, "full", INTERNAL), MailItem)
    assert isinstance(dropbox_entry(raw, SRC, "full", ("other.sk",)), Quarantined)


CET = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon, Jan 6, 2025 at 10:15 AM", datetime(2025, 1, 6, 10, 15, tzinfo=CET)),
        ("Mon, Jan 6, 2025 at 3:15 PM", datetime(2025, 1, 6, 15, 15, tzinfo=CET)),
        ("Monday, January 6, 2025 12:05 AM", datetime(2025, 1, 6, 0, 5, tzinfo=CET)),
        ("pondelok 6. januára 2025 14:05", datetime(2025, 1, 6, 14, 5, tzinfo=CET)),
        ("po 6. 1. 2025 o 10:15", datetime(2025, 1, 6, 10, 15, tzinfo=CET)),
        ("pondělí 6. července 2025 8:00", datetime(2025, 7, 6, 8, 0, tzinfo=CET)),
        ("st 2. června 2025 v 9:10", datetime(2025, 6, 2, 9, 10, tzinfo=CET)),
        ("poniedziałek, 6 stycznia 2025 10:15", datetime(2025, 1, 6, 10, 15, tzinfo=CET)),
        ("pon., 6 sty 2025 o 10:15", datetime(2025, 1, 6, 10, 15, tzinfo=CET)),
        ("понедельник, 6 января 2025 г. 10:15", datetime(2025, 1, 6, 10, 15, tzinfo=CET)),
        ("пн, 6 мая 2025 г. в 10:15", datetime(2025, 5, 6, 10, 15, tzinfo=CET)),
        ("вівторок, 14 січня 2025 р. 12:00", datetime(2025, 1, 14, 12, 0, tzinfo=CET)),
        ("10. 1. 2025 8:05:33", datetime(2025, 1, 10, 8, 5, 33, tzinfo=CET)),
        ("2025-01-06 10:15", datetime(2025, 1, 6, 10, 15, tzinfo=CET)),
        ("1/6/2025 10:15 AM", datetime(2025, 1, 6, 10, 15, tzinfo=CET)),
        ("Wed, 8 Jan 2025 09:30:12 +0100", datetime(2025, 1, 8, 9, 30, 12, tzinfo=CET)),
        ("Wed, 8 Jan 2025 09:30:12 -0500", datetime(2025, 1, 8, 14, 30, 12, tzinfo=UTC)),
        ("6 January 2025 at 10:15:00 GMT+2", datetime(2025, 1, 6, 8, 15, tzinfo=UTC)),
        ("no date here", None),
    ],
)
def test_loose_dates(text: str, expected: datetime | None) -> None:
    assert parse_loose_date(text, CET) == expected


def test_addresses_in_forwarded_fields() -> None:
    assert addresses("Novák, Ján <jan@acme.sk>; Eva [mailto:eva@acme.sk], x@y.sk") == (
        ("Novák, Ján", "jan@acme.sk"),
        ("Eva", "eva@acme.sk"),
        (None, "x@y.sk"),
    )
    assert addresses("jan@acme.sk [mailto:jan@acme.sk]") == ((None, "jan@acme.sk"),)
    assert addresses("'Ján Novák' <Jan@Acme.sk>") == (("Ján Novák", "jan@acme.sk"),)


def test_no_forward_block_in_ordinary_text() -> None:
    assert find_forward("Dobrý deň,\nFrom: the team\nthanks") is None
    assert find_forward("Od: Jan\nbez dátumu a predmetu") is None
