"""Trash operations of the record store: delete to the trash, restore, purge for good.

A mixin of :class:`~recordbase.storage.record_store.RecordStore` (kept apart to keep one module
per concern): it uses the store's ``type``, ``get``, ``_check_unique``, ``recomputer``, ``emit``,
``session``, ``schema`` and ``user_id``. Deleting honours each incoming link's ``on_delete``
(restrict by default, or unlink); the links it takes off are remembered (``rb_trashed_link``)
and put back by a restore, on the records that still exist and whose single link has not been
set to another record since. Both show in those records' history. Purging removes the row, every link to it and that memory.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import (Column, DateTime, Integer, MetaData, Table, and_, delete, exists, func, insert,
                        select, update)

from ..access import enforce
from ..errors import Conflict, VersionConflict
from ..metamodel.runtime import TypeDef, field_def, is_many_link, junction_name, table_name
from ..models import FieldModel, TrashedLink, utcnow
from .events import RecordDeleted, RecordRestored, RecordUpdated

if TYPE_CHECKING:
    from .record_store import Record


class TrashOperations:
    @enforce.guarded
    def delete(self, type_name: str, record_id: Any, version: Optional[int] = None) -> "Record":
        """Move a record to the trash, honouring each incoming link's on_delete (restrict by default)."""
        typedef = self.type(type_name)
        record = self.get(type_name, record_id)
        if version is not None and version != record.version:
            raise VersionConflict(f"{type_name} {record.id} was changed by someone else; reload and try again",
                                  {"current_version": record.version})
        self.recomputer.before_delete(type_name, record.id)  # unlinking hides who computed over this record
        self._handle_incoming_links(typedef, record.id)
        t = typedef.table
        res = self.session.execute(update(t).where(t.c.id == record.id, t.c.version == record.version).values(
            deleted_at=utcnow(), version=record.version + 1, updated_by=self.user_id))
        if res.rowcount != 1:
            raise VersionConflict(f"{type_name} {record.id} was changed by someone else; reload and try again")
        self.recomputer.after_write(type_name, record.id, dict(record.values), dict(record.values), set(),
                                    exists_changed=True)
        self.emit(RecordDeleted(type_name, record.id, self.user_id, dict(record.values), {}))
        return record

    def _handle_incoming_links(self, typedef: TypeDef, rid: int) -> None:
        blockers = []
        for src, f in self.schema.backlinks(typedef):
            st = src.table
            if is_many_link(f):
                j = src.junctions[f.name]
                cond = and_(j.c.target_id == rid, exists(select(st.c.id).where(st.c.id == j.c.source_id,
                                                                                 st.c.deleted_at.is_(None))))
                n = self.session.scalar(select(func.count()).select_from(j).where(cond))
            else:
                col = st.c[f.column_name]
                n = self.session.scalar(select(func.count()).select_from(st).where(col == rid, st.c.deleted_at.is_(None)))
            if not n:
                continue
            if f.options.get("on_delete", "restrict") == "restrict":
                blockers.append({"type": src.name, "field": f.name, "count": n})
            elif is_many_link(f):
                j = src.junctions[f.name]
                sources = self.session.scalars(select(j.c.source_id).where(j.c.target_id == rid)).all()
                before = self._link_lists(j, sources)
                self._remember_links(typedef, rid, f, sources)
                self.session.execute(delete(j).where(j.c.target_id == rid))
                self._note_links(src, f, {sid: (ids, [i for i in ids if i != rid]) for sid, ids in before.items()})
            else:
                col = st.c[f.column_name]
                sources = self.session.scalars(select(st.c.id).where(col == rid)).all()
                self._remember_links(typedef, rid, f, sources)
                self.session.execute(update(st).where(col == rid).values(
                    {f.column_name: None, "version": st.c.version + 1, "updated_at": utcnow(), "updated_by": self.user_id}))
                self._note_links(src, f, {sid: (rid, None) for sid in sources})
        if blockers:
            where = ", ".join(f"{b['count']} {b['type']} record(s) through '{b['field']}'" for b in blockers)
            raise Conflict(f"This record is still linked from {where}; unlink them first", {"linked_from": blockers},
                           code="restricted")

    @enforce.guarded
    def restore(self, type_name: str, record_id: Any) -> "Record":
        typedef = self.type(type_name)
        record = self.get(type_name, record_id, include_deleted=True)
        if record.deleted_at is None:
            return record
        t = typedef.table
        uniques = {f.name: record.values.get(f.name) for f in typedef.fields if f.unique}
        self._check_unique(typedef, uniques, exclude_id=record.id)
        self.session.execute(update(t).where(t.c.id == record.id).values(
            deleted_at=None, version=record.version + 1, updated_at=utcnow(), updated_by=self.user_id))
        self._put_links_back(typedef, record.id)
        restored = self.get(type_name, record.id)
        if self.recomputer.after_write(type_name, record.id, {}, dict(restored.values), None, exists_changed=True):
            restored = self.get(type_name, record.id)
        if self.emit(RecordRestored(type_name, record.id, self.user_id, {}, dict(restored.values))):
            restored = self.get(type_name, record.id)
        return restored

    def _remember_links(self, typedef: TypeDef, rid: int, field: Any, sources: list) -> None:
        """Keep the links from the ``sources`` (record ids) through ``field`` to the record ``rid``
        that is going to the trash, for :meth:`_put_links_back`."""
        if sources:
            self.session.execute(insert(TrashedLink), [
                {"target_type_id": typedef.id, "target_id": rid, "field_id": field.id, "source_id": sid}
                for sid in sources])

    def _put_links_back(self, typedef: TypeDef, rid: int) -> None:
        """The links the record's trashing took off, back on the source records still there (a single
        link only where it is still empty), through link fields in the trash too (their storage
        stays); a link field deleted for good since has taken its kept links with it."""
        memo = TrashedLink.__table__
        kept = self.session.execute(select(memo.c.field_id, memo.c.source_id).where(
            memo.c.target_type_id == typedef.id, memo.c.target_id == rid)).all()
        live = {f.id: (src, f) for src, f in self.schema.backlinks(typedef)}
        for field_id, source_id in kept:
            storage = self._link_storage(typedef, field_id, live)
            if storage is None:
                continue
            st, j, f, src = storage
            if self.session.scalar(select(st.c.id).where(st.c.id == source_id)) is None:
                continue  # the record that linked is gone
            if j is not None:
                if self.session.scalar(select(j.c.source_id).where(j.c.source_id == source_id,
                                                                    j.c.target_id == rid)) is not None:
                    continue
                ids = self._link_lists(j, [source_id]).get(source_id, [])
                last = self.session.scalar(select(func.max(j.c.position)).where(j.c.source_id == source_id))
                self.session.execute(insert(j).values(source_id=source_id, target_id=rid,
                                                      position=0 if last is None else last + 1))
                if src is not None:
                    self._note_links(src, f, {source_id: (ids, ids + [rid])})
            else:
                col = st.c[f.column_name]
                done = self.session.execute(update(st).where(st.c.id == source_id, col.is_(None)).values(
                    {f.column_name: rid, "version": st.c.version + 1, "updated_at": utcnow(),
                     "updated_by": self.user_id}))
                if done.rowcount and src is not None:
                    self._note_links(src, f, {source_id: (None, rid)})
        self._forget_links(typedef, rid)

    def _link_storage(self, typedef: TypeDef, field_id: int, live: dict) -> Optional[tuple]:
        """(source table, junction or None, field, source TypeDef or None) of a link field to
        ``typedef``: a live one from the schema, a trashed one (or one of a trashed type) from its
        metadata; None when it is no such link any more."""
        if field_id in live:
            src, f = live[field_id]
            return src.table, src.junctions.get(f.name) if is_many_link(f) else None, f, src
        fm = self.session.get(FieldModel, field_id)
        if fm is None or fm.field_type != "link" or (fm.options or {}).get("target") != typedef.name:
            return None
        f = field_def(fm)
        many = is_many_link(f)
        st = Table(table_name(fm.type_id), MetaData(), Column("id", Integer, primary_key=True),
                   Column("version", Integer), Column("updated_at", DateTime), Column("updated_by", Integer),
                   *([] if many else [Column(f.column_name, Integer)]))
        j = Table(junction_name(fm.id), MetaData(), Column("source_id", Integer), Column("target_id", Integer),
                  Column("position", Integer)) if many else None
        return st, j, f, None

    def _forget_links(self, typedef: TypeDef, rid: int) -> None:
        memo = TrashedLink.__table__
        self.session.execute(delete(memo).where(memo.c.target_type_id == typedef.id, memo.c.target_id == rid))

    def _link_lists(self, j: Any, source_ids: list) -> dict[int, list[int]]:
        """Each source record's linked ids through a many-link's junction ``j``, in the link's order."""
        out: dict[int, list[int]] = {sid: [] for sid in source_ids}
        if source_ids:
            for sid, tid in self.session.execute(select(j.c.source_id, j.c.target_id).where(
                    j.c.source_id.in_(source_ids)).order_by(j.c.source_id, j.c.position)):
                out[sid].append(tid)
        return out

    def _note_links(self, src: TypeDef, field: Any, changes: dict) -> None:
        """Record (before, after) of a link field that a trashing or a restore changed on other records,
        so their history shows it. Only the history: automation rules do not see these side effects."""
        for sid, (before, after) in changes.items():
            self.events.append(RecordUpdated(src.name, sid, self.user_id, {field.name: before}, {field.name: after}))

    @enforce.guarded
    def purge(self, type_name: str, record_id: Any) -> None:
        """Delete a trashed record for good."""
        typedef = self.type(type_name)
        record = self.get(type_name, record_id, include_deleted=True)
        if record.deleted_at is None:
            raise Conflict("Move the record to the trash before deleting it for good")
        for f in typedef.fields:
            if is_many_link(f):
                j = typedef.junctions[f.name]
                self.session.execute(delete(j).where(j.c.source_id == record.id))
        for src, f in self.schema.backlinks(typedef):
            if is_many_link(f):
                j = src.junctions[f.name]
                self.session.execute(delete(j).where(j.c.target_id == record.id))
            else:
                st = src.table
                self.session.execute(update(st).where(st.c[f.column_name] == record.id).values({f.column_name: None}))
        self._forget_links(typedef, record.id)
        self.session.execute(delete(typedef.table).where(typedef.table.c.id == record.id))
