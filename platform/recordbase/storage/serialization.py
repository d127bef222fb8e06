"""Reading records out of rows and into JSON: per-type plans, built once per schema snapshot.

``RecordStore._records`` and ``RecordStore.to_json`` used to walk every field of
the type for every row and ask its field type what to do (``has_own_column``,
``system_column``, ``from_db``, ``to_json``), which dominated a 50-row API page.
The answers depend only on the (immutable) :class:`~recordbase.metamodel.runtime.TypeDef`,
so they are worked out once and kept on the snapshot itself (``TypeDef.memo``):
a new schema version brings new TypeDefs and so new plans, and a policy's
view of a type with hidden fields (a distinct TypeDef) gets its own JSON plan.
Identity conversions (the base ``FieldType.from_db`` / ``to_json``) are skipped.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

from sqlalchemy import select

from ..metamodel.fieldtypes.base import FieldDef, FieldType
from ..metamodel.runtime import TypeDef, has_own_column, is_many_link

if TYPE_CHECKING:
    from .record_store import Record, RecordStore

USER_FIELD_TYPES = frozenset({"user", "created_by", "updated_by"})
_BASE_FROM_DB = FieldType.from_db
_BASE_TO_JSON = FieldType.to_json


class ReadPlan:
    """How rows of one type become :class:`Record` values."""

    def __init__(self, typedef: TypeDef):
        #: (API name, row key, from_db or None when the value is stored as read, field)
        self.columns: list[tuple[str, str, Optional[Callable], FieldDef]] = []
        for f in typedef.fields:
            ft = f.ftype
            if ft.system_column:
                self.columns.append((f.name, ft.system_column, None, f))
            elif has_own_column(f):
                conv = None if type(ft).from_db is _BASE_FROM_DB else ft.from_db
                self.columns.append((f.name, f.column_name, conv, f))
        self.many_links = tuple(f for f in typedef.fields if is_many_link(f))
        self._layouts: dict[tuple, list] = {}

    def layout(self, keys: tuple) -> list[tuple[str, int, Optional[Callable], FieldDef]]:
        """The columns as positions in rows with these keys (a statement's result columns)."""
        found = self._layouts.get(keys)
        if found is None:
            pos = {k: i for i, k in enumerate(keys)}
            found = [(name, pos[key], conv, f) for name, key, conv, f in self.columns]
            self._layouts[keys] = found
        return found


class JsonPlan:
    """How a :class:`Record` of one (visible) type becomes its API JSON ``fields`` object."""

    def __init__(self, typedef: TypeDef):
        #: (API name, to_json or None when the value is its own JSON, field)
        self.fields: list[tuple[str, Optional[Callable], FieldDef]] = [
            (f.name, None if type(f.ftype).to_json is _BASE_TO_JSON else f.ftype.to_json, f)
            for f in typedef.fields]
        self.user_fields = tuple(f.name for f in typedef.fields if f.field_type in USER_FIELD_TYPES)
        self._selected: dict[frozenset, list] = {}

    def selected(self, wanted: Optional[Iterable[str]]) -> list[tuple[str, Optional[Callable], FieldDef]]:
        """The fields to output for a ``fields=a,b`` selection (all when None or empty)."""
        if not wanted:
            return self.fields
        key = frozenset(wanted)
        found = self._selected.get(key)
        if found is None:
            found = [item for item in self.fields if item[0] in key]
            if len(self._selected) < 64:  # selections come from query strings: bound the memo
                self._selected[key] = found
        return found


def read_plan(typedef: TypeDef) -> ReadPlan:
    return typedef.memo("read_plan", ReadPlan)


def json_plan(typedef: TypeDef) -> JsonPlan:
    return typedef.memo("json_plan", JsonPlan)


def records_from_rows(store: "RecordStore", typedef: TypeDef, rows: list) -> list["Record"]:
    """Rows of ``select(typedef.table)`` (any statement whose result has the table's columns) as Records."""
    from .record_store import Record

    if not rows:
        return []
    plan = read_plan(typedef)
    keys = tuple(rows[0]._fields)
    layout = plan.layout(keys)
    pos = {k: i for i, k in enumerate(keys)}
    i_id, i_ver, i_ca, i_ua = pos["id"], pos["version"], pos["created_at"], pos["updated_at"]
    i_cb, i_ub, i_da = pos["created_by"], pos["updated_by"], pos["deleted_at"]
    name = typedef.name
    out = []
    for row in rows:
        values = {}
        for fname, i, conv, f in layout:
            v = row[i]
            values[fname] = v if conv is None else conv(v, f)
        out.append(Record(name, row[i_id], row[i_ver], row[i_ca], row[i_ua], row[i_cb], row[i_ub], row[i_da],
                          values))
    if plan.many_links:
        ids = [r.id for r in out]
        for f in plan.many_links:
            links: dict[int, list[int]] = {i: [] for i in ids}
            j = typedef.junctions[f.name]
            for sid, tid in store.session.execute(select(j.c.source_id, j.c.target_id)
                                                  .where(j.c.source_id.in_(ids))
                                                  .order_by(j.c.source_id, j.c.position)):
                links[sid].append(tid)
            for r in out:
                r.values[f.name] = links[r.id]
    return out


def iso(dt: Optional[datetime]) -> Optional[str]:
    """A stored (naive UTC) datetime as ISO 8601 with its offset, as the API shows it."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        return dt.isoformat() + "+00:00"
    return dt.replace(tzinfo=timezone.utc).isoformat()


def records_json(store: "RecordStore", typedef: TypeDef, records: list["Record"],
                 fields: Optional[Iterable[str]] = None) -> list[dict]:
    """The API JSON of records of ``typedef`` as the store's user sees it (``typedef`` already visible).

    Users' e-mails are fetched once for the whole list."""
    plan = json_plan(typedef)
    selected = plan.selected(fields)
    user_fields = plan.user_fields
    ids: set = set()
    for r in records:
        ids.add(r.created_by)
        ids.add(r.updated_by)
        for n in user_fields:
            ids.add(r.values.get(n))
    store.prefetch_users(ids)
    emails = store._emails
    ctx = store.ctx
    stamps: dict = {}  # datetime -> ISO text: records written together (and never since) share their times
    out = []
    for r in records:
        values = r.values
        body_fields = {}
        for name, conv, f in selected:
            v = values.get(name)
            body_fields[name] = v if conv is None else conv(v, f, ctx)
        cb, ub, ca, ua = r.created_by, r.updated_by, r.created_at, r.updated_at
        ca_text = stamps.get(ca)
        if ca_text is None:
            ca_text = stamps[ca] = iso(ca)
        ua_text = stamps.get(ua)
        if ua_text is None:
            ua_text = stamps[ua] = iso(ua)
        body = {"id": r.id, "version": r.version, "created_at": ca_text, "updated_at": ua_text,
                "created_by": emails.get(cb) if cb else None, "updated_by": emails.get(ub) if ub else None,
                "fields": body_fields}
        if r.deleted_at is not None:
            body["deleted_at"] = iso(r.deleted_at)
        out.append(body)
    return out
