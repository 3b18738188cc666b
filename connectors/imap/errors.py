"""Library errors translated to syncd's at the IMAP boundary (``raise X from exc``).

Refused credentials -> ``AuthError`` (the connector pauses until its config
changes; RFC 5530 ``[UNAVAILABLE]`` is transient); socket errors, timeouts,
BYE, a connection lost mid-login -> ``TransientError`` (retried); NO/BAD and
unparsable answers -> ``ProtocolError``; an untrusted certificate ->
``CertificateError`` (a ``ProtocolError``: retrying will not help).
"""

from __future__ import annotations

import imaplib
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from imapclient import exceptions as imap_exc

from syncd.errors import AuthError, ProtocolError, TransientError

_BYTES_REPR = re.compile(r"""b(['"]).*?(?<!\\)\1""")


def _clean(exc: BaseException) -> str:
    """The error text without quoted server data (it may hold mail content), shortened."""
    text = _BYTES_REPR.sub("b'…'", str(exc))
    return text if len(text) <= 160 else text[:157] + "..."


class CertificateError(ProtocolError):
    """The server's TLS certificate did not verify; retrying will not help."""


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Map imapclient/imaplib/socket/ssl errors to syncd errors (``raise X from exc``)."""
    try:
        yield
    except (AuthError, TransientError, ProtocolError):
        raise
    except imap_exc.LoginError as exc:
        text = str(exc)
        cause = exc.__cause__ or exc.__context__  # imapclient re-raises a lost connection too
        if isinstance(cause, imaplib.IMAP4.abort | OSError):
            raise TransientError(f"{what}: connection lost during login: {cause}") from exc
        if "[UNAVAILABLE]" in text.upper():
            raise TransientError(f"{what}: server cannot authenticate now: {text}") from exc
        raise AuthError(f"{what}: credentials refused: {text}") from exc
    except ssl.SSLCertVerificationError as exc:
        raise CertificateError(
            f"{what}: TLS certificate not trusted: {exc.verify_message}"
        ) from exc
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLWantReadError) as exc:
        raise TransientError(f"{what}: TLS connection dropped: {exc}") from exc
    except ssl.SSLError as exc:
        raise ProtocolError(f"{what}: TLS handshake failed: {exc.reason or exc}") from exc
    except imap_exc.CapabilityError as exc:
        raise ProtocolError(f"{what}: server lacks a required capability: {exc}") from exc
    except imaplib.IMAP4.abort as exc:  # EOF, BYE, socket errors inside imaplib
        raise TransientError(f"{what}: connection lost: {_clean(exc)}") from exc
    except TimeoutError as exc:
        raise TransientError(f"{what}: timed out") from exc
    except OSError as exc:
        raise TransientError(f"{what}: network error: {exc.strerror or exc}") from exc
    except imaplib.IMAP4.error as exc:  # NO / BAD
        raise ProtocolError(f"{what}: server said: {_clean(exc)}") from exc
    except ValueError as exc:
        if "closed file" in str(exc):  # our own socket was shut down meanwhile
            raise TransientError(f"{what}: connection closed") from exc
        raise ProtocolError(f"{what}: unexpected server answer: {_clean(exc)}") from exc
    except (imap_exc.ProtocolError, IndexError, TypeError) as exc:
        raise ProtocolError(f"{what}: unexpected server answer: {_clean(exc)}") from exc
