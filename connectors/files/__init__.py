"""File connectors: Maildir trees, mbox files and directories of .eml files.

Each implements the ``Connector`` port (connectors/base.py) and parses with
``connectors.mailparse.parse_message``, in a process pool for big folders.
"""

from __future__ import annotations

from .emldir import EmlDirConnector
from .maildir import MaildirConnector, decode_modified_utf7
from .mbox import MboxConnector, read_messages

__all__ = [
    "EmlDirConnector",
    "MaildirConnector",
    "MboxConnector",
    "decode_modified_utf7",
    "read_messages",
]
