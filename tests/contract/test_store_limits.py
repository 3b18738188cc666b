"""Values of any length from outside never fail a batch (SQLite and PostgreSQL alike).

PostgreSQL enforces declared lengths (SQLite does not): a long display name,
auto-creation reason, Message-ID or iCalendar value used to fail the whole
batch there. Free text is stored whole; keys are shortened by
:mod:`syncd.store.bounded` without merging distinct items.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from connectors.base import (
    Attachment,
    MailItem,
    MeetingItem,
    Participant,
    Quarantined,
    SourceRef,
)
from matching import MatchPolicy, match_participants
from syncd.errors import ImportRowError
from syncd.store import batches, syncstate
from syncd.store.bounded import (
    ADDRESS,
    DEDUPE_KEY,
    HEADER_KEY,
    REMOTE_ID,
    SCOPE,
    fit,
    fit_address,
    fits,
)
from syncd.store.crm import load_index
from syncd.store.crm_import import import_companies, import_contacts
from syncd.store.models import (
    AttachmentRow,
    Communication,
    Company,
    CompanyDomain,
    Contact,
    ContactEmail,
    IgnoredItem,
    Link,
    ParticipantRow,
    QuarantineRow,
    Source,
    SyncCursor,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
POLICY = MatchPolicy(auto_create="contacts_and_companies")
SHORTENED = re.compile(r"~[0-9a-f]{40}$")

# 64 + 1 + 189 = 254 characters, the longest address SMTP allows; .sk registers
# under the last label, so the company's domain is the 63-character one.
LONG_DOMAIN = f"{'d' * 62}.{'e' * 62}.{'f' * 60}.sk"
LONG_ADDRESS = f"{'a' * 64}@{LONG_DOMAIN}"
LONG_NAME = "Dlhé Meno " * 500  # a 5,000-character display name from a header
LONG_ID = "<" + "x" * 1997 + "@y>"  # a 2,000-character Message-ID
TOO_LONG_ADDRESS = f"{'b' * 2000}@{LONG_DOMAIN}"  # no mailbox is this long; headers may say so
HUGE_DOMAIN_ADDRESS = f"c@{'g' * 300}.sk"  # no domain name is this long


def _apply(
    sessions: sessionmaker[Session],
    connector_id: int,
    items: list[MailItem | MeetingItem],
    *,
    scope: str = "INBOX",
    quarantined: list[Quarantined] | None = None,
    ignored: list[tuple[MailItem | MeetingItem, str]] | None = None,
    gone: list[SourceRef] | None = None,
) -> batches.BatchStats:
    with sessions.begin() as s:
        index = load_index(s, POLICY, ["tatrasoft.sk"])
        planned = [
            batches.Planned(i, match_participants(i.participants, index, POLICY), "full")
            for i in items
        ]
        return batches.apply_batch(
            s,
            connector_id=connector_id,
            scope=scope,
            planned=planned,
            quarantined=quarantined or [],
            gone=gone or [],
            cursor="cur",
            now=NOW,
            ignored=ignored or [],
        )


def _mail(key: str, remote: str, *, message_id: str = LONG_ID, scope: str = "INBOX") -> MailItem:
    return MailItem(
        source=SourceRef("c1", scope, remote),
        dedupe_key=key,
        message_id=message_id,
        subject="Ponuka",
        body_text="Dobrý deň",
        occurred_at=NOW,
        participants=(
            Participant(LONG_ADDRESS, LONG_NAME, "from"),
            Participant("peter@tatrasoft.sk", "Peter", "to"),
            Participant(TOO_LONG_ADDRESS, "Bob", "cc"),
            Participant(HUGE_DOMAIN_ADDRESS, "Cyril", "cc"),
        ),
        thread_key=message_id,
        attachments=(
            Attachment("príloha " * 700 + ".pdf", "application/" + "x" * 2000, 10, "0" * 64),
        ),
    )


def _meeting(uid: str, remote: str) -> MeetingItem:
    return MeetingItem(
        source=SourceRef("c1", "Calendar", remote),
        dedupe_key=f"ev:{uid}|",
        uid=uid,
        recurrence_id=None,
        subject="Rokovanie",
        body_text=None,
        location="Zasadačka " * 200,
        occurred_at=NOW,
        ends_at=NOW + timedelta(hours=1),
        all_day=False,
        tzid="Europe/" + "Z" * 1993,
        status="X-" + "TENTATIVE" * 222,
        participants=(
            Participant("peter@tatrasoft.sk", "Peter", "organizer"),
            Participant("jana@acme.sk", LONG_NAME, "attendee", response="x-" + "maybe" * 400),
        ),
    )


def test_extreme_values_are_stored_whole_or_shortened_as_designed(
    sessions: sessionmaker[Session], crm: dict[str, int]
) -> None:
    stats = _apply(sessions, crm["c1"], [_mail("m:long", "1")])
    assert stats.created == 1
    assert sorted(stats.auto_created) == [f"company {LONG_DOMAIN[126:]}", f"contact {LONG_ADDRESS}"]
    with sessions() as s:
        comm = s.scalars(select(Communication)).one()
        assert comm.message_id == comm.thread_key == fit(LONG_ID, HEADER_KEY)
        assert len(comm.message_id) <= 998 and SHORTENED.search(comm.message_id)
        assert comm.message_id.startswith(LONG_ID[:900])
        people = {p.role: p for p in s.scalars(select(ParticipantRow))}
        assert people["from"].address == LONG_ADDRESS and people["from"].name == LONG_NAME
        cc = {
            p.address for p in s.scalars(select(ParticipantRow).where(ParticipantRow.role == "cc"))
        }
        assert cc == {fit_address(TOO_LONG_ADDRESS), HUGE_DOMAIN_ADDRESS}
        assert fit_address(TOO_LONG_ADDRESS).endswith(f"@{LONG_DOMAIN}")  # the domain survives
        # the 254-character address is auto-created, with its company
        contact = s.scalars(select(Contact).where(Contact.auto_created.is_(True))).one()
        company = s.scalars(select(Company).where(Company.auto_created.is_(True))).one()
        assert contact.name and len(contact.name) > 300
        assert contact.auto_reason and LONG_ADDRESS in contact.auto_reason
        assert len(contact.auto_reason) > 300
        assert company.auto_reason and LONG_DOMAIN[126:] in company.auto_reason
        assert contact.company_id == company.id
        assert s.scalar(select(ContactEmail.email)) == LONG_ADDRESS
        assert s.scalar(select(CompanyDomain.domain)) == LONG_DOMAIN[126:]
        # an address too long for SMTP, or a domain too long for DNS, creates nothing
        assert s.scalar(select(func.count()).select_from(Contact)) == 2  # crm's and the new one
        reasons = {(lk.company_id, lk.contact_id): lk.reason for lk in s.scalars(select(Link))}
        assert reasons == {
            (company.id, None): "auto_created_company",
            (None, contact.id): "auto_created_contact",
        }
        att = s.scalars(select(AttachmentRow)).one()
        assert att.name == "príloha " * 700 + ".pdf"
        assert att.content_type == "application/" + "x" * 2000
    # Replaying the batch writes nothing new: shortened keys are stable.
    assert _apply(sessions, crm["c1"], [_mail("m:long", "1")]).created == 0


def test_meeting_with_extreme_icalendar_values(
    sessions: sessionmaker[Session], crm: dict[str, int]
) -> None:
    uid = "u" * 2000
    stats = _apply(sessions, crm["c1"], [_meeting(uid, "cal.ics#" + uid)], scope="Calendar")
    assert stats.created == 1
    with sessions() as s:
        comm = s.scalars(select(Communication)).one()
        assert comm.location == "Zasadačka " * 200
        assert comm.tzid == "Europe/" + "Z" * 1993
        assert comm.status == "X-" + "TENTATIVE" * 222
        assert comm.dedupe_key == fit(f"ev:{uid}|", DEDUPE_KEY) and len(comm.dedupe_key) <= 600
        assert comm.thread_key == fit(f"ev:{uid}", HEADER_KEY)
        jana = s.scalars(select(ParticipantRow).where(ParticipantRow.role == "attendee")).one()
        assert jana.name == LONG_NAME and jana.response == "x-" + "maybe" * 400
    # the calendar sends the event again, changed: the same item is updated
    changed = replace(_meeting(uid, "cal.ics#" + uid), sequence=1, location="Inde")
    assert _apply(sessions, crm["c1"], [changed], scope="Calendar").updated == 1
    with sessions() as s:
        assert s.scalar(select(Communication.location)) == "Inde"
        assert s.scalar(select(func.count()).select_from(Communication)) == 1


def test_long_keys_that_share_a_head_stay_distinct(
    sessions: sessionmaker[Session], crm: dict[str, int]
) -> None:
    head = "k" * 3000
    items: list[MailItem | MeetingItem] = [
        _mail(head + "1", "r" * 2000 + "1", message_id=LONG_ID + "1"),
        _mail(head + "2", "r" * 2000 + "2", message_id=LONG_ID + "2"),
        _meeting("u" * 2000 + "1", "c" * 2000 + "1"),
        _meeting("u" * 2000 + "2", "c" * 2000 + "2"),
    ]
    assert _apply(sessions, crm["c1"], items).created == 4
    with sessions() as s:
        keys = set(s.scalars(select(Communication.dedupe_key)))
        assert len(keys) == 4 and all(len(k) <= 600 for k in keys)
        assert len(set(s.scalars(select(Communication.message_id)))) == 3  # 2 mails, meetings none
        assert s.scalar(select(func.count()).select_from(Source)) == 4
    assert _apply(sessions, crm["c1"], items).created == 0


def test_long_scope_and_remote_ids_round_trip(
    sessions: sessionmaker[Session], crm: dict[str, int]
) -> None:
    scope = "Archív/" + "Podpriečinok/" * 200  # a 2,607-character folder path
    remote = "cesta/" * 400 + "1.eml"
    bad = "cesta/" * 400 + "2.eml"
    skipped = "cesta/" * 400 + "3.eml"
    noise = _mail("m:noise", skipped, scope=scope)
    _apply(
        sessions,
        crm["c1"],
        [_mail("m:1", remote, scope=scope)],
        scope=scope,
        quarantined=[Quarantined(SourceRef("c1", scope, bad), "x" * 5000, b"raw")],
        ignored=[(noise, "newsletter " * 100)],
    )
    with sessions() as s:
        for model in (Source, QuarantineRow, IgnoredItem):
            stored_scope, stored_id, full = s.execute(
                select(model.scope, model.remote_id, model.remote_id_full)
            ).one()
            assert stored_scope == fit(scope, SCOPE) and len(stored_scope) <= 500
            assert len(stored_id) <= 500 and SHORTENED.search(stored_id)
            assert full in (remote, bad, skipped)
        assert s.scalar(select(IgnoredItem.reason)) == ("newsletter " * 100)[:200]
        # the connector gets back exactly the ids it gave, and the scope's cursor
        assert syncstate.known_remote_ids(s, crm["c1"], scope) == {remote, bad, skipped}
        assert syncstate.load_cursor(s, crm["c1"], scope) == "cur"
    with sessions.begin() as s:
        syncstate.record_scope_error(s, crm["c1"], scope, "boom", NOW)
    with sessions() as s:
        assert s.execute(select(SyncCursor.value, SyncCursor.last_error)).one() == ("cur", "boom")
    # the source goes when the connector reports the id it knows gone
    assert (
        _apply(sessions, crm["c1"], [], scope=scope, gone=[SourceRef("c1", scope, remote)]).gone
        == 1
    )
    with sessions() as s:
        assert s.scalar(select(Source.gone_at)) is not None
        assert syncstate.known_remote_ids(s, crm["c1"], scope) == {bad, skipped}


def test_fit_keeps_what_fits_and_shortens_the_rest() -> None:
    assert fit("m:abc", DEDUPE_KEY) == "m:abc"
    assert fit("é" * 600, DEDUPE_KEY) == "é" * 600  # storable before: kept as it was
    for limit in (DEDUPE_KEY, HEADER_KEY, SCOPE, REMOTE_ID, ADDRESS):
        for value in ("a" * 5000, "€" * 499, "😀" * 3000, "a" * (limit[0] + 1)):
            out = fit(value, limit)
            assert fits(out, limit) and fit(out, limit) == out  # within bounds, stable
            assert out != fit(value + "x", limit)
    assert fit_address("jana@acme.sk") == "jana@acme.sk"
    long = fit_address("ž" * 400 + "@acme.sk")
    assert long.endswith("@acme.sk") and fits(long, ADDRESS)


def test_csv_import_takes_long_text_and_reports_long_keys(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    name, site = "Firma " * 200, "https://acme.sk/" + "p" * 500
    (tmp_path / "companies.csv").write_text(
        f"name,registration_no,website,domains\n{name},123,{site},acme.sk\n", encoding="utf-8"
    )
    position, phone = "Riaditeľ " * 50, "+421 900 000 000 (" + "klapka " * 20 + ")"
    (tmp_path / "contacts.csv").write_text(
        f"name,email,position,phone,company\n{'Jana ' * 100},jana@acme.sk,{position},{phone},123\n",
        encoding="utf-8",
    )
    with sessions.begin() as s:
        import_companies(s, tmp_path / "companies.csv", NOW)
        import_contacts(s, tmp_path / "contacts.csv", NOW)
    with sessions() as s:
        company = s.scalars(select(Company)).one()
        assert (company.name, company.website) == (name.strip(), site)
        contact = s.scalars(select(Contact)).one()
        assert (contact.position, contact.phone) == (position.strip(), phone)
    (tmp_path / "bad.csv").write_text(
        f"name,registration_no,website,domains\nA,{'9' * 41},,\nB,,,{'d' * 260}.sk\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRowError) as err, sessions.begin() as s:
        import_companies(s, tmp_path / "bad.csv", NOW)
    assert [line for line, _ in err.value.problems] == [2, 3]
