"""The store's contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors.base import MailItem, MeetingItem, Participant, Quarantined, SourceRef
from matching import LinkDecision, MatchResult
from syncd.errors import ImportRowError
from syncd.store import batches, syncstate
from syncd.store.crm_import import import_companies, import_contacts
from syncd.store.db import session_factory
from syncd.store.models import (
    Communication,
    Company,
    Contact,
    Link,
    ParticipantRow,
    QuarantineRow,
    Source,
    SyncCursor,
)
from syncd.store.queries import connector_status, timeline

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def mail(
    key: str,
    remote: str,
    *,
    connector: str = "c1",
    scope: str = "INBOX",
    when: datetime = NOW,
    subject: str = "Cenová ponuka",
) -> MailItem:
    return MailItem(
        source=SourceRef(connector, scope, remote),
        dedupe_key=key,
        message_id=f"{key}@example.sk",
        subject=subject,
        body_text="Dobrý deň, posielame ponuku.",
        occurred_at=when,
        participants=(
            Participant("jana@acme.sk", "Jana Nováková", "from"),
            Participant("peter@tatrasoft.sk", "Peter", "to"),
        ),
        thread_key=f"{key}@example.sk",
    )


def match(company_id: int | None = None, contact_id: int | None = None) -> MatchResult:
    links = []
    if contact_id:
        links.append(LinkDecision(None, contact_id, "contact_address", "jana@acme.sk", "exact"))
    if company_id:
        links.append(LinkDecision(company_id, None, "company_domain", "jana@acme.sk", "domain"))
    return MatchResult(tuple(links), "inbound", True, None, (), ())


def apply(sessions, connector_id: int, items, *, cursor: str = "cur", quarantined=(), gone=()):  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        return batches.apply_batch(
            s,
            connector_id=connector_id,
            scope="INBOX",
            planned=[batches.Planned(i, m, "full") for i, m in items],
            quarantined=list(quarantined),
            gone=list(gone),
            cursor=cursor,
            now=NOW,
        )


def count(s: Session, model) -> int:  # type: ignore[no-untyped-def]
    return s.scalar(select(func.count()).select_from(model))


def test_batch_writes_item_links_participants_source_and_cursor(sessions, crm) -> None:  # type: ignore[no-untyped-def]
    stats = apply(sessions, crm["c1"], [(mail("m1", "1"), match(crm["company"], crm["contact"]))])
    assert stats.created == 1
    with sessions() as s:
        assert count(s, Communication) == 1
        assert count(s, ParticipantRow) == 2
        assert {r.reason for r in s.scalars(select(Link))} == {"contact_address", "company_domain"}
        assert s.scalar(select(Source.remote_id)) == "1"
        assert syncstate.load_cursor(s, crm["c1"], "INBOX") == "cur"
        items = timeline(s, company_id=crm["company"])
    assert items[0]["subject"] == "Cenová ponuka"
    assert items[0]["sources"] == [
        {"connector": "c1", "scope": "INBOX", "remote_id": "1", "gone": False}
    ]


def test_replaying_a_batch_writes_no_duplicate(sessions, crm) -> None:  # type: ignore[no-untyped-def]
    batch = [(mail("m1", "1"), match(crm["company"])), (mail("m2", "2"), match(crm["company"]))]
    apply(sessions, crm["c1"], batch)
    stats = apply(sessions, crm["c1"], batch)
    assert stats.created == 0
    with sessions() as s:
        assert count(s, Communication) == 2
        assert count(s, Source) == 2
        assert count(s, Link) == 2


def test_same_message_in_two_mailboxes_is_one_item_with_two_sources(sessions, crm) -> None:  # type: ignore[no-untyped-def]
    apply(sessions, crm["c1"], [(mail("m1", "1"), match(crm["company"]))])
    apply(sessions, crm["c2"], [(mail("m1", "77", connector="c2"), match(crm["company"]))])
    with sessions() as s:
        assert count(s, Communication) == 1
        assert count(s, Source) == 2
        items = timeline(s, company_id=crm["company"])
    assert {x["connector"] for x in items[0]["sources"]} == {"c1", "c2"}


def test_duplicate_key_inside_one_batch(sessions, crm) -> None:  # type: ignore[no-untyped-def]
    stats = apply(
        sessions,
        crm["c1"],
        [(mail("m1", "1"), match(crm["company"])), (mail("m1", "2"), match(crm["company"]))],
    )
    assert stats.created == 1
    with sessions() as s:
        assert count(s, Communication) == 1
        assert count(s, Source) == 2


def test_failed_transaction_keeps_neither_items_nor_cursor(sessions, crm) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError), sessions.begin() as s:
        batches.apply_batch(
            s,
            connector_id=crm["c1"],
            scope="INBOX",
            planned=[batches.Planned(mail("m1", "1"), match(crm["company"]), "full")],
            quarantined=[],
            gone=[],
            cursor="moved",
            now=NOW,
        )
        raise RuntimeError("crash before commit")
    with sessions() as s:
        assert count(s, Communication) == 0
        assert syncstate.load_cursor(s, crm["c1"], "INBOX") is None


def test_quarantine_keeps_raw_bytes_and_reason(sessions, crm) -> None:  # type: ignore[no-untyped-def]
    raw = b"\x00\xffnot a message"
    q = Quarantined(SourceRef("c1", "INBOX", "9"), "no header block", raw)
    apply(sessions, crm["c1"], [], quarantined=[q])
    apply(sessions, crm["c1"], [], quarantined=[q])  # idempotent
    with sessions() as s:
        row = s.scalars(select(QuarantineRow)).one()
        assert (row.reason, row.raw) == ("no header block", raw)
        assert connector_status(s)[0]["quarantined"] == 1


def test_gone_marks_source_but_keeps_history(sessions, crm) -> None:  # type: ignore[no-untyped-def]
    apply(sessions, crm["c1"], [(mail("m1", "1"), match(crm["company"]))])
    stats = apply(sessions, crm["c1"], [], gone=[SourceRef("c1", "INBOX", "1")])
    assert stats.gone == 1
    with sessions() as s:
        assert s.scalar(select(Source.gone_at)) is not None
        assert timeline(s, company_id=crm["company"])[0]["sources"][0]["gone"] is True


def test_meeting_update_changes_same_item_and_vanished_meeting_is_cancelled(sessions, crm) -> None:  # type: ignore[no-untyped-def]
    def meeting(seq: int, start: datetime) -> MeetingItem:
        return MeetingItem(
            source=SourceRef("c1", "INBOX", "ev1"),
            dedupe_key="ev:uid1|",
            uid="uid1",
            recurrence_id=None,
            subject=f"Rokovanie v{seq}",
            body_text=None,
            location="Žilina",
            occurred_at=start,
            ends_at=start + timedelta(hours=1),
            all_day=False,
            tzid="Europe/Bratislava",
            status="confirmed",
            participants=(Participant("jana@acme.sk", "Jana", "attendee", "accepted"),),
            sequence=seq,
        )

    apply(sessions, crm["c1"], [(meeting(0, NOW), match(crm["company"]))])
    stats = apply(
        sessions, crm["c1"], [(meeting(1, NOW + timedelta(hours=2)), match(crm["company"]))]
    )
    assert stats.updated == 1
    apply(sessions, crm["c1"], [(meeting(0, NOW), match(crm["company"]))])  # stale copy ignored
    with sessions() as s:
        comm = s.scalars(select(Communication)).one()
        assert (comm.subject, comm.sequence) == ("Rokovanie v1", 1)
        assert comm.occurred_at == NOW + timedelta(hours=2)
    apply(sessions, crm["c1"], [], gone=[SourceRef("c1", "INBOX", "ev1")])
    with sessions() as s:
        assert s.scalars(select(Communication)).one().status == "cancelled"


def test_visibility_metadata_hides_subject_and_body(sessions, crm) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        batches.apply_batch(
            s,
            connector_id=crm["c1"],
            scope="INBOX",
            planned=[batches.Planned(mail("m1", "1"), match(crm["company"]), "metadata")],
            quarantined=[],
            gone=[],
            cursor=None,
            now=NOW,
        )
    with sessions() as s:
        comm = s.scalars(select(Communication)).one()
        assert (comm.subject, comm.body, comm.visibility) == (None, None, "metadata")


@pytest.mark.postgres
def test_two_daemons_racing_on_one_message_make_one_item(pg_database) -> None:  # type: ignore[no-untyped-def]
    from syncd.store.migrate import upgrade
    from tests.conftest import _fresh_pg

    engine = _fresh_pg(pg_database)
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions.begin() as s:
        ids = [syncstate.ensure_connector(s, f"c{i}", "maildir", "h") for i in range(2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            items = [mail(f"k{n}", f"{i}-{n}", connector=f"c{i}") for n in range(50)]
            with sessions.begin() as s:
                barrier.wait()
                batches.apply_batch(
                    s,
                    connector_id=ids[i],
                    scope="INBOX",
                    planned=[batches.Planned(it, match(), "full") for it in items],
                    quarantined=[],
                    gone=[],
                    cursor="x",
                    now=NOW,
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    with sessions() as s:
        assert count(s, Communication) == 50
        assert count(s, Source) == 100
    engine.dispose()


def test_lease_splits_connectors_between_daemons(sessions, crm) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        assert syncstate.try_lease(s, crm["c1"], "daemon-a", NOW, timedelta(minutes=5))
        assert not syncstate.try_lease(s, crm["c1"], "daemon-b", NOW, timedelta(minutes=5))
        assert syncstate.try_lease(s, crm["c1"], "daemon-a", NOW, timedelta(minutes=5))  # renew
        # an expired lease (crashed owner) can be taken over
        later = NOW + timedelta(minutes=6)
        assert syncstate.try_lease(s, crm["c1"], "daemon-b", later, timedelta(minutes=5))


def test_cursor_is_one_per_connector_scope(sessions, crm) -> None:  # type: ignore[no-untyped-def]
    apply(sessions, crm["c1"], [], cursor="a")
    apply(sessions, crm["c1"], [], cursor="b")
    with sessions() as s:
        assert count(s, SyncCursor) == 1
        assert syncstate.load_cursor(s, crm["c1"], "INBOX") == "b"


# --- CSV import -------------------------------------------------------------


def test_import_companies_and_contacts(sessions, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    companies = tmp_path / "companies.csv"
    companies.write_text(
        "name,registration_no,website,domains\n"
        "ACME s.r.o.,12345678,https://acme.sk,acme.sk;acme.cz\n"
        "ТОВ Ромашка,87654321,,xn--80aswg.xn--j1amh\n",
        encoding="utf-8",
    )
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "name,email,position,phone,company\n"
        "Jana Nováková,Jana@ACME.sk;jana.novakova@gmail.com,CEO,+421 900 000 000,12345678\n"
        "Олена Шевченко,olena@сайт.укр,,,ТОВ Ромашка\n",
        encoding="utf-8",
    )
    with sessions.begin() as s:
        assert import_companies(s, companies, NOW).created == 2
        assert import_contacts(s, contacts, NOW).created == 2
    with sessions.begin() as s:  # re-import updates in place
        assert import_companies(s, companies, NOW).updated == 2
        assert import_contacts(s, contacts, NOW).updated == 2
    with sessions() as s:
        assert count(s, Company) == 2
        assert count(s, Contact) == 2
        from syncd.store.models import CompanyDomain, ContactEmail

        assert set(s.scalars(select(CompanyDomain.domain))) == {"acme.sk", "acme.cz", "сайт.укр"}
        assert "jana@acme.sk" in set(s.scalars(select(ContactEmail.email)))


def test_invalid_row_is_reported_with_line_and_nothing_written(sessions, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    companies = tmp_path / "companies.csv"
    companies.write_text(
        "name,registration_no,website,domains\n"
        "Good s.r.o.,1,,good.sk\n"
        ",2,,empty-name.sk\n"
        "Bad Domain a.s.,3,,not a domain\n"
        "Twice s.r.o.,4,,good.sk\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRowError) as err, sessions.begin() as s:
        import_companies(s, companies, NOW)
    lines = [line for line, _ in err.value.problems]
    assert lines == [3, 4, 5]
    assert "also listed on line 2" in err.value.problems[2][1]
    with sessions() as s:
        assert count(s, Company) == 0


def test_migrations_match_the_models(engine) -> None:  # type: ignore[no-untyped-def]
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from syncd.store.models import Base

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models changed without a migration: {diff}"
