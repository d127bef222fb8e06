"""The dashboards table (migration ``0013_dashboards``).

``rb_dashboard``: one dashboard — its bilingual name, the app (menu group) whose home page it is, its
position, and its document (:mod:`.document`: the widgets, each with its kind, its options and its
width), JSON-schema validated before it is stored.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..models import Base, utcnow


class Dashboard(Base):
    __tablename__ = "rb_dashboard"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    name_zh: Mapped[Optional[str]] = mapped_column(String(255))
    #: the app (a pack's menu group) this dashboard is the home page of; None: a dashboard of its own
    app: Mapped[Optional[str]] = mapped_column(String(63), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: {"widgets": [{"kind", "title", "title_zh", "width", "type", "options"}]}
    document: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("rb_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    def display_name(self, lang: str) -> str:
        return (self.name_zh if lang.startswith("zh") and self.name_zh else None) or self.name
