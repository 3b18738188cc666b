"""Fixtures shared by the store's contract tests (both backends)."""

from __future__ import annotations

import pytest

from syncd.store import syncstate
from syncd.store.db import session_factory
from syncd.store.models import Company, Contact


@pytest.fixture
def sessions(engine):
    return session_factory(engine)


@pytest.fixture
def crm(sessions) -> dict[str, int]:
    with sessions.begin() as s:
        company = Company(name="ACME s.r.o.", registration_no="12345678")
        s.add(company)
        s.flush()
        contact = Contact(name="Jana Nováková", company_id=company.id)
        s.add(contact)
        s.flush()
        c1 = syncstate.ensure_connector(s, "c1", "maildir", "h1")
        c2 = syncstate.ensure_connector(s, "c2", "maildir", "h1")
        return {"company": company.id, "contact": contact.id, "c1": c1, "c2": c2}
