"""Scopes made of one file per message (Maildir folders, .eml trees).

Cursor: a *ctime* watermark plus the ids processed above it. ctime, not
mtime, because moving a message into a folder keeps its old mtime (Dovecot
sets mtime to the IMAP INTERNALDATE; ``cp -p``/rsync preserve it) while
ctime is set by the kernel on every link/rename. So a file older than the
watermark can never appear later, and "files added later" are never missed.
The watermark trails the newest file seen (and the local clock) by
``MARGIN_NS``: a file renamed in while the directory was being listed, or
on a file system with coarse timestamps or a skewed server clock, is still
above it; files in that margin are remembered by id in ``recent``.

A flag change renames the file, so its ctime moves past the watermark; ids
the store already knows (``ScopeState.known_remote_ids``) are skipped without
reading, anything else is parsed again and dedupe keys make that harmless.

Fast path: the cursor also keeps each directory's mtime once it is stable;
if none changed, nothing was added, removed or renamed and ``fetch`` returns
after a few ``stat`` calls.
"""

from __future__ import annotations

import json
import os
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator, Set
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from connectors.base import Batch, Entry, Gone, ScopeState, SourceRef

from ._parsing import POOL_MIN_JOBS, Job, Parser, batches_of

log = structlog.get_logger()

MARGIN_NS = 5_000_000_000
_VERSION = 1


@dataclass(frozen=True, slots=True)
class FileEntry:
    remote_id: str
    path: str
    ctime_ns: int
    mtime_ns: int
    size: int


@dataclass(frozen=True, slots=True)
class Listing:
    files: list[FileEntry]
    dirs: dict[str, int]  # directory path -> mtime_ns, taken before it was listed


@dataclass(frozen=True, slots=True)
class DirCursor:
    watermark: int = -1
    recent: frozenset[str] = frozenset()
    dirs: dict[str, int] | None = None

    @classmethod
    def load(cls, text: str | None, kind: str) -> DirCursor:
        """Parse a stored cursor; a foreign or damaged one means a full rescan."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
            if data.get("v") != _VERSION or data.get("kind") != kind:
                return cls()
            dirs = data.get("dirs")
            return cls(
                watermark=int(data["wm"]),
                recent=frozenset(str(i) for i in data.get("recent", ())),
                dirs={str(k): int(v) for k, v in dirs.items()} if dirs else None,
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("cursor_invalid", kind=kind)
            return cls()

    def dump(self, kind: str) -> str:
        data = {"v": _VERSION, "kind": kind, "wm": self.watermark, "recent": sorted(self.recent)}
        if self.dirs:
            data["dirs"] = self.dirs
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def dir_mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def file_entry(remote_id: str, entry: os.DirEntry[str]) -> FileEntry | None:
    """A regular file's entry, or None (directory, or vanished meanwhile)."""
    try:
        if not entry.is_file():
            return None
        st = entry.stat()
    except OSError:
        return None
    return FileEntry(remote_id, entry.path, st.st_ctime_ns, st.st_mtime_ns, st.st_size)


def safe_text(name: str) -> str:
    """File names that are not UTF-8 become storable text (no lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


def fetch_files(
    *,
    connector: str,
    scope: str,
    kind: str,
    state: ScopeState,
    list_files: Callable[[], Listing],
    parser: Parser,
    batch_size: int,
    maildir: bool = False,
) -> Iterator[Batch]:
    """Batches of new files of one scope, each with the cursor valid after it."""
    old = DirCursor.load(state.cursor, kind)
    if old.dirs and all(dir_mtime(p) == m for p, m in old.dirs.items()):
        log.debug("scope_unchanged", connector=connector, scope=scope)
        return
    started = time.time_ns()
    listing = list_files()
    files = sorted(listing.files, key=lambda e: (e.ctime_ns, e.remote_id))
    known = state.known_remote_ids
    todo = [
        e
        for e in files
        if e.ctime_ns > old.watermark and e.remote_id not in old.recent and e.remote_id not in known
    ]
    todo_ctimes = [e.ctime_ns for e in todo]
    # Ids remembered from the last run that are still relevant (the store does not know them).
    kept = [e for e in files if e.remote_id in old.recent and e.remote_id not in known]
    kept_ctimes = [e.ctime_ns for e in kept]
    cap = min(files[-1].ctime_ns, started) - MARGIN_NS if files else old.watermark
    stable = all(m < started - MARGIN_NS for m in listing.dirs.values())
    gone = gone_entries(connector, scope, known, {e.remote_id for e in files})
    log.info(
        "scope_scanned",
        connector=connector,
        scope=scope,
        files=len(files),
        todo=len(todo),
        gone=len(gone),
        ms=(time.time_ns() - started) // 1_000_000,
    )

    def cursor_after(done: int) -> str:
        finished = done >= len(todo)
        limit = cap if finished else min(todo_ctimes[done] - 1, cap)
        wm = max(old.watermark, limit)
        recent = {e.remote_id for e in todo[bisect_right(todo_ctimes, wm, 0, done) : done]}
        recent.update(e.remote_id for e in kept[bisect_right(kept_ctimes, wm) :])
        dirs = listing.dirs if finished and stable else None
        return DirCursor(wm, frozenset(recent), dirs).dump(kind)

    def jobs() -> Iterator[tuple[int, list[Job]]]:
        done = 0
        pairs = ((_job(connector, scope, e, maildir), e.size) for e in todo)
        for batch in batches_of(pairs, batch_size):
            done += len(batch)
            yield done, batch

    cursor = state.cursor
    for done, entries in parser.run(jobs(), parallel=len(todo) >= POOL_MIN_JOBS):
        cursor = cursor_after(done)
        yield Batch(scope=scope, entries=tuple(entries), cursor=cursor, total_hint=len(todo))
    final = cursor_after(len(todo))
    for i in range(0, len(gone), batch_size):
        yield Batch(scope=scope, entries=tuple(gone[i : i + batch_size]), cursor=final)
        cursor = final
    if cursor != final:
        yield Batch(scope=scope, entries=(), cursor=final, total_hint=len(todo))


def _job(connector: str, scope: str, e: FileEntry, maildir: bool) -> Job:
    return Job(
        source=SourceRef(connector=connector, scope=scope, remote_id=e.remote_id),
        path=e.path,
        fallback_date=datetime.fromtimestamp(e.mtime_ns / 1e9, UTC),
        maildir_unique=e.remote_id if maildir else None,
    )


def gone_entries(connector: str, scope: str, known: Set[str], present: Set[str]) -> list[Entry]:
    """Known ids no longer present; none at all if the scope is suddenly empty.

    vdirsyncer's StorageEmpty rule: a folder that had messages and now has
    none is more likely an unmounted disk or a wrong path than a user who
    deleted everything, so nothing is retracted and a warning is logged.
    """
    if not known:
        return []
    if not present:
        log.warning(
            "scope_empty_gone_suppressed", connector=connector, scope=scope, known=len(known)
        )
        return []
    return [Gone(SourceRef(connector, scope, rid)) for rid in sorted(set(known) - set(present))]
