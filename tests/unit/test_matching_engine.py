"""The matching rules, table-driven: who a message is linked to, and when it is not logged."""

from __future__ import annotations

import ast
import pathlib
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import (
    CrmIndex,
    LinkDecision,
    MatchPolicy,
    MatchResult,
    is_disposable,
    is_freemail,
    match_participants,
)
from matching.engine import NO_MATCH


@dataclass(frozen=True, slots=True)
class P:
    address: str
    name: str | None = None
    role: str = "to"


COMPANIES = [
    (1, ["acme.sk"]),
    (2, ["bigcorp.com"]),
    (3, ["eu.bigcorp.com"]),  # a subsidiary owns a subdomain of its parent's domain
    (4, ["acme-holding.cz", "https://www.acme-holding.sk/"]),
    (5, ["seznam.cz"]),  # misconfigured: a free-mail domain on a company
    (6, ["xn--bcher-kva.de"]),  # registered in punycode
    (7, ["dup.sk"]),
    (8, ["dup.sk"]),  # the same domain on two companies
    (9, ["mailinator.com"]),  # misconfigured: a disposable domain
]
CONTACTS = [
    (10, 1, ["Jana.Novak@ACME.sk", "jana@acme-holding.cz"]),
    (11, 2, ["petr.free@seznam.cz"]),  # free-mail contact working for company 2
    (12, None, ["anna.kowalska@gmail.com"]),
    (13, 7, ["office@dup.sk"]),
    (14, 8, ["office@dup.sk"]),  # the same address on two contacts
    (15, None, ["kontakt@bücher.de"]),  # no company, but its domain has one
    (16, 2, ["ceo@bigcorp.com"]),
]
INTERNAL = ["ourco.sk", "kolega@gmail.com"]
ME = P("me@ourco.sk", "Me", "from")


def build(**policy: object) -> tuple[CrmIndex, MatchPolicy]:
    p = MatchPolicy(**policy)  # type: ignore[arg-type]
    return CrmIndex.build(
        companies=COMPANIES, contacts=CONTACTS, internal_domains=INTERNAL, policy=p
    ), p


def summary(result: MatchResult) -> set[tuple[str, object, object]]:
    """(reason, company or new domain, contact or new address) of every link."""
    return {
        (
            d.reason,
            d.company_id if d.company_id is not None else d.new_company_domain,
            d.contact_id if d.contact_id is not None else d.new_contact_address,
        )
        for d in result.links
    }


CASES: list[tuple[str, list[P], dict[str, object], set[tuple[str, object, object]]]] = [
    (
        "exact address links the contact and the contact's company",
        [ME, P("jana.novak@acme.sk")],
        {},
        {("contact_address", None, 10), ("contact_company", 1, None)},
    ),
    (
        "a contact's second address, at another company's domain: both companies' pages get it",
        [ME, P("JANA@acme-holding.cz")],
        {},
        {("contact_address", None, 10), ("contact_company", 1, None), ("company_domain", 4, None)},
    ),
    (
        "a contact at its own company's domain: one company link, the strongest reason",
        [ME, P("ceo@bigcorp.com")],
        {},
        {("contact_address", None, 16), ("contact_company", 2, None)},
    ),
    (
        "a free-mail contact never links a company by domain, even a misconfigured one",
        [ME, P("petr.free@seznam.cz")],
        {},
        {("contact_address", None, 11), ("contact_company", 2, None)},
    ),
    (
        "plus tag is stripped",
        [ME, P("jana.novak+crm@acme.sk")],
        {},
        {("contact_address", None, 10), ("contact_company", 1, None)},
    ),
    (
        "plus tag kept when the policy says so: only the domain matches",
        [ME, P("jana.novak+crm@acme.sk")],
        {"strip_plus_tags": False},
        {("company_domain", 1, None)},
    ),
    (
        "gmail dots and googlemail",
        [ME, P("Anna.Kowal.ska@googlemail.com")],
        {},
        {("contact_address", None, 12)},
    ),
    (
        "IDN: a Unicode participant matches a punycode registration",
        [ME, P("info@BÜCHER.de")],
        {},
        {("company_domain", 6, None)},
    ),
    (
        "IDN: a punycode participant matches a Unicode contact address",
        [ME, P("kontakt@xn--bcher-kva.de")],
        {},
        {("contact_address", None, 15), ("company_domain", 6, None)},
    ),
    (
        "the subsidiary's subdomain wins over the parent",
        [ME, P("x@eu.bigcorp.com")],
        {},
        {("company_domain", 3, None)},
    ),
    (
        "deeper subdomains walk up to the first registered domain",
        [ME, P("x@mail.eu.bigcorp.com"), P("y@us.bigcorp.com")],
        {},
        {("company_domain", 3, None), ("company_domain", 2, None)},
    ),
    (
        "a company's second domain, registered as a URL",
        [ME, P("info@acme-holding.sk")],
        {},
        {("company_domain", 4, None)},
    ),
    (
        "free-mail contact matches by exact address and through it its company",
        [ME, P("petr.free@seznam.cz")],
        {},
        {("contact_address", None, 11), ("contact_company", 2, None)},
    ),
    (
        "a shared domain links every owner",
        [ME, P("someone@dup.sk")],
        {},
        {("company_domain", 7, None), ("company_domain", 8, None)},
    ),
    (
        "a shared address links every contact",
        [ME, P("office@dup.sk")],
        {},
        {
            ("contact_address", None, 13),
            ("contact_address", None, 14),
            ("contact_company", 7, None),
            ("contact_company", 8, None),
        },
    ),
    (
        "contact company beats domain company for the same company (one link)",
        [ME, P("ceo@bigcorp.com"), P("other@bigcorp.com")],
        {},
        {("contact_address", None, 16), ("contact_company", 2, None)},
    ),
    (
        "robots are dropped, people stay",
        [ME, P("noreply@acme.sk"), P("jana.novak@acme.sk")],
        {},
        {("contact_address", None, 10), ("contact_company", 1, None)},
    ),
    (
        "robots kept when drop_robots is off",
        [ME, P("no-reply@acme.sk")],
        {"drop_robots": False},
        {("company_domain", 1, None)},
    ),
    (
        "blocklist: exact address, domain, @domain and pattern",
        [
            ME,
            P("ceo@bigcorp.com"),
            P("x@eu.bigcorp.com"),
            P("y@acme-holding.cz"),
            P("z@bounce.acme.sk"),
            P("jana.novak@acme.sk"),
        ],
        {"blocklist": ("CEO@bigcorp.com", "eu.bigcorp.com", "@acme-holding.cz", "*@bounce.*")},
        {("contact_address", None, 10), ("contact_company", 1, None)},
    ),
    (
        "a blocklist pattern in punycode blocks the Unicode form, and the other way round",
        [ME, P("x@bücher.de"), P("kontakt@xn--bcher-kva.de"), P("jana.novak@acme.sk")],
        {"blocklist": ("*@xn--bcher-kva.de",)},
        {("contact_address", None, 10), ("contact_company", 1, None)},
    ),
    (
        "a Unicode blocklist pattern",
        [ME, P("x@xn--bcher-kva.de"), P("jana.novak@acme.sk")],
        {"blocklist": ("*@BÜCHER.*",)},
        {("contact_address", None, 10), ("contact_company", 1, None)},
    ),
    (
        "auto-create a contact at a known company's domain",
        [ME, P("petra@acme.sk", "Petra Nová")],
        {"auto_create": "contacts"},
        {("company_domain", 1, None), ("auto_created_contact", None, "petra@acme.sk")},
    ),
    (
        "contacts mode creates no company",
        [ME, P("petra@acme-trade.sk", "Petra")],
        {"auto_create": "contacts"},
        set(),
    ),
    (
        "auto-create company and contact from an unknown business domain",
        [ME, P("petra@mail.acme-trade.sk", "Petra"), P("jan@acme-trade.sk")],
        {"auto_create": "contacts_and_companies"},
        {
            ("auto_created_company", "acme-trade.sk", None),
            ("auto_created_contact", None, "petra@mail.acme-trade.sk"),
            ("auto_created_contact", None, "jan@acme-trade.sk"),
        },
    ),
    (
        "never auto-create from free-mail, disposable, unknown TLDs or shared domains",
        [
            ME,
            P("stranger@seznam.cz"),
            P("x@wp.pl"),
            P("y@guerrillamail.com"),
            P("z@intranet.local"),
            P("w@dup.sk"),
        ],
        {"auto_create": "contacts_and_companies"},
        {("company_domain", 7, None), ("company_domain", 8, None)},
    ),
]


@pytest.mark.parametrize(("title", "participants", "policy", "expected"), CASES, ids=lambda x: "")
def test_links(
    title: str, participants: list[P], policy: dict[str, object], expected: set[tuple]
) -> None:
    index, p = build(**policy)
    result = match_participants(participants, index, p)
    assert summary(result) == expected, title
    assert result.log is bool(expected)
    if not expected:
        assert result.drop_reason == NO_MATCH
    keys = [d.key for d in result.links]
    assert len(keys) == len(set(keys)), "links are de-duplicated"


@pytest.mark.parametrize("auto_create", ["off", "contacts", "contacts_and_companies"])
@pytest.mark.parametrize(
    "address", ["stranger@seznam.cz", "x@SEZNAM.CZ", "y@email.cz", "z@gmx.at", "q@mailinator.com"]
)
def test_freemail_and_disposable_never_match_a_company(address: str, auto_create: str) -> None:
    index, policy = build(auto_create=auto_create)
    result = match_participants([ME, P(address)], index, policy)
    assert result.links == ()
    assert result.new_companies == () and result.new_contacts == ()
    assert result.log is False and result.drop_reason == NO_MATCH


def test_auto_created_records_say_why() -> None:
    index, policy = build(auto_create="contacts_and_companies")
    result = match_participants(
        [P("petra@acme-trade.sk", "'Petra Nová'", "from"), P("me@ourco.sk"), P("n@acme.sk")],
        index,
        policy,
    )
    (company,) = result.new_companies
    assert (company.domain, company.name) == ("acme-trade.sk", "Acme Trade")
    assert "contacts_and_companies" in company.reason
    by_address = {c.address: c for c in result.new_contacts}
    petra = by_address["petra@acme-trade.sk"]
    assert (petra.name, petra.company_id, petra.company_domain) == (
        "Petra Nová",
        None,
        "acme-trade.sk",
    )
    at_acme = by_address["n@acme.sk"]
    assert (at_acme.name, at_acme.company_id, at_acme.company_domain) == (None, 1, None)
    assert all(c.reason for c in result.new_contacts)
    for d in result.links:
        if d.reason == "auto_created_company":
            assert d.company_id is None and d.new_company_domain == "acme-trade.sk"
        if d.reason == "auto_created_contact":
            assert d.contact_id is None and d.new_contact_address == d.address


def test_internal_participants_are_never_linked_even_if_they_are_contacts() -> None:
    index = CrmIndex.build(
        companies=[(1, ["ourco.sk"])],
        contacts=[(1, 1, ["me@ourco.sk"])],
        internal_domains=["ourco.sk"],
        policy=MatchPolicy(),
    )
    result = match_participants([ME, P("jana@acme.sk")], index, MatchPolicy())
    assert result.links == ()


def test_connector_participant_fits_the_protocol() -> None:
    from connectors.base import Participant

    index, policy = build()
    result = match_participants(
        [Participant("me@ourco.sk", "Me", "from"), Participant("jana.novak@acme.sk", None, "to")],
        index,
        policy,
    )
    assert summary(result) == {("contact_address", None, 10), ("contact_company", 1, None)}


def test_explanations_are_sentences() -> None:
    index, policy = build()
    result = match_participants(
        [ME, P("jana.novak@acme.sk"), P("x@mail.eu.bigcorp.com")], index, policy
    )
    texts = {d.reason: d.explanation for d in result.links}
    assert texts["contact_address"] == "jana.novak@acme.sk is contact #10 (exact address)"
    assert texts["contact_company"] == "jana.novak@acme.sk is contact #10 of company #1"
    assert texts["company_domain"] == (
        "mail.eu.bigcorp.com is under eu.bigcorp.com, a registered domain of company #3"
    )


def test_policy_with_other_normalisation_is_refused() -> None:
    index, _ = build()
    with pytest.raises(ValueError, match="rebuild the index"):
        match_participants([ME], index, MatchPolicy(strip_plus_tags=False))


def test_policy_validation() -> None:
    with pytest.raises(ValueError):
        MatchPolicy(auto_create="everything")  # type: ignore[arg-type]
    p = MatchPolicy(freemail_add={"x.sk"}, blocklist=["a@b.sk"])  # type: ignore[arg-type]
    assert p.freemail_add == frozenset({"x.sk"}) and p.blocklist == ("a@b.sk",)
    hash(p)


def test_build_rejects_bad_ids_and_reports_skipped_inputs() -> None:
    with pytest.raises(ValueError):
        CrmIndex.build(
            companies=[],
            contacts=[(-1, None, ["a@b.sk"])],
            internal_domains=[],
            policy=MatchPolicy(),
        )
    with pytest.raises(ValueError):
        bad: list = [("x", ["b.sk"])]
        CrmIndex.build(companies=bad, contacts=[], internal_domains=[], policy=MatchPolicy())
    index = CrmIndex.build(
        companies=[(1, "acme.sk"), (2, ["not a domain"])],
        contacts=[(1, 1, "jana@acme.sk"), (2, None, ["broken"])],
        internal_domains=["ourco.sk"],
        policy=MatchPolicy(),
    )
    assert index.contacts_for("jana@acme.sk") == ((1, 1),)
    assert len(index.skipped) == 2


def test_links_are_link_decisions_equal_by_value() -> None:
    index, policy = build()
    (contact, company) = match_participants([ME, P("jana.novak@acme.sk")], index, policy).links
    assert type(contact) is LinkDecision
    assert contact == LinkDecision(
        None, 10, "contact_address", "jana.novak@acme.sk", contact.explanation
    )
    assert contact != company and company.reason == "contact_company"


# --- properties -------------------------------------------------------------------------------

_POOL = [
    "jana.novak@acme.sk", "JANA@acme-holding.cz", "petr.free@seznam.cz", "stranger@seznam.cz",
    "x@gmail.com", "anna.kowalska@gmail.com", "kolega@gmail.com", "me@ourco.sk", "a@mail.ourco.sk",
    "noreply@acme.sk", "x@eu.bigcorp.com", "y@bigcorp.com", "z@acme-trade.sk", "q@mailinator.com",
    "w@dup.sk", "office@dup.sk", "info@bücher.de", "p@wp.pl", "broken", "", "u@unknown.co.uk",
]  # fmt: skip


@given(
    st.lists(
        st.tuples(
            st.sampled_from(_POOL),
            st.sampled_from(["from", "to", "cc", "bcc", "reply_to", "organizer", "attendee"]),
        ),
        max_size=8,
    ),
    st.sampled_from(["off", "contacts", "contacts_and_companies"]),
)
@settings(max_examples=300, deadline=None)
def test_safety_invariants(parts: list[tuple[str, str]], auto_create: str) -> None:
    index, policy = build(auto_create=auto_create)
    result = match_participants([P(a, None, r) for a, r in parts], index, policy)
    for d in result.links:
        domain = d.address.rpartition("@")[2]
        assert not domain.endswith("ourco.sk") and d.address != "kolega@gmail.com"
        if d.reason in ("company_domain", "auto_created_company"):
            assert not is_freemail(domain, policy) and not is_disposable(domain)
        if d.reason.startswith("auto_created"):
            assert auto_create != "off"
    for c in result.new_companies:
        assert auto_create == "contacts_and_companies"
        assert not is_freemail(c.domain, policy) and not is_disposable(c.domain)
    if not result.log:
        assert result.drop_reason and result.links == ()
    keys = [d.key for d in result.links]
    assert len(keys) == len(set(keys))


def test_matching_imports_neither_connectors_nor_syncd() -> None:
    root = pathlib.Path(__file__).resolve().parents[2] / "matching"
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in {"connectors", "syncd"}, f"{path.name}: {name}"
