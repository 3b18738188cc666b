"""Maildir connector: one scope per folder (Maildir++ ".Sub.Folder" or nested dirs).

The remote id is the unique part of the file name (before ":2,"), so a flag
change (a rename) keeps the id. Folder names written in IMAP modified UTF-7
(RFC 3501 5.1.3, e.g. ".Odoslan&AOk-") are shown decoded. The root folder
is "INBOX"; ``new/`` is listed before ``cur/`` so that a message a mail
client moves between them during the scan is seen at least once.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import structlog

from connectors.base import Batch, CheckResult, ScopeState
from syncd.errors import ConfigError, ProtocolError

from ._base import FileSource
from ._dirscan import FileEntry, Listing, dir_mtime, fetch_files, file_entry, safe_text
from ._parsing import maildir_unique

log = structlog.get_logger()

_SUBDIRS = ("new", "cur")
_MAX_DEPTH = 12


class MaildirConnector(FileSource):
    """Reads a Maildir tree; see the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._folders: dict[str, Path] = {}

    def folders(self) -> dict[str, Path]:
        """Scope name -> folder directory."""
        if not self.path.is_dir():
            raise ConfigError([f"connectors.{self.name}.path: {self.path} is not a directory"])
        found: dict[str, Path] = {}
        if _is_maildir(self.path):
            found["INBOX"] = self.path
        stack = [(self.path, 0)]
        while stack:
            directory, depth = stack.pop()
            try:
                children = sorted(
                    e.path for e in os.scandir(directory) if e.is_dir() and e.name not in _RESERVED
                )
            except OSError as exc:
                log.warning("maildir_unreadable", connector=self.name, error=exc.strerror)
                continue
            for child in map(Path, children):
                if _is_maildir(child):
                    scope = folder_name(child.relative_to(self.path).as_posix())
                    if scope in found:
                        log.warning("maildir_folder_duplicate", connector=self.name, scope=scope)
                    found.setdefault(scope, child)
                if depth < _MAX_DEPTH:
                    stack.append((child, depth + 1))
        return dict(sorted(found.items()))

    def scopes(self) -> list[str]:
        self._folders = self.folders()
        return list(self._folders)

    def fetch(self, scope: str, state: ScopeState) -> Iterator[Batch]:
        folder = self._folders.get(scope) or self.folders().get(scope)
        if folder is None:
            raise ProtocolError(f"Maildir folder {scope!r} no longer exists in {self.path}")
        return fetch_files(
            connector=self.name,
            scope=scope,
            kind="maildir",
            state=state,
            list_files=lambda: list_folder(folder),
            parser=self._parser,
            batch_size=self.batch_size,
            maildir=True,
        )

    def check(self) -> CheckResult:
        try:
            folders = self.folders()
            files = [f for folder in folders.values() for f in list_folder(folder).files]
        except (ConfigError, OSError) as exc:
            return CheckResult(ok=False, scopes=(), detail=str(exc))
        if not folders:
            return CheckResult(False, (), f"no Maildir folders (cur/, new/) under {self.path}")
        size = sum(f.size for f in files)
        detail = f"{len(folders)} folders, {len(files)} messages, {size} bytes"
        return CheckResult(True, tuple(folders), detail, len(files), size)


_RESERVED = frozenset(("cur", "new", "tmp"))


def _is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() or (path / "new").is_dir()


def list_folder(folder: Path) -> Listing:
    """Files in new/ then cur/; dot files skipped; one entry per unique name."""
    by_id: dict[str, FileEntry] = {}
    dirs: dict[str, int] = {}
    for sub in _SUBDIRS:
        directory = str(folder / sub)
        mtime = dir_mtime(directory)
        if mtime is None:
            continue
        dirs[directory] = mtime
        try:
            with os.scandir(directory) as it:
                for entry in it:
                    if entry.name.startswith("."):
                        continue
                    found = file_entry(safe_text(maildir_unique(entry.name)), entry)
                    if found is None:
                        continue
                    seen = by_id.get(found.remote_id)
                    if seen is None or found.ctime_ns > seen.ctime_ns:
                        by_id[found.remote_id] = found
        except FileNotFoundError:
            continue
    return Listing(list(by_id.values()), dirs)


def folder_name(relative: str) -> str:
    """Maildir++ ".Sent.2024" -> "Sent.2024"; modified UTF-7 decoded per RFC 3501."""
    if relative.startswith(".") and "/" not in relative:
        relative = relative[1:]
    return safe_text(decode_modified_utf7(relative))


def decode_modified_utf7(name: str) -> str:
    """IMAP mailbox name encoding: "&" base64(UTF-16BE, "," for "/") "-"; "&-" is "&".

    A name that is not valid modified UTF-7 is returned unchanged.
    """
    if "&" not in name:
        return name
    out: list[str] = []
    i = 0
    while i < len(name):
        if name[i] != "&":
            out.append(name[i])
            i += 1
            continue
        end = name.find("-", i)
        if end < 0:
            return name
        chunk = name[i + 1 : end]
        if not chunk:
            out.append("&")
        else:
            data = chunk.replace(",", "/")
            try:
                out.append(
                    base64.b64decode(data + "=" * (-len(data) % 4), validate=True).decode(
                        "utf-16-be"
                    )
                )
            except (ValueError, UnicodeDecodeError):
                return name
        i = end + 1
    return "".join(out)
