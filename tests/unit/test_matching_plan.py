"""Link reconciliation: automatic links follow the matcher, manual work is never undone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import ExistingLink, LinkDecision, LinkOp, plan_links


def want(company: int | None, contact: int | None, reason: str = "contact_address") -> LinkDecision:
    return LinkDecision(company, contact, reason, "a@x.sk", f"because {reason}")


def have(
    link_id: int,
    company: int | None,
    contact: int | None,
    reason: str = "contact_address",
    *,
    manual: bool = False,
    unlinked: bool = False,
    explanation: str | None = None,
) -> ExistingLink:
    """A stored link; its explanation by default the one ``want`` gives for its reason."""
    why = f"because {reason}" if explanation is None else explanation
    return ExistingLink(link_id, company, contact, reason, manual, unlinked, why)


def ops(result: list[LinkOp]) -> list[tuple[str, int | None, int | None, str, int | None]]:
    return [(o.op, o.company_id, o.contact_id, o.reason, o.link_id) for o in result]


@pytest.mark.parametrize(
    ("desired", "existing", "expected"),
    [
        ([want(None, 10)], [], [("create", None, 10, "contact_address", None)]),
        ([want(None, 10)], [have(1, None, 10)], []),
        ([], [have(1, None, 10)], [("remove", None, 10, "contact_address", 1)]),
        ([], [have(1, None, 10, "manual", manual=True)], []),  # manual links stay
        ([want(None, 10)], [have(1, None, 10, unlinked=True, manual=True)], []),  # tombstone
        (
            [want(None, 10)],
            [have(1, None, 10, unlinked=True, manual=True), have(2, None, 10)],
            [("remove", None, 10, "contact_address", 2)],
        ),
        (
            [want(None, 10)],
            [have(1, None, 10, unlinked=True, manual=True), have(2, None, 10, manual=True)],
            [],  # re-linked by hand after the unlink: the manual link wins
        ),
        (
            [want(1, None, "contact_company")],
            [have(1, 1, None, "company_domain")],
            [("update", 1, None, "contact_company", 1)],
        ),
        ([want(1, None, "contact_company")], [have(1, 1, None, "manual", manual=True)], []),
        (
            [want(None, 10)],
            [have(1, None, 10), have(2, None, 10)],
            [("remove", None, 10, "contact_address", 2)],  # duplicate automatic row
        ),
        (
            [want(None, 10)],
            [have(1, None, 10), have(2, None, 10, manual=True)],
            [("remove", None, 10, "contact_address", 1)],  # keep the manual duplicate
        ),
        (
            [
                LinkDecision(None, None, "auto_created_contact", "n@x.sk", "new", None, "n@x.sk"),
                LinkDecision(None, None, "auto_created_company", "n@x.sk", "new", "x.sk", None),
            ],
            [],
            [],  # unresolved auto-created records are the store's to create first
        ),
        (
            [LinkDecision(None, 77, "auto_created_contact", "n@x.sk", "new", None, "n@x.sk")],
            [],
            [("create", None, 77, "auto_created_contact", None)],  # resolved by the store
        ),
        (
            [want(None, 10, "company_domain"), want(None, 10, "contact_address")],
            [],
            [("create", None, 10, "contact_address", None)],  # the stronger reason wins
        ),
        # A stale explanation (say a subdomain got registered) is rewritten ...
        (
            [want(1, None, "company_domain")],
            [have(1, 1, None, "company_domain", explanation="acme.sk is a domain of #1")],
            [("update", 1, None, "company_domain", 1)],
        ),
        (
            [want(None, 10)],
            [ExistingLink(1, None, 10, "contact_address", False, False, None)],
            [("update", None, 10, "contact_address", 1)],  # none stored at all
        ),
        # ... but never a manual link's or a tombstone's.
        ([want(None, 10)], [have(1, None, 10, manual=True, explanation="filed by Eva")], []),
        (
            [want(None, 10)],
            [have(1, None, 10, manual=True, unlinked=True, explanation="unlinked by Eva")],
            [],
        ),
        # A link made with its auto-created record keeps its provenance: any decision
        # on the same pair (the record is in the CRM now) leaves it alone ...
        ([want(None, 10)], [have(1, None, 10, "auto_created_contact")], []),
        ([want(1, None, "contact_company")], [have(1, 1, None, "auto_created_company")], []),
        ([want(1, None, "company_domain")], [have(1, 1, None, "auto_created_company")], []),
        (
            [want(None, 10, "auto_created_contact")],
            [have(1, None, 10, "auto_created_contact", explanation="created from Mail 0")],
            [],
        ),
        (
            [want(1, None, "contact_company")],
            [have(1, 1, None, "auto_created_company", explanation="created from Mail 0")],
            [],
        ),
        # ... but it goes when no decision wants the pair, or the user unlinked it.
        (
            [],
            [have(1, None, 10, "auto_created_contact")],
            [("remove", None, 10, "auto_created_contact", 1)],
        ),
        (
            [want(None, 10)],
            [
                have(1, None, 10, "auto_created_contact"),
                have(2, None, 10, unlinked=True, manual=True),
            ],
            [("remove", None, 10, "auto_created_contact", 1)],
        ),
        (
            [want(None, 11)],
            [have(1, None, 10, "auto_created_contact")],
            [
                ("remove", None, 10, "auto_created_contact", 1),
                ("create", None, 11, "contact_address", None),
            ],
        ),
        (
            [want(None, 10), want(1, None, "contact_company")],
            [have(5, 2, None, "company_domain"), have(6, None, 10)],
            [
                ("remove", 2, None, "company_domain", 5),
                ("create", 1, None, "contact_company", None),
            ],
        ),
    ],
)
def test_plan_links(
    desired: list[LinkDecision], existing: list[ExistingLink], expected: list[tuple]
) -> None:
    assert ops(plan_links(desired, existing)) == expected


def test_ops_carry_explanations() -> None:
    (create,) = plan_links([want(None, 10)], [])
    assert create.explanation == "because contact_address"
    (remove,) = plan_links([], [have(3, 1, None, "company_domain")])
    assert "no longer" in remove.explanation
    stale = have(4, 1, None, "company_domain", explanation="old words")
    (update,) = plan_links([want(1, None, "company_domain")], [stale])
    assert update.explanation == "because company_domain"


# --- properties -------------------------------------------------------------------------------

_IDS = st.one_of(st.none(), st.integers(1, 4))
_REASONS = st.sampled_from(
    ["contact_address", "company_domain", "contact_company", "auto_created_contact", "manual"]
)


_WHY = st.sampled_from([None, "stale", "because contact_address", "because company_domain"])


@st.composite
def _existing(draw: st.DrawFn) -> list[ExistingLink]:
    rows = draw(
        st.lists(st.tuples(_IDS, _IDS, _REASONS, st.booleans(), st.booleans(), _WHY), max_size=10)
    )
    return [
        ExistingLink(i, company, contact, reason, manual or unlinked, unlinked, why)
        for i, (company, contact, reason, manual, unlinked, why) in enumerate(rows, start=1)
    ]


_DESIRED = st.lists(
    st.builds(want, _IDS, _IDS, st.sampled_from(["contact_address", "company_domain"])),
    max_size=8,
)


def _apply(existing: list[ExistingLink], plan: list[LinkOp]) -> list[ExistingLink]:
    """What the store would hold after applying ``plan``."""
    rows = {e.link_id: e for e in existing}
    next_id = max(rows, default=0) + 1
    for op in plan:
        if op.op == "remove":
            assert op.link_id is not None
            del rows[op.link_id]
        elif op.op == "update":
            assert op.link_id is not None
            old = rows[op.link_id]
            rows[op.link_id] = ExistingLink(
                old.link_id, old.company_id, old.contact_id, op.reason, False, False, op.explanation
            )
        else:
            rows[next_id] = ExistingLink(
                next_id, op.company_id, op.contact_id, op.reason, False, False, op.explanation
            )
            next_id += 1
    return list(rows.values())


@given(_DESIRED, _existing())
@settings(max_examples=500)
def test_plan_respects_manual_work_and_converges(
    desired: list[LinkDecision], existing: list[ExistingLink]
) -> None:
    plan = plan_links(desired, existing)
    by_id = {e.link_id: e for e in existing}
    tombstoned = {(e.company_id, e.contact_id) for e in existing if e.unlinked}
    for op in plan:
        if op.op in ("remove", "update"):
            assert op.link_id is not None and not by_id[op.link_id].manual
        if op.op == "create":
            assert (op.company_id, op.contact_id) not in tombstoned
            assert op.company_id is not None or op.contact_id is not None
    after = _apply(existing, plan)
    assert plan_links(desired, after) == []  # applying the plan reaches a fixed point
    manual_pairs = {(e.company_id, e.contact_id) for e in after if e.manual and not e.unlinked}
    automatic = [(e.company_id, e.contact_id) for e in after if not e.manual]
    assert len(automatic) == len(set(automatic)), "no duplicate automatic links"
    assert not manual_pairs & set(automatic), "a manual link makes the automatic one redundant"
    for e in existing:
        if e.manual:
            assert e in after
