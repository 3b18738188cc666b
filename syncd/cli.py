"""The ``syncd`` admin command line."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from syncd import render
from syncd.cli_context import Context
from syncd.errors import ConfigError, ImportRowError, SyncdError


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

    # Daemon-style commands log their progress; the rest only warnings, unless -v.
    logs.configure(verbose, quiet=ctx.invoked_subcommand not in ("run", "sync", "verify", "relink"))
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
    with render.working(f"importing {csv_file.name}"), obj.session() as s:
        result = run(s, csv_file, datetime.now(UTC))
    click.echo(f"companies: {result.created} created, {result.updated} updated")


@import_.command("contacts")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_contacts(obj: Context, csv_file: Path) -> None:
    """Contacts: name,email,position,phone,company (emails ;-separated)."""
    from syncd.store.crm_import import import_contacts as run

    obj.require_schema()
    with render.working(f"importing {csv_file.name}"), obj.session() as s:
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


from syncd.cli_records import explain, note, quarantine, timeline  # noqa: E402
from syncd.cli_sync import relink, run, status, sync, verify  # noqa: E402

for _command in (sync, run, status, verify, relink, timeline, note, quarantine, explain):
    cli.add_command(_command)


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
