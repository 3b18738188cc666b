"""Terminal output for the CLI: tables, progress bars, timelines (rich)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy.engine import make_url

console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)


def safe_url(url: str) -> str:
    """A database URL with the password hidden, fit for output and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<database>"


def size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def emit(rows: Any, as_json: bool, show: Callable[[Any], None]) -> None:
    """``--json``: the rows as JSON on stdout; otherwise ``show(rows)`` for people."""
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        show(rows)


def table(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    t = Table(*columns, show_lines=False)
    for r in rows:
        t.add_row(*("" if r.get(c) is None else str(r.get(c)) for c in columns))
    console.print(t)


@contextmanager
def progress() -> Iterator[Any]:
    """A progress callback ``(connector, scope, done, total)``; silent off a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    tasks: dict[tuple[str, str], Any] = {}

    def update(connector: str, scope: str, done: int, total: int | None) -> None:
        key = (connector, scope)
        if key not in tasks:
            tasks[key] = bar.add_task(f"{connector} {scope}", total=total)
        bar.update(tasks[key], completed=done, total=total)

    with bar:
        yield update


@contextmanager
def working(message: str) -> Iterator[None]:
    """A spinner for work of unknown length; silent off a terminal."""
    if not sys.stderr.isatty():
        yield
        return
    with Console(stderr=True).status(message):
        yield


def reports(rows: Sequence[Any]) -> None:
    t = Table(
        "connector",
        "status",
        "new",
        "updated",
        "sources",
        "quarantined",
        "gone",
        "not logged",
        "seconds",
        "error",
    )
    for r in rows:
        err = r.error or "; ".join(f"{k}: {v}" for k, v in r.scope_errors.items())
        t.add_row(
            r.connector,
            r.status,
            str(r.created),
            str(r.updated),
            str(r.sources),
            str(r.quarantined),
            str(r.gone),
            str(r.dropped),
            f"{r.seconds:.1f}",
            err or "",
        )
    console.print(t)


def status(rows: Sequence[dict[str, Any]]) -> None:
    t = Table(
        "connector", "kind", "status", "last sync", "items", "errors", "quarantined", "last error"
    )
    for r in rows:
        t.add_row(
            r["name"],
            r["kind"],
            r["status"],
            (r["last_sync_at"] or "never")[:19].replace("T", " "),
            str(r["items"]),
            str(r["errors"]),
            str(r["quarantined"]),
            r["last_error"] or "",
        )
        for sc in r["scopes"]:
            prog = sc.get("progress")
            if prog and prog["total"] and prog["done"] < prog["total"]:
                t.add_row(
                    "", "", "", "", "", "", "", f"{sc['scope']}: {prog['done']}/{prog['total']}"
                )
            if sc["error"]:
                t.add_row("", "", "", "", "", "", "", f"{sc['scope']}: {sc['error']}")
    console.print(t)


_ARROW = {"inbound": "←", "outbound": "→", "internal": "↔"}


def timeline(title: str, items: Sequence[dict[str, Any]]) -> None:
    console.print(f"[bold]{title}[/bold] — {len(items)} item(s), newest first")
    for it in items:
        when = (it["occurred_at"] or "")[:16].replace("T", " ")
        subject = it["subject"] if it["subject"] is not None else "(hidden)"
        flag = f" [{it['status']}]" if it.get("status") else ""
        console.print(
            f"{when}  {it['kind']:<7} {_ARROW.get(it['direction'], ' ')} {subject}{flag}",
            markup=False,
        )
        who = ", ".join(
            f"{p['role']}:{p['address']}"
            for p in it["participants"]
            if p["role"] in ("from", "organizer")
        )
        why = "; ".join(sorted({lk["reason"] for lk in it["links"]}))
        srcs = ", ".join(sorted({s["connector"] for s in it["sources"]}))
        console.print(f"{'':18}{who}  why: {why}  seen in: {srcs or 'manual'}", markup=False)
