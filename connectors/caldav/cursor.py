"""The CalDAV cursor: sync state of one calendar, as compact JSON.

    {"v": 1, "m": "sync" | "ctag", "t": sync-token, "c": ctag,
     "w": [start, end], "r": {name: [etag, horizon, quiet?]}, "e": empty-strikes}

``t`` is the RFC 6578 token (sync mode); ``c`` the calendarserver ctag (ctag
mode); ``w`` the window every resource was last expanded over (epoch seconds,
whole UTC days), so a moved window only costs the days that entered it; ``r``
one entry per resource, by name relative to the calendar: its etag (to skip
unchanged resources after a resync and to diff listings in ctag mode) and its
*horizon*: the UTC midnight of the earliest DTSTART of a plain event, or null
for anything recurring (or unreadable), which must be re-expanded whenever the
window moves later (a VTIMEZONE's DST rules do not make an event recurring).
A recurring one may carry *quiet*: an instant from which it has no occurrence,
learnt the first time the window moves after it was read, so that finished
series are not read again every day. ``e`` counts consecutive polls that found
a known-full calendar empty (see the connector). An unreadable or foreign
cursor means a full, idempotent resync.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Mode = Literal["sync", "ctag"]

VERSION = 1
_RECURRING = re.compile(rb"^(RRULE|RDATE)[;:]", re.IGNORECASE | re.MULTILINE)
_VTIMEZONE = re.compile(
    rb"^BEGIN:VTIMEZONE[ \t]*\r?$.*?^END:VTIMEZONE[ \t]*\r?$",
    re.IGNORECASE | re.MULTILINE | re.DOTALL,
)
_DTSTART = re.compile(rb"^DTSTART[^:\r\n]*:\s*(\d{4})(\d{2})(\d{2})", re.IGNORECASE | re.MULTILINE)


def member_name(calendar: str, path: str) -> str:
    """A resource's key in the cursor: relative to the calendar when it lies inside."""
    return path[len(calendar) :] if path.startswith(calendar) else path


def member_path(calendar: str, name: str) -> str:
    return name if name.startswith("/") else calendar + name


@dataclass(frozen=True, slots=True)
class ResourceState:
    etag: str | None
    horizon: int | None  # epoch seconds; None: recurring or unknown
    quiet: int | None = None  # epoch seconds from which a recurring object has no occurrence


@dataclass(slots=True)
class CalendarCursor:
    mode: Mode
    token: str | None = None
    ctag: str | None = None
    covered: tuple[int, int] | None = None
    resources: dict[str, ResourceState] = field(default_factory=dict)
    empty_strikes: int = 0

    def dump(self) -> str:
        body = {
            "v": VERSION,
            "m": self.mode,
            "t": self.token,
            "c": self.ctag,
            "w": list(self.covered) if self.covered else None,
            "r": {k: _resource(v) for k, v in sorted(self.resources.items())},
            "e": self.empty_strikes,
        }
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def load(cls, text: str | None, mode: Mode) -> CalendarCursor:
        """The stored cursor; a fresh one when absent, unreadable or of another mode."""
        if not text:
            return cls(mode)
        try:
            data = json.loads(text)
            if data.get("v") != VERSION or data.get("m") != mode:
                return cls(mode)
            window = data.get("w")
            return cls(
                mode=mode,
                token=_opt_str(data.get("t")),
                ctag=_opt_str(data.get("c")),
                covered=(int(window[0]), int(window[1])) if window else None,
                resources={
                    str(name): ResourceState(_opt_str(v[0]), _opt_int(v[1]), _opt_int(v[2:3]))
                    for name, v in (data.get("r") or {}).items()
                },
                empty_strikes=int(data.get("e") or 0),
            )
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            return cls(mode)


def horizon(data: bytes) -> int | None:
    """UTC midnight of the earliest DTSTART date of a non-recurring object, else None.

    VTIMEZONE blocks are left out: their DST rules (RRULE, DTSTART 1970) would
    make every event with an embedded zone look recurring, to be re-read each
    time the window moves.
    """
    data = _VTIMEZONE.sub(b"", data)
    if _RECURRING.search(data):
        return None
    dates = []
    for match in _DTSTART.finditer(data):
        try:
            dates.append(datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=UTC))
        except ValueError:
            return None
    return int(min(dates).timestamp()) if dates else None


def _resource(state: ResourceState) -> list[object]:
    if state.quiet is None:
        return [state.etag, state.horizon]
    return [state.etag, state.horizon, state.quiet]


def _opt_int(value: Any) -> int | None:
    """An int, None, or the one element of a list (an optional trailing field)."""
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value is None else int(value)


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)
