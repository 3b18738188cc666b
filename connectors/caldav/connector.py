"""The CalDAV connector: calendars found by discovery, one scope per calendar.

A scope is the calendar collection's canonical URL path (``/alice/work/``):
stable when the calendar is renamed, unique across a server. Discovery runs on
the first ``scopes()`` and again after ``rediscover_seconds`` or when a
calendar disappears; the registry keeps one connector per configuration, so a
poll of an unchanged calendar is one request (a sync-collection REPORT, or a
getctag PROPFIND in ctag mode).

Per poll and calendar (``fetch``): read the changes (``sync``), parse changed
resources over the window and retract what they lost, retract removed
resources (``occurrences``), then expand the days that entered the window
since the last poll: once per UTC day, the recurring resources not known to be
finished and the plain events starting in the new days are multiget and parsed
for those days only (and a finished series is noted in the cursor then).

A full listing that comes back empty where resources were known is not
believed at once (vdirsyncer's StorageEmpty): the cursor keeps the old state
and the next poll lists again; only a second empty listing retracts. Removals
the server states explicitly (404 in sync-collection) are acted on at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal

import structlog

from connectors.base import (
    Batch,
    CheckResult,
    Entry,
    MeetingItem,
    Quarantined,
    ScopeState,
    SourceRef,
    Visibility,
)
from connectors.caldav.cursor import (
    CalendarCursor,
    Mode,
    ResourceState,
    horizon,
    member_name,
    member_path,
)
from connectors.caldav.discovery import CalendarInfo, Discovery, discover
from connectors.caldav.occurrences import Reading, may_reach, refs_by_resource, uncovered
from connectors.caldav.parallel import parse_all
from connectors.caldav.session import DavSession, NotFound, ReportUnsupported
from connectors.caldav.sync import CalendarReader, Changes
from connectors.ical.ends import quiet_from
from connectors.ical.zones import load_zone
from syncd.errors import ConfigError, ProtocolError, SyncdError

log = structlog.get_logger()

SyncMethod = Literal["auto", "sync-collection", "ctag"]
_METHODS = ("auto", "sync-collection", "ctag")


class CaldavConnector:
    """Meetings from the calendars of one CalDAV account."""

    def __init__(
        self,
        name: str,
        url: str,
        visibility: Visibility,
        *,
        username: str | None = None,
        password: str | None = None,
        auth: str = "basic",
        verify: bool | str = True,
        calendars: Sequence[str] = (),
        window_past_days: int = 90,
        window_future_days: int = 180,
        default_tz: str = "UTC",
        batch_size: int = 500,
        sync_method: SyncMethod = "auto",
        timeout: float = 30.0,
        rediscover_seconds: float = 3600.0,
        attempts: int = 3,
        workers: int | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        problems = []
        if not url.startswith(("http://", "https://")):
            problems.append(f"{name}.url: expected an http:// or https:// URL")
        if auth not in ("basic", "digest", "bearer"):
            problems.append(f"{name}.auth: expected basic, digest or bearer")
        if auth == "bearer" and not password:
            problems.append(f"{name}.auth: bearer needs the token as the connector's secret")
        if username and password is None:
            problems.append(f"{name}.username: given without a password secret")
        if sync_method not in _METHODS:
            problems.append(f"{name}.sync_method: expected one of {', '.join(_METHODS)}")
        if window_past_days < 0 or window_future_days < 0:
            problems.append(f"{name}.window: days must not be negative")
        if batch_size < 1:
            problems.append(f"{name}.batch_size: must be at least 1")
        try:
            zone = load_zone(default_tz)
        except ValueError as exc:
            problems.append(f"{name}.default_tz: {exc}")
        if problems:
            raise ConfigError(problems)
        self.name = name
        self.url = url if url.endswith("/") else url + "/"
        self.visibility: Visibility = visibility
        self.calendars = tuple(calendars)
        self.window_past_days = window_past_days
        self.window_future_days = window_future_days
        self.default_tz = default_tz
        self.batch_size = batch_size
        self.sync_method = sync_method
        self.rediscover_seconds = rediscover_seconds
        self.workers = workers
        self.session = DavSession(
            self.url,
            username=username,
            password=password,
            auth=auth,
            verify=verify,
            timeout=timeout,
            attempts=attempts,
        )
        del zone  # validated; readers load it by name
        self._now = now or (lambda: datetime.now(UTC))
        self._discovery: Discovery | None = None
        self._discovered_at = 0.0
        self._learned: dict[str, Mode] = {}  # calendars found not to do sync-collection

    # -- port ------------------------------------------------------------------

    def scopes(self) -> list[str]:
        """Canonical paths of the configured calendars (all VEVENT calendars if none)."""
        found = self.discovery()
        if found.missing:
            names = ", ".join(c.name or c.path for c in found.calendars) or "none"
            raise ConfigError(
                [f"{self.name}.calendars: not found: {', '.join(found.missing)} (found: {names})"]
            )
        return [c.path for c in found.selected]

    def discovery(self, *, refresh: bool = False) -> Discovery:
        """Discovery result, cached for ``rediscover_seconds``."""
        age = time.monotonic() - self._discovered_at
        if refresh or self._discovery is None or age > self.rediscover_seconds:
            self._discovery = discover(self.session, self.url, self.calendars)
            self._discovered_at = time.monotonic()
        return self._discovery

    def window(self) -> tuple[datetime, datetime]:
        """[today - past days, today + future days + 1) in whole UTC days."""
        now = self._now().astimezone(UTC)
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return (
            today - timedelta(days=self.window_past_days),
            today + timedelta(days=self.window_future_days + 1),
        )

    def fetch(self, scope: str, state: ScopeState) -> Iterator[Batch]:
        """Batches of changed occurrences and retractions since ``state.cursor``."""
        calendar = self._calendar(scope)
        started, requests = time.perf_counter(), self.session.requests
        mode = self._mode(calendar, state.cursor)
        cursor = CalendarCursor.load(state.cursor, mode)
        known = refs_by_resource(state.known_remote_ids)
        etags: dict[str, str | None] = dict.fromkeys(known)
        etags.update({member_path(calendar.path, n): r.etag for n, r in cursor.resources.items()})
        reader = CalendarReader(self.session, calendar)
        try:
            changes = self._changes(reader, cursor, etags)
        except ReportUnsupported:
            if self.sync_method != "auto" or mode != "sync":
                raise
            log.info("caldav_sync_collection_unsupported", connector=self.name, scope=scope)
            self._learned[calendar.path] = "ctag"
            cursor = CalendarCursor.load(state.cursor, "ctag")
            etags.update(
                {member_path(calendar.path, n): r.etag for n, r in cursor.resources.items()}
            )
            changes = self._changes(reader, cursor, etags)
        except NotFound:
            self._discovery = None  # deleted or moved: look again next poll
            raise
        reading = Reading(self.name, scope, self.visibility, self.default_tz)
        entries = self._entries(calendar, reader, reading, cursor, changes, etags, known)
        buffer: list[Entry] = []
        for entry in entries:
            if len(buffer) >= self.batch_size:
                yield Batch(scope, tuple(buffer), state.cursor, keep_cursor=True)
                buffer = []
            buffer.append(entry)
        dumped = cursor.dump()
        if buffer or dumped != state.cursor:
            yield Batch(scope, tuple(buffer), dumped)
        log.info(
            "caldav_calendar_synced",
            connector=self.name,
            scope=scope,
            mode=cursor.mode,
            changed=len(changes.changed),
            removed=len(changes.removed),
            resynced=changes.resynced,
            requests=self.session.requests - requests,
            ms=round((time.perf_counter() - started) * 1000),
        )

    def check(self) -> CheckResult:
        """Discover, list the calendars it would sync and count a first sync's occurrences."""
        try:
            found = self.discovery(refresh=True)
        except SyncdError as exc:
            return CheckResult(False, (), f"discovery failed: {exc}")
        scopes = tuple(c.path for c in found.selected)
        names = ", ".join(f"{c.name or '?'} ({c.path})" for c in found.calendars) or "none"
        if found.missing:
            return CheckResult(
                False, scopes, f"calendars not found: {', '.join(found.missing)}; found: {names}"
            )
        if not found.selected:
            return CheckResult(False, (), f"no calendar with events found at {self.url}")
        start, end = self.window()
        items = quarantined = size = 0
        described = []
        for calendar in found.selected:
            mode = self._mode(calendar, None)
            reader = CalendarReader(self.session, calendar)
            try:
                changes = self._changes(reader, CalendarCursor(mode), {})
            except SyncdError as exc:
                return CheckResult(False, scopes, f"{calendar.path}: {exc}")
            reading = Reading(self.name, calendar.path, self.visibility, self.default_tz)
            for member in changes.changed:
                for entry in reading.parse(member.path, member.data or b"", start, end).entries:
                    items += isinstance(entry, MeetingItem)
                    quarantined += isinstance(entry, Quarantined)
            size += changes.bytes
            method = "sync-collection" if mode == "sync" else "ctag/etag"
            described.append(f"{calendar.name or '?'} ({calendar.path}, {method})")
        detail = (
            f"principal {found.principal or '-'}; syncing {len(found.selected)} of "
            f"{len(found.calendars)} calendar(s): {'; '.join(described)}; {items} occurrence(s)"
            f" in the window {start:%Y-%m-%d}..{end:%Y-%m-%d}, {quarantined} unreadable"
        )
        return CheckResult(True, scopes, detail, items, size)

    def close(self) -> None:
        self.session.close()

    # -- internals -----------------------------------------------------------

    def _calendar(self, scope: str) -> CalendarInfo:
        for calendar in self.discovery().selected:
            if calendar.path == scope:
                return calendar
        for calendar in self.discovery(refresh=True).selected:
            if calendar.path == scope:
                return calendar
        raise ProtocolError(f"{self.name}: calendar {scope} is no longer on the server")

    def _mode(self, calendar: CalendarInfo, stored: str | None) -> Mode:
        if self.sync_method == "ctag":
            return "ctag"
        if self.sync_method == "sync-collection":
            return "sync"
        if calendar.path in self._learned:
            return self._learned[calendar.path]
        if calendar.sync_collection is not None:
            return "sync" if calendar.sync_collection else "ctag"
        return "ctag" if stored and '"m":"ctag"' in stored else "sync"

    def _changes(
        self, reader: CalendarReader, cursor: CalendarCursor, etags: dict[str, str | None]
    ) -> Changes:
        if cursor.mode == "sync":
            return reader.sync_collection(cursor.token, etags)
        ctag = reader.ctag()
        if ctag is not None and ctag == cursor.ctag:
            return Changes(ctag=ctag)
        return reader.etag_listing(ctag, etags)

    def _entries(
        self,
        calendar: CalendarInfo,
        reader: CalendarReader,
        reading: Reading,
        cursor: CalendarCursor,
        changes: Changes,
        etags: dict[str, str | None],
        known: dict[str, set[str]],
    ) -> Iterator[Entry]:
        """Entries for ``changes`` and the window's new days; updates ``cursor``."""
        start, end = self.window()
        removed = set(changes.removed)
        suspicious = False
        if changes.listing is not None:
            vanished = set(etags) - set(changes.listing)
            suspicious = not changes.listing and bool(vanished) and cursor.empty_strikes < 1
            if suspicious:
                log.warning("caldav_calendar_empty", connector=self.name, scope=reading.scope)
                cursor.empty_strikes += 1
            else:
                removed |= vanished
                cursor.empty_strikes = 0
        if not suspicious:  # otherwise keep the old token/ctag: the next poll lists again
            cursor.token, cursor.ctag = changes.token, changes.ctag or cursor.ctag
        etag_of = {m.path: m.etag for m in changes.changed}
        jobs = [(m.path, m.data or b"", frozenset(known.get(m.path, ()))) for m in changes.changed]
        for path, reach, entries in parse_all(reading, jobs, start, end, workers=self.workers):
            yield from entries
            cursor.resources[member_name(calendar.path, path)] = ResourceState(etag_of[path], reach)
        for path in changes.without_data:
            reason = "the server sent no calendar-data for this resource"
            yield Quarantined(SourceRef(self.name, reading.scope, path), reason, b"")
        for path in sorted(removed):
            yield from reading.removed(known.get(path, ()))
            cursor.resources.pop(member_name(calendar.path, path), None)
        spans = uncovered(cursor.covered, start, end) if cursor.covered else []
        if spans:
            fresh = {m.path for m in changes.changed}  # already read over the whole window
            stale = [
                path
                for path, res in sorted(
                    (member_path(calendar.path, n), r) for n, r in cursor.resources.items()
                )
                if path not in fresh and may_reach(res.horizon, spans, res.quiet)
            ]
            got, _, _ = reader.multiget(stale) if stale else ([], [], 0)
            for member in got:
                yield from reading.extended(member.path, member.data or b"", spans)
                name = member_name(calendar.path, member.path)
                if (known_state := cursor.resources.get(name)) is not None:
                    # the etag stays: only a change seen by sync/listing re-reads it whole;
                    # the horizon heals cursors written before VTIMEZONEs were skipped
                    cursor.resources[name] = _learnt(known_state.etag, member.data or b"", end)
        # Everything is now expanded over exactly this window (changed resources too),
        # so a window that shrank and grows again is expanded again where needed.
        cursor.covered = (int(start.timestamp()), int(end.timestamp()))


def _learnt(etag: str | None, data: bytes, end: datetime) -> ResourceState:
    """A resource's state after it was read for the window's new days."""
    reach = horizon(data)
    quiet = quiet_from(data, end) if reach is None else None
    return ResourceState(etag, reach, None if quiet is None else int(quiet.timestamp()))
