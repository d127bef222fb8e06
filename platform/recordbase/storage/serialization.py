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

from ..metamodel.fieldtypes.base import FieldDef, FieldType, ValueContext
from ..metamodel.runtime import TypeDef, has_own_column, is_many_link
from .row_writers import Writer, row_writer

if TYPE_CHECKING:
    from .reading import Record
    from .record_store import RecordStore

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


def records_from_rows(store: "RecordStore", typedef: TypeDef, rows: list,
                      keys: Optional[tuple] = None) -> list["Record"]:
    """Rows of ``select(typedef.table)`` (any statement whose result has the table's columns) as Records;
    ``keys`` names the rows' columns (default: the rows' own ``_fields``)."""
    from .reading import Record

    if not rows:
        return []
    plan = read_plan(typedef)
    keys = keys or tuple(rows[0]._fields)
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
        for fname, links in _link_ids(store, typedef, plan.many_links, [r.id for r in out]).items():
            for r in out:
                r.values[fname] = links[r.id]
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
    stamp = _stamps(None)
    out = []
    for r in records:
        values = r.values
        body_fields = {}
        for name, conv, f in selected:
            v = values.get(name)
            body_fields[name] = v if conv is None else conv(v, f, ctx)
        out.append(record_body(r.id, r.version, stamp(r.created_at), stamp(r.updated_at), r.created_by,
                               r.updated_by, iso(r.deleted_at), body_fields, emails))
    return out


def record_body(rid: int, version: int, created_at: Optional[str], updated_at: Optional[str],
                created_by: Optional[int], updated_by: Optional[int], deleted_at: Optional[str], fields: dict,
                emails: dict) -> dict:
    """One record's API JSON around its ``fields`` object (times already ISO text, users by id)."""
    body = {"id": rid, "version": version, "created_at": created_at, "updated_at": updated_at,
            "created_by": emails.get(created_by) if created_by else None,
            "updated_by": emails.get(updated_by) if updated_by else None, "fields": fields}
    if deleted_at is not None:
        body["deleted_at"] = deleted_at
    return body


class RowJsonLayout:
    """Where each output field of a page is in the rows, and how its cell becomes JSON."""

    def __init__(self, typedef: TypeDef, keys: tuple, selected: list[tuple[str, Optional[Callable], FieldDef]]):
        pos = {k: i for i, k in enumerate(keys)}
        self.i_id, self.i_ver, self.i_ca, self.i_ua = pos["id"], pos["version"], pos["created_at"], pos["updated_at"]
        self.i_cb, self.i_ub, self.i_da = pos["created_by"], pos["updated_by"], pos["deleted_at"]
        #: (API name, row position or None, json_reader or None, field)
        self.cells: list[tuple[str, Optional[int], Optional[Callable], FieldDef]] = []
        self.links: list[FieldDef] = []  # many-links: their ids come from the junction table
        for name, _conv, f in selected:
            ft = f.ftype
            if ft.system_column:
                i = pos[ft.system_column]
            elif has_own_column(f):
                i = pos[f.column_name]
            else:
                i = None
                if is_many_link(f):
                    self.links.append(f)
            self.cells.append((name, i, ft.json_reader(f), f))
        self.user_positions = tuple(i for _n, i, _r, f in self.cells
                                    if i is not None and f.field_type in USER_FIELD_TYPES)
        self._system = {"id": self.i_id, "version": self.i_ver, "created_at": self.i_ca, "updated_at": self.i_ua,
                        "created_by": self.i_cb, "updated_by": self.i_ub, "deleted_at": self.i_da}
        self._writers: dict[tuple, Writer] = {}
        self._empties: dict[tuple, list] = {}

    def empties(self, procs: tuple, ctx: ValueContext) -> list:
        """Each output field's JSON when its cell is empty (``to_json(from_db(None))``); kept per
        processors and context when every one is a plain value (a list or dict is made anew for
        each page, so that no answer shares one with another)."""
        key = (procs, ctx.lang, ctx.timezone, ctx.current_user_id)
        found = self._empties.get(key)
        if found is not None:
            return found
        out = []
        for name, i, reader, f in self.cells:
            if i is None or reader is not None or procs[i] is not None:  # (what to_json(from_db(None)) gives)
                out.append(f.ftype.to_json(f.ftype.from_db(None, f), f, ctx))
            else:
                out.append(None)
        if len(self._empties) < 16 and all(v is None or type(v) in (bool, int, float, str) for v in out):
            self._empties[key] = out
        return out

    def writer(self, procs: tuple) -> Writer:
        """The :func:`~.row_writers.row_writer` of rows with these result processors (one per statement
        shape: the processors are the driver's, per dialect)."""
        found = self._writers.get(procs)
        if found is None:
            cells = [(k, i, reader, None if i is None else procs[i])
                     for k, (_name, i, reader, _f) in enumerate(self.cells)]
            found = row_writer([name for name, _i, _r, _f in self.cells], cells, self._system,
                               procs[self.i_da], iso)
            if len(self._writers) < 8:
                self._writers[procs] = found
        return found


def _row_layout(typedef: TypeDef, keys: tuple, fields: Optional[Iterable[str]]) -> RowJsonLayout:
    plan = json_plan(typedef)
    memo = typedef.memo("row_json_layouts", lambda td: {})
    key = (keys, frozenset(fields) if fields else None)
    found = memo.get(key)
    if found is None:
        found = RowJsonLayout(typedef, keys, plan.selected(fields))
        if len(memo) < 64:  # selections come from query strings: bound the memo
            memo[key] = found
    return found


def rows_json(store: "RecordStore", typedef: TypeDef, table_typedef: TypeDef, rows: list, keys: tuple,
              processors: Optional[list] = None, fields: Optional[Iterable[str]] = None) -> list[dict]:
    """Rows of ``select(table_typedef.table)`` (result column ``keys``) straight to the API JSON of
    :func:`records_json`.

    ``typedef`` is the type as the store's user sees it (hidden fields left out). ``rows`` may be
    as the driver gave them, ``processors[i]`` turning column ``i``'s cell into what SQLAlchemy
    would give (:class:`~.driver_query.DriverRows`); each cell then goes through its processor
    and its field type's :meth:`~recordbase.metamodel.fieldtypes.FieldType.json_reader` in one
    step. The same answer as ``records_json(records_from_rows(rows))`` without the records in between."""
    if not rows:
        return []
    layout = _row_layout(typedef, keys, fields)
    procs = tuple(processors) if processors else (None,) * len(keys)
    ctx = store.ctx
    ids: set = set()
    i_cb, i_ub = layout.i_cb, layout.i_ub
    for row in rows:
        ids.add(row[i_cb])
        ids.add(row[i_ub])
        for i in layout.user_positions:
            ids.add(row[i])
    store.prefetch_users(ids)
    links = _link_ids(store, table_typedef, layout.links, [row[layout.i_id] for row in rows])
    by_slot = {}
    for k, (name, i, _reader, _f) in enumerate(layout.cells):
        if i is None and name in links:
            by_slot[k] = links[name]
    return layout.writer(procs)(rows, ctx, _stamps(procs[layout.i_ca]), store._emails, layout.empties(procs, ctx),
                                by_slot)


def _stamps(proc: Optional[Callable]) -> Callable[[Any], Optional[str]]:
    """A stored time cell (as the driver gives it) to its ISO text, memoised for one page: records
    written together, and never since, share their times, so most cells are formatted once."""
    memo: dict = {}

    def stamp(v: Any) -> Optional[str]:
        text = memo.get(v)
        if text is None and v is not None:
            text = stored_text_iso(v) if type(v) is str and proc is not None else None
            if text is None:
                text = iso(v if proc is None else proc(v))
            memo[v] = text
        return text
    stamp.memo = memo  # type: ignore[attr-defined]  (the row writers look a known time up themselves)
    return stamp


def stored_text_iso(text: str) -> Optional[str]:
    """``iso`` of the datetime SQLAlchemy reads from SQLite's text of one (``2026-12-07 19:16:23.868725``,
    the form it writes), worked on the text: None for text of another form.

    Why: parsing each row's time into a datetime and formatting it again cost a list page 5 %."""
    if len(text) != 26 or text[10] != " " or text[19] != "." or not text[20:].isdigit():
        return None
    try:
        datetime.fromisoformat(text)  # (a time that does not exist is refused as the driver's reader refuses it)
    except ValueError:
        return None
    if text.endswith("000000"):  # (isoformat leaves out a zero fraction)
        return f"{text[:10]}T{text[11:19]}+00:00"
    return f"{text[:10]}T{text[11:]}+00:00"


def _link_ids(store: "RecordStore", typedef: TypeDef, link_fields: Iterable[FieldDef],
              ids: list[int]) -> dict[str, dict[int, list[int]]]:
    """For each many-link field, each record's linked ids in the link's order (one query per field)."""
    out: dict[str, dict[int, list[int]]] = {}
    for f in link_fields:
        links: dict[int, list[int]] = {i: [] for i in ids}
        j = typedef.junctions[f.name]
        for sid, tid in store.session.execute(select(j.c.source_id, j.c.target_id)
                                              .where(j.c.source_id.in_(ids))
                                              .order_by(j.c.source_id, j.c.position)):
            links[sid].append(tid)
        out[f.name] = links
    return out
