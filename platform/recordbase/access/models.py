"""Tables of access control: roles and role assignments, record history, the audit log,
throttling counters, public forms and one-time links (invitations, password resets).

Migrated by ``migrations/versions/0004_access.py``. Every datetime is naive UTC
(:func:`recordbase.models.utcnow`), as in the rest of the platform.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..models import Base, utcnow


class Role(Base):
    """A role: built-in (owner, builder, editor, viewer) or custom, with per-type permissions.

    ``permissions`` is design §10's object: record type API name (or ``"*"``, every type)
    -> ``{"actions": [...], "rows": <filter>, "hidden_fields": [...], "readonly_fields": [...]}``.
    """

    __tablename__ = "rb_role"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    label: Mapped[str] = mapped_column(String(255))
    label_zh: Mapped[Optional[str]] = mapped_column(String(255))
    description: Mapped[Optional[str]] = mapped_column(Text)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    permissions: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class UserRole(Base):
    """A user holds a role (a user may hold several: their rights add up)."""

    __tablename__ = "rb_user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("rb_user.id", ondelete="CASCADE"), primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("rb_role.id", ondelete="CASCADE"), primary_key=True, index=True)


class RecordHistory(Base):
    """One create, update, delete or restore of a record, with each changed field's old and new value.

    Values are stored as the API shows them (JSON shapes of design §7). ``type_id`` is the
    record type's id (record ids are per type table); ``actor`` names a writer without an
    account (a public form).
    """

    __tablename__ = "rb_record_history"
    __table_args__ = (Index("ix_rb_record_history_record", "type_id", "record_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type_id: Mapped[int] = mapped_column(Integer)
    type_name: Mapped[str] = mapped_column(String(63))
    record_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[Optional[int]] = mapped_column(Integer)
    actor: Mapped[Optional[str]] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)


class AuditEvent(Base):
    """Schema changes (types, fields, rules, packs), sign-ins and account administration."""

    __tablename__ = "rb_audit_event"
    __table_args__ = (Index("ix_rb_audit_event_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)
    user_email: Mapped[Optional[str]] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(63))
    target_kind: Mapped[Optional[str]] = mapped_column(String(32))
    target: Mapped[Optional[str]] = mapped_column(String(255))
    address: Mapped[Optional[str]] = mapped_column(String(64))
    details: Mapped[Any] = mapped_column(JSON, nullable=True)


class Throttle(Base):
    """A counter of failures (sign-ins) or uses (public form submissions) per key, per time window."""

    __tablename__ = "rb_throttle"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    locked_until: Mapped[Optional[datetime]] = mapped_column(DateTime)


class PublicForm(Base):
    """A record type's form for people without an account, at ``/f/<token>``."""

    __tablename__ = "rb_public_form"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    type_name: Mapped[str] = mapped_column(String(63), index=True)
    title: Mapped[str] = mapped_column(String(255))
    title_zh: Mapped[Optional[str]] = mapped_column(String(255))
    description: Mapped[Optional[str]] = mapped_column(Text)
    description_zh: Mapped[Optional[str]] = mapped_column(Text)
    fields: Mapped[list] = mapped_column(JSON, default=list)
    thank_you: Mapped[Optional[str]] = mapped_column(Text)
    thank_you_zh: Mapped[Optional[str]] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    submissions: Mapped[int] = mapped_column(Integer, default=0)
    #: the admin form builder's settings (recordbase.publicforms.settings; migration 0017)
    settings: Mapped[Optional[dict]] = mapped_column(JSON, nullable=True)
    created_by: Mapped[Optional[int]] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class UserLink(Base):
    """A one-time link for a user: an invitation or a password reset (only a digest is stored)."""

    __tablename__ = "rb_user_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("rb_user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
