"""What every file connector holds: name, path, visibility and its parser."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from connectors.base import Visibility

from ._parsing import Parser


class FileSource:
    """Common constructor of the Maildir, mbox and .eml connectors."""

    def __init__(
        self,
        name: str,
        path: str | os.PathLike[str],
        visibility: Visibility,
        *,
        batch_size: int = 500,
        workers: int | None = None,
        since: datetime | None = None,
        max_body_chars: int = 100_000,
    ) -> None:
        self.name = name
        self.path = Path(path)
        self.visibility: Visibility = visibility
        self.batch_size = batch_size
        self._parser = Parser(
            visibility, workers=workers, max_body_chars=max_body_chars, since=since
        )
