"""Forgiving readers for address headers (RFC 5322 section 3.4) and RFC 2047 words.

Real mail breaks the grammar all the time: unquoted commas in names, missing
angle brackets, missing commas between mailboxes, encoded words inside quoted
strings (Outlook), UTF-8 split across two encoded words, unknown charsets,
unterminated quotes. These readers keep whatever can be read and never raise;
an address they cannot find is simply left out.

Every connector runs its headers through :func:`parse_address_header`, so it
is one regular-expression tokenizer plus a little Python per token, and it is
linear in the input: no reader looks back, and a reader that runs to the end
without closing (quote, comment, bracket) is not tried again from a later
position. The rare and broken shapes live in :mod:`matching._header_scan`.
"""

from __future__ import annotations

import binascii
import re

from matching._header_scan import (
    ANGLE,
    COMMENT,
    QUOTED,
    WEAK,
    WORD,
    Item,
    angle_addr,
    read_angle,
    read_comment,
    split_unprintable,
    unescape,
    unescape_outside_quotes,
)

# encoded-text holds no "?" or white space (RFC 2047 section 2); a run of "?" right
# before the closing "?=" is kept (encoders that forget to encode a final "?")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*\?*)\?=")


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
    search = _ENCODED_WORD.search
    m = search(text)
    while m is not None:
        start = m.start()
        word = _decode_word(m)
        if word is None:  # not an encoded word after all: literal text
            m = search(text, start + 2)
            continue
        charset, data = word
        between = text[pos:start]
        if run and (not between or between.isspace()) and charset == run_charset:
            run.append(data)
        else:
            if run:
                out.append(_decode_bytes(b"".join(run), run_charset))
            if not run or (between and not between.isspace()):
                out.append(between)
            run = [data]
            run_charset = charset
        pos = m.end()
        m = search(text, pos)
    if run:
        out.append(_decode_bytes(b"".join(run), run_charset))
    out.append(text[pos:])
    return "".join(out)


def _decode_word(m: re.Match[str]) -> tuple[str, bytes] | None:
    """(charset, raw bytes) of a matched encoded word, or None if it does not decode."""
    charset = m[1].partition("*")[0].lower()  # RFC 2231 language tag
    if not charset:
        return None
    raw = m[3].encode("ascii", "ignore")
    try:
        if m[2] in "bB":
            raw = raw.rstrip(b"=")
            data = binascii.a2b_base64(raw + b"=" * (-len(raw) % 4), strict_mode=True)
        else:
            data = binascii.a2b_qp(raw, header=True)
    except (binascii.Error, ValueError):
        return None
    return charset, data


def _decode_bytes(data: bytes, charset: str) -> str:
    try:
        return data.decode(charset, "replace")
    except LookupError:  # unknown charset, e.g. "unknown-8bit": UTF-8 is the best guess
        return data.decode("utf-8", "replace")


def parse_address_header(value: str) -> list[tuple[str | None, str]]:
    """(display name, addr-spec) pairs from a raw To/From/Cc-style header value.

    Handles group syntax (``Team: a@x, b@y;``), quoted strings and quoted
    local parts, comments anywhere (``jana(x)@acme.sk``; a trailing one is the
    name when there is no other), obsolete spaces around ``@``, RFC 2047
    names, source routes, ``mailto:``, and broken headers: missing commas
    (``A <a@x> b@y``), unclosed brackets, unterminated quotes and comments.
    Only addr-specs with a local part and a domain are returned. Never raises.
    """
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "replace")
    elif not isinstance(value, str):
        value = str(value)
    return _scan(value)


# Blanks: white space and control characters (the old reader's non-printables).
_BLANK = r"[\s\x00-\x1f\x7f-\x9f]"
# A word: adjacent atoms (dots and "@" included), quoted strings, quoted pairs and
# domain literals, as one token; a stray "[" is a letter.
_WORD_RE = (
    r'(?:[^\s\x00-\x1f\x7f-\x9f,;:<>()"\\\[]+'
    rf"|{QUOTED}"
    r"|\\.?"
    r'|\[[^\[\]\\\s,;<>"()]*\]|\[)+'
)
_TOKEN = re.compile(
    rf"{_BLANK}*(?:"
    rf"(?P<q>{QUOTED})(?![^\s\x00-\x1f\x7f-\x9f,;:<>()])"  # a lone quoted string
    rf"|(?P<w>{_WORD_RE})"
    r'|(?P<a><[^<>",;(\\]*>)'  # a plain <addr-spec>; anything else goes to read_angle
    r"|(?P<s>[,;])"
    r"|(?P<c>\([^()\\]*(?:\\.[^()\\]*)*\))"  # an unnested comment
    r"|(?P<x>.))",  # ":" and the starts of what did not close: '"', "(", "<"; strays ")", ">"
    re.S,
)


def _scan(s: str) -> list[tuple[str | None, str]]:
    """One pass over the header; ``items`` is the mailbox being read."""
    out: list[tuple[str | None, str]] = []
    items: list[Item] = []
    glue = -1  # index of the last word while only comments follow it
    has_at = False  # the mailbox already holds an address (so ":" is no group)
    no_comments = False  # a comment ran to the end: a later "(" is a stray letter
    pos = 0
    finditer = _TOKEN.finditer
    while True:
        for m in finditer(s, pos):
            kind = m.lastgroup
            if kind == "q":
                raw = m["q"]
                inner = raw[1:-1]
                if "\\" in inner:
                    inner = unescape(inner)
                if "@" in raw:
                    has_at = True
                glue = _add_word(items, glue, raw, inner, m.start("q") != m.start())
            elif kind == "w":
                raw = m["w"]
                if "\\" in raw:
                    raw = unescape_outside_quotes(raw).strip()
                    if not raw:
                        continue
                elif not raw.isprintable() and '"' not in raw:
                    # zero-width and other invisible characters separate words
                    parts = split_unprintable(raw)
                    if not parts:
                        continue
                    for part in parts[:-1]:
                        glue = _add_word(items, glue, part, None, True)
                    raw = parts[-1]
                if "@" in raw:
                    has_at = True
                if glue < 0 or (raw[0] not in "@." and items[glue][1][-1] not in "@."):
                    items.append((WORD, raw, None, raw))  # nothing to join: the usual word
                    glue = len(items) - 1
                else:
                    glue = _add_word(items, glue, raw, None, m.start("w") != m.start())
            elif kind == "a":
                addr = angle_addr(m["a"][1:-1])
                if "@" in addr:
                    items.append((ANGLE, addr, None, addr))
                has_at = True
                glue = -1
            elif kind == "s":
                if items:
                    _finish(items, out)
                    items = []
                glue = -1
                has_at = False
            elif kind == "c":
                text = m["c"][1:-1]
                if "\\" in text:
                    text = unescape(text)
                if text and not text.isspace():
                    items.append((COMMENT, text, None, text))
            else:
                c = m["x"]
                i = m.start("x")
                if c == ":":
                    if items and items[-1][0] == WORD and items[-1][1].lower() == "mailto":
                        items.pop()  # a bare mailto:jana@x
                    elif not has_at:  # group syntax: what came before is the group's name
                        items.clear()
                    glue = -1
                elif c == '"':
                    continue  # never closed: a stray letter, what follows is read as usual
                elif c == "(" and not no_comments:
                    comment = read_comment(s, i)
                    if comment is None:  # never closed: the "(" is a stray letter
                        no_comments = True
                        continue
                    text, pos = comment
                    if text and not text.isspace():
                        items.append((COMMENT, text, None, text))
                    break
                elif c == "<":
                    addr, pos, no_comments = read_angle(s, i, no_comments)
                    if "@" in addr:
                        items.append((ANGLE, addr, None, addr))
                    has_at = True
                    glue = -1
                    break
                # a stray ")" or ">" (or "(" after an unclosed one) is dropped
        else:
            break
    if items:
        _finish(items, out)
    return out


def _add_word(items: list[Item], glue: int, raw: str, inner: str | None, blank: bool) -> int:
    """Append a word, joining an addr-spec split by CFWS (``jana (x) @ acme.sk``).

    ``blank`` says white space came before the word; such joins (obsolete
    syntax) are weak: an address that stands next to a clean one is a name.
    Returns the new ``glue`` index.
    """
    if glue >= 0:
        kind, prev, _inner, shown = items[glue]
        comments = len(items) > glue + 1
        if (
            (prev[-1] == "@" and "@" not in raw)
            or (raw[0] == "@" and "@" not in prev)
            or (comments and (prev[-1] == "." or raw[0] == ".") and ("@" in prev or "@" in raw))
        ):
            del items[glue + 1 :]  # comments inside an addr-spec are not names
            weak = blank or kind == WEAK
            items[glue] = (
                WEAK if weak else WORD,
                prev + raw,
                None,
                f"{shown} {raw}" if blank else shown + raw,
            )
            return glue
    items.append((WORD, raw, inner, raw if inner is None else inner))
    return len(items) - 1


def _finish(items: list[Item], out: list[tuple[str | None, str]]) -> None:
    """Turn one comma-separated part into mailboxes.

    Anchors are the angle addresses and the bare addr-specs; a part with more
    than one is a list that lost its commas (``A <a@x> b@y``). Words go to the
    next anchor (to the last one at the end), a comment right after an anchor
    belongs to it. A bare addr-spec next to a clean address is only a name
    when it is weak (joined across blanks, or no dot in the domain) or the
    same address (``jana@x <jana@x>``).
    """
    kind, text, inner, _shown = items[-1]
    if len(items) == 1:
        if kind == ANGLE or (kind != COMMENT and inner is None):
            addr = text if kind == ANGLE else _bare_addr(text)
            if _is_addr(addr):
                out.append((None, addr))
            return
    elif kind == ANGLE:  # the usual "Name <addr>": a name and comments before an address
        words: list[str] = []
        notes: list[str] = []
        for k_kind, k_text, k_inner, k_shown in items[:-1]:
            if k_kind == COMMENT:
                notes.append(k_shown)
            elif k_kind == WORD and (k_inner is not None or "@" not in k_text):
                words.append(k_shown)
            else:
                break
        else:
            if _is_addr(text):
                name = _clean_name(" ".join(words)) if words else None
                if name is None and notes:
                    name = _clean_name(" ".join(notes))
                out.append((name, text))
            return
    anchors: list[int] = []
    addrs: dict[int, str] = {}
    clean = False
    bare: list[tuple[int, bool]] = []
    for k, (kind, text, inner, _shown) in enumerate(items):
        if kind == ANGLE:
            if _is_addr(text):
                anchors.append(k)
                addrs[k] = text
                clean = True
        elif kind <= WEAK and inner is None and "@" in text:
            addr = _bare_addr(text)
            if _is_addr(addr):
                # Outlook's 'jana@x' is a name when an address stands next to it
                strong = kind == WORD and addr is text and _has_dot(addr.rpartition("@")[2])
                bare.append((k, strong))
                addrs[k] = addr
                clean = clean or strong
    if clean:
        angle_addrs = {addrs[k].lower() for k in anchors}
        anchors.extend(k for k, strong in bare if strong and addrs[k].lower() not in angle_addrs)
        anchors.sort()
    else:
        anchors = [k for k, _strong in bare]
    if not anchors:  # broken: a lone quoted "jana@acme.sk"
        for k in range(len(items) - 1, -1, -1):
            inner = items[k][2]
            if inner and "@" in inner and _is_addr(inner) and len(inner.split()) == 1:
                anchors, addrs = [k], {k: inner}
                break
        else:
            return
    last = len(anchors) - 1
    names: list[list[str]] = [[] for _ in anchors]
    comments: list[list[str]] = [[] for _ in anchors]
    nxt = 0  # the first anchor at or after the item
    after = -1  # the anchor the item follows with only comments between
    for k, (kind, _text, _inner, shown) in enumerate(items):
        if nxt <= last and anchors[nxt] == k:
            after = nxt
            nxt += 1
        elif kind == COMMENT:
            comments[after if after >= 0 else min(nxt, last)].append(shown)
        else:
            after = -1
            names[min(nxt, last)].append(shown)
    for a, k in enumerate(anchors):
        name = _clean_name(" ".join(names[a])) if names[a] else None
        if name is None and comments[a]:
            name = _clean_name(" ".join(comments[a]))
        out.append((name, addrs[k]))


def _bare_addr(text: str) -> str:
    """A bare addr-spec without Outlook's single quotes (``'jana@acme.sk'``)."""
    return text[1:-1] if len(text) > 2 and text[0] == "'" and text[-1] == "'" else text


def _is_addr(text: str) -> bool:
    local, _at, domain = text.rpartition("@")
    return bool(local) and bool(domain)


def _has_dot(domain: str) -> bool:
    return domain[:1] == "[" or any(dot in domain for dot in ".\u3002\uff0e\uff61")


def _clean_name(text: str) -> str | None:
    name = " ".join(decode_encoded_words(text).split())
    while len(name) >= 2 and name[0] == name[-1] and name[0] in "'\"":
        name = name[1:-1].strip()
    return name or None
