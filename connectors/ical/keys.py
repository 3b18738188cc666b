"""Identity of an event occurrence: UID + RECURRENCE-ID (RFC 5545 §3.8.4.4).

An occurrence is named by its series UID and its *original* start (the
RECURRENCE-ID), never by where it was moved to, so rescheduling one instance,
moving the sync window or re-reading the file keeps the key. RECURRENCE-ID is
written in UTC (``2024-10-21T08:00:00Z``); all-day occurrences keep the bare
date (``2024-10-21``) because a DATE has no instant of its own. Single
(non-recurring) events have an empty recurrence part.

Remote ids follow the same shape under the container's id:
``<container>#<uid>|<recurrence-id>``. A file (or a CalDAV resource) holds many
UIDs and a series many occurrences; giving each occurrence its own remote id
lets ``Gone`` retract exactly the occurrence that disappeared (an EXDATE, a
shortened RRULE) and lets the caller tell from the id alone whether it lies in
the sync window.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

KEY_PREFIX = "ev:"


def recurrence_text(instant: datetime | date) -> str:
    """RECURRENCE-ID as stored: UTC ISO for DATE-TIME, ``YYYY-MM-DD`` for DATE."""
    if isinstance(instant, datetime):
        return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return instant.isoformat()


def dedupe_key(uid: str, recurrence_id: str | None) -> str:
    """``ev:<uid>|<recurrence-id>`` (empty recurrence part for single events)."""
    return f"{KEY_PREFIX}{uid}|{recurrence_id or ''}"


def occurrence_ref(container: str, uid: str, recurrence_id: str | None) -> str:
    """The remote id of one occurrence inside a container (file, resource)."""
    return f"{container}#{uid}|{recurrence_id or ''}"


def split_ref(container: str, remote_id: str) -> tuple[str, str] | None:
    """``(uid, recurrence_id)`` of an occurrence ref of ``container``, else None."""
    prefix = f"{container}#"
    if not remote_id.startswith(prefix):
        return None
    uid, sep, recurrence_id = remote_id[len(prefix) :].rpartition("|")
    if not sep or not uid:
        return None
    return uid, recurrence_id


def parse_recurrence_text(text: str) -> datetime | date | None:
    """Inverse of :func:`recurrence_text`; None when it is not one."""
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        if text.endswith("Z"):
            return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return None
