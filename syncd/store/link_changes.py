"""Link rows to create, remove and update, gathered from :func:`matching.plan_links`.

Both the re-link and the re-application of stored items reconcile many
items' links at once: each item's plan is added here, and the whole set is
written with one DELETE per chunk, one executemany UPDATE and one bulk
INSERT.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, update
from sqlalchemy.orm import Session

from matching import LinkOp
from syncd.store.bulk import insert_rows
from syncd.store.models import Link
from syncd.store.scope_writes import chunks

_LINKS = cast(Table, Link.__table__)


@dataclass
class LinkChanges:
    """The pending link writes of a set of items."""

    creates: list[dict[str, Any]] = field(default_factory=list)
    removes: list[int] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)

    def add(self, communication_id: int, ops: Iterable[LinkOp], now: datetime) -> None:
        """Take one item's plan (manual links and tombstones are never in it)."""
        for op in ops:
            if op.op == "create":
                self.creates.append(
                    {
                        "communication_id": communication_id,
                        "company_id": op.company_id,
                        "contact_id": op.contact_id,
                        "reason": op.reason,
                        "explanation": op.explanation,
                        "manual": False,
                        "unlinked": False,
                        "created_at": now,
                    }
                )
            elif op.op == "remove" and op.link_id is not None:
                self.removes.append(op.link_id)
            elif op.op == "update":
                self.updates.append(
                    {"b_id": op.link_id, "b_reason": op.reason, "b_explanation": op.explanation}
                )

    def write(self, session: Session) -> None:
        """Apply every pending change in the session's transaction."""
        for chunk in chunks(self.removes):
            session.execute(delete(_LINKS).where(_LINKS.c.id.in_(chunk)))
        if self.updates:
            session.execute(
                update(_LINKS)
                .where(_LINKS.c.id == bindparam("b_id"))
                .values(reason=bindparam("b_reason"), explanation=bindparam("b_explanation")),
                self.updates,
            )
        insert_rows(session, _LINKS, self.creates)
