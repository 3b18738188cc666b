"""Phone-call and meeting notes written by people, straight onto a timeline."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from syncd.store.models import Communication, Link


def add_note(
    session: Session,
    *,
    kind: str,
    text: str,
    occurred_at: datetime,
    company_id: int | None,
    contact_id: int | None,
    author: str | None,
    subject: str | None = None,
    direction: str = "outbound",
) -> int:
    """Create a call or note item with a manual link; returns its id."""
    if kind not in ("call", "note"):
        raise ValueError(f"kind must be call or note, not {kind!r}")
    if company_id is None and contact_id is None:
        raise ValueError("a note needs a company or a contact")
    comm = Communication(
        kind=kind,
        dedupe_key=f"{kind}:{uuid.uuid4()}",
        subject=subject or (text.splitlines()[0][:120] if text else None),
        body=text,
        visibility="full",
        occurred_at=occurred_at,
        direction=direction,
        created_by=author,
        created_at=occurred_at,
        updated_at=occurred_at,
    )
    session.add(comm)
    session.flush()
    session.add(
        Link(
            communication_id=comm.id,
            company_id=company_id,
            contact_id=contact_id,
            reason="manual",
            explanation=f"{kind} logged by {author or 'a user'}",
            manual=True,
        )
    )
    session.flush()
    return comm.id
