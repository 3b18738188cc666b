"""BODYSTRUCTURE (RFC 3501 7.4.2) to text sections and attachment metadata.

We never download attachments: name, type and size come from BODYSTRUCTURE
(sha256 stays None), and at ``full`` visibility only the text part(s) are
fetched by section number (``BODY.PEEK[1.2]``). The choice mirrors
``connectors.mailparse``'s MIME walk so an IMAP copy and a file copy of a
message read the same: leaves depth first, ``message/rfc822`` not descended,
a leaf is an attachment when it is disposed as one, has a file name, or is
not text/plain or text/html; every text/plain leaf is body, the first
text/html one is the fallback.

Sizes: BODYSTRUCTURE gives encoded octets; base64 parts are reported as the
decoded size estimate (57 bytes per 78-octet line).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.base import Attachment
from connectors.mailparse import decode_text, estimated_size
from connectors.mailparse import header_params as parse_params

MAX_DEPTH = 20
MAX_PARTS = 1000
_BODY_TYPES = ("text/plain", "text/html")


@dataclass(frozen=True, slots=True)
class TextPart:
    """A text leaf to fetch: its section number and how to decode it."""

    section: str
    content_type: str
    charset: str | None
    encoding: str
    size: int


@dataclass(frozen=True, slots=True)
class Structure:
    plain: tuple[TextPart, ...]
    html: TextPart | None
    attachments: tuple[Attachment, ...]
    rfc822: tuple[str, ...] = ()  # sections of attached messages (dropbox mode)


def walk(body: Any) -> Structure:
    """Text parts and attachments of a parsed BODYSTRUCTURE (imapclient ``BodyData``)."""
    plain: list[TextPart] = []
    html: list[TextPart] = []
    attachments: list[Attachment] = []
    rfc822: list[str] = []
    count = 0

    def visit(node: Any, section: str, depth: int) -> None:
        nonlocal count
        count += 1
        if count > MAX_PARTS or not isinstance(node, tuple | list) or not node:
            return
        if isinstance(node[0], list | tuple):  # multipart: (part, part, ..., subtype, ...)
            if depth >= MAX_DEPTH:
                return
            # imapclient's BodyData nests the parts in a list; raw responses do not.
            children = node[0] if isinstance(node[0], list) else _leading_tuples(node)
            for i, child in enumerate(children, 1):
                visit(child, f"{section}.{i}" if section else str(i), depth + 1)
            return
        leaf = _leaf(node, section or "1")
        if leaf is None:
            return
        ctype, part, disposition, filename = leaf
        if ctype == "message/rfc822":
            rfc822.append(part.section)
        if disposition == "attachment" or filename is not None or ctype not in _BODY_TYPES:
            attachments.append(
                Attachment(
                    name=filename,
                    content_type=ctype,
                    size=estimated_size(part.size, part.encoding),
                    sha256=None,
                )
            )
        elif ctype == "text/plain":
            plain.append(part)
        else:
            html.append(part)

    visit(body, "", 0)
    return Structure(tuple(plain), html[0] if html else None, tuple(attachments), tuple(rfc822))


def _leading_tuples(node: Any) -> list[Any]:
    out = []
    for item in node:
        if not isinstance(item, tuple | list):
            break
        out.append(item)
    return out


def _leaf(node: Any, section: str) -> tuple[str, TextPart, str, str | None] | None:
    if len(node) < 7:
        return None
    maintype, subtype = _s(node[0]).lower(), _s(node[1]).lower()
    ctype = f"{maintype}/{subtype}" if maintype and subtype else "application/octet-stream"
    ct_params = _params(node[2])
    encoding = _s(node[5]).lower() or "7bit"
    try:
        size = int(node[6] or 0)
    except (TypeError, ValueError):
        size = 0
    # Extension data position depends on the body type (RFC 3501 7.4.2).
    if maintype == "text":
        disp_at = 9
    elif ctype == "message/rfc822":
        disp_at = 11
    else:
        disp_at = 8
    disposition, disp_params = "", {}
    raw_disp = node[disp_at] if len(node) > disp_at else None
    if isinstance(raw_disp, tuple) and raw_disp:
        disposition = _s(raw_disp[0]).lower()
        disp_params = _params(raw_disp[1] if len(raw_disp) > 1 else None)
    filename = disp_params.get("filename") or ct_params.get("name") or None
    part = TextPart(section, ctype, ct_params.get("charset"), encoding, size)
    return ctype, part, disposition, filename.strip() if filename else None


def _params(raw: Any) -> dict[str, str]:
    """Parameter pairs decoded like a header's (RFC 2231 continuations, RFC 2047 words)."""
    if not isinstance(raw, tuple | list) or len(raw) < 2:
        return {}
    if all(
        isinstance(x, bytes) and x.isascii() and b"*" not in x and b"=?" not in x for x in raw
    ):  # the common case: plain ASCII parameters, nothing to decode
        return {raw[i].decode().lower(): raw[i + 1].decode() for i in range(0, len(raw) - 1, 2)}
    pieces = []
    for i in range(0, len(raw) - 1, 2):
        key = _s(raw[i]).strip().lower()
        value = _s(raw[i + 1])
        if not key or any(c in key for c in ' ;="'):
            continue
        if key.endswith("*") or "*" in key:
            pieces.append(f"{key}={value.replace(';', '%3B').replace(' ', '%20')}")
        else:
            pieces.append(f'{key}="' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
    if not pieces:
        return {}
    _, out = parse_params("x; " + "; ".join(pieces))
    return out


def _s(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return decode_text(value)
    return str(value)
