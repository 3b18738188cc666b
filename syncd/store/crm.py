"""CRM records: the snapshot the matcher works on, and auto-created records."""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Select, cast, func, select
from sqlalchemy.orm import Session

from matching import CrmIndex, MatchPolicy, MatchResult
from syncd.store.bounded import COMPANY_DOMAIN, CONTACT_EMAIL
from syncd.store.models import (
    Company,
    CompanyDomain,
    Contact,
    ContactEmail,
    CrmUser,
    InternalDomain,
)
from syncd.store.upsert import insert_ignore


@dataclass(slots=True)
class AutoCreated:
    """Ids of records a batch created (or found created by another writer)."""

    companies: dict[str, int] = field(default_factory=dict)  # domain -> id
    contacts: dict[str, int] = field(default_factory=dict)  # address -> id
    new_companies: list[str] = field(default_factory=list)
    new_contacts: list[str] = field(default_factory=list)

    def describe(self) -> list[str]:
        return [f"company {d}" for d in self.new_companies] + [
            f"contact {a}" for a in self.new_contacts
        ]


def driver_rows(
    session: Session, stmt: Select[Any], batch: int = 10_000
) -> Iterator[tuple[Any, ...]]:
    """The rows of a Core ``select`` as plain tuples, straight from the DB-API cursor.

    For the multi-million-row reads (index load, re-link) where a ``Result``
    row costs twice the driver's own; only for columns that need no type
    processing (ints and strings; booleans come back as 0/1 on SQLite). The
    statement runs in the session's transaction.
    """
    conn = session.connection()
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(batch):
            yield from rows
    finally:
        cursor.close()


def load_index(
    session: Session, policy: MatchPolicy, extra_internal: Iterable[str] = ()
) -> CrmIndex:
    """Build the matcher's in-memory index from the CRM tables.

    Internal are the organisation's domains and the CRM users' addresses.

    Streams one row per contact address (``contact_emails`` is not indexed
    by contact, so no join), with the contact's company from an int-to-int
    map: no per-contact lists, which at a million contacts cost more than
    the index itself.
    """
    company_of: dict[int, int | None] = dict(
        driver_rows(session, select(Contact.id, Contact.company_id))
    )
    domains: dict[int, list[str]] = defaultdict(list)
    for cid, dom in driver_rows(session, select(CompanyDomain.company_id, CompanyDomain.domain)):
        domains[cid].append(dom)
    contacts = (
        (ctid, company_of[ctid], email)
        for ctid, email in driver_rows(session, select(ContactEmail.contact_id, ContactEmail.email))
        if ctid in company_of
    )
    internal = set(session.scalars(select(InternalDomain.domain))) | set(extra_internal)
    # the CRM's users are the organisation's people even on a free-mail address
    internal |= set(session.scalars(select(CrmUser.email)))
    return CrmIndex.build(
        companies=domains.items(), contacts=contacts, internal_domains=internal, policy=policy
    )


def crm_fingerprint(session: Session) -> tuple[object, ...]:
    """Cheap summary that changes when CRM records are added, edited or deleted.

    Row counts and the latest ``updated_at`` catch what the CRM does through
    its own models. A direct SQL edit of a domain or an address keeps counts
    and ids, so the text columns are hashed too (PostgreSQL: a sum of
    ``hashtext``, independent of row order; SQLite, which has no hash
    function: a CRC of ``group_concat``), and a weighted sum of owner ids
    notices a domain, address or contact moved to another record, even by a
    swap. One scan per table: about 0.6 s for a million contacts on SQLite.
    """
    pg = session.get_bind().dialect.name == "postgresql"
    parts: list[object] = []
    parts.extend(session.execute(select(func.count(), func.max(Company.updated_at))).one())
    parts.extend(
        session.execute(
            select(
                func.count(),
                func.max(Contact.updated_at),
                _owner_sum(Contact.company_id, Contact.id),
            )
        ).one()
    )
    for text_col, extra in (
        (CompanyDomain.domain, [_owner_sum(CompanyDomain.company_id, CompanyDomain.id)]),
        (ContactEmail.email, [_owner_sum(ContactEmail.contact_id, ContactEmail.id)]),
        (InternalDomain.domain, []),
        (CrmUser.email, []),
    ):
        digest = (
            func.sum(cast(func.hashtext(text_col), BigInteger))
            if pg
            else (func.group_concat(text_col, "\n"))
        )
        count, text_sum, *rest = session.execute(select(func.count(), digest, *extra)).one()
        if not pg:
            text_sum = zlib.crc32((text_sum or "").encode())
        parts.extend((count, text_sum, *rest))
    return tuple(parts)


def _owner_sum(owner: Any, row_id: Any) -> Any:
    """sum(owner * weight(row id)): changes when any row gets another owner."""
    return func.sum(cast(func.coalesce(owner, 0), BigInteger) * (row_id % 65521 + 1))


def sync_organisation(
    session: Session, internal_domains: Iterable[str], users: Iterable[tuple[str, str]]
) -> None:
    """Make the config's internal domains and users present in the database."""
    insert_ignore(
        session, InternalDomain.__table__, [{"domain": d} for d in internal_domains], ["domain"]
    )
    insert_ignore(
        session,
        CrmUser.__table__,
        [{"name": n, "email": e.lower()} for n, e in users],
        ["email"],
    )


def create_auto_records(
    session: Session, matches: Iterable[MatchResult], now: datetime
) -> AutoCreated:
    """Create the companies and contacts the matcher proposed, idempotently.

    Sorted, so two daemons creating overlapping records lock them in one
    order; one that loses a race on a domain or address fails with a unique
    violation and its batch is written again (``store.transactions``).
    A domain or address longer than its column (and than DNS or SMTP allow)
    creates nothing, nor does a contact whose new company is refused; the
    links that needed the record are not made.
    """
    out = AutoCreated()
    companies = {
        c.domain: c for m in matches for c in m.new_companies if len(c.domain) <= COMPANY_DOMAIN
    }
    contacts = {
        c.address: c
        for m in matches
        for c in m.new_contacts
        if len(c.address) <= CONTACT_EMAIL
        and (c.company_domain is None or c.company_domain in companies)
    }
    companies = {d: companies[d] for d in sorted(companies)}
    contacts = {a: contacts[a] for a in sorted(contacts)}
    if not companies and not contacts:
        return out
    for domain, proposal in companies.items():
        existing = session.scalar(
            select(CompanyDomain.company_id).where(CompanyDomain.domain == domain)
        )
        if existing is None:
            company = Company(
                name=proposal.name,
                auto_created=True,
                auto_reason=proposal.reason,
                created_at=now,
                updated_at=now,
            )
            company.domains.append(CompanyDomain(domain=domain))
            session.add(company)
            session.flush()
            existing = company.id
            out.new_companies.append(domain)
        out.companies[domain] = existing
    for address, person in contacts.items():
        existing = session.scalar(
            select(ContactEmail.contact_id).where(ContactEmail.email == address)
        )
        if existing is None:
            company_id = person.company_id
            if company_id is None and person.company_domain:
                company_id = out.companies.get(person.company_domain)
            contact = Contact(
                name=person.name,
                company_id=company_id,
                auto_created=True,
                auto_reason=person.reason,
                created_at=now,
                updated_at=now,
            )
            contact.emails.append(ContactEmail(email=address))
            session.add(contact)
            session.flush()
            existing = contact.id
            out.new_contacts.append(address)
        out.contacts[address] = existing
    return out
