"""``explain``: one verdict per address, from the same rules the engine runs."""

from __future__ import annotations

import pytest

from matching import explain_address, explain_header
from tests.unit.test_matching_engine import build


@pytest.mark.parametrize(
    ("text", "fields", "in_explanation"),
    [
        (
            "Jana <Jana.Novak+x@ACME.sk>",
            {
                "normalised": "jana.novak@acme.sk",
                "contact_id": 10,
                "company_id": 1,
                "reason": "contact_address",
            },
            "contact #10",
        ),
        (
            "x@mail.eu.bigcorp.com",
            {"registrable_domain": "bigcorp.com", "company_id": 3, "reason": "company_domain"},
            "eu.bigcorp.com",
        ),
        (
            "stranger@seznam.cz",
            {"freemail": True, "company_id": None, "reason": None},
            "registered on company #5, which is ignored",
        ),
        (
            "petr.free@seznam.cz",
            {"freemail": True, "contact_id": 11, "company_id": 2},
            "contact #11",
        ),
        ("q@mailinator.com", {"disposable": True, "reason": None}, "not linked"),
        ("me@mail.ourco.sk", {"internal": True, "reason": None}, "internal"),
        ("noreply@acme.sk", {"robot": True, "reason": None}, "automated"),
        ("nobody@unknown-firm.sk", {"reason": None}, "auto_create is off"),
        ("not an address", {"address": None, "normalised": None}, "not an e-mail address"),
    ],
)
def test_explain_address(text: str, fields: dict[str, object], in_explanation: str) -> None:
    index, policy = build()
    verdict = explain_address(text, index, policy)
    assert verdict.input == text
    for name, value in fields.items():
        assert getattr(verdict, name) == value, name
    assert in_explanation in verdict.explanation


def test_explain_blocked_and_header() -> None:
    index, policy = build(blocklist=("*@spam.*",))
    verdicts = explain_header(
        "=?utf-8?Q?Jana_Nov=C3=A1kov=C3=A1?= <jana.novak@acme.sk>, x@spam.sk, Team: y@seznam.cz;",
        index,
        policy,
    )
    assert [v.normalised for v in verdicts] == ["jana.novak@acme.sk", "x@spam.sk", "y@seznam.cz"]
    assert verdicts[1].blocked and "blocklist" in verdicts[1].explanation
    assert verdicts[2].freemail
