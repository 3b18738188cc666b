"""The mypyc-compiled hot path (setup.py) against the same source run as plain Python.

``matching.addresses``, ``matching.decisions``, ``matching.participants`` and
``matching.records`` are compiled at install time; these tests load their
``.py`` files a second time with importlib, wired to each other, so both
versions run side by side on hard cases and on Hypothesis input and must
agree exactly (records compared field by field: the two versions' classes
are distinct). In CI the compiled modules must be the ones imported.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import matching.addresses as addresses
import matching.decisions as decisions
import matching.participants as participants
import matching.records as records
from matching import CrmIndex, MatchPolicy, MessageSignals

ROOT = Path(__file__).resolve().parents[2]
HOT = (addresses, decisions, participants, records)


def _pure(module: ModuleType) -> ModuleType:
    stem = module.__name__.rpartition(".")[2]
    name = f"_pure_matching_{stem}"
    spec = importlib.util.spec_from_file_location(name, ROOT / "matching" / f"{stem}.py")
    assert spec is not None and spec.loader is not None
    pure = importlib.util.module_from_spec(spec)
    sys.modules[name] = pure  # dataclasses and NamedTuples look their module up
    spec.loader.exec_module(pure)
    return pure


def _wire(module: ModuleType, source: ModuleType, names: tuple[str, ...]) -> None:
    for name in names:  # pure all the way: the twin calls twins, not the compiled modules
        assert hasattr(module, name), name
        setattr(module, name, getattr(source, name))


PURE_ADDRESSES = _pure(addresses)
PURE_RECORDS = _pure(records)
PURE_DECISIONS = _pure(decisions)
PURE_PARTICIPANTS = _pure(participants)
_wire(PURE_DECISIONS, PURE_ADDRESSES, ("normalise_parts", "simple_local_end", "GMAIL_DOMAINS"))
_wire(PURE_PARTICIPANTS, PURE_DECISIONS, ("hot_tables", "resolve_cold"))
_wire(
    PURE_PARTICIPANTS,
    PURE_RECORDS,
    ("LinkDecision", "MatchResult", "NewCompany", "NewContact", "clean_name"),
)


def _compiled(module: ModuleType) -> bool:
    return not (module.__file__ or "").endswith(".py")


def test_ci_imports_the_compiled_hot_path() -> None:
    if os.environ.get("SYNCD_PURE_PYTHON", "") not in ("", "0"):
        pytest.skip("SYNCD_PURE_PYTHON is set: the pure-Python fallback is expected")
    plain = [m.__name__ for m in HOT if not _compiled(m)]
    if plain and os.environ.get("CI", "").lower() not in ("1", "true", "yes"):
        pytest.skip(f"not compiled here (pip install -e . builds them): {plain}")
    assert not plain, f"mypyc build missing, running plain Python: {plain}"


def test_pure_copies_are_really_pure() -> None:
    for pure, module in zip(
        (PURE_ADDRESSES, PURE_DECISIONS, PURE_PARTICIPANTS, PURE_RECORDS), HOT, strict=True
    ):
        stem = module.__name__.rpartition(".")[2]
        assert str(pure.__file__).endswith(f"{stem}.py")
    index, policy = _index(POLICIES[2]), POLICIES[2]
    result = PURE_PARTICIPANTS.match_participants([_P("jana@acme.sk", None, "from")], index, policy)
    assert type(result) is PURE_RECORDS.MatchResult
    assert type(result.links[0]) is PURE_RECORDS.LinkDecision


def _plain(value: Any) -> Any:
    """A record (compiled or pure) as its class name and plain field values."""
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if hasattr(value, "values") and type(value).__module__.endswith("records"):
        return (type(value).__name__, _plain(value.values()))
    return value


HARD_ADDRESSES = [
    "jana@acme.sk", "Jana+CRM@ACME.sk", "jana@acme.sk.", "<mailto:jana@acme.sk>",
    " <Jana@Acme.SK> ", '"jana"@acme.sk', '"ja na"@acme.sk', '"ja\\"na"@acme.sk', '""@acme.sk',
    "J.A.N.A@gmail.com", "x.y+z@googlemail.com", "+tag@acme.sk", ".jana@acme.sk", "ja..na@acme.sk",
    "user@[10.0.0.1]", "user@localhost", "büro@bücher.de", "x@xn--bcher-kva.de", "x@xn--zz.de",
    "ǅemal@acme.sk", "ДМИТРИЙ@почта.рф", "a@b@acme.sk", "@acme.sk", "acme.sk", "", "   ", "@",
    "x@-acme.sk", "x@acme-.sk", "x@acme.sk\u3002", "noreply@acme.sk", "No-Reply-Bot@x.sk",
    "alert@shop.cz", "alerts.x@shop.cz", "mailer-daemon@x.cz", "notifications@x.cz",
    "anna@ourco.sk", "boss@sub.ourco.sk", "colleague@gmail.com", "someone@gmail.com",
    "temp@mailinator.com", "shared@acme.sk", "solo@nocompany.sk", "free.contact@seznam.cz",
    "x@eu.acme.sk", "x@deep.eu.acme.sk", "y@mail.acme.co.uk", "z@twice.sk", "q@new-firm.sk",
    "q2@new-firm.sk", "w@unknown.local", "bad@blocked.sk", "x@bounce.example.com",
    "jana@ACME.sk", "JANA@acme.sk", "ja\tna@acme.sk", "ja na@acme.sk", "x@acme.sk ",
]  # fmt: skip
NON_STRINGS: list[Any] = [None, 42, b"jana@acme.sk", 3.5, ("a@b.sk",)]

POLICIES = [
    MatchPolicy(),
    MatchPolicy(auto_create="contacts"),
    MatchPolicy(auto_create="contacts_and_companies"),
    MatchPolicy(
        auto_create="contacts_and_companies",
        blocklist=("blocked.sk", "*@bounce.*", "solo@nocompany.sk"),
        drop_robots=False,
        log_internal_only=True,
        freemail_remove=frozenset({"seznam.cz"}),
    ),
]


def _index(policy: MatchPolicy) -> CrmIndex:
    return CrmIndex.build(
        companies=[
            (1, ["acme.sk", "eu.acme.sk"]),
            (2, ["acme.co.uk"]),
            (3, ["twice.sk"]),
            (4, ["twice.sk"]),
            (5, ["gmail.com"]),  # ignored: free-mail
        ],
        contacts=[
            (10, 1, ["jana@acme.sk", "shared@acme.sk"]),
            (11, 2, ["shared@acme.sk"]),
            (12, None, ["solo@nocompany.sk"]),
            (13, 1, ["free.contact@seznam.cz"]),
            (14, None, ["someone@gmail.com"]),
        ],
        internal_domains=["ourco.sk", "colleague@gmail.com"],
        policy=policy,
    )


@dataclass(frozen=True, slots=True)
class _P:
    address: Any
    name: Any
    role: str


@pytest.mark.parametrize("text", HARD_ADDRESSES + NON_STRINGS)
def test_normalisation_agrees(text: Any) -> None:
    for strip in (True, False):
        for provider in (True, False):
            args = (text, strip, provider)
            assert addresses.normalise_parts(*args) == PURE_ADDRESSES.normalise_parts(*args)
            assert addresses.normalise_with(*args) == PURE_ADDRESSES.normalise_with(*args)
    assert addresses.normalise_domain(text) == PURE_ADDRESSES.normalise_domain(text)


@pytest.mark.parametrize("policy", POLICIES, ids=range(len(POLICIES)))
def test_resolution_agrees_on_hard_cases(policy: MatchPolicy) -> None:
    compiled, pure = _index(policy).rules(policy), _index(policy).rules(policy)
    for raw in HARD_ADDRESSES + NON_STRINGS:
        for _ in range(3):  # first sighting, second (admitted to the memo), memo hit
            assert decisions.resolve_raw(compiled, raw) == PURE_DECISIONS.resolve_raw(pure, raw), (
                raw
            )


def _agree(messages: list[list[_P]], policy: MatchPolicy, signals: Any = None) -> None:
    compiled_index, pure_index = _index(policy), _index(policy)
    for parts in messages:
        got = participants.match_participants(parts, compiled_index, policy, signals)
        want = PURE_PARTICIPANTS.match_participants(parts, pure_index, policy, signals)
        assert _plain(got) == _plain(want), parts


@pytest.mark.parametrize("policy", POLICIES, ids=range(len(POLICIES)))
def test_messages_agree_on_hard_cases(policy: MatchPolicy) -> None:
    names = [None, "", "Jana Nováková", "  'Jana'  ", "jana@acme.sk"]
    roles = ["from", "to", "cc", "sender", "organizer", "attendee"]
    messages = [
        [
            _P(HARD_ADDRESSES[(i + k * 7) % len(HARD_ADDRESSES)], names[(i + k) % 5], roles[k % 6])
            for k in range(1 + i % 5)
        ]
        for i in range(len(HARD_ADDRESSES) * 3)
    ]
    messages.append([_P(x, None, "from") for x in NON_STRINGS])
    messages.append([_P("anna@ourco.sk", None, "from"), _P("boss@sub.ourco.sk", None, "to")])
    _agree(messages, policy)
    _agree(messages[:20], policy, MessageSignals(list_id="<news.example.com>"))


_addresses = st.one_of(
    st.sampled_from(HARD_ADDRESSES),
    st.emails().map(lambda a: a.upper() if len(a) % 3 == 0 else a),
    st.text(max_size=30),
    st.builds(
        lambda local, domain: f"{local}@{domain}",
        st.text(alphabet='abcJ.+-_"é ', max_size=8),
        st.sampled_from(["acme.sk", "eu.acme.sk", "twice.sk", "gmail.com", "x.co.uk", "ourco.sk"]),
    ),
)
_participants = st.builds(
    _P, _addresses, st.one_of(st.none(), st.text(max_size=10)), st.sampled_from(["from", "to"])
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_participants, max_size=6), max_size=5), st.sampled_from(POLICIES))
def test_property_compiled_equals_pure(messages: list[list[_P]], policy: MatchPolicy) -> None:
    for parts in messages:
        for p in parts:
            a = p.address
            assert addresses.normalise_parts(a, True, True) == PURE_ADDRESSES.normalise_parts(
                a, True, True
            )
    _agree(messages, policy)
