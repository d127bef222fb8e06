"""The comments table (migrated by ``migrations/versions/0017_comments_public_forms.py``).

A comment belongs to one record: ``type_id`` (record ids are per type table) and ``record_id``.
``mentions`` keeps the ids of the users the comment notified, so that an edit notifies only the
users it newly mentions. Datetimes are naive UTC, as everywhere in the platform.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..models import Base, utcnow


class Comment(Base):
    """One message of a record's conversation."""

    __tablename__ = "rb_comment"
    __table_args__ = (Index("ix_rb_comment_record", "type_id", "record_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type_id: Mapped[int] = mapped_column(Integer)
    type_name: Mapped[str] = mapped_column(String(63))
    record_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)
    body: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
