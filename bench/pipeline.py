"""Pipeline benchmark: Maildir archive → matched timeline, SQLite and PostgreSQL.

Generates a Maildir of realistic messages, then prints one table:
- the standard library's parse rate with ``policy.default`` (one core; the
  reference the targets are stated against),
- syncd's end-to-end import (parse, match, write) into SQLite and PostgreSQL,
  each as a ratio to that parse rate,
- a second run over the unchanged archive (cursor kept), and a full rescan
  with the cursor dropped (known messages skipped by remote id),
- the store alone: the same messages, parsed beforehand, matched and written
  into an empty database (µs per message), first as new and then again as
  already stored (a replay),
- peak RSS of the main process and of the parser processes.

Usage: python bench/pipeline.py [--messages 20000] [--pg-url URL] [--no-pg]
                                [--prefetch 1]  (batches read ahead; 0: none)
Targets: end-to-end ≥ 0.5 of the parse rate on SQLite; re-import ≥ 5× faster.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import email
import email.policy
import os
import resource
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from bench.mailgen import generate_messages, write_maildir  # noqa: E402
from connectors.base import Batch, CheckResult, ScopeState  # noqa: E402
from syncd.config import parse_settings  # noqa: E402
from syncd.pipeline import Pipeline  # noqa: E402
from syncd.registry import build_connector  # noqa: E402
from syncd.store.crm_import import import_companies, import_contacts  # noqa: E402
from syncd.store.db import make_engine, session_factory  # noqa: E402
from syncd.store.migrate import upgrade  # noqa: E402
from syncd.store.models import Communication, QuarantineRow  # noqa: E402

DEMO = Path(__file__).resolve().parents[1] / "config" / "demo"
DEFAULT_PG = "postgresql+psycopg://syncd:syncd@127.0.0.1:5432/postgres"


class TreeRss:
    """Samples the RSS of this process and all its descendants (parser pool)."""

    def __init__(self) -> None:
        self.peak_tree = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def _tree_kb() -> int:
        parents: dict[int, int] = {}
        rss: dict[int, int] = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/status") as f:
                    fields = dict(line.split(":", 1) for line in f if ":" in line)
            except OSError:
                continue
            parents[int(d)] = int(fields["PPid"])
            rss[int(d)] = int(fields.get("VmRSS", "0 kB").split()[0])
        me, total = os.getpid(), 0
        for pid in rss:
            p = pid
            while p and p != me:
                p = parents.get(p, 0)
            if p == me:
                total += rss[pid]
        return total

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self.peak_tree = max(self.peak_tree, self._tree_kb() / 1024)

    def stop(self) -> tuple[float, float]:
        self._stop.set()
        self._thread.join()
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, self.peak_tree


def stdlib_parse_rate(maildir: Path) -> tuple[int, float]:
    files = [p for sub in ("cur", "new") for p in (maildir / sub).iterdir()]
    raws = [p.read_bytes() for p in files]
    started = time.perf_counter()
    for raw in raws:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        msg["subject"], msg["from"], msg["to"]  # noqa: B018 - force header parsing
        body = msg.get_body(("plain", "html"))
        if body is not None:
            body.get_content()
    return len(raws), time.perf_counter() - started


class Replay:
    """A connector that hands out batches parsed beforehand: the store alone."""

    name = "bench"

    def __init__(self, batches: list[Batch]) -> None:
        self.batches = batches

    def scopes(self) -> list[str]:
        return sorted({b.scope for b in self.batches})

    def fetch(self, scope: str, state: ScopeState) -> Iterator[Batch]:
        return (b for b in self.batches if b.scope == scope)

    def check(self) -> CheckResult:
        return CheckResult(True, tuple(self.scopes()), "")


def bench_settings(url: str, maildir: Path, visibility: str, workers: int | None) -> Any:
    return parse_settings(
        {
            "database": {"url": url},
            "organisation": {"internal_domains": ["tatrasoft.sk"]},
            "sync": {"batch_size": 500, "workers": workers},
            "connectors": [
                {"name": "bench", "kind": "maildir", "path": str(maildir), "visibility": visibility}
            ],
        },
        maildir.parent,
    )


def parsed_batches(maildir: Path, visibility: str, workers: int | None) -> list[Batch]:
    settings = bench_settings("sqlite://", maildir, visibility, workers)
    connector = build_connector(settings.connector("bench"), settings)
    return [b for scope in connector.scopes() for b in connector.fetch(scope, ScopeState(None))]


def prepared_pipeline(url: str, settings: Any, prefetch: int) -> Pipeline:
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine).begin() as s:  # the demo CRM, so matching does real work
        now = datetime.now(UTC)
        import_companies(s, DEMO / "companies.csv", now)
        import_contacts(s, DEMO / "contacts.csv", now)
    pipeline = Pipeline(settings, engine, prefetch=prefetch)
    pipeline.prepare()
    return pipeline


def run_store_only(
    url: str, maildir: Path, visibility: str, batches: list[Batch]
) -> dict[str, float]:
    pipeline = prepared_pipeline(url, bench_settings(url, maildir, visibility, None), 0)
    t = time.perf_counter()
    report = pipeline.sync("bench", connector=Replay(batches))
    first = time.perf_counter() - t
    t = time.perf_counter()
    again = pipeline.sync("bench", connector=Replay(batches), full=True)
    replay = time.perf_counter() - t
    assert report.created and not again.created, "the replay must write nothing new"
    pipeline.engine.dispose()
    return {"store_s": first, "store_again_s": replay}


def run_import(
    url: str, maildir: Path, visibility: str, workers: int | None, prefetch: int
) -> dict[str, float]:
    settings = bench_settings(url, maildir, visibility, workers)
    pipeline = prepared_pipeline(url, settings, prefetch)
    engine = pipeline.engine
    out: dict[str, float] = {}
    t = time.perf_counter()
    report = pipeline.sync("bench")
    out["first_s"] = time.perf_counter() - t
    out["created"] = report.created
    out["dropped"] = report.dropped
    t = time.perf_counter()
    again = pipeline.sync("bench")
    out["again_s"] = time.perf_counter() - t
    t = time.perf_counter()
    rescan = pipeline.sync("bench", full=True)
    out["rescan_s"] = time.perf_counter() - t
    assert again.created == 0 and rescan.created == 0, "re-import must write nothing new"
    with engine.connect() as conn:
        out["rows"] = conn.scalar(select(func.count()).select_from(Communication))
        out["quarantined"] = conn.scalar(select(func.count()).select_from(QuarantineRow))
    engine.dispose()
    return out


@contextlib.contextmanager
def database(kind: str, root: Path, pg_admin: str) -> Iterator[str]:
    """A fresh database URL, dropped afterwards."""
    if kind == "SQLite":
        path = root / f"bench-{uuid.uuid4().hex[:8]}.sqlite"
        yield f"sqlite:///{path}"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = f"syncd_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_admin, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_admin.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=20_000)
    ap.add_argument("--visibility", default="full", choices=["metadata", "subject", "full"])
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--prefetch", type=int, default=1, help="batches read ahead (0: no overlap)")
    ap.add_argument("--pg-url", default=os.environ.get("SYNCD_BENCH_PG_ADMIN_URL", DEFAULT_PG))
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()
    dbs = ["SQLite"] if args.no_pg else ["SQLite", "PostgreSQL"]

    sampler = TreeRss()
    with tempfile.TemporaryDirectory(prefix="syncd-bench-") as tmp:
        root = Path(tmp)
        maildir = root / "Maildir"
        t = time.perf_counter()
        with (DEMO / "companies.csv").open(encoding="utf-8") as f:
            companies = list(csv.DictReader(f))
        with (DEMO / "contacts.csv").open(encoding="utf-8") as f:
            contacts = list(csv.DictReader(f))
        msgs = generate_messages(args.messages, seed=7, companies=companies, contacts=contacts)
        write_maildir(maildir, msgs)
        gen_s = time.perf_counter() - t
        n, parse_s = stdlib_parse_rate(maildir)
        parse_rate = n / parse_s
        rows = [("stdlib parse, policy.default, 1 core", n, parse_s, parse_rate, 1.0, "")]

        results: dict[str, dict[str, float]] = {}
        for db in dbs:
            with database(db, root, args.pg_url) as url:
                results[db] = run_import(url, maildir, args.visibility, args.workers, args.prefetch)
        own, tree = sampler.stop()  # before the store-only runs hold parsed batches
        batches = [
            dataclasses.replace(b, entries=tuple(_without_raw(e) for e in b.entries))
            for b in parsed_batches(maildir, args.visibility, args.workers)
        ]
        for db in dbs:
            with database(db, root, args.pg_url) as url:
                results[db] |= run_store_only(url, maildir, args.visibility, batches)
        for db, r in results.items():
            rate = n / r["first_s"]
            note = (
                f"{int(r['rows'])} items, {int(r['dropped'])} not logged, "
                f"{int(r['quarantined'])} quarantined"
            )
            rows.append(
                (
                    f"syncd import → {db} ({args.visibility})",
                    n,
                    r["first_s"],
                    rate,
                    rate / parse_rate,
                    note,
                )
            )
            rows.append(
                (
                    f"  re-run, unchanged archive → {db}",
                    n,
                    r["again_s"],
                    n / r["again_s"],
                    r["first_s"] / r["again_s"],
                    "× faster than first",
                )
            )
            rows.append(
                (
                    f"  full rescan, cursor dropped → {db}",
                    n,
                    r["rescan_s"],
                    n / r["rescan_s"],
                    r["first_s"] / r["rescan_s"],
                    "× faster than first",
                )
            )
        for db, r in results.items():
            for key, label in (("store_s", "new items"), ("store_again_s", "replayed")):
                rows.append(
                    (
                        f"  store only, {label} → {db}",
                        n,
                        r[key],
                        n / r[key],
                        r["first_s"] / r[key],
                        f"{r[key] / n * 1e6:.0f} µs/msg matched and written",
                    )
                )

    cores = os.cpu_count()
    print(f"\nsyncd pipeline benchmark: {n} messages (generated in {gen_s:.1f} s), {cores} cores")
    print(f"read-ahead: {args.prefetch} batch(es); load average {os.getloadavg()[0]:.2f}\n")
    print(f"| {'stage':<44} | {'msgs':>6} | {'seconds':>8} | {'msg/s':>8} | {'ratio':>6} | note")
    print(f"|{'-' * 46}|{'-' * 8}|{'-' * 10}|{'-' * 10}|{'-' * 8}|------")
    for stage, count, secs, rate, ratio, note in rows:
        print(f"| {stage:<44} | {count:>6} | {secs:>8.2f} | {rate:>8.0f} | {ratio:>6.2f} | {note}")
    print(f"\npeak RSS: main process {own:.0f} MB; main + parser processes together {tree:.0f} MB")
    print(
        "ratio: import rows = rate / stdlib parse rate (target ≥ 0.5 on SQLite); "
        "re-run and store rows = first import time / this time (target ≥ 5 for re-runs)"
    )


def _without_raw(entry: Any) -> Any:
    """Parsed items keep their raw bytes for quarantine only; the store never reads them."""
    return dataclasses.replace(entry, raw=None) if getattr(entry, "raw", None) else entry


if __name__ == "__main__":
    main()
