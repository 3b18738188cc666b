"""Inline forwards: the header block a mail client writes above a forwarded message.

Outlook ("-----Original Message-----", "-----Pôvodná správa-----", or a
line of underscores), Gmail ("---------- Forwarded message ---------",
localised), Thunderbird ("-------- Forwarded Message --------"), Apple Mail
("Begin forwarded message:", "Začiatok preposlanej správy:") and Seznam
("---------- Původní e-mail ----------") all write a separator and then
"Label: value" lines with From/Date/Subject/To/Cc, labels localised (en, sk,
cs, pl, uk, ru, de). Dates are localised too ("pondelok 6. januára 2025
10:00", "Mon, Jan 6, 2025 at 10:00 AM", "6. 1. 2025 o 10:00"); without a
zone they are read in the forwarder's own zone (the outer Date offset).

This works on decoded body text (mailparse already turned HTML into text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

_SEPARATOR = re.compile(
    r"^\s*(?:-{2,}|_{2,}|={2,})\s*(?:forwarded message|original message|"
    r"přeposlaná zpráva|preposlaná správa|původní zpráva|pôvodná správa|původní e-mail|"
    r"pôvodný e-mail|pôvodná e-mailová správa|wiadomość przekazana dalej|przekazana wiadomość|"
    r"oryginalna wiadomość|wiadomość oryginalna|пересылаемое сообщение|пересланное сообщение|"
    r"исходное сообщение|переслане повідомлення|оригінальне повідомлення|"
    r"weitergeleitete nachricht|ursprüngliche nachricht)\s*(?:-{2,}|_{2,}|={2,})?\s*$"
    r"|^\s*(?:begin forwarded message|začiatok preposlanej správy|začátek přeposílané zprávy|"
    r"początek przekazywanej wiadomości|начало переадресованного сообщения|"
    r"початок листа, що пересилається|початок пересланого повідомлення|"
    r"anfang der weitergeleiteten nachricht)\s*:?\s*$"
    r"|^\s*_{10,}\s*$",
    re.I,
)
_LABELS = {
    "from": "from od от від von de",
    "to": "to komu do кому an à",
    "cc": "cc kópia kopie kopia dw копия копія",
    "date": "date sent dátum datum odoslané odesláno data wysłano дата отправлено надіслано "
    "gesendet envoyé",
    "subject": "subject predmet předmět temat тема betreff objet",
}
_LABEL_OF = {word: field for field, words in _LABELS.items() for word in words.split()}
_LABEL_OF.update({"od kogo": "from", "от кого": "from"})
_FIELD = re.compile(r"^\s*\**\s*([^\W\d_][\w-]*(?: [^\W\d_]+)?)\s*\**\s*:\s*\**\s*(.*)$")
_EMAIL = re.compile(r"[\w.+'!#$%&*/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
_QUOTE = re.compile(r"^(?:\s*>)+ ?")


@dataclass(frozen=True, slots=True)
class ForwardedBlock:
    """Fields of the first forwarded message found, and the text below them."""

    sender: tuple[str | None, str] | None
    to: tuple[tuple[str | None, str], ...]
    cc: tuple[tuple[str | None, str], ...]
    date_text: str | None
    subject: str | None
    body: str


def find_forward(text: str) -> ForwardedBlock | None:
    """The first forwarded header block in ``text`` (needs a From and a Date or Subject)."""
    lines = [_QUOTE.sub("", line).rstrip() for line in text.splitlines()]
    for i, line in enumerate(lines):
        if _SEPARATOR.match(line):
            block = _header_block(lines, i + 1)
            if block is not None:
                return block
    # Outlook without a separator: a "From:" line directly followed by Sent/To/Subject lines.
    for i, line in enumerate(lines):
        m = _FIELD.match(line)
        if m and _LABEL_OF.get(m.group(1).lower()) == "from" and (i == 0 or not lines[i - 1]):
            block = _header_block(lines, i)
            if block is not None and block.date_text and block.subject is not None:
                return block
    return None


def _header_block(lines: list[str], start: int) -> ForwardedBlock | None:
    i = start
    while i < len(lines) and not lines[i].strip():
        i += 1
    fields: dict[str, str] = {}
    last: str | None = None
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            break
        m = _FIELD.match(line)
        field = _LABEL_OF.get(m.group(1).lower()) if m else None
        if m and field and field not in fields:
            fields[field] = m.group(2).strip()
            last = field
        elif m and field is None and fields and ":" in line[:30]:
            last = None  # an unknown label (Reply-To, Importance): skip it
        elif last in ("to", "cc") and fields:
            fields[last] += " " + line.strip()  # a wrapped recipient list
        else:
            break
        i += 1
    if "from" not in fields or not ({"date", "subject"} & set(fields)):
        return None
    senders = addresses(fields["from"])
    return ForwardedBlock(
        sender=senders[0] if senders else None,
        to=addresses(fields.get("to", "")),
        cc=addresses(fields.get("cc", "")),
        date_text=fields.get("date"),
        subject=fields.get("subject"),
        body="\n".join(lines[i:]).strip("\n"),
    )


def addresses(value: str) -> tuple[tuple[str | None, str], ...]:
    """``Novák, Ján <jan@acme.sk>; Eva [mailto:eva@x.sk]`` -> ((name, address), ...)."""
    out: list[tuple[str | None, str]] = []
    seen: set[str] = set()
    pos = 0
    for m in _EMAIL.finditer(value):
        name = value[pos : m.start()]
        pos = m.end()
        address = m.group(0).lower().strip(".")
        if address in seen:
            continue
        seen.add(address)
        name = re.sub(r"(?i)mailto:", "", name)
        name = name.strip().lstrip(">]),;").strip().rstrip("<[(").strip().strip("\"'").strip()
        out.append((name if name and "@" not in name else None, address))
    return tuple(out)


# --- dates ---------------------------------------------------------------------------

_MONTHS = [  # (prefix, month); longer prefixes first where they overlap
    ("července", 7), ("červenec", 7), ("června", 6), ("červen", 6),
    ("jan", 1), ("feb", 2), ("mar", 3), ("apr", 4), ("may", 5), ("jun", 6), ("jul", 7),
    ("aug", 8), ("sep", 9), ("oct", 10), ("nov", 11), ("dec", 12),
    ("máj", 5), ("maj", 5), ("jún", 6), ("júl", 7), ("okt", 10),
    ("led", 1), ("úno", 2), ("bře", 3), ("dub", 4), ("kvě", 5), ("srp", 8), ("zář", 9),
    ("říj", 10), ("lis", 11), ("pro", 12),
    ("sty", 1), ("lut", 2), ("kwi", 4), ("cze", 6), ("lip", 7), ("sie", 8), ("wrz", 9),
    ("paź", 10), ("gru", 12),
    ("янв", 1), ("фев", 2), ("мар", 3), ("апр", 4), ("мая", 5), ("май", 5), ("июн", 6),
    ("июл", 7), ("авг", 8), ("сен", 9), ("окт", 10), ("ноя", 11), ("дек", 12),
    ("січ", 1), ("лют", 2), ("бер", 3), ("кві", 4), ("тра", 5), ("чер", 6), ("лип", 7),
    ("сер", 8), ("вер", 9), ("жов", 10), ("лис", 11), ("гру", 12),
]  # fmt: skip
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?", re.I)
_OFFSET = re.compile(r"(?:gmt|utc)?\s*([+-])(\d{1,2}):?(\d{2})?\b", re.I)
_DMY_NUM = re.compile(r"\b(\d{1,2})\s*\.\s*(\d{1,2})\s*\.\s*(\d{4})\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_SLASH = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_D_MONTH_Y = re.compile(r"\b(\d{1,2})\.?\s+([^\W\d_]+)\.?,?\s+(\d{4})\b")
_MONTH_D_Y = re.compile(r"\b([^\W\d_]+)\.?\s+(\d{1,2}),?\s+(\d{4})\b")


def parse_loose_date(text: str, default_tz: timezone) -> datetime | None:
    """A forwarded block's date in any of the styles above; None if unreadable."""
    text = text.strip()
    if re.search(r"[+-]\d{4}\b", text) and re.search(r"\d{1,2}:\d{2}", text):
        try:  # RFC 5322 style (Thunderbird), unless it is something else with an offset
            dt = parsedate_to_datetime(text)
            if dt is not None and dt.tzinfo is not None:
                return dt
        except (TypeError, ValueError, IndexError):
            pass
    low = text.lower()
    ymd = _ymd(low)
    if ymd is None:
        return None
    hour = minute = second = 0
    tm = _TIME.search(low)
    if tm:
        hour, minute, second = int(tm.group(1)), int(tm.group(2)), int(tm.group(3) or 0)
        suffix = (tm.group(4) or "").replace(".", "")
        if suffix == "pm" and hour < 12:
            hour += 12
        elif suffix == "am" and hour == 12:
            hour = 0
    tz = default_tz
    tail = low[tm.end() :] if tm else ""
    off = _OFFSET.search(tail)
    if off:
        delta = timedelta(hours=int(off.group(2)), minutes=int(off.group(3) or 0))
        tz = timezone(delta if off.group(1) == "+" else -delta)
    try:
        return datetime(*ymd, hour, minute, second, tzinfo=tz)
    except ValueError:
        return None


def _ymd(low: str) -> tuple[int, int, int] | None:
    if m := _ISO.search(low):
        return int(m.group(1)), int(m.group(2)), int(m.group(3))
    if m := _DMY_NUM.search(low):
        return int(m.group(3)), int(m.group(2)), int(m.group(1))
    if m := _SLASH.search(low):
        a, b = int(m.group(1)), int(m.group(2))
        mon, day = (a, b) if a <= 12 else (b, a)  # en-US writes m/d/yyyy
        return int(m.group(3)), mon, day
    for m in _D_MONTH_Y.finditer(low):
        month = _month(m.group(2))
        if month:
            return int(m.group(3)), month, int(m.group(1))
    for m in _MONTH_D_Y.finditer(low):
        month = _month(m.group(1))
        if month:
            return int(m.group(3)), month, int(m.group(2))
    return None


def _month(word: str) -> int | None:
    for prefix, month in _MONTHS:
        if word.startswith(prefix):
            return month
    return None
