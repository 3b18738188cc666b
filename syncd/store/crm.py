"""CRM records: the snapshot the matcher works on, and auto-created records."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matching import CrmIndex, MatchPolicy, MatchResult
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


def load_index(
    session: Session, policy: MatchPolicy, extra_internal: Iterable[str] = ()
) -> CrmIndex:
    """Build the matcher's in-memory index from the CRM tables."""
    domains: dict[int, list[str]] = defaultdict(list)
    for cid, dom in session.execute(select(CompanyDomain.company_id, CompanyDomain.domain)):
        domains[cid].append(dom)
    emails: dict[int, list[str]] = defaultdict(list)
    for ctid, email in session.execute(select(ContactEmail.contact_id, ContactEmail.email)):
        emails[ctid].append(email)
    contacts = [
        (ctid, company_id, emails.get(ctid, ()))
        for ctid, company_id in session.execute(select(Contact.id, Contact.company_id))
    ]
    internal = set(session.scalars(select(InternalDomain.domain))) | set(extra_internal)
    return CrmIndex.build(
        companies=domains.items(), contacts=contacts, internal_domains=internal, policy=policy
    )


def crm_fingerprint(session: Session) -> tuple[object, ...]:
    """Cheap summary that changes when CRM records are added, edited or deleted."""
    parts: list[object] = []
    for model in (Company, Contact):
        parts.extend(session.execute(select(func.count(), func.max(model.updated_at))).one())
    for col in (CompanyDomain.id, ContactEmail.id, InternalDomain.domain):
        parts.extend(session.execute(select(func.count(col), func.max(col))).one())
    return tuple(parts)


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
    """Create the companies and contacts the matcher proposed, idempotently."""
    out = AutoCreated()
    companies = {c.domain: c for m in matches for c in m.new_companies}
    contacts = {c.address: c for m in matches for c in m.new_contacts}
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
