"""Pure parts of the CalDAV connector: hrefs, multistatus, cursor, window spans."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from connectors.caldav.cursor import CalendarCursor, ResourceState, horizon
from connectors.caldav.multistatus import (
    canonical_path,
    members,
    multiget_body,
    responses,
    supports_report,
    sync_collection_body,
    sync_token,
)
from connectors.caldav.occurrences import may_reach, refs_by_resource, uncovered

BASE = "https://dav.example.sk/cal/"

RADICALE_SYNC = b"""<?xml version='1.0' encoding='utf-8'?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<sync-token>http://radicale.org/ns/sync/abc</sync-token>
<response><href>/alice/work/e1.ics</href><propstat><prop><getetag>"1"</getetag>
<C:calendar-data>BEGIN:VCALENDAR
END:VCALENDAR
</C:calendar-data></prop><status>HTTP/1.1 200 OK</status></propstat></response>
<response><href>/alice/work/gone.ics</href><status>HTTP/1.1 404 Not Found</status></response>
</multistatus>"""

XANDIKOS_SYNC = b"""<ns0:multistatus xmlns:ns0="DAV:" xmlns:ns1="urn:ietf:params:xml:ns:caldav">
<ns0:response><ns0:href>/user/calendars/calendar/e1.ics</ns0:href>
<ns0:propstat><ns0:status>HTTP/1.1 200 OK</ns0:status><ns0:prop>
<ns0:getetag>"87"</ns0:getetag></ns0:prop></ns0:propstat>
<ns0:propstat><ns0:status>HTTP/1.1 404 Not Found</ns0:status><ns0:prop><ns1:calendar-data />
</ns0:prop></ns0:propstat></ns0:response>
<ns0:response><ns0:href>/user/calendars/calendar/</ns0:href>
<ns0:status>HTTP/1.1 507 Insufficient Storage</ns0:status></ns0:response>
<ns0:sync-token>c46565</ns0:sync-token></ns0:multistatus>"""


def _tree(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(remove_blank_text=True))


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("/cal/a.ics", "/cal/a.ics"),
        ("https://dav.example.sk/cal/a.ics", "/cal/a.ics"),
        ("a.ics", "/cal/a.ics"),
        ("/cal/j%40n.ics", "/cal/j@n.ics"),
        ("/cal/j@n.ics", "/cal/j@n.ics"),
        ("/cal/m%c3%a1j%20x.ics", "/cal/m%C3%A1j%20x.ics"),
        ("/cal/máj x.ics", "/cal/m%C3%A1j%20x.ics"),
        ("/cal/a%2fb.ics", "/cal/a%2Fb.ics"),  # an encoded slash stays encoded
        ("/cal/x%23y%40z.ics", "/cal/x%23y@z.ics"),
        ("/cal/x%23y@z.ics", "/cal/x%23y@z.ics"),
    ],
)
def test_canonical_path(href: str, expected: str) -> None:
    assert canonical_path(BASE, href) == expected
    assert "#" not in canonical_path(BASE, href)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30))
def test_canonical_path_is_idempotent_and_has_no_fragment(name: str) -> None:
    once = canonical_path(BASE, "/cal/" + name.replace("#", "%23").replace("?", "%3F"))
    assert canonical_path(BASE, once) == once
    assert "#" not in once


def test_radicale_sync_answer() -> None:
    tree = _tree(RADICALE_SYNC)
    found, truncated = members(responses(tree), "http://x/", "/alice/work/")
    assert not truncated and sync_token(tree) == "http://radicale.org/ns/sync/abc"
    assert [(m.path, m.status, m.etag) for m in found] == [
        ("/alice/work/e1.ics", 200, '"1"'),
        ("/alice/work/gone.ics", 404, None),
    ]
    assert found[0].data is not None and found[0].data.startswith(b"BEGIN:VCALENDAR")


def test_xandikos_sync_answer_without_data_and_truncated() -> None:
    tree = _tree(XANDIKOS_SYNC)
    found, truncated = members(responses(tree), "http://x/", "/user/calendars/calendar/")
    assert truncated and sync_token(tree) == "c46565"
    assert [(m.path, m.status, m.etag, m.data) for m in found] == [
        ("/user/calendars/calendar/e1.ics", 200, '"87"', None)
    ]


def test_supported_report_and_bodies() -> None:
    tree = _tree(
        b'<multistatus xmlns="DAV:"><response><href>/c/</href><propstat><prop>'
        b"<supported-report-set><supported-report><report><sync-collection/></report>"
        b"</supported-report></supported-report-set></prop><status>HTTP/1.1 200 OK</status>"
        b"</propstat></response></multistatus>"
    )
    assert supports_report(responses(tree)[0], "{DAV:}sync-collection") is True
    assert "<D:sync-token>a&amp;b</D:sync-token>" in sync_collection_body("a&b")
    assert "<D:href>/c/x&lt;y.ics</D:href>" in multiget_body(["/c/x<y.ics"])
    etree.fromstring(sync_collection_body(None).encode())  # well-formed


def test_cursor_round_trip_and_bad_cursors() -> None:
    cursor = CalendarCursor("sync", token="t1", covered=(10, 20))
    cursor.resources["a.ics"] = ResourceState('"e"', None)
    cursor.resources["b.ics"] = ResourceState(None, 1_700_000_000)
    loaded = CalendarCursor.load(cursor.dump(), "sync")
    assert loaded == cursor
    assert CalendarCursor.load(cursor.dump(), "ctag") == CalendarCursor("ctag")  # other mode
    for bad in (None, "", "{", '{"v": 99}', '{"v":1,"m":"sync","w":[1],"r":{}}', "[]"):
        assert CalendarCursor.load(bad, "sync") == CalendarCursor("sync")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"BEGIN:VEVENT\r\nDTSTART;TZID=Europe/Bratislava:20250302T100000\r\n", "2025-03-02"),
        (b"DTSTART;VALUE=DATE:20250801\r\nDTSTART:20250701T100000Z\r\n", "2025-07-01"),
        (b"DTSTART:20250101T100000Z\r\nRRULE:FREQ=DAILY\r\n", None),
        (b"DTSTART:20250101T100000Z\r\nRDATE:20250301T100000Z\r\n", None),
        (b"SUMMARY:no start\r\n", None),
        (b"DTSTART:20251399T100000Z\r\n", None),
    ],
)
def test_horizon(data: bytes, expected: str | None) -> None:
    value = horizon(data)
    got = None if value is None else datetime.fromtimestamp(value, UTC).date().isoformat()
    assert got == expected


def _at(day: int) -> datetime:
    return datetime(2025, 1, day, tzinfo=UTC)


def test_uncovered_spans_and_reach() -> None:
    covered = (int(_at(10).timestamp()), int(_at(20).timestamp()))
    assert uncovered(covered, _at(10), _at(20)) == []
    assert uncovered(covered, _at(11), _at(25)) == [(_at(20), _at(25), False)]
    assert uncovered(covered, _at(5), _at(15)) == [(_at(5), _at(10), True)]
    forward = [(_at(20), _at(25), False)]
    assert may_reach(None, forward)  # recurring: always re-read
    assert may_reach(int(_at(22).timestamp()), forward)
    assert not may_reach(int(_at(12).timestamp()), forward)
    assert not may_reach(int(_at(29).timestamp()), forward)
    assert may_reach(int(_at(1).timestamp()), [(_at(5), _at(10), True)])


def test_refs_by_resource() -> None:
    refs = {"/c/a.ics#u1|", "/c/a.ics#u2|2025-01-01T10:00:00Z", "/c/b%23x.ics#u#3|", "odd"}
    assert refs_by_resource(refs) == {
        "/c/a.ics": {"/c/a.ics#u1|", "/c/a.ics#u2|2025-01-01T10:00:00Z"},
        "/c/b%23x.ics": {"/c/b%23x.ics#u#3|"},
    }
