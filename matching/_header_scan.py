"""Readers for the slow shapes of address headers (RFC 5322 section 3.4).

:mod:`matching.header` tokenizes a header with one regular expression; what
that expression cannot read in one step comes here: nested comments,
brackets holding quotes, comments or commas, unterminated quotes, quoted
pairs. Each reader moves forward only and gives up at the end of the input,
so a header is read in linear time however broken it is.
"""

from __future__ import annotations

import re

# kinds of the items a mailbox is read into
WORD = 0  # a word: atoms, quoted strings and quoted pairs written together
WEAK = 1  # an addr-spec joined across white space (``jana @ acme.sk``, obsolete)
COMMENT = 2
ANGLE = 3  # the addr-spec of an angle address
# (kind, text, inner text if the word is a lone quoted string, text as a name)
Item = tuple[int, str, str | None, str]

QUOTED = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_QUOTED_RE = re.compile(QUOTED, re.S)
_UNESCAPE = re.compile(r"\\(.)", re.S)
_OUTSIDE_QUOTES = re.compile(rf"({QUOTED})|\\(.)", re.S)
_BLANKS_OUTSIDE_QUOTES = re.compile(rf"({QUOTED})|\s+", re.S)
_ANGLE_RUN = re.compile(r'[^"\\()<>,;@\s]+')
_COMMENT_RUN = re.compile(r"[^()\\]+")


def unescape(text: str) -> str:
    """Undo quoted pairs (``\\x`` is ``x``)."""
    return _UNESCAPE.sub(r"\1", text)


def unescape_outside_quotes(word: str) -> str:
    """Undo quoted pairs outside quoted strings; quoted strings stay as written."""
    return _OUTSIDE_QUOTES.sub(lambda m: m[1] or m[2], word)


def split_unprintable(word: str) -> list[str]:
    """Split a word at invisible characters (zero-width space, BOM, lone surrogates)."""
    return "".join(c if c.isprintable() else " " for c in word).split()


def angle_addr(content: str) -> str:
    """The addr-spec inside ``<...>``: no white space, no source route, no ``mailto:``."""
    if " " in content or not content.isprintable():
        if '"' in content:  # white space inside a quoted local part stays
            content = _BLANKS_OUTSIDE_QUOTES.sub(lambda m: m[1] or "", content)
        else:
            content = "".join(content.split())
    if ":" in content:
        if content[0] == "@":  # obsolete source route @a,@b:user@host
            content = content.rpartition(":")[2]
        if content[:7].lower() == "mailto:":
            content = content[7:]
    return content


def read_comment(s: str, i: int) -> tuple[str, int] | None:
    """A (possibly nested) comment at ``s[i] == '('``: (text, index after), None if unclosed."""
    depth, j, n = 0, i, len(s)
    out: list[str] = []
    while j < n:
        c = s[j]
        if c == "(":
            depth += 1
            if depth > 1:
                out.append(c)
            j += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return "".join(out), j + 1
            out.append(c)
            j += 1
        elif c == "\\":
            out.append(s[j + 1 : j + 2])
            j += 2
        else:
            run = _COMMENT_RUN.match(s, j)
            assert run is not None
            out.append(run.group())
            j = run.end()
    return None


def read_angle(s: str, i: int, no_comments: bool) -> tuple[str, int, bool]:
    """Read ``<...>`` at ``s[i] == '<'`` when the plain form did not match.

    Quotes may hide a ``>``; comments are dropped; a second ``<`` means the
    first was never closed; so does a comma after an addr-spec (``<jana@x,
    petr@y``) unless the content is a source route (``<@a,@b:jana@x>``). An
    unclosed bracket ends at the first blank after ``local@domain``, so the
    rest is read again as names and addresses. ``no_comments`` (an earlier
    comment never closed) makes ``(`` a stray letter. Returns (addr-spec,
    index to go on from, no_comments).
    """
    n = len(s)
    out: list[str] = []
    j = i + 1
    seen_at = False
    route: bool | None = None  # the content starts with "@"; None before the first letter
    domain = False  # a letter after the last "@"
    cut, cut_len = -1, 0
    closed = False
    while j < n:
        run = _ANGLE_RUN.match(s, j)
        if run is not None:
            out.append(run.group())
            j = run.end()
            route = bool(route)
            domain = seen_at
            continue
        c = s[j]
        if c == ">":
            closed = True
            j += 1
            break
        if c == "<":
            break
        if c == "@":
            route = route is None or route
            seen_at, domain = True, False
            out.append(c)
            j += 1
        elif c in ",;":
            if seen_at and not route:
                break
            out.append(c)
            j += 1
        elif c == '"' or c == "\\":
            q = _QUOTED_RE.match(s, j) if c == '"' else None
            end = q.end() if q is not None else j + 2 if c == "\\" else j + 1
            if q is not None or c == "\\":  # else a stray quote, dropped
                out.append(s[j:end])
                route = bool(route)
                domain = seen_at
            j = end
        elif c == "(":
            comment = None if no_comments else read_comment(s, j)
            if comment is None:
                no_comments = True
                j += 1
            else:
                j = comment[1]
        elif c == ")":
            j += 1
        else:  # white space
            if domain and cut < 0:
                cut, cut_len = j, len(out)
            j += 1
    if not closed and cut >= 0:
        del out[cut_len:]
        j = cut
    return angle_addr("".join(out)), j, no_comments
