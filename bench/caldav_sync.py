"""CalDAV benchmark: a Radicale calendar of N meetings → matched timeline.

Fills a fresh Radicale calendar with ``--events`` meetings (a share of them
weekly series, half in Europe/Bratislava) written straight into its storage
folder, warms Radicale's item cache, then prints one table (each repetition
runs every measure once, so that all of them see the same machine load):

- the physical limit: one raw calendar-query REPORT (RFC 4791 §7.8) of the
  whole calendar with calendar-data, every object parsed by icalendar;
- syncd's first sync end to end (discovery, sync-collection REPORT, parsing
  and expansion, matching, SQLite writes), as a ratio to that limit;
- a poll of the unchanged calendar: requests Radicale received, and time.

Usage: python bench/caldav_sync.py [--events 2000] [--recurring 0.2] [--repeat 3]
                                   [--pg-url postgresql+psycopg://syncd:syncd@127.0.0.1/postgres]
Targets: ratio ≥ 0.5; the unchanged poll is one request.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import niquests  # noqa: E402
from icalendar import Calendar  # noqa: E402
from lxml import etree  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from connectors.caldav.multistatus import calendar_query_body, sync_collection_body  # noqa: E402
from syncd.config import parse_settings  # noqa: E402
from syncd.pipeline import Pipeline  # noqa: E402
from syncd.store.db import make_engine, session_factory  # noqa: E402
from syncd.store.migrate import upgrade  # noqa: E402
from syncd.store.models import Communication, Company, CompanyDomain  # noqa: E402
from tests.servers.radicale import USERS, RadicaleServer  # noqa: E402

DOMAINS = [f"firma{i}.sk" for i in range(40)] + ["acme.cz", "example.ua", "gmail.com"]
DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "ical"
BRATISLAVA = (DATA / "europe_bratislava.vtimezone").read_text()  # a VTIMEZONE block


def meeting(i: int, rng: random.Random, today: datetime, recurring: float) -> str:
    start = today + timedelta(days=rng.randint(-80, 170), hours=rng.randint(7, 17))
    local = rng.random() < 0.5
    if local:
        dtstart = f"DTSTART;TZID=Europe/Bratislava:{start:%Y%m%dT%H%M%S}"
        dtend = f"DTEND;TZID=Europe/Bratislava:{start + timedelta(hours=1):%Y%m%dT%H%M%S}"
    else:
        dtstart = f"DTSTART:{start:%Y%m%dT%H%M%SZ}"
        dtend = f"DTEND:{start + timedelta(minutes=30):%Y%m%dT%H%M%SZ}"
    people = [
        f"ATTENDEE;CN=Kontakt {i}-{n};PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:"
        f"mailto:osoba{i % 300}.{n}@{rng.choice(DOMAINS)}"
        for n in range(rng.randint(1, 4))
    ]
    lines = [
        "BEGIN:VEVENT",
        f"UID:bench-{i}-{uuid.uuid4()}@tatrasoft.sk",
        "DTSTAMP:20250101T000000Z",
        dtstart,
        dtend,
        f"SUMMARY:Stretnutie č. {i} – obchodná ponuka",
        "LOCATION:Zasadačka 2",
        "DESCRIPTION:Agenda: ponuka\\, zmluva\\, termíny",
        "ORGANIZER;CN=Peter Kováč:mailto:peter@tatrasoft.sk",
        *people,
        "SEQUENCE:0",
    ]
    if rng.random() < recurring:
        lines.append("RRULE:FREQ=WEEKLY;COUNT=8")
    lines.append("END:VEVENT")
    zone = BRATISLAVA if local else ""
    body = "\n".join(lines) + "\n"
    text_ = f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//syncd bench//EN\n{zone}{body}END:VCALENDAR\n"
    return text_.replace("\n", "\r\n")


def fill(server: RadicaleServer, events: int, recurring: float) -> str:
    calendar = server.mkcalendar("alice", "bench", "Bench")
    rng = random.Random(7)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    for i in range(events):
        server.write(f"{calendar}m{i:05d}.ics", meeting(i, rng, today, recurring))
    return calendar


def report(server: RadicaleServer, calendar: str, body: str, depth: str) -> bytes:
    response = niquests.Session().request(
        "REPORT",
        server.url.rstrip("/") + calendar,
        data=body.encode(),
        headers={"Depth": depth, "Content-Type": "text/xml"},
        auth=("alice", USERS["alice"]),
        timeout=600,
    )
    assert response.status_code == 207, response.status_code
    return response.content or b""


def warm(server: RadicaleServer, calendar: str) -> float:
    """Radicale's one-time caches: items parsed once, per-item sync history written once."""
    started = time.perf_counter()
    report(server, calendar, calendar_query_body(), "1")
    report(server, calendar, sync_collection_body(None, with_data=False), "0")
    return time.perf_counter() - started


def raw_limit(server: RadicaleServer, calendar: str) -> tuple[int, float]:
    """Objects parsed per second: one calendar-query REPORT plus icalendar parsing."""
    started = time.perf_counter()
    content = report(server, calendar, calendar_query_body(), "1")
    root = etree.fromstring(content)
    count = 0
    for node in root.iter("{urn:ietf:params:xml:ns:caldav}calendar-data"):
        Calendar.from_ical(node.text)
        count += 1
    return count, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--recurring", type=float, default=0.2)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure; the median")
    parser.add_argument("--pg-url", help="also run against this PostgreSQL admin URL")
    args = parser.parse_args()
    server = RadicaleServer().start()
    try:
        calendar = fill(server, args.events, args.recurring)
        warmed = warm(server, calendar)
        targets = [("sqlite", None)] + ([("postgresql", args.pg_url)] if args.pg_url else [])
        loads = [os.getloadavg()[0]]
        raws: list[float] = []
        runs: dict[str, list[Run]] = {backend: [] for backend, _ in targets}
        count = 0
        for _ in range(args.repeat):  # interleaved, so that every measure sees the same load
            count, seconds = raw_limit(server, calendar)
            raws.append(seconds)
            for backend, admin in targets:
                runs[backend].append(run_syncd(server, calendar, backend, admin))
        loads.append(os.getloadavg()[0])
        seconds = statistics.median(raws)
        limit = count / seconds
        rows = [
            ("Radicale's one-time cache build (not counted)", "", _ms(warmed), ""),
            ("raw calendar-query REPORT + icalendar parse", _rate(limit), _ms(seconds), ""),
        ]
        for backend, _ in targets:
            rows += _rows(backend, runs[backend], count, limit)
        print(
            f"\nCalDAV sync, {count} calendar objects ({args.recurring:.0%} weekly series),"
            f" Radicale 3, median of {args.repeat}, {os.cpu_count()} cores,"
            f" load {loads[0]:.1f} → {loads[1]:.1f}\n"
        )
        width = max(len(r[0]) for r in rows)
        print(f"{'measure':<{width}}  {'rate':>16}  {'time':>9}  ratio / requests")
        for name, rate, took, extra in rows:
            print(f"{name:<{width}}  {rate:>16}  {took:>9}  {extra}")
    finally:
        server.stop()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _rate(per_second: float) -> str:
    return f"{per_second:,.0f} events/s"


@dataclass(frozen=True, slots=True)
class Run:
    first: float  # seconds
    poll: float  # seconds
    requests: int  # requests the unchanged poll made
    stored: int  # occurrences stored


def run_syncd(server: RadicaleServer, calendar: str, backend: str, admin: str | None) -> Run:
    """A first sync into a fresh database, then a poll of the unchanged calendar."""
    with _database(backend, admin) as (url, tmp):
        engine = make_engine(url)
        upgrade(engine)
        with session_factory(engine).begin() as s:
            for i, domain in enumerate(DOMAINS[:40]):
                company = Company(name=f"Firma {i} s.r.o.")
                company.domains.append(CompanyDomain(domain=domain))
                s.add(company)
        pipeline = Pipeline(_settings(server, calendar, url, tmp), engine)
        started = time.perf_counter()
        first = pipeline.sync("bench")
        took = time.perf_counter() - started
        assert first.status == "ok", first
        with session_factory(engine)() as s:
            stored = s.scalar(select(func.count()).select_from(Communication)) or 0
        before = server.request_count()
        started = time.perf_counter()
        again = pipeline.sync("bench")
        poll = time.perf_counter() - started
        requests = server.request_count() - before
        assert again.created == 0
        engine.dispose()
    return Run(took, poll, requests, stored)


def _rows(
    backend: str, runs: list[Run], count: int, limit: float
) -> list[tuple[str, str, str, str]]:
    took = statistics.median(r.first for r in runs)
    rate = count / took
    return [
        (
            f"syncd first sync, end to end ({backend}; {runs[-1].stored} occurrences)",
            _rate(rate),
            _ms(took),
            f"ratio {rate / limit:.2f} (target ≥ 0.5)",
        ),
        (
            f"syncd poll of the unchanged calendar ({backend})",
            "",
            f"{statistics.median(r.poll for r in runs) * 1000:,.1f} ms",
            f"{max(r.requests for r in runs)} request(s) (target 1)",
        ),
    ]


@contextlib.contextmanager
def _database(backend: str, admin: str | None) -> Iterator[tuple[str, Path]]:
    tmp = Path(tempfile.mkdtemp(prefix="syncd-bench-"))
    try:
        if backend == "sqlite" or admin is None:
            yield f"sqlite:///{tmp / 'bench.sqlite'}", tmp
            return
        name = f"syncd_bench_{uuid.uuid4().hex[:8]}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin.rsplit("/", 1)[0] + f"/{name}", tmp
        finally:
            with engine.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _settings(server: RadicaleServer, calendar: str, url: str, tmp: Path) -> Any:
    (tmp / "pw").write_text(USERS["alice"])
    return parse_settings(
        {
            "database": {"url": url},
            "organisation": {"internal_domains": ["tatrasoft.sk"]},
            "connectors": [
                {
                    "name": "bench",
                    "kind": "caldav",
                    "url": server.url,
                    "username": "alice",
                    "password_file": "pw",
                    "calendars": [calendar],
                    "visibility": "full",
                }
            ],
        },
        tmp,
    )


if __name__ == "__main__":
    main()
