"""The tables of template packs and saved views (migration ``0003_packs_views``).

- ``rb_pack``: one installed pack — its id, the installed version, names, the apps (menu groups
  with their Chinese labels) and the manifest as installed (for the catalogue's "installed"
  column and for previews). ``status`` is ``installed`` or ``uninstalled`` (its types in the trash).
- ``rb_pack_item``: one thing a pack installed — a record type, a field, a choice of a select
  field, a rule, a saved view, or a sample record — with the id of the object it became and two
  fingerprints: of the pack's definition (to see whether a newer pack changed it) and of the
  object as installed (to see whether the user changed it since). An item whose object is gone
  was deleted by the user and is never recreated.
- ``rb_view``: a saved view of a record type: a filter (the filter language), a sort, the
  columns shown; bilingual name. Packs ship them; users make their own.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..models import Base, utcnow


class Pack(Base):
    __tablename__ = "rb_pack"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pack_id: Mapped[str] = mapped_column(String(63), unique=True)
    version: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    name_zh: Mapped[Optional[str]] = mapped_column(String(255))
    description: Mapped[Optional[str]] = mapped_column(Text)
    #: installed | uninstalled
    status: Mapped[str] = mapped_column(String(16), default="installed")
    #: [{"name", "label", "label_zh"}]: the menu groups the pack's types appear under
    apps: Mapped[Optional[list]] = mapped_column(JSON)
    #: the pack.json as last installed (without sample data)
    manifest: Mapped[Optional[dict]] = mapped_column(JSON)
    installed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    installed_by: Mapped[Optional[int]] = mapped_column(Integer)

    items: Mapped[list["PackItem"]] = relationship(back_populates="pack", cascade="all, delete-orphan",
                                                   order_by="PackItem.id")


class PackItem(Base):
    __tablename__ = "rb_pack_item"
    __table_args__ = (UniqueConstraint("pack_id", "kind", "key", name="uq_rb_pack_item_kind_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("rb_pack.id", ondelete="CASCADE"), index=True)
    #: type | field | choice | rule | view | record
    kind: Mapped[str] = mapped_column(String(16))
    #: the item's key in the pack: 'supplier', 'supplier.status', 'supplier.status:approved',
    #: a rule's or view's key, 'supplier:<sample key>'
    key: Mapped[str] = mapped_column(String(255))
    #: the id of what it became (type, field, rule, view or record id)
    object_id: Mapped[Optional[int]] = mapped_column(Integer)
    #: fingerprint of the pack's definition of the item
    pack_hash: Mapped[Optional[str]] = mapped_column(String(64))
    #: fingerprint of the object as the pack left it
    state_hash: Mapped[Optional[str]] = mapped_column(String(64))
    version: Mapped[Optional[str]] = mapped_column(String(32))
    installed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    pack: Mapped[Pack] = relationship(back_populates="items")


class SavedView(Base):
    """A view (migration ``0014_view_kinds`` added its kind, options and owner): names are unique per type
    among the shared views and among each user's personal ones (checked by ``ViewService``)."""

    __tablename__ = "rb_view"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type_name: Mapped[str] = mapped_column(String(63), index=True)
    name: Mapped[str] = mapped_column(String(255))
    name_zh: Mapped[Optional[str]] = mapped_column(String(255))
    description: Mapped[Optional[str]] = mapped_column(Text)
    filter: Mapped[Optional[Any]] = mapped_column(JSON)
    #: '-end_date,name' (the API's sort syntax)
    sort: Mapped[Optional[str]] = mapped_column(String(500))
    #: field API names shown, in order (empty: the type's list columns)
    columns: Mapped[Optional[list]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[Optional[int]] = mapped_column(Integer)
    #: grid | board | calendar | gallery (``recordbase.views.kinds``)
    kind: Mapped[str] = mapped_column(String(16), default="grid", server_default="grid")
    #: the kind's options (JSON-schema validated per kind)
    options: Mapped[Optional[dict]] = mapped_column(JSON)
    #: the user a personal view belongs to (None: a shared view)
    owner_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)
