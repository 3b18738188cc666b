"""Find the user's calendars from a base URL (RFC 6764 §5-6, RFC 5397, RFC 4791 §6.2.1).

From the configured URL: PROPFIND for ``current-user-principal`` and
``calendar-home-set``; when the URL is not a DAV context (404, 405, no
principal), the well-known URL ``/.well-known/caldav`` of its host, whose
redirect (same host only, RFC 6764 §8) is followed by hand. Then the
principal's ``calendar-home-set`` and one Depth-1 PROPFIND of each home lists
the calendars with what sync needs (displayname, ``getctag``, the
``supported-report-set`` for sync-collection). Calendars named by URL in the
config are read directly, so a shared calendar outside the home works and a
config of URLs only needs no principal at all. Calendars that cannot hold
VEVENTs (task lists) are left out.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from connectors.caldav.multistatus import (
    CALDAV,
    CALENDAR_PROPS,
    DAV,
    PRINCIPAL_PROPS,
    DavResponse,
    calendar_components,
    canonical_path,
    is_calendar,
    propfind_body,
    responses,
    supports_report,
)
from connectors.caldav.session import DavSession, Forbidden, UnexpectedStatus
from syncd.errors import ProtocolError

_MAX_REDIRECTS = 3


@dataclass(frozen=True, slots=True)
class CalendarInfo:
    """One calendar collection; ``path`` (canonical) is the connector's scope."""

    url: str
    path: str
    name: str | None
    sync_collection: bool | None = None  # None: the server did not say


@dataclass(frozen=True, slots=True)
class Discovery:
    principal: str | None
    homes: tuple[str, ...]
    calendars: tuple[CalendarInfo, ...]  # every VEVENT calendar found
    selected: tuple[CalendarInfo, ...]
    missing: tuple[str, ...] = field(default=())  # configured names not found


def is_url(entry: str) -> bool:
    """Config entries starting with a scheme or ``/`` name a calendar by URL."""
    return entry.startswith(("http://", "https://", "/"))


def discover(session: DavSession, base: str, wanted: Sequence[str]) -> Discovery:
    """Principal, homes and calendars; ``selected`` follows ``wanted`` (empty: all)."""
    by_url = [w for w in wanted if is_url(w)]
    principal: str | None = None
    homes: tuple[str, ...] = ()
    listed: list[CalendarInfo] = []
    if not wanted or len(by_url) < len(wanted):
        principal, homes, own = _homes(session, base)
        if own is not None:
            listed.append(own)
        for home in homes:
            listed += _list_calendars(session, home)
    listed = list({c.path: c for c in listed}.values())
    if not wanted:
        return Discovery(principal, homes, tuple(listed), tuple(listed))
    selected: list[CalendarInfo] = []
    missing: list[str] = []
    for entry in wanted:
        found = _match(listed, base, entry)
        if found is None and is_url(entry):
            found = _read_calendar(session, urljoin(base, entry))
        if found is None:
            missing.append(entry)
        elif all(c.path != found.path for c in selected):
            selected.append(found)
    return Discovery(principal, homes, tuple(listed), tuple(selected), tuple(missing))


def _match(calendars: Sequence[CalendarInfo], base: str, entry: str) -> CalendarInfo | None:
    if is_url(entry):
        path = canonical_path(base, entry).rstrip("/")
        return next((c for c in calendars if c.path.rstrip("/") == path), None)
    for test in (
        lambda c: c.name == entry,
        lambda c: (c.name or "").casefold() == entry.casefold(),
        lambda c: c.path.rstrip("/").rsplit("/", 1)[-1] == entry,
    ):
        hit = next((c for c in calendars if test(c)), None)
        if hit is not None:
            return hit
    return None


def _homes(
    session: DavSession, base: str
) -> tuple[str | None, tuple[str, ...], CalendarInfo | None]:
    """(principal, calendar homes, the base itself when it is a calendar)."""
    body = propfind_body(PRINCIPAL_PROPS + CALENDAR_PROPS)
    principal: str | None = None
    refused: Forbidden | None = None
    for context in _contexts(session, base, body):
        try:
            item = _propfind0(session, context, body)
        except Forbidden as exc:  # e.g. another user's path: try the well-known URL
            refused = refused or exc
            continue
        if item is None:
            continue
        if is_calendar(item):
            return None, (), _info(context, item)
        homes = item.hrefs_in(f"{CALDAV}calendar-home-set")
        if homes:
            return context, tuple(urljoin(context, h) for h in homes), None
        found = item.hrefs_in(f"{DAV}current-user-principal") or item.hrefs_in(
            f"{DAV}principal-URL"
        )
        if found:
            principal = urljoin(context, found[0])
            break
    if principal is None and refused is not None:
        raise refused
    if principal is None:
        raise ProtocolError(
            f"{base}: no CalDAV principal found (tried the URL and /.well-known/caldav); "
            "check the url or name the calendars by URL"
        )
    item = _propfind0(session, principal, propfind_body(PRINCIPAL_PROPS))
    homes = item.hrefs_in(f"{CALDAV}calendar-home-set") if item is not None else []
    if not homes:
        raise ProtocolError(f"{principal}: the principal has no calendar-home-set")
    return principal, tuple(urljoin(principal, h) for h in homes), None


def _contexts(session: DavSession, base: str, body: str) -> Iterator[str]:
    """The base URL, then its host's well-known URL and where that redirects."""
    yield base
    target = urljoin(base, "/.well-known/caldav")
    host = urlsplit(base).netloc
    for _ in range(_MAX_REDIRECTS):
        location = session.location(target, body)
        if location is None:
            break
        following = urljoin(target, location)
        if urlsplit(following).netloc != host:  # RFC 6764 §8: stay on the host we trust
            return
        target = following
    yield target


def _propfind0(session: DavSession, url: str, body: str) -> DavResponse | None:
    """The answer about ``url`` itself, or None where it is no DAV resource."""
    try:
        reply = session.propfind(url, body, 0)
    except UnexpectedStatus:  # 404, 405...: no DAV resource here
        return None
    items = responses(reply.tree)
    path = canonical_path(url, url).rstrip("/")
    for item in items:
        if any(canonical_path(url, h).rstrip("/") == path for h in item.hrefs):
            return item
    return items[0] if len(items) == 1 else None


def _list_calendars(session: DavSession, home: str) -> list[CalendarInfo]:
    reply = session.propfind(home, propfind_body(CALENDAR_PROPS), 1)
    found = []
    for item in responses(reply.tree):
        if not item.hrefs or not is_calendar(item):
            continue
        components = calendar_components(item)
        if components is not None and "VEVENT" not in components:
            continue
        found.append(_info(urljoin(home, item.hrefs[0]), item))
    return found


def _read_calendar(session: DavSession, url: str) -> CalendarInfo | None:
    item = _propfind0(session, url, propfind_body(CALENDAR_PROPS))
    if item is None or not is_calendar(item):
        return None
    return _info(url, item)


def _info(url: str, item: DavResponse) -> CalendarInfo:
    path = canonical_path(url, url)
    if not path.endswith("/"):
        path += "/"
    scheme, netloc = urlsplit(url)[:2]
    return CalendarInfo(
        url=f"{scheme}://{netloc}{path}",
        path=path,
        name=item.text(f"{DAV}displayname") or None,
        sync_collection=supports_report(item, f"{DAV}sync-collection"),
    )
