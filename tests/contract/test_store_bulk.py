"""Batch writes in bulk: few statements per batch, same results as row by row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Engine, Table, event, select

from connectors.base import MeetingItem, Participant, SourceRef
from syncd.store import batches
from syncd.store.bulk import insert_rows
from syncd.store.models import Communication, Link, ParticipantRow, QuarantineRow, Source
from tests.contract.test_store import NOW, apply, mail, match

_SOURCES = cast(Table, Source.__table__)
_QUARANTINE = cast(Table, QuarantineRow.__table__)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements sent while the block runs (one per executemany)."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, stmt: str, *args: Any) -> None:
        sent.append(" ".join(stmt.split()[:3]).upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def meeting(seq: int = 0, *, subject: str = "Rokovanie", who: str = "jana@acme.sk") -> MeetingItem:
    return MeetingItem(
        source=SourceRef("c1", "cal", "ev1"),
        dedupe_key="ev:uid1|",
        uid="uid1",
        recurrence_id=None,
        subject=subject,
        body_text=None,
        location="Žilina",
        occurred_at=NOW,
        ends_at=NOW + timedelta(hours=1),
        all_day=False,
        tzid="Europe/Bratislava",
        status="confirmed",
        participants=(Participant(who, "Jana", "attendee", "accepted"),),
        sequence=seq,
    )


def test_a_batch_of_new_mail_is_one_insert_per_table(sessions, crm, engine) -> None:
    items = [(mail(f"m{i}", str(i)), match(crm["company"], crm["contact"])) for i in range(120)]
    with statements(engine) as sent:
        stats = apply(sessions, crm["c1"], items)
    assert stats.created == 120
    inserts = [s for s in sent if s.startswith("INSERT")]
    assert sorted(inserts) == [
        "INSERT INTO COMMUNICATIONS",
        "INSERT INTO LINKS",
        "INSERT INTO PARTICIPANTS",
        "INSERT INTO SOURCES",
        "INSERT INTO SYNC_CURSORS",
    ]
    # New items need no lookup (PostgreSQL draws their ids first, see batches._in_lock_order).
    assert not [s for s in sent if s.startswith("SELECT") and "NEXTVAL" not in s]
    with sessions() as s:
        assert len(s.scalars(select(ParticipantRow)).all()) == 240
        assert len(s.scalars(select(Link)).all()) == 240


def test_replayed_batch_costs_a_handful_of_statements(sessions, crm, engine) -> None:
    items = [(mail(f"m{i}", str(i)), match(crm["company"])) for i in range(120)]
    apply(sessions, crm["c1"], items)
    with statements(engine) as sent:
        stats = apply(sessions, crm["c1"], items)
    assert stats.created == 0
    assert len(sent) <= 6, sent  # ids, insert (all skipped), one lookup, sources, cursor


def test_stored_datetimes_read_back_equal_through_the_orm(sessions, crm) -> None:
    when = datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC)
    apply(sessions, crm["c1"], [(mail("m1", "1", when=when), match(crm["company"]))])
    with sessions() as s:
        comm = s.scalars(select(Communication)).one()
        assert comm.occurred_at == when and comm.occurred_at.tzinfo is not None
        assert comm.created_at == NOW
        # SQLAlchemy's own filters on the column match what the bulk path wrote
        assert s.scalar(select(Communication.id).where(Communication.occurred_at == when))


def test_insert_rows_conflicts_behave_like_row_by_row(sessions, crm) -> None:
    base = {"connector_id": crm["c1"], "scope": "INBOX", "reason": "r", "created_at": NOW}
    with sessions.begin() as s:
        rows = [
            {**base, "remote_id": "1", "raw": b"first"},
            {**base, "remote_id": "1", "raw": b"\x00second"},
            {**base, "remote_id": "2", "raw": b"other"},
        ]
        insert_rows(s, _QUARANTINE, rows, conflict=["connector_id", "scope", "remote_id"])
        got = dict(s.execute(select(QuarantineRow.remote_id, QuarantineRow.raw)).all())
        assert got == {"1": b"first", "2": b"other"}  # DO NOTHING: the first wins
        insert_rows(
            s,
            _QUARANTINE,
            rows,
            conflict=["connector_id", "scope", "remote_id"],
            update=["raw"],
        )
        got = dict(s.execute(select(QuarantineRow.remote_id, QuarantineRow.raw)).all())
        assert got == {"1": b"\x00second", "2": b"other"}  # DO UPDATE: the last wins


def test_insert_rows_returns_only_rows_it_wrote(sessions, crm) -> None:
    apply(sessions, crm["c1"], [(mail("m1", "1"), match(crm["company"]))])
    with sessions.begin() as s:
        stored = s.scalar(select(Communication.id))
        row = batches._comm_row(batches.Planned(mail("m1", "9"), match(), "full"), NOW)
        new = {**row, "dedupe_key": "m2"}
        got = insert_rows(
            s,
            Communication.__table__,
            [row, new],
            conflict=["dedupe_key"],
            returning=["dedupe_key", "id"],
        )
        assert [k for k, _ in got] == ["m2"]
        assert got[0][1] != stored


def test_unchanged_meeting_is_not_rewritten_but_still_counts(sessions, crm) -> None:
    apply(sessions, crm["c1"], [(meeting(), match(crm["company"]))])
    with sessions.begin() as s:  # a person links it to the contact by hand
        cid = s.scalar(select(Communication.id))
        s.add(Link(communication_id=cid, contact_id=crm["contact"], reason="manual", manual=True))
    later = NOW + timedelta(days=1)
    with sessions.begin() as s:
        stats = batches.apply_batch(
            s,
            connector_id=crm["c1"],
            scope="cal",
            planned=[batches.Planned(meeting(), match(crm["company"]), "full")],
            quarantined=[],
            gone=[],
            cursor="c",
            now=later,
        )
    assert stats.updated == 1
    with sessions() as s:
        comm = s.scalars(select(Communication)).one()
        assert comm.updated_at == NOW  # nothing changed, nothing written
        assert {(lk.reason, lk.manual) for lk in s.scalars(select(Link))} == {
            ("company_domain", False),
            ("manual", True),
        }


def test_changed_meeting_updates_row_participants_and_links(sessions, crm) -> None:
    apply(sessions, crm["c1"], [(meeting(), match(crm["company"]))])
    later = NOW + timedelta(days=1)
    with sessions.begin() as s:
        stats = batches.apply_batch(
            s,
            connector_id=crm["c1"],
            scope="cal",
            planned=[
                batches.Planned(
                    meeting(1, subject="Presunuté", who="peter@acme.sk"),
                    match(contact_id=crm["contact"]),
                    "full",
                )
            ],
            quarantined=[],
            gone=[],
            cursor="c",
            now=later,
        )
    assert stats.updated == 1
    with sessions() as s:
        comm = s.scalars(select(Communication)).one()
        assert (comm.subject, comm.sequence, comm.updated_at) == ("Presunuté", 1, later)
        assert [p.address for p in s.scalars(select(ParticipantRow))] == ["peter@acme.sk"]
        assert [(lk.company_id, lk.contact_id) for lk in s.scalars(select(Link))] == [
            (None, crm["contact"])
        ]


def test_copy_with_more_visibility_fills_in_subject_and_body(sessions, crm) -> None:
    def store(connector: str, remote: str, visibility: str) -> None:
        item = replace(mail("m1", remote), source=SourceRef(connector, "INBOX", remote))
        with sessions.begin() as s:
            batches.apply_batch(
                s,
                connector_id=crm[connector],
                scope="INBOX",
                planned=[batches.Planned(item, match(crm["company"]), visibility)],
                quarantined=[],
                gone=[],
                cursor=None,
                now=NOW,
            )

    def stored() -> tuple[str | None, str | None, str]:
        with sessions() as s:
            c = s.scalars(select(Communication)).one()
            return c.subject, c.body, c.visibility

    store("c1", "1", "metadata")
    assert stored() == (None, None, "metadata")
    store("c2", "7", "full")
    assert stored() == ("Cenová ponuka", "Dobrý deň, posielame ponuku.", "full")
    store("c1", "1", "subject")  # a narrower copy never hides what is known
    assert stored() == ("Cenová ponuka", "Dobrý deň, posielame ponuku.", "full")
    with sessions() as s:
        assert len(s.scalars(select(Source)).all()) == 2


def test_remote_id_reused_in_one_batch_points_at_the_last_item(sessions, crm) -> None:
    apply(
        sessions,
        crm["c1"],
        [(mail("m1", "5"), match(crm["company"])), (mail("m2", "5"), match(crm["company"]))],
    )
    with sessions() as s:
        source = s.scalars(select(Source)).one()
        m2 = s.scalar(select(Communication.id).where(Communication.dedupe_key == "m2"))
        assert source.communication_id == m2
