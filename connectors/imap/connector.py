"""``ImapConnector``: the IMAP adapter behind the Connector, Watchable and Verifiable ports.

Scopes are folder names (decoded Unicode). ``scopes()`` costs one LIST that
also returns every folder's STATUS (LIST-STATUS, RFC 5819) where the server
can; ``fetch`` then needs no round trip at all for a folder whose cursor
matches. Servers without LIST-STATUS cost one STATUS per folder; without
CONDSTORE/QRESYNC expunges are found with UID SEARCH ALL; without UIDNEXT the
top UID is searched for.

The main connection is reused across scopes and retried per operation
(``link``); push uses a second connection (``idle``). ``close()`` ends both;
a connector dropped without ``close()`` still closes its sockets (finalizer).
"""

from __future__ import annotations

import contextlib
import os
import weakref
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Literal

import structlog

from connectors.base import (
    Batch,
    CheckResult,
    Entry,
    RemoteMessage,
    ScopeState,
    SourceRef,
    Visibility,
)
from connectors.files._parsing import Parser
from connectors.mailparse import first, message_ids, split_headers
from syncd.errors import AuthError, SyncdError

from . import gmail_ids
from .cursor import parse_remote_id, remote_id
from .dropbox import dropbox_entry
from .fetch import MessageReader, ReadOptions
from .folders import Folder, choose_folders
from .idle import IdleWatcher
from .link import Link, RetryPolicy
from .oauth import OAuth2Settings, TokenSource
from .reader_process import reader_count
from .session import ImapParams, Security, Session
from .sync import FolderJob, sync_folder, window_start
from .wire import uid_set

log = structlog.get_logger()

_CHUNK = 1000  # UIDs per FETCH in listings
# Big backfills go to reader processes (``reader_process``); the parser pool only
# serves the inline path a backfill falls back to when no reader slot is free or
# a reader failed, and only from 3 cores. (Measured on 2 cores before helpers
# stopped re-running the main script: a parser process cost ~1.5x the CPU of
# parsing inline; not re-measured since, as readers took the work over.)
POOL_MIN_CORES = 3


class ImapConnector:
    """One IMAP account; see the module docstring."""

    def __init__(
        self,
        name: str,
        *,
        host: str,
        username: str,
        port: int | None = None,
        security: Security = "tls",
        ca_file: str | Path | None = None,
        password: Callable[[], str | None] | None = None,
        oauth2: OAuth2Settings | None = None,
        oauth2_mechanism: Literal["auto", "xoauth2", "oauthbearer"] = "auto",
        visibility: Visibility = "subject",
        since: timedelta | None = timedelta(days=90),
        folders_include: Sequence[str] = (),
        folders_exclude: Sequence[str] = (),
        max_message_size: int = 25_000_000,
        mode: Literal["mailbox", "dropbox"] = "mailbox",
        internal_domains: Collection[str] = (),
        batch_size: int = 500,
        workers: int | None = None,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        ignore_capabilities: Collection[str] = (),
        idle_folder: str = "INBOX",
        idle_renew_after: float = 25 * 60,
        max_body_chars: int = 100_000,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if mode == "dropbox" and not internal_domains:
            raise ValueError(f"{name}: dropbox mode needs the organisation's internal domains")
        self.name = name
        self.visibility: Visibility = visibility
        self.since = since
        self.include = tuple(folders_include)
        self.exclude = tuple(folders_exclude)
        self.batch_size = batch_size
        self.workers = workers
        self.now = now
        ca = Path(ca_file) if ca_file else None
        token = TokenSource(oauth2, ca_file=str(ca) if ca else None) if oauth2 else None
        self.params = ImapParams(
            host=host,
            username=username,
            port=port,
            security=security,
            ca_file=ca,
            password=password,
            token=token,
            oauth2_mechanism=oauth2_mechanism,
            timeout=timeout,
            ignore_capabilities=frozenset(c.upper() for c in ignore_capabilities),
        )
        dropbox = None
        if mode == "dropbox":
            domains = frozenset(d.lower() for d in internal_domains)

            def dropbox(
                raw: bytes, src: SourceRef, vis: Visibility, when: datetime | None
            ) -> Entry:
                return dropbox_entry(
                    raw, src, vis, domains, fallback_date=when, max_body_chars=max_body_chars
                )

        self.reader = MessageReader(
            ReadOptions(
                connector=name,
                visibility=visibility,
                max_message_size=max_message_size,
                max_body_chars=max_body_chars,
                dropbox=dropbox,
            )
        )
        # The main process fetches and stores; with enough cores the others parse
        # (``sync`` decides per folder whether a backfill is big enough to be worth it).
        cores = workers if workers is not None else (os.cpu_count() or 1)
        self.parse_pool = cores >= POOL_MIN_CORES
        # Big backfills are fetched and parsed by reader processes (one per core).
        self.readers = reader_count(cores)
        self.parser = Parser(
            visibility,
            workers=max(1, cores - 1),
            max_body_chars=max_body_chars,
            attachment_digests=False,
            keep_raw=False,
            pool_min_workers=1,
        )
        self.link = Link(self.params, retry)
        self.idle = IdleWatcher(
            partial(Session, self.params), idle_folder, renew_after=idle_renew_after
        )
        self._status: dict[str, dict[bytes, int]] = {}
        self._gmail = False  # set by scopes(): the server is Gmail (X-GM-EXT-1)
        self._finalizer = weakref.finalize(self, _close_quietly, self.link, self.idle)

    # --- Connector ------------------------------------------------------------------

    def scopes(self) -> list[str]:
        (listing, statuses), gmail = self.link.run(
            "LIST", lambda s: (s.list_folders(), s.has("X-GM-EXT-1"))
        )
        folders = [Folder.from_list(flags, name) for flags, name in listing]
        self._gmail = bool(gmail)
        chosen = choose_folders(folders, gmail=gmail, include=self.include, exclude=self.exclude)
        self._status = {name: statuses[name] for name in chosen if name in statuses}
        log.info("imap_folders", connector=self.name, folders=len(folders), synced=len(chosen))
        return chosen

    def fetch(self, scope: str, state: ScopeState) -> Iterator[Batch]:
        status = self._status.pop(scope, None)
        if status is None and state.cursor:
            status = self.link.run(f"STATUS {scope}", lambda s: s.status(scope))
        job = FolderJob(
            self.name,
            scope,
            window_start(self.since, self.now()),
            self.batch_size,
            parse_pool=self.parse_pool,
            readers=self.readers,
            gmail=self._gmail,
        )
        return sync_folder(self.link, self.reader, self.parser, job, state, status)

    def check(self) -> CheckResult:
        """Log in, list the folders to sync and count the backfill; imports nothing."""
        since = window_start(self.since, self.now())
        try:
            scopes = self.scopes()
            total = size = 0
            for scope in scopes:
                n, b = self.link.run(
                    f"preview {scope}", partial(_preview, folder=scope, since=since)
                )
                total += n
                size += b
        except AuthError as exc:
            return CheckResult(False, (), f"login refused: {exc}")
        except SyncdError as exc:
            return CheckResult(False, (), str(exc))
        finally:
            self.link.close()
        window = f"since {since.isoformat()}" if since else "all mail"
        detail = (
            f"{len(scopes)} folders ({', '.join(scopes)}); {total} messages, {size} bytes {window}"
        )
        return CheckResult(True, tuple(scopes), detail, total, size)

    # --- Watchable ------------------------------------------------------------------

    def wait_for_changes(self, timeout: float) -> bool:
        return self.idle.wait(timeout)

    def close(self) -> None:
        self.idle.close()
        self.link.close()

    # --- Verifiable -----------------------------------------------------------------

    def list_remote(self, scope: str, since: datetime | None) -> list[RemoteMessage]:
        """Every message of ``scope`` within the window, with its normalised Message-ID."""

        def listing(s: Session) -> list[RemoteMessage]:
            sel = s.examine(scope)
            gmail = s.has(gmail_ids.CAPABILITY)
            items = ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]
            items += [gmail_ids.FETCH_ITEM] if gmail else []
            uids = s.search(["SINCE", since.date()] if since else ["ALL"])
            out: list[RemoteMessage] = []
            for i in range(0, len(uids), _CHUNK):
                chunk = uids[i : i + _CHUNK]
                data = s.fetch(uid_set(chunk), items)
                for uid in chunk:
                    d = data.get(uid)
                    if d is None:
                        continue
                    raw = next((v for k, v in d.items() if k.startswith(b"BODY[")), b"") or b""
                    ids = message_ids(first(split_headers(bytes(raw))[0], "message-id"))
                    msgid = gmail_ids.msgid_of(d) if gmail else None
                    rid = gmail_ids.gm_id(msgid) if msgid else remote_id(sel.uidvalidity, uid)
                    out.append(RemoteMessage(rid, ids[0] if ids else None))
            return out

        return self.link.run(f"list {scope}", listing)

    def fetch_ids(self, scope: str, remote_ids: Sequence[str]) -> Iterator[Batch]:
        """Exactly these messages (gap filling); the stored cursor is left alone."""
        uv = self.link.run(f"EXAMINE {scope}", lambda s: s.examine(scope)).uidvalidity
        uids = sorted({p[1] for rid in remote_ids if (p := parse_remote_id(rid)) and p[0] == uv})
        wanted = gmail_ids.known_by_msgid(remote_ids)
        if wanted:  # Gmail ids: their UIDs in this folder now
            present = self.link.in_folder(
                scope, uv, lambda s, _: gmail_ids.msgids(s), f"FETCH {scope} X-GM-MSGID"
            )
            uids = sorted({*uids, *(u for u, m in present.items() if m in wanted)})

        def read(chunk: list[int]) -> list[Entry]:
            return self.link.in_folder(
                scope, uv, lambda s, _: self.reader.read(s, scope, uv, chunk), f"FETCH {scope}"
            )

        for i in range(0, len(uids), self.batch_size):
            entries = read(uids[i : i + self.batch_size])
            yield Batch(scope, tuple(entries), None, total_hint=len(uids), keep_cursor=True)


def _preview(session: Session, *, folder: str, since: date | None) -> tuple[int, int]:
    if since is None:
        sized = session.status_size(folder)
        if sized is not None:
            return sized
    session.examine(folder)
    uids = session.search(["SINCE", since] if since else ["ALL"])
    size = 0
    for i in range(0, len(uids), _CHUNK):
        data = session.fetch(uid_set(uids[i : i + _CHUNK]), ["RFC822.SIZE"])
        size += sum(int(d.get(b"RFC822.SIZE") or 0) for d in data.values())
    return len(uids), size


def _close_quietly(link: Link, idle: IdleWatcher) -> None:
    for close in (idle.close, link.close):
        with contextlib.suppress(Exception):  # interpreter shutdown or a dead socket
            close()
