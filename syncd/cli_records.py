"""CLI: timelines, notes, quarantine, explain."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from syncd import render
from syncd.cli_context import Context

if TYPE_CHECKING:
    from matching import LinkDecision, MatchResult


@click.command()
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
            person = find_contact(s, contact or "")
            if person is None:
                raise click.ClickException(f"no contact matches {contact!r}")
            title = f"{person.name} (contact #{person.id})"
            items = query(s, contact_id=person.id, limit=limit)
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
    else:
        render.timeline(title, items)


@click.group()
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


@click.group()
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
    columns = ["id", "connector", "scope", "remote_id", "reason", "size"]
    render.emit(rows, as_json, lambda r: render.table(columns, r))


@click.command()
@click.argument("text")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def explain(obj: Context, text: str, as_json: bool) -> None:
    """How ADDRESS or a whole From/To HEADER would be matched today, and why."""
    import dataclasses

    from matching import explain_header, explain_message

    pipeline = obj.pipeline()
    with obj.session() as s:
        index = pipeline.index(s)
    verdicts = [dataclasses.asdict(v) for v in explain_header(text, index, pipeline.policy)]
    if not verdicts:
        raise click.ClickException(f"no address could be read from {text!r}")
    if as_json:
        click.echo(json.dumps(verdicts, ensure_ascii=False, indent=2))
        return
    for v in verdicts:
        flags = [k for k in ("freemail", "disposable", "internal", "robot", "blocked") if v[k]]
        click.echo(f"{v['address']}")
        click.echo(f"  normalised:         {v['normalised']}")
        click.echo(f"  registrable domain: {v['registrable_domain']}")
        click.echo(f"  verdicts:           {', '.join(flags) or 'external'}")
        click.echo(f"  contact / company:  {v['contact_id'] or '-'} / {v['company_id'] or '-'}")
        click.echo(f"  reason:             {v['reason'] or 'no link'}")
        click.echo(f"  {v['explanation']}")
    if len(verdicts) > 1:
        _echo_message(explain_message(text, index, pipeline.policy))


def _echo_message(result: MatchResult) -> None:
    """The whole header as one message's participants (``syncd explain``)."""
    click.echo("as one message (the first address its sender):")
    if not result.log:
        click.echo(f"  not logged: {result.drop_reason}")
        return
    links = ", ".join(f"{_target(d)} ({d.reason})" for d in result.links)
    click.echo(f"  logged, {result.direction}; links: {links or 'none (kept on no timeline)'}")


def _target(d: LinkDecision) -> str:
    if d.company_id is not None:
        return f"company #{d.company_id}"
    if d.contact_id is not None:
        return f"contact #{d.contact_id}"
    if d.new_company_domain is not None:
        return f"new company {d.new_company_domain}"
    return f"new contact {d.new_contact_address}"
