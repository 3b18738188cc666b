"""What changed in one calendar since the cursor: sync-collection, multiget, ctag/etag.

Preferred: one sync-collection REPORT (RFC 6578) with the stored token that
asks for ``getetag`` and ``calendar-data`` together, so an unchanged calendar
costs exactly one request and a changed one usually one too. Servers that
leave the data out of that REPORT (Xandikos answers 404 for it) are followed
by calendar-multiget (RFC 4791 §7.9) in batches. A truncated answer (507 on
the collection, §3.6) is continued with the token it returned. A token the
server refuses (``valid-sync-token``, §3.2) restarts from an empty token: a
full listing, in which resources whose etag is unchanged are not read again.

Without sync-collection: the calendarserver ``getctag`` (one PROPFIND, Depth
0) answers "unchanged"; otherwise a Depth-1 PROPFIND of etags is compared to
the cursor and the new or changed resources are multiget.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import structlog

from connectors.caldav.discovery import CalendarInfo
from connectors.caldav.multistatus import (
    CS,
    Member,
    members,
    multiget_body,
    propfind_body,
    responses,
    sync_collection_body,
    sync_token,
)
from connectors.caldav.session import DavSession, SyncTokenInvalid
from syncd.errors import ProtocolError

log = structlog.get_logger()

MULTIGET_BATCH = 100
_MAX_PAGES = 1000


@dataclass(slots=True)
class Changes:
    """Resources to (re)parse, resources the server confirmed removed, the new state."""

    changed: list[Member] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    without_data: list[str] = field(default_factory=list)  # the server would not send them
    listing: dict[str, str | None] | None = None  # every member (path -> etag) on a full read
    token: str | None = None
    ctag: str | None = None
    resynced: bool = False  # the old token was refused
    bytes: int = 0


class CalendarReader:
    """Reads one calendar collection; ``known`` maps member paths to stored etags."""

    def __init__(
        self, session: DavSession, calendar: CalendarInfo, batch: int = MULTIGET_BATCH
    ) -> None:
        self.session = session
        self.calendar = calendar
        self.batch = batch

    # -- RFC 6578 -------------------------------------------------------------

    def sync_collection(self, token: str | None, known: Mapping[str, str | None]) -> Changes:
        """Changes since ``token`` (None: a full listing)."""
        out = Changes()
        full = token is None
        present: dict[str, Member] = {}
        removed: set[str] = set()
        unreadable: set[str] = set()  # listed with another status: exists, but not for us
        for _ in range(_MAX_PAGES):
            try:
                reply = self.session.report(self.calendar.url, sync_collection_body(token), depth=0)
            except SyncTokenInvalid:
                if token is None:
                    raise ProtocolError(
                        f"{self.calendar.url}: server refused an empty sync token"
                    ) from None
                log.info("caldav_sync_token_invalid", calendar=self.calendar.path)
                token, full, out.resynced = None, True, True
                present.clear()
                removed.clear()
                unreadable.clear()
                continue
            found, truncated = members(responses(reply.tree), self.calendar.url, self.calendar.path)
            for member in found:
                if member.status == 200:
                    present[member.path] = member
                    removed.discard(member.path)
                elif member.status in (404, 410):  # RFC 6578 §3.5.2: removed
                    present.pop(member.path, None)
                    removed.add(member.path)
                else:  # e.g. 403 on one resource: it exists, it is not removed
                    unreadable.add(member.path)
                    log.warning("caldav_member_status", path=member.path, status=member.status)
            new_token = sync_token(reply.tree)
            if truncated and new_token and new_token != token:
                token = new_token
                continue
            out.token = new_token
            break
        else:
            raise ProtocolError(f"{self.calendar.url}: sync-collection never completed")
        if full:
            out.listing = dict.fromkeys(unreadable - removed)
            out.listing.update({path: m.etag for path, m in present.items()})
        out.removed = sorted(removed - set(present))
        self._collect(out, list(present.values()), known)
        return out

    # -- ctag / etag ----------------------------------------------------------

    def ctag(self) -> str | None:
        """The collection's ``getctag`` (one Depth-0 PROPFIND); None when not offered."""
        reply = self.session.propfind(self.calendar.url, propfind_body("<CS:getctag/>"), 0)
        for item in responses(reply.tree):
            value = item.text(f"{CS}getctag")
            if value:
                return value
        return None

    def etag_listing(self, ctag: str | None, known: Mapping[str, str | None]) -> Changes:
        """Compare a Depth-1 etag listing with ``known``; multiget what differs."""
        reply = self.session.propfind(
            self.calendar.url, propfind_body("<D:getetag/><D:resourcetype/>"), 1
        )
        found, _ = members(responses(reply.tree), self.calendar.url, self.calendar.path)
        listing = {m.path: m.etag for m in found if m.status not in (404, 410)}
        out = Changes(listing=listing, ctag=ctag)  # the caller retracts what is not listed
        self._collect(out, [m for m in found if m.status == 200], known)
        return out

    # -- RFC 4791 §7.9 --------------------------------------------------------

    def multiget(self, paths: Sequence[str]) -> tuple[list[Member], list[str], int]:
        """(resources with data, paths the server says are gone, bytes) in batches."""
        got: list[Member] = []
        gone: list[str] = []
        size = 0
        for start in range(0, len(paths), self.batch):
            chunk = paths[start : start + self.batch]
            reply = self.session.report(self.calendar.url, multiget_body(chunk), depth=1)
            found, _ = members(responses(reply.tree), self.calendar.url, self.calendar.path)
            for member in found:
                if member.status in (404, 410):
                    gone.append(member.path)
                elif member.data is not None:
                    got.append(member)
                    size += len(member.data)
        return got, gone, size

    def _collect(
        self, out: Changes, present: list[Member], known: Mapping[str, str | None]
    ) -> None:
        """Keep changed members; fetch the data the listing did not carry."""
        need: list[str] = []
        for member in present:
            old = known.get(member.path)
            if member.etag is not None and old == member.etag and member.path in known:
                continue  # unchanged since it was parsed
            if member.data is None:
                need.append(member.path)
            else:
                out.changed.append(member)
                out.bytes += len(member.data)
        if need:
            got, gone, size = self.multiget(need)
            out.changed += got
            out.bytes += size
            out.removed += gone
            answered = {m.path for m in got} | set(gone)
            out.without_data = [p for p in need if p not in answered]
            if out.listing is not None:
                for path in gone:
                    out.listing.pop(path, None)
