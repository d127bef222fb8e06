"""The instance settings table (migrated by ``migrations/versions/0012_instance_settings.py``).

One row per setting (``timezone``, ``language``, ``currency``): a missing row is the default,
so a new setting needs no migration. Read through :mod:`recordbase.settings.service`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..models import Base, utcnow


class InstanceSetting(Base):
    __tablename__ = "rb_instance_setting"

    key: Mapped[str] = mapped_column(String(63), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[Optional[int]] = mapped_column(Integer)
