"""A directory tree of ``.eml`` files (exports, scanners, archive dumps): one scope.

The scope is named after the directory; the remote id is the file's path
relative to it (POSIX separators), so renaming a file makes a new id and
dedupe keys merge the copies. The cursor is the shared ctime watermark
(``_dirscan``) with every directory's mtime for the unchanged fast path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import structlog

from connectors.base import Batch, CheckResult, ScopeState
from syncd.errors import ConfigError, ProtocolError

from ._base import FileSource
from ._dirscan import FileEntry, Listing, dir_mtime, fetch_files, file_entry, safe_text

log = structlog.get_logger()

_MAX_DEPTH = 32


class EmlDirConnector(FileSource):
    """Reads every ``*.eml`` below ``path``; see the module docstring."""

    @property
    def scope(self) -> str:
        return safe_text(self.path.resolve().name or "eml")

    def scopes(self) -> list[str]:
        if not self.path.is_dir():
            raise ConfigError([f"connectors.{self.name}.path: {self.path} is not a directory"])
        return [self.scope]

    def fetch(self, scope: str, state: ScopeState) -> Iterator[Batch]:
        if scope not in self.scopes():
            raise ProtocolError(f"unknown scope {scope!r} for {self.path}")
        return fetch_files(
            connector=self.name,
            scope=scope,
            kind="eml",
            state=state,
            list_files=lambda: list_tree(self.path),
            parser=self._parser,
            batch_size=self.batch_size,
        )

    def check(self) -> CheckResult:
        try:
            scopes = self.scopes()
            files = list_tree(self.path).files
        except (ConfigError, OSError) as exc:
            return CheckResult(ok=False, scopes=(), detail=str(exc))
        if not files:
            return CheckResult(False, tuple(scopes), f"no .eml files under {self.path}", 0, 0)
        size = sum(f.size for f in files)
        detail = f"{len(files)} .eml files, {size} bytes"
        return CheckResult(True, tuple(scopes), detail, len(files), size)


def list_tree(root: Path) -> Listing:
    """Every ``.eml`` file below ``root`` (hidden entries skipped, symlinks not followed)."""
    files: list[FileEntry] = []
    dirs: dict[str, int] = {}
    stack = [(str(root), 0)]
    while stack:
        directory, depth = stack.pop()
        mtime = dir_mtime(directory)
        if mtime is None:
            continue
        dirs[directory] = mtime
        try:
            with os.scandir(directory) as it:
                entries = list(it)
        except OSError as exc:
            log.warning("eml_dir_unreadable", error=exc.strerror)
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                if depth < _MAX_DEPTH:
                    stack.append((entry.path, depth + 1))
            elif entry.name.lower().endswith(".eml"):
                rel = Path(entry.path).relative_to(root).as_posix()
                found = file_entry(safe_text(rel), entry)
                if found is not None:
                    files.append(found)
    return Listing(files, dirs)
