"""The records matching hands out behave as immutable values, compiled or not."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

import matching.records as records
from matching import LinkDecision, MatchResult, NewCompany, NewContact

LINK = LinkDecision(None, 10, "contact_address", "jana@acme.sk", "exact", None, None)
AUTO = LinkDecision(None, None, "auto_created_company", "o@kvitka.ua", "new", "kvitka.ua")
CONTACT = NewContact("o@kvitka.ua", "Oksana", None, "kvitka.ua", "new")
COMPANY = NewCompany("kvitka.ua", "Kvitka", "new")
RESULT = MatchResult((LINK, AUTO), "inbound", True, None, (CONTACT,), (COMPANY,))
ALL: list[Any] = [LINK, AUTO, CONTACT, COMPANY, RESULT]


def _compiled() -> bool:
    return not (records.__file__ or "").endswith(".py")


@pytest.mark.parametrize("value", ALL, ids=lambda v: type(v).__name__)
def test_equal_and_hashed_by_value(value: Any) -> None:
    twin = type(value)(*value.values())
    assert twin == value and twin is not value
    assert hash(twin) == hash(value)
    assert len({value, twin}) == 1
    assert value != value.values()  # a record is not a tuple
    changed = value.replace(**{"reason": "manual"} if hasattr(value, "reason") else {"log": False})
    assert changed != value and type(changed) is type(value)
    assert value.replace() == value


@pytest.mark.parametrize("value", ALL, ids=lambda v: type(v).__name__)
def test_pickle_and_repr(value: Any) -> None:
    assert pickle.loads(pickle.dumps(value)) == value
    text = repr(value)
    assert text.startswith(type(value).__name__ + "(")
    for field in value.values():
        if isinstance(field, str):
            assert repr(field) in text


def test_replace_rejects_unknown_fields() -> None:
    with pytest.raises(TypeError, match="no field colour"):
        LINK.replace(colour="red")


def test_link_key_names_the_target() -> None:
    assert LINK.key == (None, 10)
    assert AUTO.key == ("kvitka.ua", None)


def test_keyword_construction_and_defaults() -> None:
    link = LinkDecision(
        company_id=3, contact_id=None, reason="company_domain", address="a@b.sk", explanation="x"
    )
    assert link.new_company_domain is None and link.new_contact_address is None
    assert MatchResult((), "internal", False, "all participants internal").new_contacts == ()


@pytest.mark.parametrize("value", ALL, ids=lambda v: type(v).__name__)
def test_fields_are_read_only_when_compiled(value: Any) -> None:
    if not _compiled():  # the plain-Python fallback documents that it does not enforce this
        assert (records.__file__ or "").endswith("records.py")
        return
    name = "reason" if hasattr(value, "reason") else "log"
    with pytest.raises(AttributeError):
        setattr(value, name, "manual")
    with pytest.raises(AttributeError):
        value.colour = "red"
