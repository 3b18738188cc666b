"""Pipeline benchmark: Maildir archive → matched timeline, SQLite and PostgreSQL.

Generates a Maildir of realistic messages, then prints one table:
- the standard library's parse rate with ``policy.default`` (one core; the
  reference the targets are stated against),
- syncd's end-to-end import (parse, match, write) into SQLite and PostgreSQL,
  each as a ratio to that parse rate,
- a second run over the unchanged archive (cursor kept), and a full rescan
  with the cursor dropped (known messages skipped by remote id),
- peak RSS of the main process and of the parser processes.

Usage: python bench/pipeline.py [--messages 20000] [--pg-url URL] [--no-pg]
Targets: end-to-end ≥ 0.5 of the parse rate on SQLite; re-import ≥ 5× faster.
"""

from __future__ import annotations

import argparse
import csv
import email
import email.policy
import os
import resource
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from bench.mailgen import generate_messages, write_maildir  # noqa: E402
from syncd.config import parse_settings  # noqa: E402
from syncd.pipeline import Pipeline  # noqa: E402
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


def run_import(url: str, maildir: Path, visibility: str, workers: int | None) -> dict[str, float]:
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine).begin() as s:  # the demo CRM, so matching does real work
        now = datetime.now(UTC)
        import_companies(s, DEMO / "companies.csv", now)
        import_contacts(s, DEMO / "contacts.csv", now)
    settings = parse_settings(
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
    pipeline = Pipeline(settings, engine)
    pipeline.prepare()
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=20_000)
    ap.add_argument("--visibility", default="full", choices=["metadata", "subject", "full"])
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--pg-url", default=os.environ.get("SYNCD_BENCH_PG_ADMIN_URL", DEFAULT_PG))
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()

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

        results = {
            "SQLite": run_import(
                f"sqlite:///{root / 'bench.sqlite'}", maildir, args.visibility, args.workers
            )
        }
        if not args.no_pg:
            name = f"syncd_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                results["PostgreSQL"] = run_import(
                    args.pg_url.rsplit("/", 1)[0] + f"/{name}",
                    maildir,
                    args.visibility,
                    args.workers,
                )
            finally:
                with admin.connect() as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                admin.dispose()
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

    own, tree = sampler.stop()
    cores = os.cpu_count()
    print(f"\nsyncd pipeline benchmark: {n} messages (generated in {gen_s:.1f} s), {cores} cores\n")
    print(f"| {'stage':<44} | {'msgs':>6} | {'seconds':>8} | {'msg/s':>8} | {'ratio':>6} | note")
    print(f"|{'-' * 46}|{'-' * 8}|{'-' * 10}|{'-' * 10}|{'-' * 8}|------")
    for stage, count, secs, rate, ratio, note in rows:
        print(f"| {stage:<44} | {count:>6} | {secs:>8.2f} | {rate:>8.0f} | {ratio:>6.2f} | {note}")
    print(f"\npeak RSS: main process {own:.0f} MB; main + parser processes together {tree:.0f} MB")
    print(
        "ratio: import rows = rate / stdlib parse rate (target ≥ 0.5 on SQLite); "
        "re-run rows = first import time / this time (target ≥ 5)"
    )


if __name__ == "__main__":
    main()
