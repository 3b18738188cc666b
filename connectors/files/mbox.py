"""mbox files (RFC 4155): one scope per file, streamed in 1 MiB chunks.

A message starts at a "From " line that follows an empty line (or starts
the file); one ">" is removed from ">From "/">>From " lines (mboxrd; for
mboxo this also un-quotes a body line that was written as ">From ", which is
harmless). The remote id is ``"{offset}:{sha1(message)[:12]}"``: appending
keeps every id, while a rewrite (delete, compaction) moves offsets, so the
old ids are reported ``Gone`` after a complete rescan and dedupe keys keep
the items themselves.

Cursor: the byte offset after the last message handled, the file's inode,
size and mtime, and a hash of the bytes just before the offset. Unchanged
file: nothing is read. Grown file with the same inode and tail: resume at
the offset. Anything else (replaced, shrunk, rewritten): rescan from 0.
A message at end of file while the file was modified in the last seconds
may be half-delivered and waits for the next run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import structlog

from connectors.base import Batch, CheckResult, ScopeState, SourceRef
from connectors.mailparse import parse_date
from syncd.errors import ConfigError, ProtocolError

from ._base import FileSource
from ._dirscan import gone_entries, safe_text
from ._parsing import BATCH_MAX_BYTES, Job

log = structlog.get_logger()

CHUNK = 1 << 20
HOT_SECONDS = 3.0
POOL_MIN_BYTES = 8 << 20
_SEP = b"\nFrom "
_QUOTED = re.compile(rb"^>(>*From )", re.M)
_TAIL = 64
_VERSION = 1


@dataclass(frozen=True, slots=True)
class MboxMessage:
    offset: int  # of the "From " line
    end: int  # after the message and its separating empty line
    envelope: bytes
    raw: bytes
    tail: bytes  # the bytes just before ``end``
    last: bool  # ends at end of file


@dataclass(frozen=True, slots=True)
class MboxCursor:
    ino: int
    size: int
    mtime: int
    offset: int
    tail_len: int
    tail: str

    @classmethod
    def load(cls, text: str | None) -> MboxCursor | None:
        if not text:
            return None
        try:
            data = json.loads(text)
            if data.pop("v", None) != _VERSION or data.pop("kind", None) != "mbox":
                return None
            return cls(
                ino=int(data["ino"]),
                size=int(data["size"]),
                mtime=int(data["mtime"]),
                offset=int(data["offset"]),
                tail_len=int(data["tail_len"]),
                tail=str(data["tail"]),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("cursor_invalid", kind="mbox")
            return None

    def dump(self) -> str:
        return json.dumps({"v": _VERSION, "kind": "mbox", **asdict(self)}, separators=(",", ":"))


def read_messages(path: str | os.PathLike[str], start: int = 0) -> Iterator[MboxMessage]:
    """Messages from byte ``start`` (which must begin a "From " line) to end of file."""
    with open(path, "rb") as f:
        f.seek(start)
        buf = bytearray()
        base = start

        def fill() -> bool:
            chunk = f.read(CHUNK)
            buf.extend(chunk)
            return bool(chunk)

        more = fill()
        cur = 0 if buf.startswith(b"From ") else _next_start(buf, 0)
        while cur < 0 and more:  # junk before the first message
            drop = max(0, len(buf) - len(_SEP))
            del buf[:drop]
            base += drop
            more = fill()
            cur = _next_start(buf, 0)
        if cur < 0:
            return
        while True:
            nxt = _next_start(buf, cur + 1)
            while nxt < 0 and more:
                searched = len(buf)
                more = fill()
                nxt = _next_start(buf, max(cur + 1, searched - len(_SEP)))
            end = nxt if nxt >= 0 else len(buf)
            yield _message(base + cur, base + end, bytes(buf[cur:end]), last=nxt < 0)
            if nxt < 0:
                return
            del buf[:nxt]
            base += nxt
            cur = 0


def _next_start(buf: bytearray, i: int) -> int:
    """Index of the next "From " line preceded by an empty line, or -1."""
    while True:
        j = buf.find(_SEP, i)
        if j < 0:
            return -1
        if j == 0 or buf[j - 1] == 0x0A or (buf[j - 1] == 0x0D and j >= 2 and buf[j - 2] == 0x0A):
            return j + 1
        i = j + 1


def _message(offset: int, end: int, block: bytes, *, last: bool) -> MboxMessage:
    nl = block.find(b"\n")
    envelope, raw = (block[: nl + 1], block[nl + 1 :]) if nl >= 0 else (block, b"")
    if raw.endswith(b"\r\n\r\n"):
        raw = raw[:-2]  # the empty line before the next "From " is not message text
    elif raw.endswith(b"\n\n"):
        raw = raw[:-1]
    if b">From " in raw:
        raw = _QUOTED.sub(rb"\1", raw)
    return MboxMessage(offset, end, envelope, raw, block[-_TAIL:], last)


def envelope_date(envelope: bytes) -> datetime | None:
    """The asctime date of a "From sender Mon Jan  1 00:00:00 2024" line."""
    parts = envelope.decode("latin-1").split(None, 2)
    return parse_date(parts[2]) if len(parts) == 3 else None


def count_messages(path: str | os.PathLike[str]) -> int:
    """Quick message count for ``check`` (separators only; nothing is parsed)."""
    count = 0
    tail = b""
    with open(path, "rb") as f:
        first = True
        while chunk := f.read(CHUNK):
            if first:
                count += chunk.startswith(b"From ")
                first = False
            data = tail + chunk
            count += data.count(b"\n\nFrom ") + data.count(b"\n\r\nFrom ")
            tail = data[-8:]
            count -= tail.count(b"\n\nFrom ") + tail.count(b"\n\r\nFrom ")  # counted again next
    return count


class MboxConnector(FileSource):
    """Reads one mbox file or every mbox file below a directory."""

    def files(self) -> dict[str, Path]:
        """Scope name (path relative to a directory, or the file name) -> file."""
        if self.path.is_file():
            return {safe_text(self.path.name): self.path}
        if not self.path.is_dir():
            raise ConfigError(
                [f"connectors.{self.name}.path: {self.path} is not a file or directory"]
            )
        found: dict[str, Path] = {}
        for directory, dirnames, filenames in os.walk(self.path):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for filename in sorted(filenames):
                file = Path(directory, filename)
                if not filename.startswith(".") and _looks_like_mbox(file):
                    found[safe_text(file.relative_to(self.path).as_posix())] = file
        return dict(sorted(found.items()))

    def scopes(self) -> list[str]:
        return list(self.files())

    def fetch(self, scope: str, state: ScopeState) -> Iterator[Batch]:
        path = self.files().get(scope)
        if path is None:
            raise ProtocolError(f"mbox file {scope!r} no longer exists in {self.path}")
        return self._fetch(scope, path, state)

    def _fetch(self, scope: str, path: Path, state: ScopeState) -> Iterator[Batch]:
        st = path.stat()
        old = MboxCursor.load(state.cursor)
        if old and (old.ino, old.size, old.mtime, old.offset) == (
            st.st_ino,
            st.st_size,
            st.st_mtime_ns,
            st.st_size,
        ):
            return
        start, reason = 0, _rescan_reason(path, old, st)
        if reason is None and old is not None:
            start = old.offset
        elif old is not None:
            log.info("mbox_rescan", connector=self.name, scope=scope, reason=reason)
        full = start == 0
        hot = time.time() - st.st_mtime < HOT_SECONDS
        known = state.known_remote_ids
        seen: set[str] = set()

        def batches() -> Iterator[tuple[MboxCursor | None, list[Job]]]:
            jobs: list[Job] = []
            size = 0
            position: MboxCursor | None = None
            for msg in read_messages(path, start):
                rid = f"{msg.offset}:{hashlib.sha1(msg.raw).hexdigest()[:12]}"
                seen.add(rid)
                if msg.end > st.st_size or (msg.last and hot):
                    break  # maybe still being written; the next run reads it
                position = MboxCursor(
                    st.st_ino,
                    st.st_size,
                    st.st_mtime_ns,
                    msg.end,
                    len(msg.tail),
                    hashlib.sha1(msg.tail).hexdigest(),
                )
                if rid in known:
                    continue
                source = SourceRef(self.name, scope, rid)
                jobs.append(Job(source, raw=msg.raw, fallback_date=envelope_date(msg.envelope)))
                size += len(msg.raw)
                if len(jobs) >= self.batch_size or size >= BATCH_MAX_BYTES:
                    yield position, jobs
                    jobs, size = [], 0
            yield position, jobs

        cursor = state.cursor
        parallel = st.st_size - start >= POOL_MIN_BYTES
        for position, entries in self._parser.run(batches(), parallel=parallel):
            new = position.dump() if position else cursor
            if entries or new != cursor:
                yield Batch(scope=scope, entries=tuple(entries), cursor=new)
                cursor = new
        if full:
            gone = gone_entries(self.name, scope, known, seen)
            for i in range(0, len(gone), self.batch_size):
                yield Batch(
                    scope=scope, entries=tuple(gone[i : i + self.batch_size]), cursor=cursor
                )

    def check(self) -> CheckResult:
        try:
            files = self.files()
            count = sum(count_messages(p) for p in files.values())
            size = sum(p.stat().st_size for p in files.values())
        except (ConfigError, OSError) as exc:
            return CheckResult(ok=False, scopes=(), detail=str(exc))
        if not files:
            return CheckResult(False, (), f"no mbox files under {self.path}", 0, 0)
        detail = f"{len(files)} mbox files, {count} messages, {size} bytes"
        return CheckResult(True, tuple(files), detail, count, size)


def _rescan_reason(path: Path, old: MboxCursor | None, st: os.stat_result) -> str | None:
    if old is None:
        return "no cursor"
    if old.ino != st.st_ino:
        return "file replaced"
    if st.st_size < old.offset:
        return "file shrank"
    try:
        with open(path, "rb") as f:
            f.seek(old.offset - old.tail_len)
            tail = f.read(old.tail_len)
    except OSError:
        return "file unreadable"
    if hashlib.sha1(tail).hexdigest() != old.tail:
        return "file rewritten"
    return None


def _looks_like_mbox(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(5)
    except OSError:
        return False
    return head == b"From " or (not head and path.suffix.lower() == ".mbox")
