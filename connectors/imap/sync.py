"""One folder's sync: the state machine behind ``ImapConnector.fetch``.

1. Nothing changed? A complete cursor equal to the folder's STATUS (taken by
   the LIST-STATUS of ``scopes()``, or one STATUS) ends here: one round trip.
2. EXAMINE, with QRESYNC (RFC 7162 3.2.5) when the cursor has a MODSEQ: the
   server names the UIDs expunged since then (VANISHED). A new UIDVALIDITY
   restarts the folder from scratch.
3. Expunges: the VANISHED UIDs, or, when MESSAGES and UIDNEXT did not move
   in step, UID SEARCH ALL compared with the ids the store holds. They are
   emitted as ``Gone`` first, with the cursor that records the reconcile;
   ids under an old UIDVALIDITY are gone too. A folder that is suddenly
   empty retracts nothing (vdirsyncer's StorageEmpty rule).
4. New mail: UIDs above ``hi``, ascending, ``hi`` advancing per batch.
5. Backfill: UIDs in the window (SEARCH SINCE, on INTERNALDATE) below ``lo``,
   newest first, ``lo`` descending per batch; then ``done``.

On Gmail (``gmail_ids``) stored ids are ``gm:<X-GM-MSGID>``: when the
folder is seen afresh or may have lost messages, one ``UID FETCH 1:*
(X-GM-MSGID)`` maps them to UIDs, so a UIDVALIDITY change re-reads nothing.

Ids the store already knows are not fetched again (a ``--full`` rescan or a
resumed backfill costs SEARCH only). Each batch carries the cursor that is
true once it is stored, so the cursor never passes a UID whose entry was not
emitted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial
from typing import TypeVar

import structlog

from connectors.base import Batch, Entry, Gone, ScopeState, SourceRef
from connectors.files._parsing import Job, Parser

from . import gmail_ids
from .cursor import FolderCursor, parse_remote_id, remote_id
from .fetch import Fetched, MessageReader
from .link import Link
from .reader_process import ReaderFailed, ReaderPool, ReadersBusy
from .session import Session

T = TypeVar("T")

log = structlog.get_logger()

# Parsing is the biggest CPU cost of a backfill after the store's, and this
# process already fetches (on the runtime's prefetch thread) and stores under
# one GIL. So on a machine with cores to spare (``connector.POOL_MIN_CORES``)
# a big backfill parses in helper processes, one batch ahead; a small one (new
# mail, a poll) is parsed inline, where a process start-up and pickling would
# cost more than they save.
POOL_MIN_MESSAGES = 1000
# Reader processes (``reader_process``) pay a process start and a login each; a
# backfill this big amortises them many times over.
READERS_MIN_MESSAGES = 1000


@dataclass(frozen=True, slots=True)
class FolderJob:
    connector: str
    folder: str
    since: date | None
    batch_size: int
    parse_pool: bool = False  # parse big backfills in helper processes
    gmail: bool = False  # X-GM-EXT-1: remote ids are X-GM-MSGIDs (see gmail_ids)
    readers: int = 0  # reader processes for a big backfill (0: read in this process)


def sync_folder(
    link: Link,
    reader: MessageReader,
    parser: Parser,
    job: FolderJob,
    state: ScopeState,
    status: dict[bytes, int] | None,
) -> Iterator[Batch]:
    """Batches for one folder; see the module docstring."""
    folder = job.folder
    started = time.perf_counter()
    old = FolderCursor.load(state.cursor)
    if old is not None and status is not None and old.unchanged(status):
        log.debug("imap_folder_unchanged", connector=job.connector, scope=folder)
        return
    qr = old if old is not None and old.ms else None
    sel = link.run(
        f"EXAMINE {folder}",
        lambda s: s.examine(
            folder, uidvalidity=qr.uv if qr else None, modseq=qr.ms if qr else None
        ),
    )
    uv = sel.uidvalidity
    cur = old if old is not None and old.uv == uv else None
    if cur is None and old is not None:
        log.info(
            "imap_uidvalidity_changed", connector=job.connector, scope=folder, old=old.uv, new=uv
        )
    uidnext = sel.uidnext
    if cur is None:
        if uidnext is None:  # servers may omit UIDNEXT (RFC 3501 7.1): ask for the top UID
            top = max(
                link.in_folder(folder, uv, lambda s, _: s.search(["ALL"]), "SEARCH"), default=0
            )
        else:
            top = uidnext - 1
        cur = FolderCursor.start(uv, top)

    known_here: dict[int, str] = {}
    foreign: list[str] = []
    gm_known = gmail_ids.known_by_msgid(state.known_remote_ids) if job.gmail else {}
    for rid in state.known_remote_ids:
        pair = parse_remote_id(rid)
        if pair is not None and pair[0] == uv:
            known_here[pair[1]] = rid
        elif not (gm_known and gmail_ids.parse_gm_id(rid) is not None):
            foreign.append(rid)
    # Gmail ids: which UIDs hold stored messages, and which stored ones are gone.
    stored_uids: dict[int, str] = {}  # UID -> stored gm: id
    gm_gone: list[str] = []
    if gm_known and (
        old is None
        or old.uv != uv
        or bool(sel.vanished)
        or cur.may_have_expunged(sel.exists, uidnext)
    ):
        by_uid = link.in_folder(folder, uv, lambda s, _: gmail_ids.msgids(s), "FETCH X-GM-MSGID")
        stored_uids = {u: gm_known[m] for u, m in by_uid.items() if m in gm_known}
        held = set(by_uid.values())
        gm_gone = [rid for m, rid in gm_known.items() if m not in held]

    # 3. expunges
    gone_uids: set[int] = set()
    if known_here:
        if sel.qresync and old is not None and old.uv == uv:
            gone_uids = {u for u in sel.vanished if u in known_here}
        elif old is None or old.uv != uv or cur.may_have_expunged(sel.exists, uidnext):
            present = set(link.in_folder(folder, uv, lambda s, _: s.search(["ALL"]), "SEARCH ALL"))
            gone_uids = set(known_here) - present
    gone: list[Entry] = []
    if sel.exists == 0 and (known_here or foreign or gm_known):
        # Keep the old reconcile point so the next run looks again.
        log.warning(
            "scope_empty_gone_suppressed",
            connector=job.connector,
            scope=folder,
            known=len(known_here) + len(foreign) + len(gm_known),
        )
        kept = old if old is not None and old.uv == uv else None
        cur = replace(
            cur,
            next=kept.next if kept else None,
            n=kept.n if kept else None,
            ms=kept.ms if kept else None,
        )
    else:
        gone = [Gone(SourceRef(job.connector, folder, rid)) for rid in sorted(foreign)]
        gone += [Gone(SourceRef(job.connector, folder, known_here[u])) for u in sorted(gone_uids)]
        gone += [Gone(SourceRef(job.connector, folder, rid)) for rid in sorted(gm_gone)]
        cur = replace(cur, next=uidnext, n=sel.exists, ms=sel.highestmodseq)

    # 4./5. what to read
    window = ["SINCE", job.since] if job.since else []
    new: list[int] = []
    if uidnext is None or uidnext > cur.hi + 1:
        above = f"{cur.hi + 1}:*"
        found = link.in_folder(
            folder, uv, lambda s, _: s.search(["UID", above, *window]), "SEARCH new"
        )
        new = [u for u in found if u > cur.hi and (uidnext is None or u < uidnext)]
    new_hi = uidnext - 1 if uidnext is not None else max([cur.hi, *new])
    back: list[int] = []
    if not cur.done and cur.lo > 1:
        lo = cur.lo
        found = link.in_folder(
            folder, uv, lambda s, _: s.search(["UID", f"1:{lo - 1}", *window]), "SEARCH window"
        )
        back = sorted((u for u in found if u < lo), reverse=True)
    have = known_here.keys() | stored_uids.keys()
    todo = sum(1 for u in new if u not in have) + sum(1 for u in back if u not in have)
    log.info(
        "imap_folder_plan",
        connector=job.connector,
        scope=folder,
        new=len(new),
        backfill=len(back),
        fetch=todo,
        gone=len(gone),
        ms=round((time.perf_counter() - started) * 1000),
    )

    emitted: str | None = state.cursor
    for i in range(0, len(gone), job.batch_size):
        emitted = cur.dump()
        yield Batch(folder, tuple(gone[i : i + job.batch_size]), emitted, total_hint=todo)

    # Chunks are fetched in this thread (parsed one chunk ahead in a parser pool where
    # cores allow), or, for a big backfill, fetched and parsed by reader processes.
    steps = [("new", new[i : i + job.batch_size]) for i in range(0, len(new), job.batch_size)]
    steps += [("back", back[i : i + job.batch_size]) for i in range(0, len(back), job.batch_size)]
    last_new = sum(1 for phase, _ in steps if phase == "new") - 1
    wanted = [[u for u in chunk if u not in have] for _, chunk in steps]

    def run(op: Callable[[Session], T]) -> T:
        return link.in_folder(folder, uv, lambda s, _: op(s), f"FETCH {folder}")

    def inline(start: int) -> Iterator[tuple[int, list[Entry]]]:
        def fetched() -> Iterator[tuple[tuple[int, Fetched | None], list[Job]]]:
            for n in range(start, len(steps)):
                if not wanted[n]:
                    yield (n, None), []
                    continue
                f = run(partial(reader.collect, folder=folder, uv=uv, uids=wanted[n]))
                yield (n, f), reader.jobs(f)

        parallel = job.parse_pool and todo >= POOL_MIN_MESSAGES and reader.opts.dropbox is None
        for (n, f), parsed in parser.run(fetched(), parallel=parallel):
            yield n, reader.finish(f, parsed, run) if f is not None else []

    def read_all() -> Iterator[tuple[int, list[Entry]]]:
        start = 0
        if job.readers > 0 and todo >= READERS_MIN_MESSAGES and reader.opts.dropbox is None:
            try:
                pool = ReaderPool(
                    link.params, reader.opts, folder, uv, list(enumerate(wanted)), job.readers
                )
            except ReadersBusy:
                log.info("imap_readers_busy", connector=job.connector, scope=folder)
            except Exception as exc:  # noqa: BLE001 - no helper: read inline as always
                log.warning("imap_readers_unavailable", connector=job.connector, error=str(exc))
            else:
                log.info(
                    "imap_readers",
                    connector=job.connector,
                    scope=folder,
                    processes=pool.processes,
                    pids=pool.pids,
                )
                try:
                    for n, entries in pool.results():
                        yield n, entries
                        start = n + 1
                except ReaderFailed as exc:
                    start = exc.chunk
                    log.warning(
                        "imap_reader_failed",
                        connector=job.connector,
                        scope=folder,
                        chunk=exc.chunk,
                        error=exc.reason,
                    )
                finally:
                    pool.close()
                    log.info(
                        "imap_readers_finished",
                        connector=job.connector,
                        scope=folder,
                        cpu_s=round(pool.cpu_seconds, 2),
                    )
        yield from inline(start)

    for n, entries in read_all():
        phase, chunk = steps[n]
        if phase == "new":
            cur = replace(cur, hi=new_hi if n == last_new else chunk[-1])
        else:
            cur = replace(cur, lo=chunk[-1])
        if entries or n == last_new:
            emitted = cur.dump()
            yield Batch(folder, tuple(entries), emitted, total_hint=todo)
    if new_hi > cur.hi:
        cur = replace(cur, hi=new_hi)
    if not cur.done:
        cur = replace(cur, done=True, lo=1)

    final = cur.dump()
    if final != emitted:
        yield Batch(folder, (), final, total_hint=todo)
    log.info(
        "folder_synced",
        connector=job.connector,
        scope=folder,
        fetched=todo,
        gone=len(gone),
        ms=round((time.perf_counter() - started) * 1000),
    )


def window_start(since: timedelta | None, now: datetime) -> date | None:
    """The SEARCH SINCE date (day granularity, RFC 3501 6.4.4) for a backfill window."""
    return (now - since).date() if since else None


__all__ = ["FolderJob", "remote_id", "sync_folder", "window_start"]
