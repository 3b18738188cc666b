"""HTML mail bodies to plain text, for HTML-only messages.

A small ``html.parser`` converter rather than a dependency: we only need
readable text for matching and display (block elements become line breaks,
script/style/head are dropped, entities decoded), and we stop feeding once
``limit`` characters are out, so a huge newsletter costs little.

``html.parser`` tokenises in Python, character class by character class; for
a document that fits one feed and is made only of well-formed tags,
comments, a doctype and text, one compiled regex finds the same tokens about
five times faster and drives the same handlers, so the text is identical.
Anything else (a stray ``<``, ``<?``, ``<![``, unusual attribute syntax, an
unterminated script) goes to ``html.parser`` as before.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

_PARAGRAPH_TAGS = (
    "address article aside blockquote dl footer form h1 h2 h3 h4 h5 h6 header hr main nav "
    "ol p pre section table ul"
)
_PARAGRAPH = frozenset(_PARAGRAPH_TAGS.split())
_LINE = frozenset(("br", "dd", "div", "dt", "li", "tr"))
_SKIP = frozenset(("script", "style", "head", "title", "template"))
_CELL = frozenset(("td", "th"))
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_TAGS = re.compile(r"<[^>]*>")
_CHUNK = 16_384
_WS = r"[ \t\n\r\f]"  # html.parser's tag-name terminators (narrower than \s)
# A subset of what html.parser accepts, where it provably yields the same tokens.
_FAST_TOKEN = re.compile(
    rf"""<(?:
        (?P<start>[a-zA-Z][a-zA-Z0-9]*)
          (?:{_WS}+[a-zA-Z_:][-a-zA-Z0-9_:.]*
             (?:{_WS}*={_WS}*(?:"[^"]*"|'[^']*'|[^ \t\n\r\f"'=<>`/]+(?!/)))?)*
          {_WS}*(?P<empty>/?)>
      | /(?P<end>[a-zA-Z][-.a-zA-Z0-9:_]*){_WS}*>
      | !--.*?--\s*>
      | ![dD][oO][cC][tT][yY][pP][eE][^>]*>
    )""",
    re.S | re.X,
)
_CDATA = {tag: re.compile(rf"</\s*{tag}\s*>", re.I) for tag in ("script", "style")}


class _TextExtractor(HTMLParser):
    """Collects text; block tags become 1 (line) or 2 (paragraph) pending breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.size = 0
        self._skip = 0
        self._breaks = 0
        self._bullet = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag == "body":
            self._skip = 0  # a missing </head> must not hide the body
        elif tag in _PARAGRAPH:
            self._breaks = 2
        elif tag in _LINE:
            self._breaks = max(self._breaks, 1)
            self._bullet = tag == "li"
        elif tag in _CELL:
            self._emit(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _PARAGRAPH:
            self._breaks = 2
        elif tag in _LINE:
            self._breaks = max(self._breaks, 1)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if not data.strip():  # the same test as on the collapsed text, without the regex
            if not self._breaks:
                self._emit(" ")
            return
        text = _SPACES.sub(" ", data)
        if self._breaks and self.parts:
            self._emit("\n" * self._breaks)
        if self._bullet:
            self._emit("- ")
        self._breaks, self._bullet = 0, False
        self._emit(text)

    def _emit(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)


def html_to_text(html: str, limit: int) -> str:
    """Readable text of ``html``, at most about ``limit`` characters."""
    if len(html) <= min(_CHUNK, limit):  # one feed, and never over the limit before close()
        parser = _TextExtractor()
        if _fast_feed(parser, html):
            return tidy("".join(parser.parts))[:limit]
    return _parsed_text(html, limit)


def _fast_feed(parser: _TextExtractor, html: str) -> bool:
    """Drive ``parser``'s handlers as ``feed(html); close()`` would; False if unsure.

    Emitted text never exceeds the input's length, so with ``len(html) <=
    limit`` the feed loop of ``_parsed_text`` would always reach close().
    """
    pos, n = 0, len(html)
    match = _FAST_TOKEN.match
    while pos < n:
        lt = html.find("<", pos)
        if lt != pos:
            end = n if lt < 0 else lt
            text = html[pos:end]
            parser.handle_data(unescape(text) if "&" in text else text)
            pos = end
            continue
        m = match(html, pos)
        if m is None:
            return False
        pos = m.end()
        tag = m.group("start")
        if tag is not None:
            tag = tag.lower()
            parser.handle_starttag(tag, [])
            if m.group("empty"):
                parser.handle_endtag(tag)
            elif tag in _CDATA:  # raw text up to its end tag, as html.parser's CDATA mode
                close = _CDATA[tag].search(html, pos)
                if close is None:
                    return False
                if close.start() > pos:
                    parser.handle_data(html[pos : close.start()])
                parser.handle_endtag(tag)
                pos = close.end()
        elif m.group("end") is not None:
            parser.handle_endtag(m.group("end").lower())
    return True


def _parsed_text(html: str, limit: int) -> str:
    parser = _TextExtractor()
    try:
        for start in range(0, len(html), _CHUNK):
            parser.feed(html[start : start + _CHUNK])
            if parser.size > limit:
                break
        else:
            parser.close()
        text = "".join(parser.parts)
    except (AssertionError, ValueError):  # html.parser on malformed markup sections
        text = _TAGS.sub(" ", html[: limit * 4])
    return tidy(text)[:limit]


def tidy(text: str) -> str:
    """Strip trailing spaces, collapse blank-line runs to one blank line."""
    lines = [line.strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()
