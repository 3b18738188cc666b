"""Split an iCalendar stream into its VEVENT and VTIMEZONE blocks by lines.

icalendar parses a whole VCALENDAR at once, so one broken content line can
lose every event in the file. RFC 5545 §3.4/§3.6 make components line-bounded
(``BEGIN:<name>`` ... ``END:<name>`` on physical lines; folded lines start with
white space, §3.1), so we cut the stream into blocks first and parse each
VEVENT on its own. That isolates a bad event, keeps its exact text for
quarantine, and lets us pick up files that concatenate several VCALENDARs or
hold bare VEVENTs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LINES = re.compile(r"\r\n|\n|\r")
_FOLD = re.compile(rb"(?:\r\n|\n|\r)[ \t]")


@dataclass(frozen=True, slots=True)
class RawEvent:
    """One VEVENT's text, the METHOD of its VCALENDAR, whether END was seen, its UID."""

    text: str
    method: str | None
    complete: bool
    uid: str | None = None  # read from the text, before (or without) parsing


@dataclass(slots=True)
class Lexed:
    """What a stream holds, by blocks."""

    events: list[RawEvent] = field(default_factory=list)
    timezones: list[str] = field(default_factory=list)
    x_wr_timezone: str | None = None
    calendars: int = 0
    truncated: bool = False  # a block or VCALENDAR never ended: a partial write?


def decode(raw: bytes) -> str:
    """Unfolded UTF-8 text (RFC 5545 §3.1, §3.1.4), tolerating a BOM and bad bytes.

    Lines are unfolded on bytes, before decoding, because simple writers fold
    in the middle of a multi-octet character and §3.1 asks readers to restore it.
    """
    return _FOLD.sub(b"", raw).decode("utf-8", errors="replace").lstrip("\ufeff")


def lex(text: str) -> Lexed:
    """Cut ``text`` into blocks; never raises."""
    out = Lexed()
    stack: list[str] = []  # open components outside a captured block
    method: str | None = None
    block: list[str] | None = None
    kind = ""
    depth = 0  # components open inside the captured block

    def finish(complete: bool) -> None:
        nonlocal block
        if block is None:
            return
        body = "\r\n".join(block) + "\r\n"
        out.truncated = out.truncated or not complete
        if kind == "VEVENT":
            out.events.append(RawEvent(body, method, complete, lexical_uid(body)))
        elif complete:
            out.timezones.append(body)
        block = None

    for line in _LINES.split(text):
        head = line.strip().upper()
        if block is not None:
            if head.startswith("BEGIN:"):
                name = head[6:].strip()
                if name in ("VEVENT", "VTIMEZONE"):
                    finish(False)  # a new block before this one ended
                    block, kind, depth = [line], name, 0
                    continue
                depth += 1
            elif head.startswith("END:"):
                name = head[4:].strip()
                if depth == 0 and name == kind:
                    block.append(line)
                    finish(True)
                    continue
                if depth == 0 and name == "VCALENDAR":
                    finish(False)
                    stack = _close(stack, name)
                    continue
                depth = max(depth - 1, 0)
            block.append(line)
            continue
        if head.startswith("BEGIN:"):
            name = head[6:].strip()
            if name in ("VEVENT", "VTIMEZONE"):
                block, kind, depth = [line], name, 0
            else:
                stack.append(name)
                if name == "VCALENDAR":
                    out.calendars += 1
                    method = None
        elif head.startswith("END:"):
            stack = _close(stack, head[4:].strip())
        elif stack and stack[-1] == "VCALENDAR":
            value = line.partition(":")[2].strip()
            if head.startswith("METHOD:"):
                method = value.upper() or None
            elif head.startswith("X-WR-TIMEZONE:") and value:
                out.x_wr_timezone = value
    if block is not None:
        finish(False)
    if "VCALENDAR" in stack:
        out.truncated = True
    return out


def _close(stack: list[str], name: str) -> list[str]:
    """Pop up to and including ``name``; ignore an END nothing opened."""
    if name in stack:
        return stack[: len(stack) - 1 - stack[::-1].index(name)]
    return stack


def unfold(text: str) -> list[str]:
    """Logical content lines (RFC 5545 §3.1: CRLF + space/tab continues a line)."""
    lines: list[str] = []
    for line in _LINES.split(text):
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def lexical_uid(text: str) -> str | None:
    """The first top-level UID property of a component's text, unescaped."""
    depth = 0
    for line in unfold(text):
        head = line.upper()
        if head.startswith("BEGIN:"):
            depth += 1
        elif head.startswith("END:"):
            depth -= 1
        elif depth == 1 and (head.startswith("UID:") or head.startswith("UID;")):
            value = _value_of(line)
            return unescape(value).strip() or None
    return None


def _value_of(line: str) -> str:
    """The value after the first ':' outside a quoted parameter (RFC 5545 §3.1)."""
    quoted = False
    for i, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return line[i + 1 :]
    return ""


def unescape(value: str) -> str:
    """TEXT unescaping (RFC 5545 §3.3.11), as icalendar does for UID."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)
