"""Forgiving readers for address headers (RFC 5322 section 3.4) and RFC 2047 words.

Real mail breaks the grammar all the time: unquoted commas in names, missing
angle brackets, encoded words inside quoted strings (Outlook), UTF-8 split
across two encoded words, unknown charsets, unterminated quotes. These
readers keep whatever can be read and never raise; an address they cannot
find is simply left out. They are not in the matching hot path.
"""

from __future__ import annotations

import binascii

_BREAKS = frozenset(" \t\r\n\f\v,;:<>()")


def decode_encoded_words(text: str) -> str:
    """Decode RFC 2047 ``=?charset?B|Q?...?=`` words; leave anything malformed as it is.

    Adjacent encoded words are joined without the whitespace between them
    (RFC 2047 section 6.2); runs in the same charset are decoded together so
    a multi-byte character split across two words survives.
    """
    if "=?" not in text:
        return text
    out: list[str] = []
    run: list[bytes] = []  # undecoded bytes of adjacent words in one charset
    run_charset = ""
    pos = 0

    def flush_run() -> None:
        nonlocal run_charset
        if run:
            out.append(_decode_bytes(b"".join(run), run_charset))
            run.clear()
            run_charset = ""

    while (start := text.find("=?", pos)) >= 0:
        word = _parse_encoded_word(text, start)
        if word is None:  # not an encoded word after all: literal text
            flush_run()
            out.append(text[pos : start + 2])
            pos = start + 2
            continue
        end, charset, data = word
        between = text[pos:start]
        if not run or (between and not between.isspace()):
            flush_run()
            out.append(between)
        elif charset != run_charset:
            flush_run()
        run.append(data)
        run_charset = charset
        pos = end
    flush_run()
    out.append(text[pos:])
    return "".join(out)


def _parse_encoded_word(text: str, start: int) -> tuple[int, str, bytes] | None:
    """Parse ``=?cs?E?data?=`` at ``start``: (end index, charset, raw bytes) or None."""
    q1 = text.find("?", start + 2)
    if q1 < 0 or q1 + 2 >= len(text) or text[q1 + 2] != "?":
        return None
    charset = text[start + 2 : q1].partition("*")[0].strip().lower()  # RFC 2231 language tag
    if not charset or any(c.isspace() for c in charset):
        return None
    enc = text[q1 + 1].lower()
    close = text.find("?=", q1 + 3)
    if close < 0 or enc not in "bq":
        return None
    payload = text[q1 + 3 : close]
    if any(c.isspace() for c in payload):
        return None
    raw = payload.encode("ascii", "ignore")
    try:
        if enc == "b":
            raw = raw.rstrip(b"=")
            data = binascii.a2b_base64(raw + b"=" * (-len(raw) % 4), strict_mode=True)
        else:
            data = binascii.a2b_qp(raw, header=True)
    except (binascii.Error, ValueError):
        return None
    return close + 2, charset, data


def _decode_bytes(data: bytes, charset: str) -> str:
    try:
        return data.decode(charset, "replace")
    except LookupError:  # unknown charset, e.g. "unknown-8bit": UTF-8 is the best guess
        return data.decode("utf-8", "replace")


def parse_address_header(value: str) -> list[tuple[str | None, str]]:
    """(display name, addr-spec) pairs from a raw To/From/Cc-style header value.

    Handles group syntax (``Team: a@x, b@y;``), quoted strings and quoted
    local parts, comments (``jana@x (Jana)``, used as the name when there is
    no other), RFC 2047 names, source routes, and broken headers. Items
    without an ``@`` are dropped. Never raises.
    """
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "replace")
    elif not isinstance(value, str):
        value = str(value)
    return _Scanner(value).run()


class _Scanner:
    """A single pass over the header; state is the mailbox being read."""

    __slots__ = ("s", "n", "out", "words", "comments", "angle", "angle_at", "cur", "cur_quoted")

    def __init__(self, s: str) -> None:
        self.s = s
        self.n = len(s)
        self.out: list[tuple[str | None, str]] = []
        self.words: list[tuple[str, str | None]] = []  # (raw, inner text if a lone quoted string)
        self.comments: list[str] = []
        self.angle: str | None = None
        self.angle_at = 0  # number of words read before the angle address
        self.cur: list[str] = []
        self.cur_quoted: str | None = None

    def run(self) -> list[tuple[str | None, str]]:
        s, n, i = self.s, self.n, 0
        while i < n:
            c = s[i]
            if c == '"':
                inner, j = _read_quoted(s, i)
                self.cur_quoted = inner if not self.cur else None
                self.cur.append(s[i:j])
                i = j
                continue
            if c == "\\" and i + 1 < n:
                self._add(s[i + 1])
                i += 2
                continue
            if c == "[":
                j = s.find("]", i)
                j = n if j < 0 else j + 1
                self._add(s[i:j])
                i = j
                continue
            if c not in _BREAKS and c.isprintable():
                self._add(c)
                i += 1
                continue
            self._flush_word()
            if c == "(":
                text, i = _read_comment(s, i)
                if text.strip():
                    self.comments.append(text)
                continue
            if c == "<":
                if self.angle is not None:  # "A <a@x> B <b@y>": a missing comma
                    carry = self.words[self.angle_at :]
                    del self.words[self.angle_at :]
                    self._finish()
                    self.words = carry
                self.angle_at = len(self.words)
                self.angle, i = _read_angle(s, i)
                continue
            if c in ",;":
                self._finish()
            elif c == ":" and self.angle is None and not any("@" in w for w, _ in self.words):
                # group syntax: what came before is the group's name, not a mailbox
                self.words.clear()
                self.comments.clear()
            i += 1
        self._flush_word()
        self._finish()
        return self.out

    def _add(self, text: str) -> None:
        self.cur_quoted = None
        self.cur.append(text)

    def _flush_word(self) -> None:
        if self.cur:
            self.words.append(("".join(self.cur), self.cur_quoted))
            self.cur = []
            self.cur_quoted = None

    def _finish(self) -> None:
        words, comments, angle = self.words, self.comments, self.angle
        self.words, self.comments, self.angle = [], [], None
        addr: str | None = None
        name_parts: list[str] = []
        if angle is not None:
            addr = angle
            # words after the address ("<jana@x> Jana") belong to it too
            name_parts = [inner if inner is not None else raw for raw, inner in words]
        else:
            at = _pick_address(words)
            if at is not None:
                raw, inner = words[at]
                addr = inner if inner is not None else raw
                name_parts = [
                    inner if inner is not None else raw
                    for k, (raw, inner) in enumerate(words)
                    if k != at
                ]
        if not addr or "@" not in addr:
            return
        name = _clean_name(" ".join(name_parts)) or _clean_name(" ".join(comments))
        self.out.append((name, addr.strip()))


def _pick_address(words: list[tuple[str, str | None]]) -> int | None:
    """Index of the word that is the addr-spec when there are no angle brackets."""
    found = None
    for k, (raw, inner) in enumerate(words):
        if inner is None and "@" in raw:
            found = k
    if found is None:  # broken: a lone quoted "jana@acme.sk"
        for k, (_raw, inner) in enumerate(words):
            if inner is not None and "@" in inner and not any(c.isspace() for c in inner):
                found = k
    return found


def _clean_name(text: str) -> str | None:
    name = " ".join(decode_encoded_words(text).split())
    while len(name) >= 2 and name[0] == name[-1] and name[0] in "'\"":
        name = name[1:-1].strip()
    return name or None


def _read_quoted(s: str, i: int) -> tuple[str, int]:
    """Read a quoted string starting at ``s[i] == '"'``: (unescaped inner, index after)."""
    out: list[str] = []
    j, n = i + 1, len(s)
    while j < n:
        c = s[j]
        if c == "\\" and j + 1 < n:
            out.append(s[j + 1])
            j += 2
            continue
        if c == '"':
            return "".join(out), j + 1
        out.append(c)
        j += 1
    return "".join(out), n  # unterminated: keep the rest


def _read_comment(s: str, i: int) -> tuple[str, int]:
    """Read a (possibly nested) comment starting at ``s[i] == '('``."""
    depth, j, n = 0, i, len(s)
    out: list[str] = []
    while j < n:
        c = s[j]
        if c == "\\" and j + 1 < n:
            out.append(s[j + 1])
            j += 2
            continue
        if c == "(":
            depth += 1
            if depth > 1:
                out.append(c)
        elif c == ")":
            depth -= 1
            if depth == 0:
                return "".join(out), j + 1
            out.append(c)
        else:
            out.append(c)
        j += 1
    return "".join(out), n


def _read_angle(s: str, i: int) -> tuple[str, int]:
    """Read ``<...>`` starting at ``s[i] == '<'``; quotes may hide a ``>``."""
    j, n = i + 1, len(s)
    out: list[str] = []
    while j < n:
        c = s[j]
        if c == '"':
            _inner, k = _read_quoted(s, j)
            out.append(s[j:k])
            j = k
            continue
        if c == ">":
            j += 1
            break
        if c == "<":  # a second "<" before ">": the first one was never closed
            break
        if c == "," and "@" in "".join(out) and not "".join(out).startswith("@"):
            break  # "<jana@x, petr@y" - an unclosed bracket swallowing the list
        out.append(c)
        j += 1
    content = "".join(out).strip()
    if content.startswith("@") and ":" in content:  # obsolete source route @a,@b:user@host
        content = content.rpartition(":")[2]
    if content[:7].lower() == "mailto:":
        content = content[7:]
    return "".join(content.split()), j
