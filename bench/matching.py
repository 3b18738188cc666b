"""Matching at CRM scale through the database: index, match rate, retroactive re-link.

Builds a CRM of 1,000,000 contacts and 200,000 companies (the generators of
``bench/matching_index.py``: CEE company domains, a fifth of the contacts on
free-mail) in a SQLite file and in a throwaway PostgreSQL database, then:

1. loads the matcher's index from the database with ``syncd.store.crm.load_index``
   (wall time, RSS growth and peak while loading);
2. matches addresses with it (the uniform-stream and working-set workloads of
   ``bench/matching_index.py``, counted in CPU time);
3. stores 1,000,000 timeline items, each with an internal user and one to three
   external participants (40 % known contacts, 25 % unknown people at known
   companies, 20 % free-mail strangers, 15 % unknown domains; ~3 participants
   per item) and the links the matcher gives them, plus a few manual links and
   manual unlinks;
4. changes the CRM the way an admin or the CRM itself would (1,000 companies
   get a domain that unknown correspondents use, 1,000 contacts with mail are
   deleted, 1,000 domains are renamed in place) and times ``crm_fingerprint``,
   the index reload and ``relink_all`` over every item, on each database.

Data generation and loading are set-up, printed but not measured against the
targets. Targets (issue 4): >= 200,000 addresses/s, index <= 1 GB RSS, re-link
of 1,000,000 items <= 2 minutes.

    python bench/matching.py [--contacts 1000000] [--companies 200000]
        [--items 1000000] [--messages 100000] [--changes 1000] [--workers N]
        [--no-sqlite] [--no-pg] [--pg-admin-url URL] [--workdir DIR]

``--workers`` is the number of re-link processes (default: one per core, as
``relink_all`` does for 100,000 items or more; ``--workers 1`` for one core).
The 1,000 deleted contacts use a temporary index on ``contact_emails
(contact_id)``, dropped right after: the schema has none, and the ON DELETE
CASCADE would otherwise scan a million rows per deleted contact.

Full size takes about 10 minutes on the 2-core reference machine and about
2 GB of disk (SQLite file in a temporary directory, removed at the end).
"""

from __future__ import annotations

import sys

if __name__ == "matching":  # pragma: no cover - see below
    # A script run from bench/ (``python bench/matching_index.py``) has bench/
    # as sys.path[0], so its ``import matching`` finds this file: hand it the
    # real package instead (the import system returns what sys.modules holds).
    import importlib
    from pathlib import Path

    _bench = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _bench]
    del sys.modules[__name__]
    sys.modules[__name__] = importlib.import_module(__name__)

import argparse
import contextlib
import gc
import os
import random
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]
# Run as a script, bench/ is sys.path[0] and this file would shadow the
# ``matching`` package: put the project root first and drop bench/.
sys.path[:] = [str(_ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != _ROOT / "bench"]

from sqlalchemy import (  # noqa: E402
    Engine,
    bindparam,
    create_engine,
    delete,
    insert,
    text,
    update,
)

from bench.matching_index import (  # noqa: E402
    _FIRST,
    _FREE,
    _LAST,
    _P,
    _companies,
    _contacts,
    _domains,
    _messages,
    _rss_kb,
)
from matching import CrmIndex, MatchPolicy, match_participants  # noqa: E402
from syncd.store.crm import crm_fingerprint, load_index  # noqa: E402
from syncd.store.db import make_engine, session_factory  # noqa: E402
from syncd.store.migrate import upgrade  # noqa: E402
from syncd.store.models import (  # noqa: E402
    Communication,
    Company,
    CompanyDomain,
    Contact,
    ContactEmail,
    InternalDomain,
    Link,
    ParticipantRow,
)
from syncd.store.relink import AUTO_WORKERS_MAX, PARALLEL_MIN, relink_all  # noqa: E402

DEFAULT_PG_ADMIN = "postgresql+psycopg://syncd:syncd@127.0.0.1:5432/postgres"
INTERNAL = "ourco.sk"
CHUNK = 20_000
NOW = datetime(2026, 12, 1, tzinfo=UTC)
Row = tuple[Any, ...]


# --- CRM ---------------------------------------------------------------------


class Crm:
    """The generated CRM as plain rows (1-based ids), contact emails unique."""

    def __init__(self, contacts: int, companies: int) -> None:
        self.domains = _domains(companies, 1)
        self.company_rows: list[Row] = []
        self.domain_rows: list[Row] = []
        for cid, doms in _companies(self.domains):
            self.company_rows.append((cid + 1, f"Company {cid + 1}"))
            self.domain_rows.extend((cid + 1, d) for d in doms)
        self.contact_rows: list[Row] = []
        self.email_rows: list[Row] = []
        seen: set[str] = set()
        for ctid, company, emails in _contacts(contacts, self.domains, 2):
            self.contact_rows.append((ctid + 1, None if company is None else company + 1))
            for e in emails:
                if e not in seen:  # the generator may repeat an address; the table is unique
                    seen.add(e)
                    self.email_rows.append((ctid + 1, e))
        self.unknown_domains = [
            f"{d.split('.')[0]}x.{d.rsplit('.', 1)[1]}" for d in self.domains[:20_000]
        ]
        self.unknown_domains = sorted(set(self.unknown_domains) - set(self.domains))


def _copy(engine: Engine, table: str, columns: tuple[str, ...], rows: Iterator[Row]) -> None:
    """PostgreSQL COPY ... FROM STDIN through psycopg (the fast path for set-up)."""
    with engine.begin() as conn:
        raw: Any = conn.connection.driver_connection
        cols = ", ".join(columns)
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row(r)


def _bulk(engine: Engine, table: Any, columns: tuple[str, ...], rows: Iterator[Row]) -> None:
    """COPY on PostgreSQL; on SQLite a Core INSERT compiled once, executemany of tuples."""
    if engine.dialect.name == "postgresql":
        _copy(engine, table.name, columns, rows)
        return
    stmt = insert(table).values({c: bindparam(c) for c in columns})
    sql = str(stmt.compile(dialect=engine.dialect))
    with engine.begin() as conn:
        chunk: list[Row] = []
        for r in rows:
            chunk.append(tuple(_sqlite_value(v) for v in r))
            if len(chunk) >= CHUNK:
                conn.exec_driver_sql(sql, chunk)
                chunk = []
        if chunk:
            conn.exec_driver_sql(sql, chunk)


def _sqlite_value(v: Any) -> Any:
    # the storage format of SQLAlchemy's SQLite DateTime (UTCDateTime stores UTC, naive)
    return v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v


def load_crm(engine: Engine, crm: Crm) -> None:
    co, cd = Company.__table__, CompanyDomain.__table__
    ct, ce = Contact.__table__, ContactEmail.__table__
    company_cols = ("id", "name", "auto_created", "created_at", "updated_at")
    _bulk(engine, co, company_cols, ((i, n, False, NOW, NOW) for i, n in crm.company_rows))
    _bulk(
        engine,
        cd,
        ("id", "company_id", "domain"),
        ((i + 1, c, d) for i, (c, d) in enumerate(crm.domain_rows)),
    )
    contact_cols = ("id", "name", "company_id", "auto_created", "created_at", "updated_at")
    _bulk(
        engine,
        ct,
        contact_cols,
        ((i, f"Contact {i}", c, False, NOW, NOW) for i, c in crm.contact_rows),
    )
    _bulk(
        engine,
        ce,
        ("id", "contact_id", "email"),
        ((i + 1, c, e) for i, (c, e) in enumerate(crm.email_rows)),
    )
    with engine.begin() as conn:
        conn.execute(insert(InternalDomain), [{"domain": INTERNAL}])


# --- timeline ----------------------------------------------------------------


class Timeline:
    """Generates items in chunks: communication, participant and link rows."""

    def __init__(self, crm: Crm, index: CrmIndex, policy: MatchPolicy, seed: int = 5) -> None:
        self.crm, self.index, self.policy = crm, index, policy
        self.rnd = random.Random(seed)
        self.known = [e for _, e in crm.email_rows]
        self.next_part = self.next_link = 1
        self.manual = self.tombstones = 0

    def _external(self, i: int) -> str:
        rnd, r = self.rnd, self.rnd.random()
        if r < 0.40:
            return rnd.choice(self.known)
        if r < 0.65:
            return f"{rnd.choice(_FIRST)}.x{i % 50}@{rnd.choice(self.crm.domains)}"
        if r < 0.85:
            return f"{rnd.choice(_LAST)}{i}@{rnd.choice(_FREE)}"
        return f"{rnd.choice(_FIRST)}{i % 7}@{rnd.choice(self.crm.unknown_domains)}"

    def chunks(self, count: int) -> Iterator[tuple[list[Row], list[Row], list[Row]]]:
        rnd, index, policy = self.rnd, self.index, self.policy
        for start in range(0, count, CHUNK):
            comms: list[Row] = []
            parts: list[Row] = []
            links: list[Row] = []
            for i in range(start, min(start + CHUNK, count)):
                cid = i + 1
                outbound = i % 2 == 0
                people = [_P(f"{rnd.choice(_FIRST)}@{INTERNAL}", "Colleague", "from")]
                seen = {people[0].address}
                for k in range(rnd.choice((1, 2, 2, 3))):
                    a = self._external(i)
                    if a not in seen:
                        seen.add(a)
                        people.append(_P(a, None, "to" if k == 0 else "cc"))
                if not outbound and len(people) > 1:  # the customer wrote, the colleague read
                    people[0], people[1] = (
                        _P(people[0].address, people[0].name, "to"),
                        _P(people[1].address, None, "from"),
                    )
                m = match_participants(people, index, policy)
                occurred = NOW - timedelta(minutes=count - i)
                comms.append(
                    (cid, "email", f"bench:{cid}", f"<{cid}@bench>", f"Offer {cid}", "subject",
                     occurred, False, m.direction, f"<{cid}@bench>", 0, 4000, NOW, NOW)
                )  # fmt: skip
                for p in people:
                    parts.append((self.next_part, cid, p.role, p.address, p.name))
                    self.next_part += 1
                for j, d in enumerate(m.links):
                    if i % 997 == 0 and j == 0:  # a user removed this one by hand
                        links.append(self._link(cid, d.company_id, d.contact_id, "manual",
                                                "unlinked by a user", True, True))  # fmt: skip
                        self.tombstones += 1
                        continue
                    links.append(self._link(cid, d.company_id, d.contact_id, d.reason,
                                            d.explanation, False, False))  # fmt: skip
                if i % 991 == 0:  # a user filed this one on a company by hand
                    company = 1 + (i * 7919) % len(self.crm.company_rows)
                    if all(r[2] != company or r[3] is not None for r in links[-4:]):
                        links.append(self._link(cid, company, None, "manual",
                                                "linked by a user", True, False))  # fmt: skip
                        self.manual += 1
            yield comms, parts, links

    def _link(self, cid: int, company: int | None, contact: int | None, *rest: Any) -> Row:
        row = (self.next_link, cid, company, contact, *rest, NOW)
        self.next_link += 1
        return row


COMM_COLS = ("id", "kind", "dedupe_key", "message_id", "subject", "visibility", "occurred_at",
             "all_day", "direction", "thread_key", "sequence", "size", "created_at",
             "updated_at")  # fmt: skip
PART_COLS = ("id", "communication_id", "role", "address", "name")
LINK_COLS = ("id", "communication_id", "company_id", "contact_id", "reason", "explanation",
             "manual", "unlinked", "created_at")  # fmt: skip


def store_items(engines: list[Engine], chunks: Iterator[tuple[list[Row], ...]]) -> None:
    """Write each chunk to every database, one writer thread per database.

    The threads overlap the databases' work (PostgreSQL's server process,
    SQLite's B-tree code, which runs without the GIL) with generating the
    next chunk.
    """
    tables = (
        (Communication.__table__, COMM_COLS),
        (ParticipantRow.__table__, PART_COLS),
        (Link.__table__, LINK_COLS),
    )

    def write(engine: Engine, rows: tuple[list[Row], ...]) -> None:
        for (table, cols), data in zip(tables, rows, strict=True):
            _bulk(engine, table, cols, iter(data))

    writers = [ThreadPoolExecutor(1) for _ in engines]
    pending: deque[Future[None]] = deque()
    try:
        for rows in chunks:
            for engine, writer in zip(engines, writers, strict=True):
                pending.append(writer.submit(write, engine, rows))
            while len(pending) > 2 * len(engines):
                pending.popleft().result()
        while pending:
            pending.popleft().result()
    finally:
        for writer in writers:
            writer.shutdown()
    for engine in engines:
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                for t in ("companies", "company_domains", "contacts", "contact_emails",
                          "communications", "participants", "links"):  # fmt: skip
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), "
                            f"(SELECT max(id) FROM {t}))"
                        )  # fmt: skip
                    )
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))


# --- the CRM change ----------------------------------------------------------


_TMP_INDEX = "bench_tmp_contact_emails_contact_id"


def change_crm(engine: Engine, crm: Crm, n: int) -> None:
    """What an admin (import, merge, delete) or the CRM itself does between two passes."""
    rnd = random.Random(9)
    ncomp = len(crm.company_rows)
    new_domains = rnd.sample(crm.unknown_domains, min(n, len(crm.unknown_domains)))
    with engine.begin() as conn:
        conn.execute(
            insert(CompanyDomain),
            [{"company_id": 1 + rnd.randrange(ncomp), "domain": d} for d in new_domains],
        )
        # rename domains in place: counts and max(id) stay the same
        for domain_id in rnd.sample(range(1, len(crm.domain_rows) + 1), n):
            conn.execute(
                update(CompanyDomain)
                .where(CompanyDomain.id == domain_id)
                .values(domain=CompanyDomain.domain + "x")
            )
        gone = sorted(rnd.sample([c for c, _ in crm.email_rows], n))
        # contact_emails has no index on contact_id, so the ON DELETE CASCADE
        # would scan it once per deleted contact (minutes at this size): the
        # bench indexes it for the delete only, leaving the schema as shipped.
        conn.execute(text(f"CREATE INDEX {_TMP_INDEX} ON contact_emails (contact_id)"))
        conn.execute(delete(Contact).where(Contact.id.in_(gone)))
        conn.execute(text(f"DROP INDEX {_TMP_INDEX}"))


# --- measuring ---------------------------------------------------------------


def _reset_peak() -> None:
    with contextlib.suppress(OSError):  # Linux: "5" resets VmHWM to the current RSS
        Path("/proc/self/clear_refs").write_text("5")


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str, str]] = []
        self.setup: list[tuple[str, float]] = []
        self.loads: list[float] = []

    def add(
        self, stage: str, count: str, seconds: float, rate: str, target: str = "", met: str = ""
    ) -> None:
        self.rows.append((stage, count, f"{seconds:.2f}", rate, target, met))
        self.loads.append(os.getloadavg()[0])
        print(f"  {stage}: {count}, {seconds:.2f} s, {rate}", file=sys.stderr, flush=True)

    def step(self, what: str, seconds: float) -> None:
        self.setup.append((what, seconds))
        print(f"  set-up {what}: {seconds:.1f} s", file=sys.stderr, flush=True)

    def print(self) -> None:
        head = ("stage", "count", "seconds", "rate", "target", "met?")
        widths = [max(len(r[i]) for r in [head, *self.rows]) for i in range(6)]

        def line(r: tuple[str, ...]) -> str:
            return "| " + " | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) + " |"

        print(line(head))
        print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        for r in self.rows:
            print(line(r))
        print()
        print("Set-up, not measured: " + "; ".join(f"{k} {v:.0f} s" for k, v in self.setup))
        low, high = min(self.loads, default=0.0), max(self.loads, default=0.0)
        busy = " (above the core count: other processes shared the machine)"
        print(
            f"{os.cpu_count()} cores; 1-minute load average after each stage {low:.1f}-{high:.1f}"
            + (busy if high > (os.cpu_count() or 1) else "")
        )


def measure_index(table: Table, label: str, engine: Engine, policy: MatchPolicy) -> CrmIndex:
    gc.collect()
    rss0, _ = _rss_kb()
    _reset_peak()
    with session_factory(engine)() as s:
        index, secs = timed(lambda: load_index(s, policy))
    gc.collect()
    rss1, hwm = _rss_kb()
    n = len(index.contact_by_address)
    table.add(f"index load ({label})", f"{n:,} addresses", secs, f"{n / secs:,.0f} addresses/s")
    grow, peak = (rss1 - rss0) / 1024, (hwm - rss0) / 1024
    table.add(
        f"index memory ({label}): RSS growth / peak while loading",
        f"{grow:,.0f} / {peak:,.0f} MB",
        secs,
        "",
        "<= 1,024 MB",
        "yes" if grow <= 1024 else "NO",
    )
    return index


def measure_matching(table: Table, crm: Crm, index: CrmIndex, policy: MatchPolicy, n: int) -> None:
    messages, _ = _messages(n, index, crm.domains, 3)
    n_addr = sum(len(m) for m in messages)
    for label, stream in (
        ("uniform stream", messages),
        ("working set", _working_set(messages)),
    ):
        for _ in range(2):  # the second pass is the one reported (warm memos)
            cpu = time.process_time()
            for parts in stream:
                match_participants(parts, index, policy)
            cpu = time.process_time() - cpu
        rate = n_addr / cpu
        table.add(
            f"match, {label} (auto_create={policy.auto_create}, CPU time)",
            f"{n_addr:,} addresses",
            cpu,
            f"{rate:,.0f} addresses/s",
            ">= 200,000/s",
            "yes" if rate >= 200_000 else "NO",
        )


def _working_set(messages: list[list[_P]]) -> list[list[_P]]:
    rnd = random.Random(4)
    hot = rnd.sample(messages, min(5000, len(messages)))
    return [rnd.choice(hot) for _ in range(len(messages))]


def measure_relink(
    table: Table,
    label: str,
    engine: Engine,
    policy: MatchPolicy,
    before: tuple[object, ...],
    workers: int | None,
) -> None:
    sessions = session_factory(engine)
    with sessions() as s:
        after, fp_secs = timed(lambda: crm_fingerprint(s))
    table.add(
        f"crm_fingerprint ({label})",
        "1 call",
        fp_secs,
        "",
        "notices the change",
        "yes" if after != before else "NO",
    )
    with sessions() as s:
        index, load_secs = timed(lambda: load_index(s, policy))
    table.add(f"index reload after the CRM change ({label})", "", load_secs, "")
    with sessions() as s:
        manual0 = s.scalar(text("SELECT count(*) FROM links WHERE manual"))
    for run in ("relink all items after the CRM change", "relink again, nothing changed"):
        stats, secs = timed(lambda: relink_all(sessions, index, policy, NOW, workers=workers))
        procs = workers or (
            min(os.cpu_count() or 1, AUTO_WORKERS_MAX) if stats.items >= PARALLEL_MIN else 1
        )
        first = run.startswith("relink all")
        table.add(
            f"{run} ({label})",
            f"{stats.items:,} items (+{stats.created:,} -{stats.removed:,} "
            f"~{stats.updated:,} links)",
            secs,
            f"{stats.items / secs:,.0f} items/s, {procs} process{'es' if procs > 1 else ''}",
            "<= 120 s" if first else "",
            ("yes" if secs <= 120 else "NO") if first else "",
        )
    with sessions() as s:
        manual1 = s.scalar(text("SELECT count(*) FROM links WHERE manual"))
    assert manual0 == manual1, f"manual links lost: {manual0} -> {manual1}"


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--contacts", type=int, default=1_000_000)
    ap.add_argument("--companies", type=int, default=200_000)
    ap.add_argument("--items", type=int, default=1_000_000, help="timeline items to re-link")
    ap.add_argument("--messages", type=int, default=100_000, help="messages for the match rate")
    ap.add_argument("--changes", type=int, default=1000, help="records of each kind changed")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument(
        "--workers", type=int, default=None, help="re-link processes (default: one per core)"
    )
    ap.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN)
    ap.add_argument("--workdir", type=Path, default=None, help="where the SQLite file goes")
    args = ap.parse_args()
    policy = MatchPolicy()  # the runtime's default: auto_create off, as relink uses it
    table = Table()
    tmp = tempfile.TemporaryDirectory(dir=args.workdir, prefix="syncd-matching-bench-")
    engines: dict[str, Engine] = {}
    pg_name = f"syncd_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg_admin_url, isolation_level="AUTOCOMMIT")
    try:
        crm, secs = timed(lambda: Crm(args.contacts, args.companies))
        table.step(f"generate CRM ({args.contacts:,} contacts, {args.companies:,} companies)", secs)
        if not args.no_sqlite:
            engines["SQLite"] = make_engine(f"sqlite:///{tmp.name}/bench.sqlite")
        if not args.no_pg:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
            engines["PostgreSQL"] = make_engine(args.pg_admin_url.rsplit("/", 1)[0] + "/" + pg_name)
        for label, engine in engines.items():
            upgrade(engine)
            _, secs = timed(lambda e=engine: load_crm(e, crm))  # type: ignore[misc]
            table.step(f"load CRM into {label}", secs)
        index: CrmIndex | None = None
        for label, engine in engines.items():
            index = None  # measure each load from the same baseline
            index = measure_index(table, label, engine, policy)
        if index is None:
            sys.exit("nothing to do: both --no-sqlite and --no-pg")
        measure_matching(
            table, crm, index, MatchPolicy(auto_create="contacts_and_companies"), args.messages
        )
        timeline = Timeline(crm, index, policy)
        chunks = timeline.chunks(args.items)
        _, secs = timed(lambda: store_items(list(engines.values()), chunks))
        table.step(
            f"generate, match and store {args.items:,} items ({timeline.next_part - 1:,} "
            f"participants, {timeline.next_link - 1:,} links incl. {timeline.manual} manual "
            f"and {timeline.tombstones} unlinked) in {', '.join(engines)}",
            secs,
        )
        del index, timeline
        gc.collect()
        for label, engine in engines.items():
            with session_factory(engine)() as s:
                before = crm_fingerprint(s)
            _, secs = timed(lambda e=engine: change_crm(e, crm, args.changes))  # type: ignore[misc]
            table.step(f"change CRM in {label}", secs)
            measure_relink(table, label, engine, policy, before, args.workers)
    finally:
        for engine in engines.values():
            engine.dispose()
        if "PostgreSQL" in engines:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
        admin.dispose()
        tmp.cleanup()
    table.print()


if __name__ == "__main__":
    main()
