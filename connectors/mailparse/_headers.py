"""Header block splitting and header value decoding (RFC 5322, 2047, 2231).

We split the header block from raw bytes ourselves instead of using
``email.parser``: it is several times faster, keeps values as bytes so that
undeclared 8-bit text can be charset-guessed per header (``_charset``), and
lets us stop at the first line that is not a header, as ``email.feedparser``
does for broken mailers (the rest becomes the body).
"""

from __future__ import annotations

import binascii
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import unquote_to_bytes

from ._charset import decode_text

Headers = dict[str, list[bytes]]

# One field: RFC 5322 ftext name (obs WSP before ':'), value, continuation lines, line end;
# the block is a run of them (a line that is neither ends it, as in email.feedparser).
_FIELD = re.compile(rb"([\x21-\x39\x3b-\x7e]+)[ \t]*:([^\n]*)((?:\n[ \t][^\n]*)*)(?:\n|\Z)")
_BLOCK = re.compile(rb"(?:[\x21-\x39\x3b-\x7e]+[ \t]*:[^\n]*(?:\n[ \t][^\n]*)*(?:\n|\Z))*")
_NAMES: dict[bytes, str] = {}  # raw field name -> lower-cased str (bounded)
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?(.*?)\?=", re.S)  # lenient like email.header
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_MSG_ID = re.compile(r"<([^<>]*)>")
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_JUNK = bytes(c for c in range(256) if c not in _B64_ALPHABET)
_SEMICOLON_PIECES = re.compile(r'((?:[^;"]|"[^"]*")*);')  # pieces, each followed by ';'
_PARAM_KEY = re.compile(r"([^*]+)(?:\*(\d+))?(\*)?")
_MIN_YEAR, _MAX_YEAR = 1970, 2200


def split_headers(data: bytes, *, envelope: bool = True) -> tuple[Headers, int]:
    """Parse the header block of ``data``: (lower-cased name -> raw values, body offset).

    Values are unfolded (RFC 5322 2.2.3: CRLF before WSP removed) but not
    decoded. An mbox "From " envelope line and a UTF-8 BOM are skipped. The
    block's extent and its fields are found by regex (in C), not line by
    line in Python: this runs for every message and every MIME part.
    """
    headers: Headers = {}
    n = len(data)
    pos = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if envelope and data.startswith(b"From ", pos):
        nl = data.find(b"\n", pos)
        pos = n if nl < 0 else nl + 1
    block = _BLOCK.match(data, pos)
    end = block.end() if block else pos
    names = _NAMES
    for raw_name, value, folded in _FIELD.findall(data, pos, end):
        name = names.get(raw_name)
        if name is None:
            name = raw_name.decode("ascii").lower()
            if len(names) < 4096:
                names[raw_name] = name
        value = value.rstrip(b"\r")
        if folded:
            value += b"".join(line.rstrip(b"\r") for line in folded.split(b"\n")[1:])
        values = headers.get(name)
        if values is None:
            headers[name] = [value]
        else:
            values.append(value)
    if end < n:  # the first line that is not a field: a blank one ends the header
        nl = data.find(b"\n", end)
        stop = n if nl < 0 else nl + 1
        if not data[end:stop].rstrip(b"\r\n"):
            end = stop
    return headers, end


def first(headers: Headers, name: str) -> bytes | None:
    values = headers.get(name)
    return values[0] if values else None


def header_text(value: bytes) -> str:
    """Raw header bytes to str (charset-guessed 8-bit), controls made spaces."""
    text = decode_text(value.strip())
    return text if text.isprintable() else _CONTROLS.sub(" ", text)  # printable: no controls


def clean(text: str) -> str:
    """Collapse whitespace runs and controls to single spaces."""
    return " ".join((text if text.isprintable() else _CONTROLS.sub(" ", text)).split())


def decode_words(text: str) -> str:
    """Decode RFC 2047 encoded-words; whitespace between adjacent words is dropped.

    Adjacent words in one charset are joined as bytes before decoding, so a
    UTF-8 character split across two encoded-words (RFC 2047 5 forbids it;
    many mailers do it) decodes intact.
    """
    if "=?" not in text:
        return text
    out: list[str] = []
    pending = b""
    pending_charset: str | None = None
    last = 0
    for m in _ENCODED_WORD.finditer(text):
        gap = text[last : m.start()]
        raw = _decode_word(m.group(2), m.group(3))
        if raw is None:  # undecodable word: keep it literally
            continue
        charset = m.group(1).lower()
        if gap and (gap.strip() or pending_charset is None):
            if pending_charset is not None:
                out.append(decode_text(pending, pending_charset))
                pending, pending_charset = b"", None
            out.append(gap)
        elif pending_charset is not None and charset != pending_charset:
            out.append(decode_text(pending, pending_charset))
            pending = b""
        pending += raw
        pending_charset = charset
        last = m.end()
    if pending_charset is not None:
        out.append(decode_text(pending, pending_charset))
    out.append(text[last:])
    return "".join(out)


def _decode_word(encoding: str, payload: str) -> bytes | None:
    data = payload.encode("utf-8")
    if encoding in "qQ":
        return binascii.a2b_qp(data, header=True)
    return b64decode(data)


def b64decode(data: bytes) -> bytes | None:
    """Lenient base64: junk ignored, padding repaired; None if hopeless."""
    try:
        return binascii.a2b_base64(data)  # already skips line breaks and junk
    except binascii.Error:
        pass
    data = data.translate(None, _B64_JUNK)
    rest = len(data) % 4
    if rest == 1:
        data = data[:-1]
    elif rest:
        data += b"=" * (4 - rest)
    try:
        return binascii.a2b_base64(data)
    except binascii.Error:
        return None


def parse_date(value: str) -> datetime | None:
    """RFC 5322 date to aware UTC; naive ("-0000") means UTC; None if unusable."""
    try:
        dt = parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        dt = dt.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return dt if _MIN_YEAR <= dt.year <= _MAX_YEAR else None


def message_ids(value: bytes | None) -> list[str]:
    """Normalised msg-ids (RFC 5322 3.6.4) in order: brackets stripped, lower-cased.

    Lower-casing the whole id (not only the domain) also merges copies whose
    case a gateway changed; a genuine case-only collision is guarded by the
    sender and date in the dedupe key.
    """
    if not value:
        return []
    text = header_text(value)
    ids = [cleaned.lower() for m in _MSG_ID.findall(text) if (cleaned := "".join(m.split()))]
    if ids or "<" in text:
        return ids
    return [word.lower() for word in text.split()[:1]]


def params(value: str) -> tuple[str, dict[str, str]]:
    """Split a Content-Type/-Disposition value into (lower token, params).

    Parameter values are unquoted and decoded: RFC 2231 continuations and
    charsets (``filename*0*=utf-8''...``) and, for Outlook/Gmail, RFC 2047
    words inside quoted strings.
    """
    pieces = _split_semicolons(value)
    token = pieces[0].strip().lower() if pieces else ""
    segments: dict[str, list[tuple[int, bool, str]]] = {}
    for piece in pieces[1:]:
        key, sep, val = piece.partition("=")
        m = _PARAM_KEY.fullmatch(key.strip().lower())
        if not sep or m is None:
            continue
        val = val.strip()
        if len(val) >= 2 and val[0] == '"' and val[-1] == '"':
            val = re.sub(r"\\(.)", r"\1", val[1:-1])
        index = int(m.group(2)) if m.group(2) else 0
        segments.setdefault(m.group(1).strip(), []).append((index, bool(m.group(3)), val))
    result: dict[str, str] = {}
    for name, parts in segments.items():
        parts.sort(key=lambda p: p[0])
        if not any(extended for _, extended, _ in parts):
            text = "".join(v for _, _, v in parts)
            result[name] = decode_words(text) if "=?" in text else text
            continue
        charset: str | None = None
        chunks: list[bytes] = []
        for i, (_, extended, val) in enumerate(parts):
            if extended:
                if i == 0 and val.count("'") >= 2:
                    charset, _, val = val.split("'", 2)
                chunks.append(unquote_to_bytes(val))
            else:
                chunks.append(val.encode("utf-8"))
        result[name] = decode_text(b"".join(chunks), charset)
    return token, result


def _split_semicolons(value: str) -> list[str]:
    if '"' not in value:
        return value.split(";")
    if "\\" not in value and value.count('"') % 2 == 0:  # plain quoted strings: one regex
        return _SEMICOLON_PIECES.findall(value + ";")
    pieces: list[str] = []
    buf: list[str] = []
    quoted = escaped = False
    for ch in value:
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            pieces.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    pieces.append("".join(buf))
    return pieces
