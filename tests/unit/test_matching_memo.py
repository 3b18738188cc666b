"""The address memo: admitted on a second sighting, bounded, never changes an answer."""

from __future__ import annotations

import matching.decisions as decisions
from matching import CrmIndex, MatchPolicy, match_participants
from matching.rules import ADDRESS_CACHE_SIZE


class P:
    __slots__ = ("address", "name", "role")

    def __init__(self, address: str, role: str = "to") -> None:
        self.address, self.name, self.role = address, None, role


def _index(policy: MatchPolicy) -> CrmIndex:
    return CrmIndex.build(
        companies=[(1, ["acme.sk"])],
        contacts=[(10, 1, ["jana@acme.sk"])],
        internal_domains=["ourco.sk"],
        policy=policy,
    )


def test_an_address_is_memoised_on_its_second_sighting() -> None:
    policy = MatchPolicy(auto_create="contacts_and_companies")
    index = _index(policy)
    rules = index.rules(policy)
    first = match_participants([P("me@ourco.sk", "from"), P("Jana@ACME.sk")], index, policy)
    assert "Jana@ACME.sk" not in rules.address_cache  # one sighting: worked out, not kept
    second = match_participants([P("me@ourco.sk", "from"), P("Jana@ACME.sk")], index, policy)
    entry = rules.address_cache["Jana@ACME.sk"]
    assert entry[decisions.R_ADDRESS] == "jana@acme.sk"
    third = match_participants([P("me@ourco.sk", "from"), P("Jana@ACME.sk")], index, policy)
    assert first == second == third
    assert rules.address_cache["Jana@ACME.sk"] is entry  # the third came from the memo


def test_the_doorkeeper_forgets_after_its_window() -> None:
    policy = MatchPolicy(auto_create="contacts_and_companies")
    index = _index(policy)
    rules = index.rules(policy)
    assert decisions.resolve_raw(rules, "old@firma.cz") is not None
    hot = decisions.hot_tables(rules)
    count = 0
    for i in range(2 * decisions.ADMIT_WINDOW):  # one-off addresses fill the window
        decisions.resolve_raw(rules, f"once{i}@firma.cz")
        if hot.first_sightings < count:
            break  # the doorkeeper was cleared
        count = hot.first_sightings
    assert count == decisions.ADMIT_WINDOW - 1 and hot.first_sightings == 0
    # a hash collision admits a one-off now and then: about 1 in 32 here
    assert len(rules.address_cache) < decisions.ADMIT_WINDOW // 16
    decisions.resolve_raw(rules, "old@firma.cz")  # a first sighting again
    assert "old@firma.cz" not in rules.address_cache


def test_the_memo_stays_bounded_and_answers_stay_the_same() -> None:
    policy = MatchPolicy(auto_create="contacts")
    index = _index(policy)
    rules = index.rules(policy)
    want = decisions.resolve_raw(rules, "x0@acme.sk")
    for _ in range(2):  # every address twice: all admitted
        for i in range(ADDRESS_CACHE_SIZE + 100):
            decisions.resolve_raw(rules, f"x{i}@acme.sk")
    assert 0 < len(rules.address_cache) <= ADDRESS_CACHE_SIZE
    assert decisions.resolve_raw(rules, "x0@acme.sk") == want
