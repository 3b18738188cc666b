"""The ``syncd`` admin command line."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from syncd import render
from syncd.config import Settings, load_settings, parse_duration
from syncd.errors import ConfigError, ImportRowError, SyncdError


class Context:
    """Lazily opened settings and database for one command."""

    def __init__(self, config: Path | None, database: str | None, verbose: bool) -> None:
        self.config_path = config
        self.database = database
        self.verbose = verbose
        self._settings: Settings | None = None
        self._engine: Any = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings

    @property
    def url(self) -> str:
        return self.database or self.settings.database_url()

    @property
    def engine(self) -> Any:
        if self._engine is None:
            from syncd.store.db import make_engine

            self._engine = make_engine(self.url)
        return self._engine

    def session(self) -> Any:
        from syncd.store.db import session_factory

        return session_factory(self.engine).begin()

    def pipeline(self, progress: Any = None) -> Any:
        from syncd.pipeline import Pipeline

        self.require_schema()
        p = Pipeline(self.settings, self.engine, progress=progress)
        p.prepare()
        return p

    def require_schema(self) -> None:
        from syncd.store.migrate import current_revision

        if current_revision(self.engine) is None:
            raise ConfigError(
                [
                    f"database {render.safe_url(self.url)} has no syncd schema: "
                    "run `syncd init` first"
                ]
            )


def _default_config() -> Path | None:
    env = os.environ.get("SYNCD_CONFIG")
    if env:
        return Path(env)
    for candidate in (Path("syncd.toml"), Path("/etc/syncd/syncd.toml")):
        if candidate.exists():
            return candidate
    return None


@click.group()
@click.option(
    "--config",
    "-c",
    type=click.Path(path_type=Path),
    default=None,
    help="TOML config file (default: $SYNCD_CONFIG, ./syncd.toml, /etc/syncd/syncd.toml).",
)
@click.option(
    "--database",
    envvar="SYNCD_DATABASE_URL",
    default=None,
    help="Database URL; overrides the config (env SYNCD_DATABASE_URL).",
)
@click.option("--verbose", "-v", is_flag=True, help="Debug logging.")
@click.pass_context
def cli(ctx: click.Context, config: Path | None, database: str | None, verbose: bool) -> None:
    """syncd: email and calendar capture for CRMs."""
    from syncd import logs

    logs.configure(verbose)
    ctx.obj = Context(config or _default_config(), database, verbose)


@cli.command()
@click.pass_obj
def init(obj: Context) -> None:
    """Create or migrate the database schema."""
    from syncd.store.migrate import current_revision, upgrade

    before = current_revision(obj.engine)
    upgrade(obj.engine)
    after = current_revision(obj.engine)
    obj.pipeline().prepare()
    state = "created" if before is None else ("migrated" if before != after else "up to date")
    click.echo(f"database {render.safe_url(obj.url)}: schema {state} (revision {after})")


@cli.group(name="import")
def import_() -> None:
    """Import CRM records from CSV."""


@import_.command("companies")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_companies(obj: Context, csv_file: Path) -> None:
    """Companies: name,registration_no,website,domains (domains ;-separated)."""
    from syncd.store.crm_import import import_companies as run

    obj.require_schema()
    with obj.session() as s:
        result = run(s, csv_file, datetime.now(UTC))
    click.echo(f"companies: {result.created} created, {result.updated} updated")


@import_.command("contacts")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_contacts(obj: Context, csv_file: Path) -> None:
    """Contacts: name,email,position,phone,company (emails ;-separated)."""
    from syncd.store.crm_import import import_contacts as run

    obj.require_schema()
    with obj.session() as s:
        result = run(s, csv_file, datetime.now(UTC))
    click.echo(f"contacts: {result.created} created, {result.updated} updated")


@cli.group()
def connectors() -> None:
    """Inspect configured connectors."""


@connectors.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def connectors_list(obj: Context, as_json: bool) -> None:
    """List configured connectors."""
    rows = [
        {
            "name": c.name,
            "kind": c.kind,
            "enabled": c.enabled,
            "visibility": c.visibility,
            "target": str(getattr(c, "path", "")),
        }
        for c in obj.settings.connectors
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        render.table(["name", "kind", "enabled", "visibility", "target"], rows)


@connectors.command("test")
@click.argument("name")
@click.pass_obj
def connectors_test(obj: Context, name: str) -> None:
    """Connect, list scopes and preview what a first sync would read."""
    from syncd.registry import build_connector

    result = build_connector(obj.settings.connector(name), obj.settings).check()
    click.echo(f"{name}: {'OK' if result.ok else 'FAILED'} - {result.detail}")
    for scope in result.scopes:
        click.echo(f"  scope: {scope}")
    if result.preview_items is not None:
        click.echo(
            f"  would read {result.preview_items} items ({render.size(result.preview_bytes or 0)})"
        )
    if not result.ok:
        sys.exit(1)


@cli.command()
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
        reports = [pipeline.sync(name, full=full)] if name else pipeline.sync_all(full=full)
    render.reports(reports)
    if any(r.status not in ("ok", "leased") for r in reports):
        sys.exit(1)


@cli.command()
@click.option("--interval", default=None, help="Pause between passes (default: sync.interval).")
@click.option("--passes", type=int, default=None, hidden=True, help="Stop after N passes.")
@click.pass_obj
def run(obj: Context, interval: str | None, passes: int | None) -> None:
    """Run as a daemon: sync every connector, sleep, repeat (SIGTERM stops it)."""
    import signal

    pause = parse_duration(interval or obj.settings.sync.interval).total_seconds()
    stop = {"flag": False}

    def _stop(*_: object) -> None:
        stop["flag"] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    pipeline = obj.pipeline()
    n = 0
    while not stop["flag"]:
        pipeline.sync_all()
        n += 1
        if passes is not None and n >= passes:
            break
        deadline = time.monotonic() + pause
        while not stop["flag"] and time.monotonic() < deadline:
            time.sleep(min(1.0, deadline - time.monotonic()))


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def status(obj: Context, as_json: bool) -> None:
    """Per connector: last sync, items, errors, quarantined."""
    from syncd.store.queries import connector_status

    obj.require_schema()
    with obj.session() as s:
        rows = connector_status(s)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        render.status(rows)


@cli.command()
@click.option("--company", help="Company id, domain, registration number or name.")
@click.option("--contact", help="Contact email address or id.")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def timeline(
    obj: Context, company: str | None, contact: str | None, limit: int, as_json: bool
) -> None:
    """A company's or contact's communication timeline, newest first."""
    from syncd.store.queries import find_company, find_contact
    from syncd.store.queries import timeline as query

    if bool(company) == bool(contact):
        raise click.UsageError("give exactly one of --company or --contact")
    obj.require_schema()
    with obj.session() as s:
        if company:
            rec = find_company(s, company)
            if rec is None:
                raise click.ClickException(f"no company matches {company!r}")
            title = f"{rec.name} (company #{rec.id})"
            items = query(s, company_id=rec.id, limit=limit)
        else:
            rec = find_contact(s, contact or "")
            if rec is None:
                raise click.ClickException(f"no contact matches {contact!r}")
            title = f"{rec.name} (contact #{rec.id})"
            items = query(s, contact_id=rec.id, limit=limit)
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
    else:
        render.timeline(title, items)


@cli.group()
def note() -> None:
    """Phone-call and meeting notes."""


@note.command("add")
@click.option("--company", help="Company id, domain, registration number or name.")
@click.option("--contact", help="Contact email address or id.")
@click.option("--kind", type=click.Choice(["call", "note"]), required=True)
@click.option("--text", required=True)
@click.option("--subject", default=None)
@click.option("--at", "at", default=None, help="When (ISO 8601; default now).")
@click.option("--author", default=None, help="The CRM user writing the note.")
@click.pass_obj
def note_add(
    obj: Context,
    company: str | None,
    contact: str | None,
    kind: str,
    text: str,
    subject: str | None,
    at: str | None,
    author: str | None,
) -> None:
    """Log a call or a note on a company's or contact's timeline."""
    from syncd.store.notes import add_note
    from syncd.store.queries import find_company, find_contact

    if not company and not contact:
        raise click.UsageError("give --company and/or --contact")
    when = datetime.fromisoformat(at) if at else datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    obj.require_schema()
    with obj.session() as s:
        comp = find_company(s, company) if company else None
        cont = find_contact(s, contact) if contact else None
        if company and comp is None:
            raise click.ClickException(f"no company matches {company!r}")
        if contact and cont is None:
            raise click.ClickException(f"no contact matches {contact!r}")
        company_id = comp.id if comp else (cont.company_id if cont else None)
        nid = add_note(
            s,
            kind=kind,
            text=text,
            subject=subject,
            occurred_at=when.astimezone(UTC),
            company_id=company_id,
            contact_id=cont.id if cont else None,
            author=author,
        )
    click.echo(f"{kind} #{nid} added")


@cli.group()
def quarantine() -> None:
    """Items that could not be parsed, kept with the reason."""


@quarantine.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def quarantine_list(obj: Context, as_json: bool) -> None:
    from syncd.store.queries import quarantine_list as query

    obj.require_schema()
    with obj.session() as s:
        rows = query(s)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        render.table(["id", "connector", "scope", "remote_id", "reason", "size"], rows)


def main() -> None:
    try:
        cli(standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ImportRowError as exc:
        click.echo("import refused, nothing was written:", err=True)
        for line, msg in exc.problems:
            click.echo(f"  line {line}: {msg}", err=True)
        sys.exit(2)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    except SyncdError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
