"""CSV import of companies and contacts: all rows or nothing.

Every row is validated first; any problem is reported with its line number
and nothing is written. Re-importing the same file updates records in place
(companies are keyed by registration number, else by name; contacts by their
first email address).

companies.csv: ``name,registration_no,website,domains`` (domains ``;``-separated)
contacts.csv:  ``name,email,position,phone,company`` (emails ``;``-separated;
company = registration number, exact name, or one of its domains)
"""

from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from syncd.errors import ImportRowError
from syncd.store.bounded import COMPANY_DOMAIN, CONTACT_EMAIL
from syncd.store.models import Company, CompanyDomain, Contact, ContactEmail

COMPANY_COLUMNS = ("name", "registration_no", "website", "domains")
REGISTRATION_NO = 40  # companies.registration_no: a unique key
CONTACT_COLUMNS = ("name", "email", "position", "phone", "company")


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int


def _norm_domain(value: str) -> str:
    d = value.strip().lower().lstrip("@").rstrip(".")
    if d.startswith("http://") or d.startswith("https://"):
        d = d.split("//", 1)[1].split("/", 1)[0]
    with contextlib.suppress(UnicodeError):
        d = ".".join(
            label.encode("ascii").decode("idna") if label.startswith("xn--") else label
            for label in d.split(".")
        )
    return d


def _valid_domain(d: str) -> bool:
    return (
        "." in d
        and " " not in d
        and "@" not in d
        and not d.startswith(".")
        and len(d) <= COMPANY_DOMAIN
    )


def _norm_email(value: str) -> str | None:
    v = value.strip()
    if v.count("@") != 1:
        return None
    local, domain = v.rsplit("@", 1)
    domain = _norm_domain(domain)
    if not local or not _valid_domain(domain):
        return None
    email = f"{local.lower()}@{domain}"
    return email if len(email) <= CONTACT_EMAIL else None


def _split(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").replace(",", ";").split(";") if p.strip()]


def _read(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRowError([(1, "file is not UTF-8 (save the CSV as UTF-8)")]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in columns if c not in header and c in ("name", "email")]
    unknown = [h for h in header if h not in columns]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"missing column(s): {', '.join(missing)}")
        if unknown:
            problems.append(
                f"unknown column(s): {', '.join(unknown)}; expected {', '.join(columns)}"
            )
        raise ImportRowError([(1, "; ".join(problems))])
    reader.fieldnames = header
    rows = []
    for row in reader:
        clean = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if any(clean.values()):
            rows.append((reader.line_num, clean))
    return rows


def import_companies(session: Session, path: Path, now: datetime) -> ImportResult:
    rows = _read(path, COMPANY_COLUMNS)
    problems: list[tuple[int, str]] = []
    owner_in_file: dict[str, int] = {}
    by_reg = {c.registration_no: c for c in session.scalars(select(Company)) if c.registration_no}
    by_name = {c.name.casefold(): c for c in session.scalars(select(Company))}
    domain_owner = {
        d: c for d, c in session.execute(select(CompanyDomain.domain, CompanyDomain.company_id))
    }
    plans = []
    for line, r in rows:
        if not r.get("name"):
            problems.append((line, "name is empty"))
            continue
        domains = [_norm_domain(d) for d in _split(r.get("domains"))]
        for d in domains:
            if not _valid_domain(d):
                problems.append((line, f"domain {d!r} is not a domain name"))
            elif d in owner_in_file and owner_in_file[d] != line:
                problems.append((line, f"domain {d} is also listed on line {owner_in_file[d]}"))
            owner_in_file.setdefault(d, line)
        reg = r.get("registration_no") or None
        if reg and len(reg) > REGISTRATION_NO:
            problems.append((line, f"registration_no is longer than {REGISTRATION_NO} characters"))
        company = by_reg.get(reg) if reg else by_name.get(r["name"].casefold())
        for d in domains:
            owner = domain_owner.get(d)
            if owner is not None and (company is None or owner != company.id):
                problems.append((line, f"domain {d} already belongs to company #{owner}"))
        plans.append((company, r, reg, domains))
    if problems:
        raise ImportRowError(problems)
    created = updated = 0
    for company, r, reg, domains in plans:
        if company is None:
            company = Company(created_at=now)
            session.add(company)
            created += 1
        else:
            updated += 1
        company.name = r["name"]
        company.registration_no = reg
        company.website = r.get("website") or None
        company.updated_at = now
        have = {d.domain for d in company.domains}
        for d in domains:
            if d not in have:
                company.domains.append(CompanyDomain(domain=d))
    session.flush()
    return ImportResult(created, updated)


def import_contacts(session: Session, path: Path, now: datetime) -> ImportResult:
    rows = _read(path, CONTACT_COLUMNS)
    problems: list[tuple[int, str]] = []
    companies = list(session.scalars(select(Company)))
    by_key: dict[str, int] = {}
    for c in companies:
        by_key[c.name.casefold()] = c.id
        if c.registration_no:
            by_key[c.registration_no.casefold()] = c.id
    for dom, cid in session.execute(select(CompanyDomain.domain, CompanyDomain.company_id)):
        by_key.setdefault(dom, cid)
    email_owner = {
        e: c for e, c in session.execute(select(ContactEmail.email, ContactEmail.contact_id))
    }
    seen_in_file: dict[str, int] = {}
    plans = []
    for line, r in rows:
        emails = []
        for raw in _split(r.get("email")):
            e = _norm_email(raw)
            if e is None:
                problems.append((line, f"email {raw!r} is not an email address"))
            elif e in seen_in_file:
                problems.append((line, f"email {e} is also listed on line {seen_in_file[e]}"))
            else:
                seen_in_file[e] = line
                emails.append(e)
        if not emails and not any(p[0] == line for p in problems):
            problems.append((line, "email is empty"))
        company_id = None
        if r.get("company"):
            company_id = by_key.get(r["company"].casefold()) or by_key.get(
                _norm_domain(r["company"])
            )
            if company_id is None:
                problems.append(
                    (
                        line,
                        f"company {r['company']!r} not found "
                        "(give its registration number, name or domain)",
                    )
                )
        owners = {email_owner[e] for e in emails if e in email_owner}
        if len(owners) > 1:
            problems.append(
                (line, f"emails belong to different existing contacts {sorted(owners)}")
            )
        plans.append((owners.pop() if len(owners) == 1 else None, r, emails, company_id))
    if problems:
        raise ImportRowError(problems)
    created = updated = 0
    for contact_id, r, emails, company_id in plans:
        contact = session.get(Contact, contact_id) if contact_id else None
        if contact is None:
            contact = Contact(created_at=now)
            session.add(contact)
            created += 1
        else:
            updated += 1
        contact.name = r.get("name") or None
        contact.position = r.get("position") or None
        contact.phone = r.get("phone") or None
        contact.company_id = company_id
        contact.updated_at = now
        have = {e.email for e in contact.emails}
        for e in emails:
            if e not in have:
                contact.emails.append(ContactEmail(email=e))
    session.flush()
    return ImportResult(created, updated)
