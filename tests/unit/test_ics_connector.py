"""IcsConnector: cursor, change detection, safe retraction, batching."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.base import Batch, Connector, Entry, Gone, MeetingItem, Quarantined, ScopeState
from connectors.ics_files import IcsConnector
from syncd.errors import ConfigError, TransientError

NOW = datetime(2024, 11, 1, 12, 0, tzinfo=UTC)  # window 2024-08-03 .. 2025-05-01
_MTIME = 1_700_000_000  # files get explicit old mtimes, bumped on every write


def _cal(*events: str) -> str:
    return (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n" + "".join(events) + "END:VCALENDAR\n"
    )


def _event(uid: str, start: str, summary: str = "Meeting", extra: str = "") -> str:
    return (
        f"BEGIN:VEVENT\nUID:{uid}\nDTSTART:{start}\nDURATION:PT1H\nSUMMARY:{summary}\n"
        f"ATTENDEE;CN=Jana;PARTSTAT=ACCEPTED:mailto:jana@firma.sk\n{extra}END:VEVENT\n"
    )


WEEKLY = _event("weekly", "20241104T090000Z", "Weekly", "RRULE:FREQ=WEEKLY;COUNT=3\n")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    global _MTIME
    _MTIME += 10
    os.utime(path, (_MTIME, _MTIME))


@dataclass
class FakeStore:
    """Just enough of the store: cursor plus the remote ids not yet gone."""

    cursor: str | None = None
    known: set[str] = field(default_factory=set)
    items: dict[str, MeetingItem] = field(default_factory=dict)

    def run(self, connector: Connector, scope: str | None = None) -> list[Batch]:
        scope = scope or connector.scopes()[0]
        batches = list(connector.fetch(scope, ScopeState(self.cursor, frozenset(self.known))))
        for batch in batches:
            for entry in batch.entries:
                if isinstance(entry, MeetingItem):
                    self.known.add(entry.source.remote_id)
                    self.items[entry.dedupe_key] = entry
                elif isinstance(entry, Gone):
                    self.known.discard(entry.source.remote_id)
            self.cursor = batch.cursor
        return batches


def _entries(batches: list[Batch]) -> list[Entry]:
    return [e for b in batches for e in b.entries]


def _connector(path: Path, **kw: object) -> IcsConnector:
    kw.setdefault("now", lambda: NOW)
    return IcsConnector("cal", path, "full", **kw)  # type: ignore[arg-type]


def test_protocol_scope_and_first_run(tmp_path: Path) -> None:
    root = tmp_path / "calendars"
    _write(root / "work.ics", _cal(WEEKLY, _event("single", "20241110T100000Z")))
    _write(root / "sub" / "home.ICS", _cal(_event("home", "20241111T100000Z")))
    _write(root / ".hidden.ics", _cal(_event("hidden", "20241111T100000Z")))
    _write(root / "notes.txt", "not a calendar")
    conn = _connector(root)
    assert isinstance(conn, Connector)
    assert conn.scopes() == ["calendars"]
    assert _connector(root / "work.ics").scopes() == ["work"]
    store = FakeStore()
    entries = _entries(store.run(conn))
    refs = sorted(e.source.remote_id for e in entries if isinstance(e, MeetingItem))
    assert refs == [
        "sub/home.ICS#home|",
        "work.ics#single|",
        "work.ics#weekly|2024-11-04T09:00:00Z",
        "work.ics#weekly|2024-11-11T09:00:00Z",
        "work.ics#weekly|2024-11-18T09:00:00Z",
    ]
    assert all(e.source.scope == "calendars" and e.source.connector == "cal" for e in entries)
    cursor = json.loads(store.cursor or "")
    assert sorted(cursor["files"]) == ["sub/home.ICS", "work.ics"]


def test_unchanged_second_run_yields_nothing(tmp_path: Path) -> None:
    _write(tmp_path / "a.ics", _cal(WEEKLY))
    conn, store = _connector(tmp_path), FakeStore()
    store.run(conn)
    assert store.run(conn) == []
    later = _connector(tmp_path, now=lambda: NOW + timedelta(hours=11))  # same UTC day
    assert store.run(later) == []


def test_touched_but_identical_file_is_not_reparsed(tmp_path: Path) -> None:
    path = tmp_path / "a.ics"
    _write(path, _cal(WEEKLY))
    conn, store = _connector(tmp_path), FakeStore()
    store.run(conn)
    os.utime(path, (_MTIME + 5, _MTIME + 5))
    batches = store.run(conn)
    assert _entries(batches) == [] and len(batches) == 1  # only the cursor moves
    assert store.run(conn) == []


def test_edited_event_updates_same_key(tmp_path: Path) -> None:
    path = tmp_path / "a.ics"
    _write(path, _cal(_event("e1", "20241110T100000Z", "Draft"), _event("e2", "20241111T100000Z")))
    conn, store = _connector(tmp_path), FakeStore()
    store.run(conn)
    _write(
        path,
        _cal(
            _event("e1", "20241110T140000Z", "Final", "SEQUENCE:1\n"),
            _event("e2", "20241111T100000Z"),
        ),
    )
    entries = _entries(store.run(conn))
    assert not [e for e in entries if isinstance(e, Gone)]
    updated = {e.dedupe_key: e for e in entries if isinstance(e, MeetingItem)}
    assert updated["ev:e1|"].subject == "Final"
    assert updated["ev:e1|"].sequence == 1
    assert updated["ev:e1|"].occurred_at == datetime(2024, 11, 10, 14, tzinfo=UTC)
    assert updated["ev:e1|"].source.remote_id == "a.ics#e1|"


def test_removed_event_and_removed_occurrence_are_gone(tmp_path: Path) -> None:
    path = tmp_path / "a.ics"
    _write(path, _cal(WEEKLY, _event("e1", "20241110T100000Z"), _event("e2", "20241111T100000Z")))
    conn, store = _connector(tmp_path), FakeStore()
    store.run(conn)
    weekly = WEEKLY.replace("COUNT=3\n", "COUNT=3\nEXDATE:20241111T090000Z\n")
    _write(path, _cal(weekly, _event("e2", "20241111T100000Z")))
    gone = sorted(e.source.remote_id for e in _entries(store.run(conn)) if isinstance(e, Gone))
    assert gone == ["a.ics#e1|", "a.ics#weekly|2024-11-11T09:00:00Z"]
    assert store.run(conn) == []


def test_never_gone_for_empty_missing_or_unreadable_files(tmp_path: Path) -> None:
    path = tmp_path / "a.ics"
    other = tmp_path / "b.ics"
    _write(path, _cal(WEEKLY, _event("e1", "20241110T100000Z")))
    _write(other, _cal(_event("b1", "20241110T100000Z")))
    conn, store = _connector(tmp_path), FakeStore()
    store.run(conn)
    before = set(store.known)
    for content in ("", _cal(), "garbage\x00\x01", "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:e1\n"):
        _write(path, content)
        assert not [e for e in _entries(store.run(conn)) if isinstance(e, Gone)], content
    other.unlink()
    assert not [e for e in _entries(store.run(conn)) if isinstance(e, Gone)]
    assert store.known == before
    assert "b.ics" not in json.loads(store.cursor or "")["files"]
    _write(path, _cal(WEEKLY, _event("e1", "20241110T100000Z")))  # back again: nothing lost
    assert not [e for e in _entries(store.run(conn)) if isinstance(e, Gone)]


def test_no_gone_for_uid_without_uid_quarantine_or_broken_series(tmp_path: Path) -> None:
    path = tmp_path / "a.ics"
    _write(path, _cal(WEEKLY, _event("e1", "20241110T100000Z")))
    conn, store = _connector(tmp_path), FakeStore()
    store.run(conn)
    broken = WEEKLY.replace("RRULE:FREQ=WEEKLY;COUNT=3", "RRULE:FREQ=SOMETIMES")
    _write(path, _cal(broken, _event("e1", "20241110T100000Z")))
    entries = _entries(store.run(conn))
    assert [e.source.remote_id for e in entries if isinstance(e, Quarantined)] == ["a.ics#weekly"]
    assert not [e for e in entries if isinstance(e, Gone)]
    no_uid = "BEGIN:VEVENT\nDTSTART:20241110T100000Z\nEND:VEVENT\n"
    _write(path, _cal(WEEKLY, no_uid))  # e1 may have lost its UID: prove nothing
    entries = _entries(store.run(conn))
    assert not [e for e in entries if isinstance(e, Gone)]


def test_only_inside_the_window(tmp_path: Path) -> None:
    path = tmp_path / "a.ics"
    _write(
        path,
        _cal(
            _event("old", "20240720T100000Z"),
            _event("soon", "20241110T100000Z"),
            _event("keep", "20241112T100000Z"),
        ),
    )
    early = _connector(tmp_path, now=lambda: datetime(2024, 7, 21, tzinfo=UTC))
    store = FakeStore()
    store.run(early)
    assert "a.ics#old|" in store.known
    # months later the export is trimmed to recent events and "soon" moved far away
    _write(path, _cal(_event("soon", "20260110T100000Z"), _event("keep", "20241112T100000Z")))
    entries = _entries(store.run(_connector(tmp_path)))
    assert not [e for e in entries if isinstance(e, Gone)]
    # a stored occurrence whose RECURRENCE-ID lies outside the window is left alone
    store.known.add("a.ics#weekly|2023-01-02T09:00:00Z")
    _write(path, _cal(_event("keep", "20241112T100000Z")))
    entries = _entries(store.run(_connector(tmp_path)))
    assert not [e for e in entries if isinstance(e, Gone)]


def test_moving_window_adds_only_new_occurrences(tmp_path: Path) -> None:
    endless = _event("endless", "20241104T090000Z", "Endless", "RRULE:FREQ=WEEKLY\n")
    _write(tmp_path / "a.ics", _cal(endless))
    store = FakeStore()
    first = [e for e in _entries(store.run(_connector(tmp_path))) if isinstance(e, MeetingItem)]
    assert max(e.occurred_at for e in first) < datetime(2025, 5, 1, tzinfo=UTC)
    later = _connector(tmp_path, now=lambda: NOW + timedelta(days=14))
    new = [e for e in _entries(store.run(later)) if isinstance(e, MeetingItem)]
    assert [e.recurrence_id for e in new] == ["2025-05-05T09:00:00Z", "2025-05-12T09:00:00Z"]
    assert store.run(later) == []


def test_batches_carry_a_cursor_valid_for_what_they_hold(tmp_path: Path) -> None:
    events = [_event(f"e{i}", f"202411{10 + i:02d}T100000Z") for i in range(5)]
    _write(tmp_path / "a.ics", _cal(*events))
    _write(tmp_path / "b.ics", _cal(_event("b", "20241120T100000Z")))
    conn = _connector(tmp_path, batch_size=2)
    batches = list(conn.fetch(conn.scope, ScopeState(None)))
    assert [len(b.entries) for b in batches] == [2, 2, 2]
    # a crash after the first batch: its cursor must not claim a.ics is done
    assert "a.ics" not in json.loads(batches[0].cursor or "")["files"]
    replay = list(conn.fetch(conn.scope, ScopeState(batches[0].cursor)))
    assert len(_entries(replay)) == 6
    assert sorted(json.loads(batches[-1].cursor or "")["files"]) == ["a.ics", "b.ics"]


def test_corrupt_cursor_means_full_idempotent_rescan(tmp_path: Path) -> None:
    _write(tmp_path / "a.ics", _cal(WEEKLY))
    conn = _connector(tmp_path)
    for cursor in ("not json", '{"v": 99}', '{"v": 1, "files": {"a.ics": {"m": 1}}}'):
        entries = _entries(list(conn.fetch(conn.scope, ScopeState(cursor))))
        assert len([e for e in entries if isinstance(e, MeetingItem)]) == 3


def test_check_previews_and_reports_problems(tmp_path: Path) -> None:
    _write(tmp_path / "a.ics", _cal(WEEKLY, _event("single", "20241110T100000Z")))
    _write(tmp_path / "bad.ics", "garbage")
    result = _connector(tmp_path).check()
    assert result.ok and result.scopes == (tmp_path.name,)
    assert result.preview_items == 4
    assert result.preview_bytes and result.preview_bytes > 0
    assert "1 unreadable" in result.detail
    assert not _connector(tmp_path / "missing").check().ok
    empty = tmp_path / "empty"
    empty.mkdir()
    assert not _connector(empty).check().ok


def test_missing_path_is_transient_and_bad_config_is_reported(tmp_path: Path) -> None:
    conn = _connector(tmp_path / "gone")
    with pytest.raises(TransientError):
        list(conn.fetch(conn.scope, ScopeState(None)))
    with pytest.raises(ConfigError) as info:
        IcsConnector("cal", tmp_path, "everything", default_tz="Mars/Olympus", batch_size=0)  # type: ignore[arg-type]
    assert len(info.value.problems) == 3
