"""IMAP connector (imapclient): folders, cursors, push (IDLE), verify and dropbox mode.

Modules, by responsibility: ``session`` (one connection, TLS, login, error
translation), ``oauth`` (XOAUTH2/OAUTHBEARER tokens), ``link`` (reconnect and
retry), ``folders`` (which folders to sync), ``cursor`` (per-folder sync
state), ``sync`` (the folder state machine), ``structure`` and ``fetch``
(reading messages), ``idle`` (push), ``dropbox`` and ``forwarded`` (the
shared dropbox mailbox), ``connector`` (the port implementation).
"""

from __future__ import annotations

from .connector import ImapConnector
from .dropbox import dropbox_entry
from .errors import CertificateError
from .folders import Folder, choose_folders
from .link import RetryPolicy
from .oauth import OAuth2Settings

__all__ = [
    "CertificateError",
    "Folder",
    "ImapConnector",
    "OAuth2Settings",
    "RetryPolicy",
    "choose_folders",
    "dropbox_entry",
]
