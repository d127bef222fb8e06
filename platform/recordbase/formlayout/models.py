"""The form layout table (migrated by ``migrations/versions/0011_form_layouts.py``): one row per record
type holding its layout document (:mod:`recordbase.formlayout.document`)."""
from __future__ import annotations

from datetime import datetime
from sqlalchemy import JSON, DateTime, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ..models import Base, utcnow


class FormLayoutModel(Base):
    __tablename__ = "rb_form_layout"

    #: the record type's id (no foreign key: a purged type's row is simply never read again)
    type_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    document: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
