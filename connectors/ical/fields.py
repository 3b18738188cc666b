"""Event properties to item fields: people, status, privacy, text.

- ORGANIZER / ATTENDEE are CAL-ADDRESS URIs (RFC 5545 §3.3.3, §3.8.4.1,
  §3.8.4.3): ``mailto:`` in any case, sometimes percent-encoded; CN carries
  the display name, PARTSTAT (§3.2.12) the response. Non-mailto URIs
  (``urn:uuid:``, Outlook's ``invalid:nomail``) keep the name with an empty
  address unless RFC 7986's EMAIL parameter gives one.
- STATUS (§3.8.1.11) maps to our three states; a VCALENDAR with
  ``METHOD:CANCEL`` (RFC 5546 §3.2.5) cancels what it carries.
- CLASS (§3.8.1.3): anything but PUBLIC is private, since unknown values
  "MUST" be treated like PRIVATE; private events keep metadata only.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from connectors.base import Participant, Role, Visibility
from connectors.ical.rules import as_list
from matching.addresses import normalise_with

_STATUS = {"CANCELLED": "cancelled", "TENTATIVE": "tentative", "CONFIRMED": "confirmed"}


def address_of(value: str, params: Any = None) -> str:
    """The addr-spec of a CAL-ADDRESS in matching's canonical form, or '' when it has none."""
    text = value.strip()
    if text[:7].lower() == "mailto:":
        text = unquote(text[7:]).split("?", 1)[0].strip()
    elif ":" in text or "@" not in text:
        text = ""
    if not text and params is not None:
        email = params.get("EMAIL")
        text = str(email).strip() if email else ""
    if "@" not in text:
        return ""
    # matching's canonical form (Unicode IDN domain), as mail participants are stored
    return normalise_with(text, False, False) or text.lower()


def _participant(prop: Any, role: Role, with_response: bool) -> Participant | None:
    try:
        params = getattr(prop, "params", {}) or {}
        name = str(params.get("CN") or "").strip().strip('"') or None
        address = address_of(str(prop), params)
        response = None
        if with_response:
            response = str(params.get("PARTSTAT") or "").strip().lower() or None
    except (TypeError, ValueError, AttributeError):
        return None
    if not address and not name:
        return None
    return Participant(address=address, name=name, role=role, response=response)


def participants(component: Any) -> tuple[Participant, ...]:
    """ORGANIZER (role organizer) then ATTENDEEs (role attendee, PARTSTAT)."""
    found: list[Participant] = []
    seen: set[tuple[str, str, str | None]] = set()
    props: list[tuple[Any, Role]] = [(p, "organizer") for p in as_list(component.get("ORGANIZER"))]
    props += [(p, "attendee") for p in as_list(component.get("ATTENDEE"))]
    for prop, role in props:
        person = _participant(prop, role, with_response=role == "attendee")
        if person is None:
            continue
        ident = (person.address, person.role, person.name if not person.address else None)
        if ident not in seen:
            seen.add(ident)
            found.append(person)
    return tuple(found)


def status_of(component: Any, method: str | None) -> str | None:
    """cancelled / tentative / confirmed, or None when STATUS says nothing."""
    if method == "CANCEL":
        return "cancelled"
    return _STATUS.get(str(component.get("STATUS") or "").strip().upper())


def is_private(component: Any) -> bool:
    """CLASS other than PUBLIC (absent means PUBLIC)."""
    value = str(component.get("CLASS") or "PUBLIC").strip().upper()
    return value != "PUBLIC"


def sequence_of(component: Any) -> int:
    """SEQUENCE (§3.8.7.4); 0 when absent or unreadable."""
    try:
        return max(int(component.get("SEQUENCE", 0)), 0)
    except (TypeError, ValueError):
        return 0


def text_of(component: Any, name: str) -> str | None:
    """First value of a TEXT property; None when absent or blank."""
    values = as_list(component.get(name))
    if not values:
        return None
    text = str(values[0])
    return text if text.strip() else None


def visible_text(
    component: Any, visibility: Visibility, private: bool
) -> tuple[str | None, str | None, str | None]:
    """(subject, body, location) as the visibility and CLASS allow."""
    if private or visibility == "metadata":
        return None, None, None
    subject = text_of(component, "SUMMARY")
    location = text_of(component, "LOCATION")
    body = text_of(component, "DESCRIPTION") if visibility == "full" else None
    return subject, body, location
