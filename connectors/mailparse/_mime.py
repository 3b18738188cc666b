"""MIME tree walk for attachment metadata and the plain-text body (RFC 2045-2049).

A byte-level walker instead of ``email.parser``: boundaries are found with
``bytes.find`` (the feedparser handles every line in Python), transfer
encodings are decoded only for parts we report, and a leaf that is neither
an attachment nor a wanted body is never decoded at all. Broken input is
tolerated the way mail clients do: a missing close delimiter ends the
multipart at end of data, and bad base64 is repaired or the part skipped.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from connectors.base import Attachment

from ._charset import decode_text
from ._headers import Headers, b64decode, first, header_text, params, split_headers
from ._html import html_to_text

MAX_DEPTH = 20
MAX_PARTS = 1000
_BODY_TYPES = ("text/plain", "text/html")
_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_.:-]+)", re.I)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # NUL etc.; PostgreSQL text refuses NUL


@dataclass(frozen=True, slots=True)
class _Leaf:
    content_type: str
    params: dict[str, str]
    disposition: str
    filename: str | None
    encoding: str
    body: bytes

    @property
    def is_attachment(self) -> bool:
        return (
            self.disposition == "attachment"
            or self.filename is not None
            or self.content_type not in _BODY_TYPES
        )

    def payload(self) -> bytes:
        """The part's bytes with its Content-Transfer-Encoding undone."""
        if self.encoding == "base64":
            decoded = b64decode(self.body)
            return self.body if decoded is None else decoded
        if self.encoding == "quoted-printable":
            return binascii.a2b_qp(self.body)
        return self.body


def collect(
    headers: Headers, body: bytes, *, want_body: bool, max_chars: int, digests: bool = True
) -> tuple[tuple[Attachment, ...], str | None]:
    """Attachment metadata and, if ``want_body``, the text body (else None).

    Without ``digests`` an attachment is described as IMAP's BODYSTRUCTURE
    describes it (``estimated_size`` of its encoded octets, no sha256), so a
    message read whole and one read by structure give the same item.
    """
    attachments: list[Attachment] = []
    plain: list[str] = []
    html: _Leaf | None = None
    used = 0
    for leaf in _leaves(headers, body, 0, "text/plain"):
        if leaf.is_attachment and not digests:
            size = estimated_size(len(leaf.body), leaf.encoding)
            attachments.append(Attachment(leaf.filename, leaf.content_type, size, None))
        elif leaf.is_attachment:
            data = leaf.payload()
            attachments.append(
                Attachment(
                    name=leaf.filename,
                    content_type=leaf.content_type,
                    size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                )
            )
        elif want_body and leaf.content_type == "text/plain":
            if used < max_chars:
                text = _text(leaf)
                plain.append(text)
                used += len(text)
        elif want_body and html is None:
            html = leaf
    if not want_body:
        return tuple(attachments), None
    if any(t.strip() for t in plain) or (plain and html is None):
        text = "\n".join(t.strip("\n") for t in plain)
    elif html is not None:
        text = html_to_text(_text(html), max_chars)
    else:
        text = ""
    return tuple(attachments), text.rstrip()[:max_chars]


def estimated_size(octets: int, encoding: str) -> int:
    """Decoded size of a part from its encoded size: base64 carries 57 bytes per 78 octets."""
    if encoding == "base64":
        return octets * 57 // 78
    return octets


def _text(leaf: _Leaf) -> str:
    data = leaf.payload()
    charset = leaf.params.get("charset")
    if charset is None and leaf.content_type == "text/html":
        m = _META_CHARSET.search(data, 0, 4096)
        charset = m.group(1).decode("ascii") if m else None
    text = decode_text(data, charset)
    return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _leaves(headers: Headers, body: bytes, depth: int, default_type: str) -> Iterator[_Leaf]:
    """Leaf parts, depth first; multipart containers are descended, not yielded."""
    raw_type = first(headers, "content-type")
    ctype, ctparams = _params(raw_type) if raw_type else (default_type, {})
    if "/" not in ctype or " " in ctype:
        ctype, ctparams = default_type, {}  # RFC 2045 5.2: invalid means the default
    boundary = ctparams.get("boundary", "")
    if ctype.startswith("multipart/") and boundary and depth < MAX_DEPTH:
        child_default = "message/rfc822" if ctype == "multipart/digest" else "text/plain"
        for count, part in enumerate(split_multipart(body, boundary.encode("utf-8"))):
            if count >= MAX_PARTS:
                break
            part_headers, offset = split_headers(part, envelope=False)
            yield from _leaves(part_headers, part[offset:], depth + 1, child_default)
        return
    if ctype.startswith("multipart/"):
        if depth >= MAX_DEPTH:
            return
        ctype = "text/plain"  # no boundary: show it as text, as mail clients do
    raw_disp = first(headers, "content-disposition")
    disposition, dparams = _params(raw_disp) if raw_disp else ("", {})
    filename = dparams.get("filename") or ctparams.get("name") or None
    raw_cte = first(headers, "content-transfer-encoding")
    cte = header_text(raw_cte).lower() if raw_cte else ""
    yield _Leaf(ctype, ctparams, disposition, filename and filename.strip(), cte, body)


def _params(raw: bytes) -> tuple[str, dict[str, str]]:
    token, pairs = _cached_params(raw)
    return token, dict(pairs)


@lru_cache(maxsize=4096)
def _cached_params(raw: bytes) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Content-Type/-Disposition values repeat across parts and messages (not boundaries)."""
    token, values = params(header_text(raw))
    return token, tuple(values.items())


def split_multipart(body: bytes, boundary: bytes) -> list[bytes]:
    """Body parts between ``--boundary`` delimiter lines (RFC 2046 5.1.1).

    The line break before a delimiter belongs to the delimiter; trailing
    whitespace on the delimiter line is allowed; a missing close delimiter
    ends the last part at end of data.
    """
    marker = b"--" + boundary
    parts: list[bytes] = []
    n = len(body)
    pos = 0
    start = -1
    while True:
        i = body.find(marker, pos)
        if i < 0:
            break
        j = i + len(marker)
        closing = body.startswith(b"--", j)
        eol = body.find(b"\n", j)
        line_end = n if eol < 0 else eol
        if (i > 0 and body[i - 1] != 0x0A) or body[j + 2 * closing : line_end].strip(b" \t\r"):
            pos = i + 1
            continue
        if start >= 0:
            end = i
            if end > start and body[end - 1] == 0x0A:
                end -= 1
                if end > start and body[end - 1] == 0x0D:
                    end -= 1
            parts.append(body[start:end])
        if closing:
            return parts
        start = pos = line_end + 1
    if 0 <= start < n:
        parts.append(body[start:])
    return parts
