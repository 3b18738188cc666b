"""Dropbox mode: a shared mailbox that sales people Bcc or forward mail to.

``dropbox_entry`` is a pure function from a message's bytes to the entry to
log. The message must come from an internal address (the organisation's
domains, handed in by the runtime); anything else is refused into
quarantine, so the dropbox cannot be used to plant mail in the CRM. Then:

- a forwarded-as-attachment original (``message/rfc822``, or an ``.eml``
  file) is logged as itself: its own Message-ID, so it merges with any copy
  another connector sees;
- an inline forward (see ``forwarded``) is rebuilt from the forwarded header
  block: real sender, recipients, date and subject; its key is a hash of
  those fields (``f:``), as no Message-ID survives an inline forward;
- otherwise the message is the original (Bcc'd to the dropbox).

The internal person who sent it to the dropbox is added as the ``sender``
participant: the mail was logged on their behalf. The ``sender`` role does
not change the item's direction, which follows the original ``from``.
"""

from __future__ import annotations

import binascii
import hashlib
from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from email.header import Header
from email.utils import format_datetime, formataddr, parsedate_tz

from connectors.base import MailItem, Participant, Quarantined, SourceRef, Visibility
from connectors.mailparse import (
    b64decode,
    first,
    header_text,
    parse_message,
    split_headers,
    split_multipart,
)
from connectors.mailparse import header_params as params

from .forwarded import ForwardedBlock, find_forward, parse_loose_date

MAX_DEPTH = 10


def dropbox_entry(
    raw: bytes,
    source: SourceRef,
    visibility: Visibility,
    internal_domains: Collection[str],
    *,
    fallback_date: datetime | None = None,
    max_body_chars: int = 100_000,
) -> MailItem | Quarantined:
    """The entry to log for one dropbox message; see the module docstring."""
    outer = parse_message(raw, source, "full", max_body_chars=max_body_chars,
                          fallback_date=fallback_date)  # fmt: skip
    if isinstance(outer, Quarantined):
        return outer
    forwarder = next((p for p in outer.participants if p.role == "from"), None)
    if forwarder is None or not _internal(forwarder.address, internal_domains):
        who = forwarder.address if forwarder else "(none)"
        return Quarantined(source, f"dropbox: sender {who} is not internal", raw)

    attached = _attached_message(raw)
    if attached is not None:
        inner = parse_message(attached, source, visibility, max_body_chars=max_body_chars,
                              fallback_date=fallback_date)  # fmt: skip
        if isinstance(inner, MailItem):
            return _on_behalf(replace(inner, raw=None), forwarder)

    block = find_forward(outer.body_text or "")
    if block is not None and block.sender is not None:
        item = _from_block(block, raw, source, visibility, outer, max_body_chars)
        if item is not None:
            return _on_behalf(item, forwarder)

    own = parse_message(raw, source, visibility, max_body_chars=max_body_chars,
                        fallback_date=fallback_date)  # fmt: skip
    return _on_behalf(replace(own, raw=None), forwarder) if isinstance(own, MailItem) else own


def _internal(address: str, domains: Collection[str]) -> bool:
    domain = address.rpartition("@")[2].lower()
    return any(domain == d or domain.endswith("." + d) for d in domains)


def _on_behalf(item: MailItem, forwarder: Participant) -> MailItem:
    if any(p.role == "sender" and p.address == forwarder.address for p in item.participants):
        return item
    extra = Participant(address=forwarder.address, name=forwarder.name, role="sender")
    return replace(item, participants=(*item.participants, extra))


# --- forwarded as attachment ---------------------------------------------------------


def _attached_message(raw: bytes) -> bytes | None:
    """The first ``message/rfc822`` part (or ``.eml`` attachment), transfer-decoded."""
    headers, offset = split_headers(raw)
    return _find_rfc822(headers, raw[offset:], 0)


def _find_rfc822(headers: dict[str, list[bytes]], body: bytes, depth: int) -> bytes | None:
    raw_type = first(headers, "content-type")
    ctype, ctparams = params(header_text(raw_type)) if raw_type else ("text/plain", {})
    if ctype.startswith("multipart/") and ctparams.get("boundary") and depth < MAX_DEPTH:
        for part in split_multipart(body, ctparams["boundary"].encode("utf-8")):
            part_headers, off = split_headers(part, envelope=False)
            found = _find_rfc822(part_headers, part[off:], depth + 1)
            if found is not None:
                return found
        return None
    raw_disp = first(headers, "content-disposition")
    _, dparams = params(header_text(raw_disp)) if raw_disp else ("", {})
    name = (dparams.get("filename") or ctparams.get("name") or "").lower()
    if ctype != "message/rfc822" and not name.endswith(".eml"):
        return None
    raw_cte = first(headers, "content-transfer-encoding")
    cte = header_text(raw_cte).lower() if raw_cte else ""
    if cte == "base64":
        return b64decode(body)
    if cte == "quoted-printable":
        return binascii.a2b_qp(body)
    return body


# --- inline forward ------------------------------------------------------------------


def _from_block(
    block: ForwardedBlock,
    raw: bytes,
    source: SourceRef,
    visibility: Visibility,
    outer: MailItem,
    max_body_chars: int,
) -> MailItem | None:
    assert block.sender is not None
    zone = _outer_zone(raw)
    when = parse_loose_date(block.date_text, zone) if block.date_text else None
    when = when or outer.occurred_at
    subject = block.subject or ""
    lines = [
        "From: " + _addr(*block.sender),
        *(["To: " + ", ".join(_addr(n, a) for n, a in block.to)] if block.to else []),
        *(["Cc: " + ", ".join(_addr(n, a) for n, a in block.cc)] if block.cc else []),
        "Subject: " + Header(subject, "utf-8").encode(maxlinelen=998),
        "Date: " + format_datetime(when),
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: 8bit",
    ]
    synthetic = "\r\n".join(lines).encode("utf-8") + b"\r\n\r\n" + block.body.encode("utf-8")
    item = parse_message(synthetic, source, visibility, max_body_chars=max_body_chars)
    if not isinstance(item, MailItem):
        return None
    recipients = sorted({a for _, a in (*block.to, *block.cc)})
    basis = "\0".join(
        (block.sender[1], item.occurred_at.astimezone(UTC).isoformat(), " ".join(subject.split()),
         ",".join(recipients))
    )  # fmt: skip
    key = "f:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:40]
    return replace(item, dedupe_key=key, raw=None, size=len(raw))


def _addr(name: str | None, address: str) -> str:
    try:
        return formataddr((name or "", address), charset="utf-8")
    except UnicodeError:  # an internationalised address: sent as UTF-8 (RFC 6532)
        return f"{name} <{address}>" if name else address


def _outer_zone(raw: bytes) -> timezone:
    """The forwarder's UTC offset, from the outer Date header (UTC when unknown)."""
    headers, _ = split_headers(raw)
    value = first(headers, "date")
    parsed = parsedate_tz(header_text(value)) if value else None
    offset = parsed[9] if parsed and parsed[9] is not None else 0
    try:
        return timezone(timedelta(seconds=offset))
    except ValueError:
        return UTC
