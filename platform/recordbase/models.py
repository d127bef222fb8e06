"""The platform's own tables (metamodel, users, tokens), migrated by Alembic.

Record data lives elsewhere: one runtime-built table per record type
(see :mod:`recordbase.metamodel.runtime`). Nothing here holds user data.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Naive UTC now: every datetime column stores naive UTC on every backend."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def iso_utc(dt: Optional[datetime]) -> Optional[str]:
    """A stored (naive UTC) datetime as the APIs show it: ISO 8601 with its offset, ``+00:00``."""
    return None if dt is None else dt.replace(tzinfo=timezone.utc).isoformat()


class Base(DeclarativeBase):
    pass


class RecordTypeModel(Base):
    __tablename__ = "rb_record_type"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    label: Mapped[str] = mapped_column(String(255))
    label_zh: Mapped[Optional[str]] = mapped_column(String(255))
    description: Mapped[Optional[str]] = mapped_column(Text)
    description_zh: Mapped[Optional[str]] = mapped_column(Text)  # migration 0012
    app: Mapped[Optional[str]] = mapped_column(String(255))
    primary_field: Mapped[Optional[str]] = mapped_column(String(63))
    title_format: Mapped[Optional[str]] = mapped_column(String(255))  # e.g. "{kpi} · {score}" (storage/titles.py)
    #: a write that leaves a field hidden by its "show when" clears it (storage/condition_guard.py; migration 0018)
    clear_hidden_values: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[Optional[datetime]] = mapped_column(DateTime)

    fields: Mapped[list["FieldModel"]] = relationship(
        back_populates="record_type", order_by="FieldModel.position", cascade="all, delete-orphan"
    )


class FieldModel(Base):
    __tablename__ = "rb_field"
    __table_args__ = (UniqueConstraint("type_id", "name", name="uq_rb_field_type_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("rb_record_type.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(63))
    label: Mapped[str] = mapped_column(String(255))
    label_zh: Mapped[Optional[str]] = mapped_column(String(255))
    field_type: Mapped[str] = mapped_column(String(32))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    unique: Mapped[bool] = mapped_column(Boolean, default=False)
    indexed: Mapped[bool] = mapped_column(Boolean, default=False)
    default: Mapped[Any] = mapped_column(JSON, nullable=True)
    help_text: Mapped[Optional[str]] = mapped_column(Text)
    #: the help text in Chinese (migration 0020)
    help_text_zh: Mapped[Optional[str]] = mapped_column(Text)
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    section: Mapped[Optional[str]] = mapped_column(String(255))
    show_in_list: Mapped[bool] = mapped_column(Boolean, default=True)
    #: show / required / read-only when (metamodel/field_conditions.py); migration 0016
    conditions: Mapped[Optional[dict]] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deleted_at: Mapped[Optional[datetime]] = mapped_column(DateTime)

    record_type: Mapped[RecordTypeModel] = relationship(back_populates="fields")


class SchemaState(Base):
    """One row: the schema version every process compares its cache against."""

    __tablename__ = "rb_schema_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Counter(Base):
    """Per-field counters for autonumber fields (incremented under a row lock)."""

    __tablename__ = "rb_counter"

    field_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class TrashedLink(Base):
    """A link taken off its source record because its target went to the trash (``on_delete``:
    unlink), kept so that restoring the target puts it back (see :mod:`recordbase.storage.trash`)."""

    __tablename__ = "rb_trashed_link"
    __table_args__ = (Index("ix_rb_trashed_link_target", "target_type_id", "target_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_type_id: Mapped[int] = mapped_column(Integer)
    target_id: Mapped[int] = mapped_column(Integer)
    field_id: Mapped[int] = mapped_column(Integer)  # the link field (of the source's type)
    source_id: Mapped[int] = mapped_column(Integer)


class User(Base):
    __tablename__ = "rb_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    display_name: Mapped[Optional[str]] = mapped_column(String(255))
    password_hash: Mapped[Optional[str]] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(63), default="owner")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    # Flask-Admin's templates and our login helpers ask these.
    @property
    def is_authenticated(self) -> bool:
        return True


class ApiToken(Base):
    """An API token; only its SHA-256 digest is stored."""

    __tablename__ = "rb_api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("rb_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    name: Mapped[Optional[str]] = mapped_column(String(255))
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the record types the token may touch (None: every type its user may); migration 0004
    types: Mapped[Optional[list]] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(DateTime)

    user: Mapped[User] = relationship()


class UserSession(Base):
    """A signed-in browser: the session cookie carries a random session id, of which only the
    SHA-256 digest is stored here (see :mod:`recordbase.sessions`). Deleting the row ends the
    session at once, wherever its cookie was copied to. Migration 0006."""

    __tablename__ = "rb_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("rb_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Attachment(Base):
    """A stored upload. Record cells keep a list of attachment keys (see AttachmentType)."""

    __tablename__ = "rb_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    field_id: Mapped[int] = mapped_column(Integer, index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[Optional[int]] = mapped_column(Integer)
