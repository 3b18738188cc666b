"""Participant matching: who a message or meeting belongs to in the CRM.

A pure library (no database, network, clock or environment): the runtime
builds a :class:`CrmIndex` from the store, calls :func:`match_participants`
per item and :func:`plan_links` to reconcile with stored links.
"""

from __future__ import annotations

from matching.addresses import (
    normalise_address,
    normalise_domain,
    parse_address_header,
    registrable_domain,
)
from matching.engine import (
    AddressVerdict,
    LinkDecision,
    MatchResult,
    MessageSignals,
    NewCompany,
    NewContact,
    ParticipantLike,
    explain_address,
    explain_header,
    explain_message,
    match_participants,
)
from matching.freemail import is_disposable, is_freemail
from matching.index import CrmIndex
from matching.plan import ExistingLink, LinkOp, plan_links
from matching.policy import MatchPolicy

__all__ = [
    "AddressVerdict",
    "CrmIndex",
    "ExistingLink",
    "LinkDecision",
    "LinkOp",
    "MatchPolicy",
    "MatchResult",
    "MessageSignals",
    "NewCompany",
    "NewContact",
    "ParticipantLike",
    "explain_address",
    "explain_header",
    "explain_message",
    "is_disposable",
    "is_freemail",
    "match_participants",
    "normalise_address",
    "normalise_domain",
    "parse_address_header",
    "plan_links",
    "registrable_domain",
]
