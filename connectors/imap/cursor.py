"""Per-folder sync cursor (stored as a JSON string by the runtime).

A folder's messages are identified by (UIDVALIDITY, UID) (RFC 3501 2.3.1.1):
the remote id is ``f"{uidvalidity}:{uid}"``. The cursor records

- ``uv``: the UIDVALIDITY the rest refers to; another value means a rescan,
  and the ids of the old value are gone (dedupe keys keep it duplicate-free);
- ``hi``: every UID up to ``hi`` down to ``lo`` was handled (stored,
  quarantined, skipped as known, or outside the window). New mail is read
  ascending above ``hi``;
- ``lo`` and ``done``: the backfill runs newest first, downwards from ``lo``
  within the window, so recent history appears first and a crash resumes
  where it stopped;
- ``next``, ``n``, ``ms``: UIDNEXT, MESSAGES and HIGHESTMODSEQ (RFC 7162)
  when expunges were last reconciled. A STATUS (or LIST-STATUS) answer equal
  to them on a complete cursor means nothing changed: one round trip. And
  since every new message takes a UID, ``MESSAGES - n == UIDNEXT - next``
  proves that nothing was expunged, so the UID SEARCH ALL comparison can be
  skipped; ``ms`` feeds QRESYNC (RFC 7162 3.2.5) which names expunged UIDs.

The cursor never claims a UID whose entry is not in an emitted batch: ``hi``
and ``lo`` move only with the batch that holds those UIDs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import structlog

log = structlog.get_logger()

_VERSION = 1


@dataclass(frozen=True, slots=True)
class FolderCursor:
    uv: int
    hi: int
    lo: int
    done: bool = False
    next: int | None = None
    n: int | None = None
    ms: int | None = None

    @classmethod
    def start(cls, uv: int, top: int) -> FolderCursor:
        """A fresh folder: nothing handled yet, backfill pending below ``top + 1``."""
        return cls(uv=uv, hi=top, lo=top + 1)

    @classmethod
    def load(cls, text: str | None) -> FolderCursor | None:
        """Parse a stored cursor; a foreign or damaged one means a rescan (None)."""
        if not text:
            return None
        try:
            d = json.loads(text)
            if not isinstance(d, dict) or d.get("v") != _VERSION or d.get("kind") != "imap":
                raise ValueError("not an IMAP cursor")
            return cls(
                uv=int(d["uv"]),
                hi=int(d["hi"]),
                lo=int(d["lo"]),
                done=bool(d.get("done", False)),
                next=_opt_int(d.get("next")),
                n=_opt_int(d.get("n")),
                ms=_opt_int(d.get("ms")),
            )
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("imap_cursor_invalid", error=str(exc)[:80])
            return None

    def dump(self) -> str:
        data: dict[str, object] = {"v": _VERSION, "kind": "imap", "uv": self.uv}
        data.update(hi=self.hi, lo=self.lo, done=self.done)
        for key in ("next", "n", "ms"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return json.dumps(data, separators=(",", ":"))

    @property
    def complete(self) -> bool:
        """Backfill finished and every UID below UIDNEXT handled."""
        return self.done and self.next is not None and self.hi >= self.next - 1

    def unchanged(self, status: dict[bytes, int]) -> bool:
        """True when a STATUS answer proves there is nothing to do."""
        return (
            self.complete
            and status.get(b"UIDVALIDITY") == self.uv
            and status.get(b"UIDNEXT") == self.next
            and status.get(b"MESSAGES") == self.n
        )

    def may_have_expunged(self, exists: int, uidnext: int | None) -> bool:
        """False only when MESSAGES and UIDNEXT moved in step since the last reconcile."""
        if self.next is None or self.n is None or uidnext is None:
            return True
        return (exists - self.n) != (uidnext - self.next)


def _opt_int(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def remote_id(uv: int, uid: int) -> str:
    return f"{uv}:{uid}"


def parse_remote_id(rid: str) -> tuple[int, int] | None:
    """``"123:45"`` -> (123, 45); None for ids of another shape."""
    uv, sep, uid = rid.partition(":")
    if not sep:
        return None
    try:
        return int(uv), int(uid.split(":", 1)[0])
    except ValueError:
        return None
