"""Items pickle as their field values (they cross to and from helper processes by the
hundred thousand) and come back equal, frozen, hashable and of their own class."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, datetime

import pytest

from connectors.base import (
    Attachment,
    Gone,
    MailItem,
    MeetingItem,
    Participant,
    Quarantined,
    SourceRef,
)

SRC = SourceRef("peter-imap", "Odoslané", "1700000000:42")
WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PEOPLE = (
    Participant("jan.novak@acme.sk", "Ján Novák", "from"),
    Participant("olena@ukr.net", None, "cc"),
    Participant("piotr@wp.pl", "Piotr", "attendee", "ACCEPTED"),
)
ITEMS = [
    SRC,
    PEOPLE[0],
    Attachment("cenník.pdf", "application/pdf", 1234, None),
    MailItem(
        SRC,
        "m:ab",
        "id@acme.sk",
        "Ponuka č. 7",
        None,
        WHEN,
        PEOPLE,
        "t@acme.sk",
        (Attachment(None, "image/png", 5, "00ff"),),
        "list.acme.sk",
        "bulk",
        "auto-replied",
        4321,
        b"raw bytes",
    ),  # fmt: skip
    MeetingItem(
        SRC,
        "e:uid",
        "uid-1",
        "2026-03-02T09:30:00+00:00",
        "Porada",
        "Agenda",
        "Bratislava",
        WHEN,
        WHEN,
        False,
        "Europe/Bratislava",
        "confirmed",
        PEOPLE,
        3,
        True,
    ),  # fmt: skip
    Quarantined(SRC, "not an RFC 5322 message", b"\x01garbage"),
    Gone(SRC),
]


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: type(i).__name__)
@pytest.mark.parametrize("protocol", [2, pickle.DEFAULT_PROTOCOL, pickle.HIGHEST_PROTOCOL])
def test_round_trip_keeps_class_values_and_immutability(item: object, protocol: int) -> None:
    back = pickle.loads(pickle.dumps(item, protocol=protocol))
    assert type(back) is type(item)
    assert back == item and hash(back) == hash(item)
    assert dataclasses.astuple(back) == dataclasses.astuple(item)  # raw too (compare=False)
    field = dataclasses.fields(back)[0].name  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(back, field, None)


def test_pickled_form_is_field_values_not_a_state_dict() -> None:
    mail = ITEMS[3]
    data = pickle.dumps(mail, protocol=pickle.HIGHEST_PROTOCOL)
    assert b"dedupe_key" not in data and b"_dataclass_setstate" not in data
