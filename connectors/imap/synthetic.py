"""A message rebuilt from its header block and the text parts fetched by section.

Below 64 KiB a message is read whole; a bigger one is read as its header
block plus the text part(s) its BODYSTRUCTURE names (RFC 3501 6.4.5). The
parser then gets the header block with its content fields replaced by a
multipart of those parts, their Content-Type and transfer encoding taken from
BODYSTRUCTURE, so it decodes them exactly as it would the whole message.
"""

from __future__ import annotations

import re
import secrets

from .structure import TextPart

_CONTENT = re.compile(rb"(?i)content-(type|transfer-encoding|disposition)[ \t]*:")
_TOKEN = re.compile(r"[^A-Za-z0-9_.:+-]")
_BOUNDARY = "=_syncd_" + secrets.token_hex(12)  # random per process: no text part holds it


def with_text_parts(header: bytes, parts: list[tuple[TextPart, bytes]]) -> bytes:
    """Header block with its content fields replaced by a multipart of ``parts``."""
    boundary = _BOUNDARY
    lines = [f'Content-Type: multipart/mixed; boundary="{boundary}"'.encode()]
    body = []
    for part, data in parts:
        ctype = f"Content-Type: {part.content_type}"
        if part.charset:
            ctype += f'; charset="{_TOKEN.sub("", part.charset)}"'
        body.append(
            f"--{boundary}\r\n{ctype}\r\n"
            f"Content-Transfer-Encoding: {_TOKEN.sub('', part.encoding)}\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    body.append(f"--{boundary}--\r\n".encode())
    return b"\r\n".join(lines) + b"\r\n" + _strip_content(header) + b"".join(body)


def _strip_content(header: bytes) -> bytes:
    """Drop Content-Type/-Transfer-Encoding/-Disposition fields (with continuations)."""
    out: list[bytes] = []
    skipping = False
    for line in header.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                out.append(line)
            continue
        skipping = _CONTENT.match(line) is not None
        if not skipping:
            out.append(line)
    text = b"".join(out).rstrip(b"\r\n")
    return text + b"\r\n\r\n"
