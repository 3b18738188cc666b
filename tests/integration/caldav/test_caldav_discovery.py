"""Discovery (RFC 6764), calendar choice, auth schemes and TLS against real servers."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from connectors.caldav import CaldavConnector
from syncd.config import parse_settings
from syncd.errors import AuthError, ConfigError
from syncd.registry import build_connector
from tests.integration.caldav.conftest import Harness, vcalendar, vevent
from tests.servers.authproxy import AuthProxy
from tests.servers.radicale import USERS, RadicaleServer

TASKS_BODY = (
    '<?xml version="1.0"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<D:set><D:prop><D:displayname>Úlohy</D:displayname><C:supported-calendar-component-set>"
    '<C:comp name="VTODO"/></C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>'
)


@pytest.fixture(scope="module")
def carol(radicale: RadicaleServer) -> dict[str, str]:
    """Carol's calendars: two for events, one task list."""
    suffix = uuid.uuid4().hex[:6]
    work = radicale.mkcalendar("carol", f"prace{suffix}", f"Práca {suffix}")
    home = radicale.mkcalendar("carol", f"osobne{suffix}", f"Osobné {suffix}")
    status, _ = radicale.http("MKCALENDAR", f"/carol/ulohy{suffix}/", TASKS_BODY, user="carol")
    assert status == 201
    return {"work": work, "home": home, "suffix": suffix}


def _connector(url: str, **kw: object) -> CaldavConnector:
    return CaldavConnector("c", url, "subject", username="carol", password=USERS["carol"], **kw)  # type: ignore[arg-type]


def test_discovery_from_the_root_the_well_known_url_and_by_name_or_url(
    radicale: RadicaleServer, carol: dict[str, str]
) -> None:
    mine = {carol["work"], carol["home"]}
    found = _connector(radicale.url).discovery()
    assert found.principal == f"{radicale.url}carol/"
    assert {c.path for c in found.selected} >= mine
    assert not any("ulohy" in c.path for c in found.calendars)  # a task list holds no meetings
    assert all(c.sync_collection for c in found.selected)

    # not a DAV context: falls back to /.well-known/caldav (Radicale: 301 to /)
    elsewhere = _connector(radicale.url + "not/a/dav/context/")
    assert set(elsewhere.scopes()) >= mine

    by_name = _connector(radicale.url, calendars=[f"Práca {carol['suffix']}"])
    assert by_name.scopes() == [carol["work"]]
    by_segment = _connector(
        radicale.url, calendars=[f"osobne{carol['suffix']}", "PRÁCA " + carol["suffix"]]
    )
    assert by_segment.scopes() == [carol["home"], carol["work"]]
    by_url = _connector(radicale.url, calendars=[radicale.url.rstrip("/") + carol["home"]])
    assert by_url.scopes() == [carol["home"]]
    assert by_url.discovery().principal is None  # URLs only: no principal lookup needed

    with pytest.raises(ConfigError) as missing:
        _connector(radicale.url, calendars=["Nope"]).scopes()
    assert "Nope" in str(missing.value) and f"Práca {carol['suffix']}" in str(missing.value)


def test_check_reports_calendars_and_a_preview(radicale: RadicaleServer, tmp_path: Path) -> None:
    cal = radicale.mkcalendar("alice", display="Preview")
    radicale.put(f"{cal}a.ics", vcalendar(vevent("check-" + cal, ":20990101T100000Z")))
    radicale.put(
        f"{cal}b.ics",
        vcalendar(
            vevent("check2-" + cal, ":20250101T100000Z", extra="RRULE:FREQ=YEARLY;COUNT=200")
        ),
    )
    (tmp_path / "pw").write_text(USERS["alice"])
    settings = parse_settings(
        {
            "connectors": [
                {
                    "name": "alice",
                    "kind": "caldav",
                    "url": radicale.url,
                    "username": "alice",
                    "password_file": "pw",
                    "calendars": ["Preview"],
                    "window_past": "30d",
                    "window_future": "400d",
                }
            ]
        },
        tmp_path,
    )
    result = build_connector(settings.connectors[0], settings).check()
    assert result.ok, result.detail
    assert result.scopes == (cal,)
    assert "Preview" in result.detail and "sync-collection" in result.detail
    assert result.preview_items in (1, 2)  # the yearly series, once or twice in ~14 months
    assert result.preview_bytes and result.preview_bytes > 100


def test_wrong_password_pauses_the_connector(radicale: RadicaleServer, harness: Harness) -> None:
    harness.add("alice", radicale.url, user="alice", secret="wrong")
    report = harness.pipeline().sync("alice")
    assert report.status == "auth_failed"
    with pytest.raises(AuthError):
        CaldavConnector("x", radicale.url, "subject", username="alice", password="wrong").scopes()


@pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
def test_tls_is_verified_by_default(radicale_tls: RadicaleServer, harness: Harness) -> None:
    cal = radicale_tls.mkcalendar("alice")
    radicale_tls.put(f"{cal}t.ics", vcalendar(vevent("tls-" + cal, ":20990101T100000Z")))
    base: dict[str, Any] = {
        "user": "alice",
        "secret": USERS["alice"],
        "calendars": [cal],
        "window_future": "40000d",
    }
    harness.add("untrusted", radicale_tls.url, **base)
    report = harness.pipeline().sync("untrusted")
    assert report.status == "error" and "certificate" in (report.error or "")
    harness.add("trusted", radicale_tls.url, ca_file=str(radicale_tls.ca_file), **base)
    assert harness.sync("trusted").created == 1
    harness.add("insecure", radicale_tls.url, verify_tls=False, **base)
    assert harness.sync("insecure").sources == 1


def test_bearer_token_and_digest_through_a_gateway(
    gateway: tuple[AuthProxy, RadicaleServer], harness: Harness
) -> None:
    proxy, server = gateway
    cal = server.mkcalendar("alice")
    server.put(f"{cal}g.ics", vcalendar(vevent("gw-" + cal, ":20990101T100000Z")))
    future = {"calendars": [cal], "window_future": "40000d"}

    harness.add("bearer", proxy.url, user=None, secret="tok-alice-123", auth="bearer", **future)
    proxy.schemes.clear()
    assert harness.sync("bearer").created == 1
    assert proxy.schemes and set(proxy.schemes) == {"bearer"}  # no request spent on a challenge

    harness.add("digest", proxy.url, user="alice", secret="digest-pw", auth="digest", **future)
    proxy.schemes.clear()
    assert harness.sync("digest").sources == 1
    assert "digest" in proxy.schemes

    harness.add("badtoken", proxy.url, user=None, secret="nope", auth="bearer", **future)
    assert harness.pipeline().sync("badtoken").status == "auth_failed"
