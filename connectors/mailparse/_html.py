"""HTML mail bodies to plain text, for HTML-only messages.

A small ``html.parser`` converter rather than a dependency: we only need
readable text for matching and display (block elements become line breaks,
script/style/head are dropped, entities decoded), and we stop feeding once
``limit`` characters are out, so a huge newsletter costs little.
"""

from __future__ import annotations

import re
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
        text = _SPACES.sub(" ", data)
        if not text.strip():
            if not self._breaks:
                self._emit(" ")
            return
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
