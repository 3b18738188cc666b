"""The shared CRM database schema (SQLAlchemy 2 typed ORM).

Two halves live here: the CRM records (companies, contacts, users, internal
domains) that the CRM itself may edit directly, and the timeline that syncd
writes (communications with participants, links, sources, attachments), plus
sync state (connectors, cursors) and quarantine.

Free text from outside (names, reasons, locations, iCalendar values,
attachment names) is ``Text``. Columns that keep a length are keys (unique or
indexed) or values syncd makes itself; what comes from outside goes into a
key through :mod:`syncd.store.bounded`, which shortens it without merging
distinct values.

Exactly-once rests on ``communications.dedupe_key`` (unique) and
``sources (connector_id, scope, remote_id)`` (unique): the same message seen
in a second mailbox adds a source row, never a second communication.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


NOW = text("CURRENT_TIMESTAMP")  # the database's clock, for rows the CRM inserts itself


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# --- CRM records -----------------------------------------------------------


class Company(Base):
    __tablename__ = "companies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    registration_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    website: Mapped[str | None] = mapped_column(Text)
    # server defaults: the CRM may insert rows in plain SQL (migration 0006)
    auto_created: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    auto_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=NOW)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=NOW
    )
    domains: Mapped[list[CompanyDomain]] = relationship(
        back_populates="company", cascade="all, delete-orphan"
    )


class CompanyDomain(Base):
    __tablename__ = "company_domains"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(255), unique=True)  # bounded.COMPANY_DOMAIN
    company: Mapped[Company] = relationship(back_populates="domains")


class Contact(Base):
    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    position: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    # server defaults: the CRM may insert rows in plain SQL (migration 0006)
    auto_created: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    auto_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=NOW)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=NOW
    )
    emails: Mapped[list[ContactEmail]] = relationship(
        back_populates="contact", cascade="all, delete-orphan"
    )


class ContactEmail(Base):
    __tablename__ = "contact_emails"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), unique=True)  # bounded.CONTACT_EMAIL
    contact: Mapped[Contact] = relationship(back_populates="emails")


class CrmUser(Base):
    """A sales person who owns mailboxes and calendars."""

    __tablename__ = "crm_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(String(320), unique=True)


class InternalDomain(Base):
    """The organisation's own domains: people there are users, not customers."""

    __tablename__ = "internal_domains"
    domain: Mapped[str] = mapped_column(String(255), primary_key=True)


# --- sync state ------------------------------------------------------------


class ConnectorRow(Base):
    __tablename__ = "connectors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(30), default="idle")
    config_hash: Mapped[str | None] = mapped_column(String(64))
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    items_seen: Mapped[int] = mapped_column(BigInteger, default=0)
    # Work split between daemons sharing one database: a short renewable lease.
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_verify_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_verify: Mapped[str | None] = mapped_column(Text)  # JSON summary per scope
    cursors: Mapped[list[SyncCursor]] = relationship(cascade="all, delete-orphan")


class SyncCursor(Base):
    """One cursor per connector scope (folder or calendar)."""

    __tablename__ = "sync_cursors"
    __table_args__ = (UniqueConstraint("connector_id", "scope"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connector_id: Mapped[int] = mapped_column(ForeignKey("connectors.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(500))  # bounded.SCOPE
    value: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Progress of the running (or last) pass over the scope, for `syncd status`.
    progress_done: Mapped[int | None] = mapped_column(Integer)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# --- timeline --------------------------------------------------------------


class Communication(Base):
    __tablename__ = "communications"
    __table_args__ = (Index("ix_communications_occurred_at", "occurred_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # email, meeting, call, note
    dedupe_key: Mapped[str] = mapped_column(String(600), unique=True)  # bounded.DEDUPE_KEY
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)  # bounded.HEADER_KEY
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(10), default="metadata")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    tzid: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)
    direction: Mapped[str] = mapped_column(String(10))  # inbound, outbound, internal
    thread_key: Mapped[str | None] = mapped_column(String(998), index=True)  # bounded.HEADER_KEY
    status: Mapped[str | None] = mapped_column(Text)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str | None] = mapped_column(Text)  # notes: the author
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ParticipantRow(Base):
    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("communication_id", "role", "address"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    communication_id: Mapped[int] = mapped_column(
        ForeignKey("communications.id", ondelete="CASCADE")
    )
    role: Mapped[str] = mapped_column(String(12))
    address: Mapped[str] = mapped_column(String(320), index=True)  # bounded.fit_address
    name: Mapped[str | None] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)


class Link(Base):
    """A communication on a company's or contact's timeline, with its reason.

    ``manual`` links are made by a person and survive re-linking; a manual
    unlink is kept as a tombstone (``unlinked``) so re-linking never brings it
    back.
    """

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("communication_id", "company_id", "contact_id"),
        Index("ix_links_company", "company_id"),
        Index("ix_links_contact", "contact_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    communication_id: Mapped[int] = mapped_column(
        ForeignKey("communications.id", ondelete="CASCADE")
    )
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(40))
    explanation: Mapped[str | None] = mapped_column(Text)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    unlinked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Source(Base):
    """Where a communication was seen; ``gone_at`` once the source lost it."""

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("connector_id", "scope", "remote_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    communication_id: Mapped[int] = mapped_column(
        ForeignKey("communications.id", ondelete="CASCADE"), index=True
    )
    connector_id: Mapped[int] = mapped_column(ForeignKey("connectors.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(500))  # bounded.SCOPE
    remote_id: Mapped[str] = mapped_column(String(500))  # bounded.REMOTE_ID
    remote_id_full: Mapped[str | None] = mapped_column(Text)  # when remote_id is shortened
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    gone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AttachmentRow(Base):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    communication_id: Mapped[int] = mapped_column(
        ForeignKey("communications.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))


class QuarantineRow(Base):
    """Anything that could not be parsed, raw bytes kept so nothing is lost."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("connector_id", "scope", "remote_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connector_id: Mapped[int] = mapped_column(ForeignKey("connectors.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(500))  # bounded.SCOPE
    remote_id: Mapped[str] = mapped_column(String(500))  # bounded.REMOTE_ID
    remote_id_full: Mapped[str | None] = mapped_column(Text)  # when remote_id is shortened
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IgnoredItem(Base):
    """A remote item seen and deliberately not logged (noise, internal-only).

    Remembering it lets rescans skip it cheaply and lets ``syncd verify`` tell
    a real gap from mail that policy dropped.
    """

    __tablename__ = "ignored_items"
    __table_args__ = (UniqueConstraint("connector_id", "scope", "remote_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connector_id: Mapped[int] = mapped_column(ForeignKey("connectors.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(500))  # bounded.SCOPE
    remote_id: Mapped[str] = mapped_column(String(500))  # bounded.REMOTE_ID
    remote_id_full: Mapped[str | None] = mapped_column(Text)  # when remote_id is shortened
    dedupe_key: Mapped[str] = mapped_column(String(600))  # bounded.DEDUPE_KEY
    reason: Mapped[str] = mapped_column(String(200))  # cut at 200 (scope_writes)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
