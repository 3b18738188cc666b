"""Read side: company/contact timelines and connector status."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syncd.store.models import (
    AttachmentRow,
    Communication,
    Company,
    CompanyDomain,
    ConnectorRow,
    Contact,
    ContactEmail,
    IgnoredItem,
    Link,
    ParticipantRow,
    QuarantineRow,
    Source,
    SyncCursor,
)


def find_company(session: Session, ref: str) -> Company | None:
    """A company by registration number, id, domain (or an address at it) or name."""
    ref = ref.strip()
    by_reg = session.scalar(select(Company).where(Company.registration_no == ref))
    if by_reg is not None:
        return by_reg
    if ref.isdigit() and int(ref) < 2**31 and (c := session.get(Company, int(ref))):
        return c
    domain = ref.rsplit("@", 1)[-1].lower()
    cid = session.scalar(select(CompanyDomain.company_id).where(CompanyDomain.domain == domain))
    if cid is not None:
        return session.get(Company, cid)
    return session.scalar(
        select(Company).where((Company.registration_no == ref) | (Company.name == ref))
    )


def find_contact(session: Session, ref: str) -> Contact | None:
    ref = ref.strip()
    if ref.isdigit() and int(ref) < 2**31 and (c := session.get(Contact, int(ref))):
        return c
    cid = session.scalar(select(ContactEmail.contact_id).where(ContactEmail.email == ref.lower()))
    return session.get(Contact, cid) if cid is not None else None


def _iso(dt: Any) -> str | None:
    return dt.isoformat().replace("+00:00", "Z") if dt is not None else None


def timeline(
    session: Session,
    *,
    company_id: int | None = None,
    contact_id: int | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Items on a company's or contact's timeline, newest first."""
    cond = (
        Link.company_id == company_id if company_id is not None else Link.contact_id == contact_id
    )
    ids_q = (
        select(Communication.id)
        .join(Link, Link.communication_id == Communication.id)
        .where(cond, Link.unlinked.is_(False))
        .group_by(Communication.id, Communication.occurred_at)
        .order_by(Communication.occurred_at.desc(), Communication.id.desc())
        .limit(limit)
    )
    ids = list(session.scalars(ids_q))
    if not ids:
        return []
    comms = {
        c.id: c for c in session.scalars(select(Communication).where(Communication.id.in_(ids)))
    }
    parts: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for p in session.scalars(
        select(ParticipantRow)
        .where(ParticipantRow.communication_id.in_(ids))
        .order_by(ParticipantRow.id)
    ):
        parts[p.communication_id].append(
            {"role": p.role, "address": p.address, "name": p.name, "response": p.response}
        )
    links: dict[int, list[dict[str, Any]]] = defaultdict(list)
    lq = (
        select(Link, Company.name, Contact.name)
        .outerjoin(Company, Company.id == Link.company_id)
        .outerjoin(Contact, Contact.id == Link.contact_id)
        .where(Link.communication_id.in_(ids), Link.unlinked.is_(False))
        .order_by(Link.id)
    )
    for link, company_name, contact_name in session.execute(lq):
        links[link.communication_id].append(
            {
                "company_id": link.company_id,
                "company": company_name,
                "contact_id": link.contact_id,
                "contact": contact_name,
                "reason": link.reason,
                "manual": link.manual,
                "explanation": link.explanation,
            }
        )
    sources: dict[int, list[dict[str, Any]]] = defaultdict(list)
    sq = (
        select(Source, ConnectorRow.name)
        .join(ConnectorRow, ConnectorRow.id == Source.connector_id)
        .where(Source.communication_id.in_(ids))
        .order_by(Source.id)
    )
    for src, cname in session.execute(sq):
        sources[src.communication_id].append(
            {
                "connector": cname,
                "scope": src.scope,
                "remote_id": src.remote_id_full or src.remote_id,
                "gone": src.gone_at is not None,
            }
        )
    atts: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in session.scalars(select(AttachmentRow).where(AttachmentRow.communication_id.in_(ids))):
        atts[a.communication_id].append(
            {"name": a.name, "content_type": a.content_type, "size": a.size, "sha256": a.sha256}
        )
    out = []
    for cid in ids:
        c = comms[cid]
        out.append(
            {
                "id": c.id,
                "kind": c.kind,
                "subject": c.subject,
                "occurred_at": _iso(c.occurred_at),
                "ends_at": _iso(c.ends_at),
                "direction": c.direction,
                "status": c.status,
                "visibility": c.visibility,
                "thread_key": c.thread_key,
                "location": c.location,
                "body": c.body,
                "participants": parts[cid],
                "links": links[cid],
                "sources": sources[cid],
                "attachments": atts[cid],
            }
        )
    return out


def connector_status(session: Session) -> list[dict[str, Any]]:
    """Per connector: state, last sync, items, errors, quarantined, per-scope errors."""
    items = {
        cid: n
        for cid, n in session.execute(
            select(
                Source.connector_id, func.count(func.distinct(Source.communication_id))
            ).group_by(Source.connector_id)
        )
    }
    quarantined = {
        cid: n
        for cid, n in session.execute(
            select(QuarantineRow.connector_id, func.count()).group_by(QuarantineRow.connector_id)
        )
    }
    ignored = {
        cid: n
        for cid, n in session.execute(
            select(IgnoredItem.connector_id, func.count()).group_by(IgnoredItem.connector_id)
        )
    }
    scope_rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for cur in session.scalars(select(SyncCursor).order_by(SyncCursor.scope)):
        scope_rows[cur.connector_id].append(
            {
                "scope": cur.scope,
                "synced": cur.value is not None,
                "error": cur.last_error,
                "progress": (
                    {"done": cur.progress_done, "total": cur.progress_total}
                    if cur.progress_done is not None
                    else None
                ),
                "updated_at": _iso(cur.updated_at),
            }
        )
    out = []
    rows = select(ConnectorRow).where(ConnectorRow.kind != "internal").order_by(ConnectorRow.name)
    for row in session.scalars(rows):
        out.append(
            {
                "name": row.name,
                "kind": row.kind,
                "status": row.status,
                "last_sync_at": _iso(row.last_sync_at),
                "items": items.get(row.id, 0),
                "errors": row.error_count,
                "last_error": row.last_error,
                "quarantined": quarantined.get(row.id, 0),
                "not_logged": ignored.get(row.id, 0),
                "scopes": scope_rows[row.id],
                "last_verify_at": _iso(row.last_verify_at),
                "last_verify": json.loads(row.last_verify) if row.last_verify else None,
            }
        )
    return out


def quarantine_list(session: Session, connector_id: int | None = None) -> list[dict[str, Any]]:
    q = select(QuarantineRow, ConnectorRow.name).join(
        ConnectorRow, ConnectorRow.id == QuarantineRow.connector_id
    )
    if connector_id is not None:
        q = q.where(QuarantineRow.connector_id == connector_id)
    return [
        {
            "id": r.id,
            "connector": name,
            "scope": r.scope,
            "remote_id": r.remote_id_full or r.remote_id,
            "reason": r.reason,
            "size": len(r.raw),
            "created_at": _iso(r.created_at),
        }
        for r, name in session.execute(q.order_by(QuarantineRow.id))
    ]
