"""The connector port: what every protocol adapter yields.

A connector reads one source (a Maildir, an IMAP account, a calendar) and
yields *batches*: normalised, frozen items plus the opaque cursor that is
valid once those items are stored. The runtime commits a batch's items and
its cursor in one transaction, so a crash between batches replays at most one
batch, and identity-based dedupe keys make the replay harmless.

Connectors never touch the database; what they need to know about the store
(the remote ids already stored for a scope) is handed to them as plain data.

Items cross process boundaries (parser and IMAP reader processes) by the
hundred thousand, so they pickle as their class and field values
(``_pickled_by_values``): a frozen slotted dataclass otherwise pickles its
state as a dict and restores it field by field through ``dataclasses.fields``,
which made unpickling cost more than parsing headers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence, Set
from dataclasses import dataclass, field, fields, make_dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

T = TypeVar("T")


_TWINS: dict[type, Any] = {}


def _rebuild(cls: type[T], values: tuple[Any, ...]) -> T:
    obj = _TWINS[cls](*values)
    if obj.__class__ is not cls:
        obj.__class__ = cls
    return obj


def _pickled_by_values(cls: type[T]) -> type[T]:
    """Pickle instances as their field values; rebuilt through a mutable twin class.

    The twin is a plain slotted class with the same slot layout, so its
    ``__init__`` stores fields directly; the object is then re-tagged as
    ``cls`` (CPython allows it between layout-compatible classes). A frozen
    dataclass's own ``__init__`` pays an ``object.__setattr__`` call per field.
    """
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    get = attrgetter(*names)
    one = len(names) == 1
    _TWINS[cls] = make_dataclass(f"_{cls.__name__}Twin", names, slots=True, eq=False, repr=False)
    probe = tuple(f"{n}-probe" for n in names)
    try:
        if _rebuild(cls, probe) != cls(*probe):  # pragma: no cover - layout drift
            raise TypeError("twin differs")
    except TypeError:  # pragma: no cover - not CPython, or an incompatible layout
        _TWINS[cls] = cls

    def __reduce__(self: Any) -> tuple[Any, tuple[Any, ...]]:
        return _rebuild, (cls, (get(self),) if one else get(self))

    cls.__reduce__ = __reduce__  # type: ignore[method-assign]
    return cls


Role = Literal["from", "sender", "reply_to", "to", "cc", "bcc", "organizer", "attendee"]
Visibility = Literal["metadata", "subject", "full"]


@_pickled_by_values
@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where an item was seen: connector name, scope (folder/calendar), remote id."""

    connector: str
    scope: str
    remote_id: str


@_pickled_by_values
@dataclass(frozen=True, slots=True)
class Participant:
    """One address on an item. ``address`` is lower-cased addr-spec; may be ''."""

    address: str
    name: str | None
    role: Role
    response: str | None = None  # iCalendar PARTSTAT for meetings


@_pickled_by_values
@dataclass(frozen=True, slots=True)
class Attachment:
    """Attachment metadata only; syncd never stores attachment bodies."""

    name: str | None
    content_type: str
    size: int
    sha256: str | None


@_pickled_by_values
@dataclass(frozen=True, slots=True)
class MailItem:
    """A normalised email message."""

    source: SourceRef
    dedupe_key: str
    message_id: str | None
    subject: str | None
    body_text: str | None
    occurred_at: datetime  # UTC, timezone-aware
    participants: tuple[Participant, ...]
    thread_key: str | None
    attachments: tuple[Attachment, ...] = ()
    list_id: str | None = None
    precedence: str | None = None
    auto_submitted: str | None = None
    size: int = 0
    raw: bytes | None = field(default=None, repr=False, compare=False)

    kind: Literal["email"] = "email"


@_pickled_by_values
@dataclass(frozen=True, slots=True)
class MeetingItem:
    """A normalised calendar event occurrence (one per UID + RECURRENCE-ID)."""

    source: SourceRef
    dedupe_key: str
    uid: str
    recurrence_id: str | None  # UTC ISO string of the occurrence, None for single events
    subject: str | None
    body_text: str | None
    location: str | None
    occurred_at: datetime  # start, UTC
    ends_at: datetime | None  # UTC
    all_day: bool
    tzid: str | None  # original zone, kept for display
    status: str | None  # "cancelled", "tentative", "confirmed" or None
    participants: tuple[Participant, ...]
    sequence: int = 0
    private: bool = False  # CLASS:PRIVATE/CONFIDENTIAL: metadata only
    raw: bytes | None = field(default=None, repr=False, compare=False)

    kind: Literal["meeting"] = "meeting"


@_pickled_by_values
@dataclass(frozen=True, slots=True)
class Quarantined:
    """Something that could not be read: kept raw, with the reason."""

    source: SourceRef
    reason: str
    raw: bytes = field(repr=False)


@_pickled_by_values
@dataclass(frozen=True, slots=True)
class Gone:
    """The remote id no longer exists at the source (server confirmed)."""

    source: SourceRef


Item = MailItem | MeetingItem
Entry = MailItem | MeetingItem | Quarantined | Gone


@dataclass(frozen=True, slots=True)
class Batch:
    """Entries of one scope and the cursor that holds once they are stored."""

    scope: str
    entries: tuple[Entry, ...]
    cursor: str | None
    total_hint: int | None = None  # items expected in this scope, for progress
    keep_cursor: bool = False  # a gap fill (verify): store entries, leave the cursor alone


@dataclass(frozen=True, slots=True)
class ScopeState:
    """What the store knows about one scope, handed to ``fetch``."""

    cursor: str | None
    known_remote_ids: Set[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Outcome of ``syncd connectors test``."""

    ok: bool
    scopes: tuple[str, ...]
    detail: str
    preview_items: int | None = None
    preview_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class RemoteMessage:
    """One message as the server lists it, for gap checks (``syncd verify``)."""

    remote_id: str
    message_id: str | None


@runtime_checkable
class Connector(Protocol):
    """One configured source of mail or meetings."""

    name: str

    def scopes(self) -> list[str]:
        """The folders/calendars this connector syncs."""
        ...

    def fetch(self, scope: str, state: ScopeState) -> Iterator[Batch]:
        """Yield batches of new or changed entries since ``state.cursor``."""
        ...

    def check(self) -> CheckResult:
        """Connect, list scopes, preview what a first sync would read."""
        ...


@runtime_checkable
class Watchable(Protocol):
    """A connector that can wait for the server to push changes (IMAP IDLE)."""

    def wait_for_changes(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds; True when something changed."""
        ...

    def close(self) -> None:
        """Drop the push connection."""
        ...


@runtime_checkable
class Verifiable(Protocol):
    """A connector that can list what the server holds and fetch given ids."""

    def list_remote(self, scope: str, since: datetime | None) -> list[RemoteMessage]:
        """Every message in ``scope`` (within the window when ``since`` is set)."""
        ...

    def fetch_ids(self, scope: str, remote_ids: Sequence[str]) -> Iterator[Batch]:
        """Fetch exactly these ids; batches carry ``keep_cursor=True``."""
        ...
