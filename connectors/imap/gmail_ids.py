"""Gmail keys each message by X-GM-MSGID; syncd uses it as the remote id there.

Gmail (X-GM-EXT-1) shows every message once in All Mail, which is the only
folder syncd reads there (``folders.choose_folders``). X-GM-MSGID is the
message's id across all labels and stays the same when UIDs change, so a
Gmail message's remote id is ``gm:<X-GM-MSGID>``. The folder cursor still
works on UIDs (``cursor``); what changes is how ids the store knows are
matched to UIDs: one ``UID FETCH 1:* (X-GM-MSGID)`` when the folder is seen
afresh (first sync with a store that has ids, a UIDVALIDITY change, a
``--full`` rescan) or may have lost messages. That answer names which UIDs
are stored already (not fetched again) and which stored ids are gone.

Ids stored as ``uidvalidity:uid`` by an earlier version keep working under
that UIDVALIDITY; after a UIDVALIDITY change they are marked gone and the
messages are read again under ``gm:`` ids (the dedupe key keeps one item).
"""

from __future__ import annotations

from collections.abc import Iterable

from .session import Session

CAPABILITY = "X-GM-EXT-1"
FETCH_ITEM = "X-GM-MSGID"
_PREFIX = "gm:"
_KEY = FETCH_ITEM.encode("ascii")


def gm_id(msgid: int) -> str:
    """The remote id of a Gmail message."""
    return f"{_PREFIX}{msgid}"


def parse_gm_id(rid: str) -> int | None:
    """``"gm:1278455344230334865"`` -> 1278455344230334865; None for other ids."""
    if not rid.startswith(_PREFIX):
        return None
    try:
        return int(rid[len(_PREFIX) :])
    except ValueError:
        return None


def msgid_of(data: dict[bytes, object]) -> int | None:
    """X-GM-MSGID from one message's FETCH data, if the server sent it."""
    value = data.get(_KEY)
    if value is None:
        return None
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def msgids(session: Session, uid_set: str = "1:*") -> dict[int, int]:
    """UID -> X-GM-MSGID for the selected folder's messages in ``uid_set``."""
    out: dict[int, int] = {}
    for uid, data in session.fetch(uid_set, [FETCH_ITEM]).items():
        msgid = msgid_of(data)
        if msgid is not None:
            out[uid] = msgid
    return out


def known_by_msgid(rids: Iterable[str]) -> dict[int, str]:
    """The stored ``gm:`` ids by X-GM-MSGID."""
    out: dict[int, str] = {}
    for rid in rids:
        msgid = parse_gm_id(rid)
        if msgid is not None:
            out[msgid] = rid
    return out
