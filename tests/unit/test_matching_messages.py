"""Message-level rules, table-driven: direction, and when a message is not logged at all."""

from __future__ import annotations

import pytest

from matching import MessageSignals, match_participants
from tests.unit.test_matching_engine import ME, P, build


@pytest.mark.parametrize(
    ("participants", "policy", "signals", "direction", "log", "reason"),
    [
        ([ME, P("jana.novak@acme.sk")], {}, None, "outbound", True, None),
        ([P("jana.novak@acme.sk", role="from"), P("me@ourco.sk")], {}, None, "inbound", True, None),
        (
            [P("jana.novak@acme.sk", role="attendee"), P("me@ourco.sk", role="organizer")],
            {},
            None,
            "outbound",
            True,
            None,
        ),
        ([ME, P("kolega@ourco.sk")], {}, None, "internal", False, "all participants internal"),
        ([ME, P("x@mail.ourco.sk")], {}, None, "internal", False, "all participants internal"),
        ([ME, P("kolega@gmail.com")], {}, None, "internal", False, "all participants internal"),
        ([ME, P("kolega@ourco.sk")], {"log_internal_only": True}, None, "internal", True, None),
        ([ME, P("noreply@acme.sk")], {}, None, "outbound", False, "no external participant left"),
        ([ME, P("noreply@acme.sk")], {"log_without_external": True}, None, "outbound", True, None),
        (
            [P("noreply@acme.sk", role="from"), ME],
            {"log_without_external": True, "blocklist": ("noreply@acme.sk",)},
            None,
            "inbound",
            False,
            "no external participant left",
        ),
        (
            [P("spam@blocked.sk", role="from"), ME],
            {"log_without_external": True, "blocklist": ("blocked.sk",)},
            None,
            "inbound",
            False,
            "no external participant left",
        ),
        (
            [],
            {"log_without_external": True},
            None,
            "inbound",
            False,
            "no external participant left",
        ),
        (
            [ME, P("noreply@acme.sk")],
            {"log_without_external": True},
            MessageSignals(precedence="bulk"),
            "outbound",
            False,
            "bulk mail (Precedence: bulk)",
        ),
        (
            [P("mailer-daemon@acme.sk", role="from"), P("bounces+123@acme.sk"), P("me@ourco.sk")],
            {},
            None,
            "inbound",
            False,
            "no external participant left",
        ),
        ([ME, P("")], {}, None, "internal", False, "all participants internal"),
        ([], {}, None, "inbound", False, "no external participant left"),
        (
            [ME, P("jana.novak@acme.sk")],
            {},
            MessageSignals(list_id="<news.acme.sk>"),
            "outbound",
            False,
            "bulk mail (List-Id)",
        ),
        (
            [P("jana.novak@acme.sk", role="from"), P("me@ourco.sk")],
            {},
            MessageSignals(precedence=" Bulk "),
            "inbound",
            False,
            "bulk mail (Precedence: bulk)",
        ),
        (
            [P("jana.novak@acme.sk", role="from"), P("me@ourco.sk")],
            {},
            MessageSignals(auto_submitted="auto-replied; owner-email=jana@acme.sk"),
            "inbound",
            False,
            "automated mail (Auto-Submitted: auto-replied)",
        ),
        (
            [P("jana.novak@acme.sk", role="from"), P("me@ourco.sk")],
            {},
            MessageSignals(auto_submitted="no", precedence="first-class"),
            "inbound",
            True,
            None,
        ),
        (
            [P("jana.novak@acme.sk", role="from"), P("obchod@ourco.sk")],
            {},
            MessageSignals(list_id="Obchod <obchod.ourco.sk>"),  # our own group: a shared inbox
            "inbound",
            True,
            None,
        ),
        (
            [P("jana.novak@acme.sk", role="from"), P("me@ourco.sk")],
            {"drop_bulk": False},
            MessageSignals(list_id="<x>"),
            "inbound",
            True,
            None,
        ),
    ],
)
def test_message_rules(
    participants: list[P],
    policy: dict[str, object],
    signals: MessageSignals | None,
    direction: str,
    log: bool,
    reason: str | None,
) -> None:
    index, p = build(**policy)
    result = match_participants(participants, index, p, signals)
    assert (result.direction, result.log, result.drop_reason) == (direction, log, reason)
    if not result.log:
        assert result.links == () and result.new_contacts == () and result.new_companies == ()
