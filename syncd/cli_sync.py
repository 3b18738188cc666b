"""CLI: sync, run (the daemon), status, verify, relink."""

from __future__ import annotations

import json
import sys

import click

from syncd import render
from syncd.cli_context import Context
from syncd.config import parse_duration
from syncd.warmup import warm_up


@click.command()
@click.option("--once", is_flag=True, help="Run one pass and exit (required for now).")
@click.option("--full", is_flag=True, help="Forget cursors and rescan (writes no duplicates).")
@click.argument("name", required=False)
@click.pass_obj
def sync(obj: Context, once: bool, full: bool, name: str | None) -> None:
    """Sync all enabled connectors, or NAME, once."""
    if not once:
        raise click.UsageError("use `syncd sync --once [NAME]`, or `syncd run` for the daemon loop")
    with render.progress() as progress:
        pipeline = obj.pipeline(progress)
        warm_up(obj.settings)
        reports = [pipeline.sync(name, full=full)] if name else pipeline.sync_all(full=full)
    render.reports(reports)
    if any(r.status not in ("ok", "leased") for r in reports):
        sys.exit(1)


@click.command()
@click.option("--interval", default=None, help="Pause between polls (default: sync.interval).")
@click.option(
    "--metrics",
    "metrics_listen",
    default=None,
    help="Serve Prometheus metrics on HOST:PORT (default: sync.metrics_listen).",
)
@click.option("--passes", type=int, default=None, hidden=True, help="Stop after N passes.")
@click.pass_obj
def run(obj: Context, interval: str | None, metrics_listen: str | None, passes: int | None) -> None:
    """Run as a daemon: keep every connector current (SIGTERM stops it)."""
    import signal
    import threading

    from syncd.scheduler import Scheduler
    from syncd.store.queries import connector_status

    pause = parse_duration(interval or obj.settings.sync.interval).total_seconds()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    pipeline = obj.pipeline()
    warm_up(obj.settings)
    listen = metrics_listen or obj.settings.sync.metrics_listen
    metrics = None
    if listen:
        from syncd.metrics import Metrics

        metrics = Metrics()
        metrics.serve(listen)

    def on_report(report: object) -> None:
        if metrics is not None:
            metrics.observe(report)  # type: ignore[arg-type]
            with obj.session() as s:
                metrics.refresh(connector_status(s))

    Scheduler(pipeline, interval=pause, stop=stop, on_report=on_report).run(passes)


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def status(obj: Context, as_json: bool) -> None:
    """Per connector: last sync, items, errors, quarantined."""
    from syncd.store.queries import connector_status

    obj.require_schema()
    with obj.session() as s:
        rows = connector_status(s)
    render.emit(rows, as_json, render.status)


@click.command()
@click.argument("name")
@click.option("--report-only", is_flag=True, help="Report gaps without fetching them.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def verify(obj: Context, name: str, report_only: bool, as_json: bool) -> None:
    """Compare the server's messages with the store; fill any gap."""
    result = obj.pipeline().verify(name, fill=not report_only)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        rows = [{"scope": k, **v} for k, v in result.items()]
        render.table(["scope", "remote", "known", "missing", "filled", "error"], rows)
    if any("error" in v or (report_only and v.get("missing")) for v in result.values()):
        sys.exit(1)


@click.command()
@click.pass_obj
def relink(obj: Context) -> None:
    """Re-match every timeline item against the CRM as it is now."""
    with render.progress() as progress:
        cb = (lambda done, total: progress("relink", "items", done, total)) if progress else None
        stats = obj.pipeline().relink(cb)
    click.echo(
        f"relinked {stats.items} items: {stats.created} links created, {stats.removed} removed, "
        f"{stats.updated} updated, {stats.direction_changed} directions changed"
    )
