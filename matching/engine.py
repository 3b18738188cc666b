"""Participants in, link decisions out: the rules that decide whose timeline a message joins.

Order of the rules, per participant (after normalisation):

1. internal addresses (own domains and their subdomains, listed colleagues)
   are CRM users: never linked, never created;
2. robots (``noreply``...) and blocklisted addresses are dropped;
3. an exact address hit links the contact (``contact_address``) and the
   contact's company (``contact_company``), free-mail included;
4. free-mail and disposable domains stop here: they never match or create a
   company;
5. the most specific registered domain, walking from the full domain up to
   the registrable one, links its company (``company_domain``): for an
   unknown address, and for a contact writing from another company's domain
   (that company's page collects mail from all of its domains);
6. auto-creation of an unknown address, if the policy allows it
   (``auto_created_*``).

Each link targets one record (see :mod:`matching.links`). The rules run in
:mod:`matching.decisions` (per address) and :mod:`matching.participants` (per
message), the compiled hot path; this module is the public face.

Message-level rules: bulk mail (``drop_bulk``) and internal-only mail
(unless ``log_internal_only``) are not logged, nor is mail with no external
participant left (unless ``log_without_external``: then it is logged on no
timeline, except when a participant was blocklisted) or with nothing in the
CRM to link to (the runtime may keep such mail on no timeline,
``keep_unmatched``, so a customer added later brings its history).
"""

from __future__ import annotations

from matching.explain import AddressVerdict, explain_address, explain_header, explain_message
from matching.participants import NO_MATCH, match_participants
from matching.records import (
    Direction,
    LinkDecision,
    MatchResult,
    MessageSignals,
    NewCompany,
    NewContact,
    ParticipantLike,
)

__all__ = [
    "NO_MATCH",
    "AddressVerdict",
    "Direction",
    "LinkDecision",
    "MatchResult",
    "MessageSignals",
    "NewCompany",
    "NewContact",
    "ParticipantLike",
    "explain_address",
    "explain_header",
    "explain_message",
    "match_participants",
]
