"""The table of finished admin imports (migrated by ``migrations/versions/0007_import_jobs.py``).

One row per upload whose import was written: inserted at the start of the import's own
transaction and committed with its records, so it exists exactly when the rows do. Its unique
``upload`` key makes a second run of the same upload impossible (a concurrent second attempt
waits on the key, then fails), and its ``report`` is what a later look at the job shows when the
status file beside the upload could not say (the process died between its commit and the file).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..models import Base, utcnow


class ImportJob(Base):
    __tablename__ = "rb_import_job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    upload: Mapped[str] = mapped_column(String(100), unique=True)  # "<user id>-<upload token>"
    user_id: Mapped[Optional[int]] = mapped_column(Integer)
    type_name: Mapped[str] = mapped_column(String(63))
    filename: Mapped[str] = mapped_column(String(255))
    report: Mapped[Optional[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
