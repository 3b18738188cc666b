"""Bytes to text for mail whose charset is missing, mislabelled or unknown.

RFC 2045/2047 require a declared charset, but our users' mail routinely breaks
that: Windows mailers send raw windows-1250 or cp1251 bytes in headers
(undeclared 8-bit), label windows-1250 text as ISO-8859-2 or windows-1252 as
ISO-8859-1, or declare names Python does not know. ``decode_text`` never
fails: it uses the declared charset when it decodes cleanly, otherwise UTF-8,
otherwise the best-scoring of the central/eastern European legacy charsets.
"""

from __future__ import annotations

import codecs
import re

# Declared names that Python does not know, or that senders reliably mislabel
# (WHATWG Encoding Standard: ISO-8859-1 and US-ASCII labels mean windows-1252).
_ALIASES: dict[str, str | None] = {
    "unknown-8bit": None,
    "x-unknown": None,
    "unknown": None,
    "x-user-defined": None,
    "default": None,
    "us-ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "iso-8859-8-i": "iso-8859-8",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gbk",
    "x-mac-ce": "mac-latin2",
    "win-1250": "cp1250",
    "cp-1250": "cp1250",
    "win-1251": "cp1251",
    "cp-1251": "cp1251",
}
# Windows code page to use when an ISO label arrives with C1 bytes (0x80-0x9F),
# which never occur in real ISO text but are Š/š/Ž/ž/quotes in Windows pages.
_WINDOWS_TWIN = {"iso8859-2": "cp1250", "iso8859-1": "cp1252", "latin-1": "cp1252"}
_C1 = re.compile(rb"[\x80-\x9f]")
_HIGH = re.compile(rb"[\x80-\xff]")

# Undeclared 8-bit guesses, in tie-break order (windows-1250 is the commonest
# among our users; ISO-8859-2 only wins on evidence).
_GUESSES = ("cp1250", "cp1251", "koi8_u", "iso8859-2")
_WORD = re.compile(r"[^\W\d_]+")
_PUNCT = frozenset("\u00a0„“”‘’‚–—…«»€°§©®±×·¨´¸ˇ˘˝•™")
_CYR_FREQUENT = frozenset("оеаинтсрвлкі")  # most frequent Russian/Ukrainian letters
_CZSK_ONLY = frozenset("řěůťďňľĺŕôä")
_PL_ONLY = frozenset("ąęłśźżćń")


def codec_for(charset: str | None) -> str | None:
    """Python codec name for a declared MIME charset, or None if unusable."""
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower()
    label = label.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*sk
    if label in _ALIASES:
        return _ALIASES[label]
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):
        return None


def decode_text(data: bytes, charset: str | None = None) -> str:
    """Decode ``data`` declared as ``charset`` (may be None); never raises."""
    if data.isascii():
        return data.decode("ascii")
    codec = codec_for(charset)
    if codec and codec != "ascii":
        if codec != "utf-8":
            utf8 = _mislabelled_utf8(data)
            if utf8 is not None:
                return utf8
        if codec in _WINDOWS_TWIN and _C1.search(data):
            codec = _WINDOWS_TWIN[codec]
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            if codec != "utf-8":
                return data.decode(codec, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return guess_legacy(data)


def _mislabelled_utf8(data: bytes) -> str | None:
    """UTF-8 sent under a legacy label (PHP/web-form mailers do this).

    Legacy-charset text is practically never valid UTF-8 once it has a few
    non-ASCII characters, so valid UTF-8 with at least two of them wins.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if sum(1 for ch in text if ord(ch) > 127) >= 2 else None


def guess_legacy(data: bytes) -> str:
    """Decode undeclared 8-bit bytes with the most plausible legacy charset."""
    best, best_score = "", float("-inf")
    for codec in _GUESSES:
        text = data.decode(codec, errors="replace")
        score = _score(text)
        if score > best_score:
            best, best_score = text, score
    return best


def _score(text: str) -> float:
    """Plausibility of ``text`` as Slovak/Czech/Polish or Russian/Ukrainian.

    Latin-2 letters sit inside words of ASCII letters ("Cenová"); Cyrillic
    words are all non-ASCII and lower, Title or UPPER case ("Привет"). The
    wrong decoding breaks one of these patterns or yields symbols/controls.
    """
    score = 0.0
    for ch in text:
        if ord(ch) > 127 and not ch.isalpha() and ch not in _PUNCT:
            score -= 3 if (ch == "\ufffd" or not ch.isprintable()) else 2
    cz = pl = 0
    for word in _WORD.findall(text):
        high = sum(1 for ch in word if ord(ch) > 127)
        if not high:
            continue
        cyr = sum(1 for ch in word if "\u0400" <= ch <= "\u04ff")
        ascii_letters = len(word) - high
        if cyr:
            if ascii_letters:
                score -= 2 * cyr
                continue
            tail = word[1:]
            score += cyr if (not tail or tail.islower() or word.isupper()) else -cyr
            score += 0.5 * sum(1 for ch in word.lower() if ch in _CYR_FREQUENT)
        else:
            lower = word.lower()
            cz += sum(1 for ch in lower if ch in _CZSK_ONLY)
            pl += sum(1 for ch in lower if ch in _PL_ONLY)
            plausible = (ascii_letters > 0 or high < 3) and lower[0] not in "ąę"
            cased = not word[1:] or word[1:].islower() or word.isupper()
            score += high if plausible and cased else -high
    return score - 2 * min(cz, pl)
