"""Read a set of UIDs into entries, fetching only what the visibility needs.

Round trips per batch of UIDs:

1. ``UID FETCH (BODY.PEEK[]<0.65536>)``: a message
   that fits (most mail) arrives whole, in one response that costs the server
   and our response parser less than its BODYSTRUCTURE would (measured: a
   BODYSTRUCTURE response costs our parser more than the whole message it
   describes), and is parsed like a file copy, at every visibility: below
   ``full`` only its headers and MIME skeleton are read. Only the rest (the
   ones with big attachments) take the structure route below, so at most
   64 KiB per big message is read in vain;
2. ``UID FETCH (BODY.PEEK[HEADER] BODYSTRUCTURE RFC822.SIZE INTERNALDATE)``
   for the rest (RFC 3501 6.4.5; PEEK leaves \\Seen alone);
3. at ``full`` visibility, ``BODY.PEEK[<section>]`` for the text part(s) the
   BODYSTRUCTURE names, one FETCH per distinct section list (a few);
4. rarely: ``BODY.PEEK[TEXT]<0.8192>`` for mail without a Message-ID (its
   content dedupe key hashes the first 4 KiB of the body, line ends
   normalised), and ``BODY.PEEK[]`` for messages that do not parse, so
   quarantine keeps the real bytes.

The item is made by ``connectors.mailparse.parse_message``: on the whole
message, or on the header block plus a synthetic multipart (``synthetic``) of the fetched
text parts (their Content-Type and transfer encoding taken from
BODYSTRUCTURE), so dedupe keys, participants and body decoding are exactly
those of the file connectors. Attachments are described as BODYSTRUCTURE
describes them (name, type, estimated decoded size, no digest) on both
routes, so the route never shows in the item. A text part larger than 8x
``max_body_chars`` (at least 256 KiB) is fetched partially (``<0.n>``);
messages over ``max_message_size`` keep header data only. Dropbox mode
fetches whole messages (below that size) and hands them to
``dropbox.dropbox_entry``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from connectors.base import Entry, MailItem, Quarantined, SourceRef, Visibility
from connectors.files._parsing import Job
from connectors.mailparse import EPOCH, parse_message

from . import gmail_ids
from .cursor import remote_id
from .session import FetchData, Session
from .structure import Structure, TextPart, walk
from .synthetic import with_text_parts
from .wire import uid_set

META_ITEMS = ["BODY.PEEK[HEADER]", "BODYSTRUCTURE", "RFC822.SIZE", "INTERNALDATE"]
WHOLE_BYTES = 64 * 1024  # messages up to this size are read whole
SAMPLE_BYTES = 8192  # 4 KiB after CRLF -> LF, as mailparse hashes
_HEADER = b"BODY[HEADER]"
_PARTIAL = b"BODY[]<0>"

DropboxFn = Callable[[bytes, SourceRef, Visibility, datetime | None], Entry]


@dataclass(frozen=True, slots=True)
class ReadOptions:
    connector: str
    visibility: Visibility
    max_message_size: int = 25_000_000
    max_body_chars: int = 100_000
    dropbox: DropboxFn | None = None
    whole_bytes: int = WHOLE_BYTES  # 0: always the structure route


@dataclass(slots=True)
class Fetched:
    """What the network phase brought for one chunk of UIDs (parsing happens later)."""

    folder: str
    uv: int
    uids: list[int]  # requested order, only those the server still has
    meta: dict[int, FetchData]
    structures: dict[int, Structure]
    texts: dict[int, dict[str, bytes]]
    full: dict[int, bytes]  # dropbox mode: whole messages
    whole: dict[int, bytes] = field(default_factory=dict)  # read whole (first round trip)
    gm: dict[int, int] = field(default_factory=dict)  # Gmail: UID -> X-GM-MSGID

    def source(self, connector: str, uid: int) -> SourceRef:
        msgid = self.gm.get(uid)
        rid = gmail_ids.gm_id(msgid) if msgid is not None else remote_id(self.uv, uid)
        return SourceRef(connector, self.folder, rid)


Runner = Callable[[Callable[[Session], Any]], Any]  # runs an op on a live session, retried


class MessageReader:
    """Turns UIDs of the selected folder into entries; see the module docstring.

    ``collect`` (network) and ``jobs`` + ``finish`` (parsing, which may run in a
    process pool in between) are separate so that the next chunk can be
    fetched and parsed while the runtime stores the current one.
    """

    def __init__(self, opts: ReadOptions) -> None:
        self.opts = opts
        self.text_cap = max(256 * 1024, opts.max_body_chars * 8)
        whole = opts.dropbox is None
        self.whole_max = min(opts.whole_bytes, opts.max_message_size) if whole else 0

    def read(self, session: Session, folder: str, uv: int, uids: Sequence[int]) -> list[Entry]:
        """Entries in the order of ``uids``, parsed inline; UIDs expunged meanwhile are left out."""
        fetched = self.collect(session, folder, uv, uids)
        parsed = [_parse_job(j, self.opts) for j in self.jobs(fetched)]
        return self.finish(fetched, parsed, lambda op: op(session))

    def collect(self, session: Session, folder: str, uv: int, uids: Sequence[int]) -> Fetched:
        extra = [gmail_ids.FETCH_ITEM] if session.has(gmail_ids.CAPABILITY) else []
        whole, meta = self._whole(session, uids, extra) if self.whole_max > 0 else ({}, {})
        rest = [u for u in uids if u not in meta] if meta else list(uids)
        structured = session.fetch(uid_set(rest), META_ITEMS + extra) if rest else {}
        meta.update(structured)
        present = [u for u in uids if u in meta]
        structures = {uid: walk(d.get(b"BODYSTRUCTURE")) for uid, d in structured.items()}
        f = Fetched(folder, uv, present, meta, structures, {}, {}, whole)
        if extra:
            f.gm = {u: m for u in present if (m := gmail_ids.msgid_of(meta[u])) is not None}
        small = [
            u for u in present if u in structures and _size(meta[u]) <= self.opts.max_message_size
        ]
        if self.opts.dropbox is not None:
            data = session.fetch(uid_set(small), ["BODY.PEEK[]"]) if small else {}
            f.full = {u: bytes(d[b"BODY[]"]) for u, d in data.items() if d.get(b"BODY[]")}
        elif self.opts.visibility == "full":
            wanted = {
                u: self._sections(structures[u], with_html=not structures[u].plain) for u in small
            }
            f.texts = self._fetch_sections(session, wanted)
        return f

    def _whole(
        self, session: Session, uids: Sequence[int], extra: list[str]
    ) -> tuple[dict[int, bytes], dict[int, FetchData]]:
        """Messages shorter than ``whole_max`` bytes, read whole (their length is their size).

        No RFC822.SIZE or INTERNALDATE: the two cost the server and our parser a
        sixth of the FETCH, and INTERNALDATE matters only for mail without a
        usable Date or Received (``_fix_dates`` asks for those few).
        """
        items = [f"BODY.PEEK[]<0.{self.whole_max}>", *extra]
        whole: dict[int, bytes] = {}
        meta: dict[int, FetchData] = {}
        for uid, d in session.fetch(uid_set(list(uids)), items).items():
            data = d.pop(_PARTIAL, None) or d.pop(b"BODY[]", None)  # origin omitted by some
            if data and len(data) < self.whole_max:  # shorter than asked: all of it
                whole[uid] = bytes(data)
                meta[uid] = d
        return whole, meta

    def jobs(self, f: Fetched) -> list[Job]:
        """Parse jobs (raw bytes for ``parse_message``), one per UID; none in dropbox mode."""
        if self.opts.dropbox is not None:
            return []
        return [
            Job(
                source=f.source(self.opts.connector, uid),
                raw=f.whole.get(uid) or self._raw(f.meta[uid], f.structures[uid], f.texts.get(uid)),
                fallback_date=_internaldate(f.meta[uid]),
                size=_size(f.meta[uid]) or len(f.whole.get(uid, b"")),
            )
            for uid in f.uids
        ]

    def finish(self, f: Fetched, parsed: Sequence[Entry], run: Runner) -> list[Entry]:
        """Parsed entries completed: attachments, sizes, content keys, quarantine bytes."""
        if self.opts.dropbox is not None:
            return self._dropbox(f)
        entries: dict[int, Entry] = {}
        retry_html: dict[int, tuple[str, ...]] = {}
        for uid, entry in zip(f.uids, parsed, strict=True):
            entries[uid] = self._complete(f, uid, entry)
            s = f.structures.get(uid)
            if (
                s is not None
                and isinstance(entry, MailItem)
                and s.plain
                and s.html is not None
                and uid in f.texts
                and not (entry.body_text or "").strip()
            ):  # an empty text/plain alternative: mailparse falls back to the HTML
                retry_html[uid] = self._sections(s, with_html=True, plain=False)
        if retry_html:
            more = run(lambda s: self._fetch_sections(s, retry_html))
            for uid, parts in more.items():
                f.texts[uid] = {**f.texts.get(uid, {}), **parts}
                entries[uid] = self._complete(f, uid, self._parse_one(f, uid))
        self._fix_dates(run, f, entries)
        self._fix_content_keys(run, f, entries)
        self._quarantine_raw(run, f, entries)
        return [entries[uid] for uid in f.uids]

    def _fix_dates(self, run: Runner, f: Fetched, entries: dict[int, Entry]) -> None:
        """Mail read whole without a usable Date or Received: parsed again with INTERNALDATE."""
        need = [
            u
            for u, e in entries.items()
            if u in f.whole and isinstance(e, MailItem) and e.occurred_at == EPOCH
        ]
        if not need:
            return
        data = run(lambda s: s.fetch(uid_set(need), ["INTERNALDATE"]))
        for uid in need:
            when = _internaldate(data.get(uid, {}))
            if when is not None:
                raw = f.whole[uid]
                job = Job(entries[uid].source, raw=raw, fallback_date=when, size=len(raw))
                entries[uid] = _parse_job(job, self.opts)

    # --- text parts ----------------------------------------------------------------

    def _sections(self, s: Structure, *, with_html: bool, plain: bool = True) -> tuple[str, ...]:
        parts = list(s.plain) if plain else []
        if with_html and s.html is not None:
            parts.append(s.html)
        return tuple(self._item(p) for p in parts)

    def _item(self, p: TextPart) -> str:
        if p.size > self.text_cap:
            return f"BODY.PEEK[{p.section}]<0.{self.text_cap}>"
        return f"BODY.PEEK[{p.section}]"

    def _fetch_sections(
        self, session: Session, wanted: dict[int, tuple[str, ...]]
    ) -> dict[int, dict[str, bytes]]:
        groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for uid, items in wanted.items():
            if items:
                groups[items].append(uid)
        out: dict[int, dict[str, bytes]] = {}
        for items, uids in groups.items():
            data = session.fetch(uid_set(uids), list(items))
            for uid, d in data.items():
                out[uid] = {
                    _section_of(k): bytes(v)
                    for k, v in d.items()
                    if isinstance(k, bytes) and k.startswith(b"BODY[") and v is not None
                }
        return out

    # --- building ------------------------------------------------------------------

    def _raw(self, d: FetchData, s: Structure, texts: dict[str, bytes] | None) -> bytes:
        header = _header(d)
        if not texts:
            return header
        parts = [p for p in s.plain if p.section in texts]
        if s.html is not None and s.html.section in texts:
            parts.append(s.html)
        return with_text_parts(header, [(p, texts[p.section]) for p in parts])

    def _parse_one(self, f: Fetched, uid: int) -> Entry:
        raw = self._raw(f.meta[uid], f.structures[uid], f.texts.get(uid))
        job = Job(
            f.source(self.opts.connector, uid),
            raw=raw,
            fallback_date=_internaldate(f.meta[uid]),
            size=_size(f.meta[uid]),
        )
        return _parse_job(job, self.opts)

    def _complete(self, f: Fetched, uid: int, entry: Entry) -> Entry:
        if not isinstance(entry, MailItem):
            return entry
        if uid in f.whole:  # parsed with attachment_digests=False: already structure-like
            return entry  # its length as its size (the job's), and no raw bytes
        return replace(
            entry, attachments=f.structures[uid].attachments, size=_size(f.meta[uid]), raw=None
        )

    def _fix_content_keys(self, run: Runner, f: Fetched, entries: dict[int, Entry]) -> None:
        """No Message-ID: the content key needs the first body bytes, as in a file copy."""
        need = [
            u
            for u, e in entries.items()
            if isinstance(e, MailItem) and e.message_id is None and u not in f.whole
        ]
        if not need:
            return
        item = f"BODY.PEEK[TEXT]<0.{SAMPLE_BYTES}>"
        data = run(lambda s: s.fetch(uid_set(need), [item]))
        for uid in need:
            sample = data.get(uid, {}).get(b"BODY[TEXT]<0>")
            entry = entries[uid]
            assert isinstance(entry, MailItem)
            keyed = parse_message(
                _header(f.meta[uid]) + bytes(sample or b""),
                entry.source,
                "metadata",
                fallback_date=_internaldate(f.meta[uid]),
            )
            if isinstance(keyed, MailItem):
                entries[uid] = replace(entry, dedupe_key=keyed.dedupe_key)

    def _quarantine_raw(self, run: Runner, f: Fetched, entries: dict[int, Entry]) -> None:
        """Unparsable mail is kept with its real bytes (size permitting), parsed once more."""
        bad = [
            u
            for u, e in entries.items()
            if isinstance(e, Quarantined)
            and u not in f.whole
            and _size(f.meta[u]) <= self.opts.max_message_size
        ]
        if not bad:
            return
        data = run(lambda s: s.fetch(uid_set(bad), ["BODY.PEEK[]"]))
        for uid in bad:
            raw = data.get(uid, {}).get(b"BODY[]")
            if raw is None:
                continue
            job = Job(entries[uid].source, raw=bytes(raw), fallback_date=_internaldate(f.meta[uid]))
            again = _parse_job(job, self.opts)
            if isinstance(again, MailItem):
                again = replace(again, size=_size(f.meta[uid]), raw=None)
            entries[uid] = again

    def _dropbox(self, f: Fetched) -> list[Entry]:
        assert self.opts.dropbox is not None
        return [
            self.opts.dropbox(
                f.full.get(uid) or _header(f.meta[uid]),
                f.source(self.opts.connector, uid),
                self.opts.visibility,
                _internaldate(f.meta[uid]),
            )
            for uid in f.uids
        ]


def _parse_job(job: Job, opts: ReadOptions) -> Entry:
    assert job.raw is not None
    return parse_message(
        job.raw,
        job.source,
        opts.visibility,
        max_body_chars=opts.max_body_chars,
        fallback_date=job.fallback_date,
        attachment_digests=False,
        keep_raw=False,
        size=job.size,
    )


def _header(d: FetchData) -> bytes:
    raw = d.get(_HEADER)
    return bytes(raw) if raw else b""


def _size(d: FetchData) -> int:
    try:
        return int(d.get(b"RFC822.SIZE") or 0)
    except (TypeError, ValueError):
        return 0


def _internaldate(d: FetchData) -> datetime | None:
    value = d.get(b"INTERNALDATE")
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _section_of(key: bytes) -> str:
    """b"BODY[1.2]<0>" -> "1.2"."""
    return key[5:].split(b"]", 1)[0].decode("ascii", "replace")
