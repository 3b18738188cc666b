"""WebDAV request bodies and multistatus parsing (RFC 4918 §13, RFC 4791, RFC 6578).

Bodies are small fixed templates; answers are read from the lxml tree the
caldav client already parsed (entities off, no network). Hrefs are reduced to
one canonical path form, because servers spell the same resource differently
in different answers (``%40`` or ``@``, absolute URL or path): percent-decoded
and re-encoded with one safe set, except for encoded reserved characters
(``%2F``, ``%23``...) whose decoding would change the path's meaning: those
stay encoded, in upper case (vdirsyncer's ``_normalize_href`` has the same
concern). A canonical path never contains a bare ``#``, so it is safe as the
container part of an occurrence ref.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit
from xml.sax.saxutils import escape

DAV = "{DAV:}"
CALDAV = "{urn:ietf:params:xml:ns:caldav}"
CS = "{http://calendarserver.org/ns/}"

_NS = 'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/"'
_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'
_RESERVED = re.compile(r"(%(?:2F|3F|23|5B|5D))", re.IGNORECASE)
_SAFE = "/@:!$&'()*+,;=~"

PRINCIPAL_PROPS = (
    "<D:current-user-principal/><D:resourcetype/><C:calendar-home-set/><D:principal-URL/>"
)
# No getctag or sync-token here: a server may compute them over every item.
CALENDAR_PROPS = (
    "<D:resourcetype/><D:displayname/>"
    "<D:supported-report-set/><C:supported-calendar-component-set/>"
)


def canonical_path(base: str, href: str) -> str:
    """The path of ``href`` (resolved against ``base``) in one canonical encoding."""
    path = urlsplit(urljoin(base, href.strip())).path or "/"
    parts = _RESERVED.split(path)  # odd items: encoded reserved characters, kept
    return "".join(
        part.upper() if i % 2 else quote(unquote(part), safe=_SAFE) for i, part in enumerate(parts)
    )


def propfind_body(props: str) -> str:
    return f"{_HEAD}<D:propfind {_NS}><D:prop>{props}</D:prop></D:propfind>"


def sync_collection_body(token: str | None, *, with_data: bool = True) -> str:
    """RFC 6578 §3.2: changes since ``token`` (None: everything), etags and data."""
    data = "<C:calendar-data/>" if with_data else ""
    return (
        f"{_HEAD}<D:sync-collection {_NS}>"
        f"<D:sync-token>{escape(token or '')}</D:sync-token>"
        "<D:sync-level>1</D:sync-level>"
        f"<D:prop><D:getetag/>{data}</D:prop></D:sync-collection>"
    )


def multiget_body(hrefs: Iterable[str]) -> str:
    """RFC 4791 §7.9: etag and calendar-data of the named resources."""
    refs = "".join(f"<D:href>{escape(h)}</D:href>" for h in hrefs)
    return (
        f"{_HEAD}<C:calendar-multiget {_NS}>"
        f"<D:prop><D:getetag/><C:calendar-data/></D:prop>{refs}</C:calendar-multiget>"
    )


def calendar_query_body() -> str:
    """RFC 4791 §7.8: every VEVENT resource with its data (the bench's baseline)."""
    return (
        f"{_HEAD}<C:calendar-query {_NS}>"
        "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
        '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/>'
        "</C:comp-filter></C:filter></C:calendar-query>"
    )


@dataclass(frozen=True, slots=True)
class DavResponse:
    """One ``DAV:response``: its hrefs, its own status, the props found and missing."""

    hrefs: tuple[str, ...]
    status: int | None
    props: dict[str, Any] = field(default_factory=dict)  # Clark tag -> lxml element
    missing: frozenset[str] = frozenset()  # props the server answered 404 (or other) for

    def text(self, tag: str) -> str | None:
        element = self.props.get(tag)
        if element is None or element.text is None:
            return None
        return str(element.text).strip()

    def hrefs_in(self, tag: str) -> list[str]:
        element = self.props.get(tag)
        if element is None:
            return []
        return [str(h.text).strip() for h in element.iter(f"{DAV}href") if h.text]


@dataclass(frozen=True, slots=True)
class Member:
    """A calendar object resource as a REPORT or PROPFIND listed it."""

    path: str  # canonical
    status: int  # 200 present, 404 removed (RFC 6578 §3.5.2)
    etag: str | None = None
    data: bytes | None = field(default=None, repr=False)


def status_code(text: str | None) -> int | None:
    """``HTTP/1.1 404 Not Found`` -> 404."""
    if not text:
        return None
    parts = text.split()
    if len(parts) >= 2 and parts[1].isdigit():
        return int(parts[1])
    return None


def responses(root: Any) -> list[DavResponse]:
    """Every ``DAV:response`` of a multistatus tree (empty for anything else)."""
    if root is None or root.tag != f"{DAV}multistatus":
        return []
    out = []
    for node in root.iterchildren(f"{DAV}response"):
        hrefs = tuple(str(h.text).strip() for h in node.iterchildren(f"{DAV}href") if h.text)
        own = node.find(f"{DAV}status")
        props: dict[str, Any] = {}
        missing: set[str] = set()
        for propstat in node.iterchildren(f"{DAV}propstat"):
            code = status_code(propstat.findtext(f"{DAV}status"))
            prop = propstat.find(f"{DAV}prop")
            if prop is None:
                continue
            for element in prop:
                if not isinstance(element.tag, str):
                    continue
                if code is not None and 200 <= code < 300:
                    props[element.tag] = element
                else:
                    missing.add(element.tag)
        status = status_code(own.text if own is not None else None)
        out.append(DavResponse(hrefs, status, props, frozenset(missing)))
    return out


def sync_token(root: Any) -> str | None:
    """The new ``DAV:sync-token`` of a sync-collection answer."""
    if root is None:
        return None
    token = root.findtext(f"{DAV}sync-token")
    return token.strip() if token else None


def members(items: Sequence[DavResponse], base: str, collection: str) -> tuple[list[Member], bool]:
    """Resources of ``collection`` in a REPORT/PROPFIND answer; True when truncated.

    A 507 on the collection itself means the server cut the result short and
    the sync-token continues from there (RFC 6578 §3.6). Sub-collections and
    the collection's own entry are skipped; members are kept even when the
    server names them under another path (a proxy prefix), never dropped.
    """
    found: list[Member] = []
    truncated = False
    for item in items:
        for href in item.hrefs:
            path = canonical_path(base, href)
            if path.rstrip("/") == collection.rstrip("/"):
                truncated = truncated or item.status == 507
                continue
            if path.endswith("/"):
                continue
            if item.status is not None and item.status != 200 and not item.props:
                found.append(Member(path, item.status))
                continue
            data = item.text(f"{CALDAV}calendar-data")
            found.append(
                Member(
                    path,
                    200,
                    item.text(f"{DAV}getetag"),
                    None if data is None else data.encode("utf-8"),
                )
            )
    return found, truncated


def calendar_components(item: DavResponse) -> frozenset[str] | None:
    """``supported-calendar-component-set`` names, or None when not given."""
    element = item.props.get(f"{CALDAV}supported-calendar-component-set")
    if element is None:
        return None
    return frozenset(str(comp.get("name", "")).upper() for comp in element.iter(f"{CALDAV}comp"))


def supports_report(item: DavResponse, tag: str) -> bool | None:
    """Whether ``supported-report-set`` lists ``tag``; None when not given."""
    element = item.props.get(f"{DAV}supported-report-set")
    if element is None:
        return None
    return any(node.tag == tag for node in element.iter())


def is_calendar(item: DavResponse) -> bool:
    element = item.props.get(f"{DAV}resourcetype")
    return element is not None and element.find(f"{CALDAV}calendar") is not None
