"""The .ics file connector: one file or a directory tree of them, one scope.

Each run stats every file. The cursor remembers, per file, (mtime_ns, size,
sha256), the part of the timeline already expanded and when its single
events started. A file whose stat and content are unchanged costs a stat; one
touched but unchanged costs a read and a hash; one changed is parsed again
whole, which is harmless because occurrence keys are UID + RECURRENCE-ID.
The sync window is whole UTC days, so an unchanged file is re-expanded at most
once a day, and then only for the days that newly entered the window.

Retraction (``Gone``) follows vdirsyncer's StorageEmpty caution: only for a
file that still exists, was read as a calendar with at least one VEVENT and
every VEVENT tied to a UID; only for stored occurrences whose start lies in
the window (the RECURRENCE-ID in the remote id, or the recorded start of a
single event), so an export trimmed to recent months or an event moved out
of the window is never mistaken for a deletion; never for a UID that went to
quarantine or an override that still exists elsewhere in time.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence, Set
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import structlog

from connectors.base import (
    Batch,
    CheckResult,
    Entry,
    Gone,
    MeetingItem,
    ScopeState,
    SourceRef,
    Visibility,
)
from connectors.ical import ParsedCalendar, parse_recurrence_text, read_calendar, split_ref
from connectors.ical.zones import load_zone
from syncd.errors import ConfigError, TransientError

log = structlog.get_logger()

_CURSOR_VERSION = 1
_RACY_NS = 2_000_000_000  # mtimes this close to "now" are not trusted


@dataclass(slots=True)
class _FileState:
    """What the cursor keeps for one file."""

    mtime_ns: int
    size: int
    sha256: str
    covered: tuple[int, int]  # [start, end) of the expanded window, epoch seconds
    singles: dict[str, int] = field(default_factory=dict)  # uid -> start, epoch seconds

    def to_json(self) -> dict[str, object]:
        return {
            "m": self.mtime_ns,
            "s": self.size,
            "h": self.sha256,
            "w": list(self.covered),
            "u": dict(sorted(self.singles.items())),
        }

    @classmethod
    def from_json(cls, data: Any) -> _FileState:
        start, end = data["w"]
        singles = {str(k): int(v) for k, v in (data.get("u") or {}).items()}
        return cls(int(data["m"]), int(data["s"]), str(data["h"]), (int(start), int(end)), singles)


def _load_cursor(cursor: str | None) -> dict[str, _FileState]:
    """Per-file states; an unreadable cursor means a full (idempotent) rescan."""
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
        if data.get("v") != _CURSOR_VERSION:
            return {}
        return {str(k): _FileState.from_json(v) for k, v in data["files"].items()}
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}


def _dump_cursor(files: dict[str, _FileState]) -> str:
    body = {"v": _CURSOR_VERSION, "files": {k: files[k].to_json() for k in sorted(files)}}
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


class IcsConnector:
    """Meetings from a .ics file or a directory of .ics files (recursively)."""

    def __init__(
        self,
        name: str,
        path: str | os.PathLike[str],
        visibility: Visibility,
        *,
        window_past_days: int = 90,
        window_future_days: int = 180,
        now: Callable[[], datetime] | None = None,
        default_tz: str = "UTC",
        batch_size: int = 500,
    ) -> None:
        problems = []
        if visibility not in ("metadata", "subject", "full"):
            problems.append(f"{name}.visibility: expected metadata, subject or full")
        if window_past_days < 0 or window_future_days < 0:
            problems.append(f"{name}.window: days must not be negative")
        if batch_size < 1:
            problems.append(f"{name}.batch_size: must be at least 1")
        try:
            self._zone = load_zone(default_tz)
        except ValueError as exc:
            problems.append(f"{name}.default_tz: {exc}")
        if problems:
            raise ConfigError(problems)
        self.name = name
        self.path = Path(path)
        self.visibility: Visibility = visibility
        self.window_past_days = window_past_days
        self.window_future_days = window_future_days
        self.default_tz = default_tz
        self.batch_size = batch_size
        self._now = now or (lambda: datetime.now(UTC))
        self.scope = (self.path.stem if self.path.suffix else self.path.name) or "calendar"

    def scopes(self) -> list[str]:
        """The single scope, named after the file stem or the directory."""
        return [self.scope]

    def window(self) -> tuple[datetime, datetime]:
        """[today - past days, today + future days + 1) in whole UTC days."""
        now = self._now()
        now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return (
            today - timedelta(days=self.window_past_days),
            today + timedelta(days=self.window_future_days + 1),
        )

    def fetch(self, scope: str, state: ScopeState) -> Iterator[Batch]:
        """Batches of items, quarantines and retractions for changed files."""
        if scope != self.scope:
            raise ValueError(f"{self.name}: unknown scope {scope!r}")
        files = self._files()
        start, end = self.window()
        previous = _load_cursor(state.cursor)
        current = dict(previous)
        known = _known_by_file(state.known_remote_ids, {rel for rel, _ in files})
        buffer: list[Entry] = []
        for rel, path in files:
            result = self._sync_file(
                rel, path, previous.get(rel), known.get(rel, frozenset()), start, end
            )
            if result is None:
                continue
            entries, file_state = result
            for entry in entries:
                if len(buffer) >= self.batch_size:  # flush before, so a file's last
                    yield Batch(self.scope, tuple(buffer), _dump_cursor(current))
                    buffer = []  # entries travel with the cursor that covers them
                buffer.append(entry)
            current[rel] = file_state
        present = {rel for rel, _ in files}
        current = {rel: st for rel, st in current.items() if rel in present}
        cursor = _dump_cursor(current)
        if buffer or cursor != (state.cursor or _dump_cursor({})):
            yield Batch(self.scope, tuple(buffer), cursor)

    def check(self) -> CheckResult:
        """List the files and count the occurrences a first sync would read."""
        try:
            files = self._files()
        except TransientError as exc:
            return CheckResult(False, (), str(exc))
        start, end = self.window()
        items = quarantined = size = 0
        for rel, path in files:
            try:
                data = path.read_bytes()
            except OSError as exc:
                return CheckResult(False, (self.scope,), f"{path}: {exc.strerror or exc}")
            size += len(data)
            for entry in self._parse(rel, data, start, end).entries:
                if isinstance(entry, MeetingItem):
                    items += 1
                else:
                    quarantined += 1
        detail = (
            f"{len(files)} .ics file(s), {items} occurrence(s) in the window"
            f" {start:%Y-%m-%d}..{end:%Y-%m-%d}, {quarantined} unreadable"
        )
        if not files:
            return CheckResult(False, (self.scope,), f"{self.path}: no .ics files found", 0, 0)
        return CheckResult(True, (self.scope,), detail, items, size)

    # -- internals -------------------------------------------------------------

    def _files(self) -> list[tuple[str, Path]]:
        """(remote id, path) of every .ics file, sorted; hidden entries skipped."""
        if self.path.is_file():
            return [(self.path.name, self.path)]
        if not self.path.is_dir():
            raise TransientError(f"{self.path}: not found")
        found: list[tuple[str, Path]] = []
        for dirpath, dirnames, filenames in os.walk(self.path):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for filename in filenames:
                if filename.startswith(".") or not filename.lower().endswith(".ics"):
                    continue
                full = Path(dirpath, filename)
                found.append((full.relative_to(self.path).as_posix(), full))
        return sorted(found)

    def _parse(self, rel: str, data: bytes, start: datetime, end: datetime) -> ParsedCalendar:
        return read_calendar(
            data,
            SourceRef(self.name, self.scope, rel),
            window_start=start,
            window_end=end,
            visibility=self.visibility,
            default_tz=self.default_tz,
        )

    def _sync_file(
        self,
        rel: str,
        path: Path,
        old: _FileState | None,
        known: Set[str],
        start: datetime,
        end: datetime,
    ) -> tuple[list[Entry], _FileState] | None:
        """Entries and new state for one file, or None to leave it as it was."""
        window = (_epoch(start), _epoch(end))
        try:
            stat = path.stat()
            if (
                old is not None
                and (old.mtime_ns, old.size) == (stat.st_mtime_ns, stat.st_size)
                and old.covered[0] <= window[0]
                and old.covered[1] >= window[1]
            ):
                return None
            data = path.read_bytes()
        except OSError as exc:
            log.warning("ics_file_unreadable", connector=self.name, file=rel, error=str(exc))
            return None
        digest = hashlib.sha256(data).hexdigest()
        mtime_ns = stat.st_mtime_ns
        if time.time_ns() - mtime_ns < _RACY_NS:
            # written just now: a same-size rewrite could keep this mtime, so
            # make the next run hash it again (git's "racy clean" rule)
            mtime_ns = 0
        if old is not None and old.sha256 == digest:
            return self._extend(rel, data, old, (mtime_ns, stat.st_size), start, end)
        parsed = self._parse(rel, data, start, end)
        entries: list[Entry] = list(parsed.entries)
        singles = _singles(entries)
        if parsed.complete and parsed.events:
            old_singles = old.singles if old is not None else {}
            entries += self._gone(rel, parsed, entries, known, old_singles, start, end)
        elif old is not None:  # absence proves nothing: keep what we knew
            singles = {**old.singles, **singles}
        state = _FileState(mtime_ns, stat.st_size, digest, window, singles)
        return entries, state

    def _extend(
        self,
        rel: str,
        data: bytes,
        old: _FileState,
        stat: tuple[int, int],
        start: datetime,
        end: datetime,
    ) -> tuple[list[Entry], _FileState]:
        """Same content, wider window: expand only the days not covered yet."""
        covered_start = datetime.fromtimestamp(old.covered[0], UTC)
        covered_end = datetime.fromtimestamp(old.covered[1], UTC)
        spans = []
        if start < covered_start:
            spans.append((start, min(covered_start, end)))
        if end > covered_end:
            spans.append((max(covered_end, start), end))
        entries: list[Entry] = []
        for span_start, span_end in spans:
            parsed = self._parse(rel, data, span_start, span_end)
            entries += [e for e in parsed.entries if isinstance(e, MeetingItem)]
        singles = {u: t for u, t in old.singles.items() if t >= _epoch(start)}
        singles.update(_singles(entries))
        covered = (min(old.covered[0], _epoch(start)), max(old.covered[1], _epoch(end)))
        return entries, _FileState(stat[0], stat[1], old.sha256, covered, singles)

    def _gone(
        self,
        rel: str,
        parsed: ParsedCalendar,
        entries: Sequence[Entry],
        known: Set[str],
        singles: dict[str, int],
        start: datetime,
        end: datetime,
    ) -> list[Entry]:
        """Stored occurrences of this file that it no longer produces."""
        produced = {e.source.remote_id for e in entries if isinstance(e, MeetingItem)}
        gone: list[Entry] = []
        for remote_id in sorted(known):
            parts = split_ref(rel, remote_id)
            if remote_id in produced or parts is None:
                continue
            uid, recurrence_id = parts
            if uid in parsed.quarantined_uids or f"{uid}|{recurrence_id}" in parsed.present:
                continue
            moment = self._instant(recurrence_id, singles.get(uid))
            if moment is not None and start <= moment < end:
                gone.append(Gone(SourceRef(self.name, self.scope, remote_id)))
        return gone

    def _instant(self, recurrence_id: str, single_start: int | None) -> datetime | None:
        if not recurrence_id:
            return None if single_start is None else datetime.fromtimestamp(single_start, UTC)
        value = parse_recurrence_text(recurrence_id)
        if isinstance(value, datetime) or value is None:
            return value
        return datetime.combine(value, datetime.min.time(), self._zone).astimezone(UTC)


def _singles(entries: Sequence[Entry]) -> dict[str, int]:
    return {
        e.uid: _epoch(e.occurred_at)
        for e in entries
        if isinstance(e, MeetingItem) and e.recurrence_id is None
    }


def _known_by_file(known: Set[str], rels: set[str]) -> dict[str, set[str]]:
    """Known remote ids grouped by the file they name (a path may contain '#')."""
    grouped: dict[str, set[str]] = {}
    for remote_id in known:
        cut = remote_id.find("#")
        while cut != -1:
            if remote_id[:cut] in rels:
                grouped.setdefault(remote_id[:cut], set()).add(remote_id)
                break
            cut = remote_id.find("#", cut + 1)
    return grouped


__all__ = ["IcsConnector"]
