"""A VEVENT's content lines for icalendar: only the properties we read, split cheaply.

On a first sync, icalendar's parsing is most of the CPU time, and it parses
every property. Real events carry many we never read (DTSTAMP, CREATED,
X-MICROSOFT-*, X-APPLE-*, ATTACH, VALARM blocks), so only ``KEPT`` and the
VEVENT's own BEGIN/END reach the parser. The block's text, kept for
quarantine and the timeline, is untouched; a broken property we would not
read can no longer spoil the event.

icalendar 7 also parses a list of content lines. Ours split a line without
parameters (``SUMMARY:...``, most lines) at its first colon, where
icalendar's ``Contentline.raw_parts`` scans the whole line character by
character; with parameters but no quote or backslash before the first colon,
icalendar parses only that prefix, once per distinct prefix (a calendar
repeats its organizers, attendees and zones). That first colon is where the
scan would stop (RFC 5545 §3.1: the value starts after the first colon outside
quotes), so the parts are the same (``tests/unit/test_ical_lines.py`` compares them).
Anything else goes through icalendar unchanged.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import icalendar
from icalendar.parser.content_line import Contentline
from icalendar.parser.parameter import Parameters

# Every property connectors.ical and recurring-ical-events read from a VEVENT.
KEPT = frozenset(
    {
        "UID",
        "DTSTART",
        "DTEND",
        "DURATION",
        "RRULE",
        "RDATE",
        "EXDATE",
        "RECURRENCE-ID",
        "SEQUENCE",
        "STATUS",
        "CLASS",
        "SUMMARY",
        "LOCATION",
        "DESCRIPTION",
        "ORGANIZER",
        "ATTENDEE",
    }
)
_NAME = re.compile(r"[ \t]*([A-Za-z0-9-]+)[ \t]*[;:]")
_TOKEN = re.compile(r"[A-Za-z0-9-]+")
_LINE_LISTS = int(icalendar.__version__.split(".")[0]) >= 7  # from_ical takes a list


class FastLine(Contentline):
    """A content line whose common shapes are split without a per-character scan."""

    __slots__ = ()

    def raw_parts(self) -> tuple[str, Parameters, str]:
        colon = self.find(":")
        if colon > 0:
            head = self[:colon]
            if _TOKEN.fullmatch(head):
                return str(head), Parameters(), self[colon + 1 :]
            if '"' not in head and "\\" not in head:
                name, items = _prefix_parts(str(self[: colon + 1]), _strict(self))
                params = Parameters({k: list(v) if isinstance(v, tuple) else v for k, v in items})
                return name, params, self[colon + 1 :]
        parts: tuple[str, Parameters, str] = super().raw_parts()
        return parts


@functools.lru_cache(maxsize=4096)
def _prefix_parts(prefix: str, strict: bool) -> tuple[str, tuple[tuple[str, Any], ...]]:
    """Name and parameters of ``NAME;PARAMS:``, frozen: the same people and zones recur."""
    name, params, _ = Contentline(prefix, strict=strict).raw_parts()
    return name, tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items())


def _strict(line: Contentline) -> bool:
    return bool(getattr(line, "strict", False))


def kept_lines(text: str) -> list[str]:
    """The VEVENT's BEGIN/END and ``KEPT`` properties; nested components dropped.

    Nesting that does not add up (an END without its BEGIN) keeps every line,
    so that icalendar judges the block as before.
    """
    lines = text.split("\r\n")
    kept: list[str] = []
    stack: list[str] = []
    for line in lines:
        head = line[:6].upper()
        if head == "BEGIN:":
            stack.append(line[6:].strip().upper())
            if len(stack) == 1:
                kept.append(line)
        elif head[:4] == "END:":
            if not stack or stack[-1] != line[4:].strip().upper():
                return [line for line in lines if line]
            stack.pop()
            if not stack:
                kept.append(line)
        elif len(stack) == 1:
            match = _NAME.match(line)
            if match is not None and match[1].upper() in KEPT:
                kept.append(line)
    return kept


def parse_event(text: str) -> Any:
    """icalendar's component for a VEVENT block's text (unfolded, CRLF-separated)."""
    lines = kept_lines(text)
    if _LINE_LISTS:
        parsed: list[Any] = [FastLine(line) for line in lines]  # the parser takes a list too
        return icalendar.Component.from_ical(parsed)  # type: ignore[call-overload]
    return icalendar.Component.from_ical("\r\n".join(lines) + "\r\n")
