"""Raw RFC 5322 bytes to a normalised ``MailItem`` (or ``Quarantined``).

``parse_message`` is a pure, picklable top-level function: the file
connectors run it in a process pool. It reads only what the visibility level
allows and needs: headers always, the MIME tree for attachment metadata (only
descended when the message is multipart or an attachment), and decoded text
only at "full" visibility.

Identity (``dedupe_key``) must be stable across mailboxes and versions, so it
is built from the normalised Message-ID, sender and Date (a Message-ID reused
by a broken mailer for another message then gets another key), or, without a
Message-ID, from a hash of headers that every copy shares plus the first
4 KiB of the body. Per-mailbox headers (Received, Delivered-To, Status,
X-*) never enter it.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import structlog

from connectors.base import MailItem, Participant, Quarantined, SourceRef, Visibility
from syncd.errors import ParseError

from ._addresses import normalise_address, participants, unicode_domain
from ._charset import decode_text
from ._headers import (
    Headers,
    b64decode,
    clean,
    decode_words,
    first,
    header_text,
    message_ids,
    parse_date,
    split_headers,
)
from ._headers import params as header_params
from ._mime import collect, estimated_size, split_multipart

# The building blocks other connectors (IMAP BODYSTRUCTURE, dropbox forwards) share.
__all__ = [
    "EPOCH",
    "Headers",
    "b64decode",
    "decode_text",
    "estimated_size",
    "first",
    "header_params",
    "header_text",
    "message_ids",
    "normalise_address",
    "parse_date",
    "parse_message",
    "split_headers",
    "split_multipart",
    "unicode_domain",
]

log = structlog.get_logger()

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HASHED_BODY_BYTES = 4096
_VISIBILITIES = frozenset(("metadata", "subject", "full"))
_ANGLE = re.compile(r"<([^<>]+)>")


def parse_message(
    raw: bytes,
    source: SourceRef,
    visibility: Visibility,
    *,
    max_body_chars: int = 100_000,
    fallback_date: datetime | None = None,
    attachment_digests: bool = True,
    keep_raw: bool = True,
    size: int | None = None,
) -> MailItem | Quarantined:
    """Parse one message; never raises for bad input (it is quarantined instead).

    ``subject``/``body_text`` are None when ``visibility`` hides them and a
    string otherwise ('' when the message has none). ``fallback_date`` (file
    mtime, IMAP INTERNALDATE) is used when neither Date nor Received dates
    parse; without it the epoch is used and the message is still imported.
    ``attachment_digests=False`` describes attachments as IMAP BODYSTRUCTURE
    does (estimated size, no sha256; see ``estimated_size``). ``keep_raw=False``
    leaves ``MailItem.raw`` empty (a quarantined message always keeps its bytes),
    so a parser process does not send every message back to its caller.
    ``size`` is the message's size where the source knows it (IMAP RFC822.SIZE);
    by default the length of ``raw``.
    """
    if visibility not in _VISIBILITIES:
        raise ValueError(f"unknown visibility {visibility!r}")
    raw = bytes(raw)
    try:
        return _parse(
            raw,
            source,
            visibility,
            max_body_chars,
            fallback_date,
            attachment_digests,
            keep_raw,
            len(raw) if size is None else size,
        )
    except ParseError as exc:
        return Quarantined(source=source, reason=str(exc), raw=raw)
    except Exception as exc:  # one hostile message must not sink a whole pool batch
        log.warning(
            "mail_parse_failed",
            connector=source.connector,
            scope=source.scope,
            remote_id=source.remote_id,
            error=type(exc).__name__,
        )
        reason = f"parser failure ({type(exc).__name__}); kept raw for inspection"
        return Quarantined(source=source, reason=reason, raw=raw)


def _parse(
    raw: bytes,
    source: SourceRef,
    visibility: Visibility,
    max_body_chars: int,
    fallback_date: datetime | None,
    digests: bool = True,
    keep_raw: bool = True,
    size: int = 0,
) -> MailItem:
    if not raw.strip():
        raise ParseError("empty message")
    headers, body_offset = split_headers(raw)
    if not headers:
        raise ParseError("not an RFC 5322 message: no header block")
    people = participants(headers)
    if not people:
        raise ParseError("no From/To/Cc/Bcc address")
    ids = message_ids(first(headers, "message-id"))
    message_id = ids[0] if ids else None
    date_raw = first(headers, "date")
    date = parse_date(header_text(date_raw)) if date_raw else None
    occurred_at = date or _newest_received(headers) or _utc(fallback_date) or EPOCH
    subject: str | None = None
    if visibility != "metadata":
        subject_raw = first(headers, "subject")
        subject = clean(decode_words(header_text(subject_raw))) if subject_raw else ""
    body = raw[body_offset:]
    attachments, body_text = collect(
        headers, body, want_body=visibility == "full", max_chars=max_body_chars, digests=digests
    )
    thread = (
        message_ids(first(headers, "references"))[:1]
        or message_ids(first(headers, "in-reply-to"))[:1]
        or ids[:1]
    )
    return MailItem(
        source=source,
        dedupe_key=_dedupe_key(message_id, people, date, headers, body),
        message_id=message_id,
        subject=subject,
        body_text=body_text,
        occurred_at=occurred_at,
        participants=people,
        thread_key=thread[0] if thread else None,
        attachments=attachments,
        list_id=_list_id(headers),
        precedence=_lower(headers, "precedence"),
        auto_submitted=_auto_submitted(headers),
        size=size,
        raw=raw if keep_raw else None,
    )


def _dedupe_key(
    message_id: str | None,
    people: tuple[Participant, ...],
    date: datetime | None,
    headers: Headers,
    body: bytes,
) -> str:
    sender = next((p.address for p in people if p.role == "from"), "")
    if message_id:
        basis = "\0".join((message_id, sender, date.isoformat() if date else ""))
        return "m:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:40]
    recipients = ",".join(sorted({p.address for p in people if p.role in ("to", "cc")}))
    # CRLF-normalised: Maildir stores LF, IMAP serves CRLF for the same message.
    sample = body[: 2 * HASHED_BODY_BYTES].replace(b"\r\n", b"\n")[:HASHED_BODY_BYTES]
    pieces = (
        sender.encode("utf-8"),
        recipients.encode("utf-8"),
        b" ".join((first(headers, "date") or b"").split()),
        b" ".join((first(headers, "subject") or b"").split()),
        sample,
    )
    return "h:" + hashlib.sha256(b"\0".join(pieces)).hexdigest()[:40]


def _newest_received(headers: Headers) -> datetime | None:
    """Newest Received date (RFC 5321 4.4: the date follows the last ';')."""
    dates = []
    for value in headers.get("received", ()):
        _, sep, tail = header_text(value).rpartition(";")
        parsed = parse_date(tail) if sep else None
        if parsed is not None:
            dates.append(parsed)
    return max(dates, default=None)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _lower(headers: Headers, name: str) -> str | None:
    value = first(headers, name)
    if value is None:
        return None
    return clean(decode_words(header_text(value))).lower() or None


def _list_id(headers: Headers) -> str | None:
    """The list identifier inside <...> (RFC 2919), else the whole value."""
    value = _lower(headers, "list-id")
    if value is None:
        return None
    m = _ANGLE.search(value)
    return m.group(1).strip() if m else value


def _auto_submitted(headers: Headers) -> str | None:
    """The RFC 3834 keyword ("no", "auto-replied", ...), parameters dropped."""
    value = _lower(headers, "auto-submitted")
    if value is None:
        return None
    return value.split(";", 1)[0].strip() or None
