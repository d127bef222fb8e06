"""Reading records: one record, a page of them (as records or straight as API JSON), a count.

A mixin of :class:`~recordbase.storage.record_store.RecordStore` (kept apart to keep one module
per concern): it uses the store's ``type``, ``compile``, ``session`` and its policy through
:mod:`recordbase.access.enforce`. Every read applies the caller's policy: the type must be
readable, row conditions narrow the rows, hidden fields never leave the store.

:meth:`ReadOperations.list_json` is the API's list: it builds the same statement as
:meth:`ReadOperations.list` and turns the rows into JSON in one pass
(:func:`~.serialization.rows_json`) instead of building a :class:`Record` per row first.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from datetime import datetime
from typing import Any, Iterable, Optional

from sqlalchemy import Integer, bindparam, func, select

from ..access import enforce
from ..errors import FilterError, Forbidden, NotFound
from ..metamodel.filters import CompiledFilter
from ..metamodel.ids import as_id
from ..metamodel.runtime import TypeDef
from . import query as q
from . import serialization
from .driver_query import DriverRows, fetch_driver_rows

MAX_PAGE = 1000


@dataclass
class Record:
    type_name: str
    id: int
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: Optional[int]
    updated_by: Optional[int]
    deleted_at: Optional[datetime]
    values: dict = dc_field(default_factory=dict)

    def filter_values(self) -> dict:
        """Field values plus the system keys, as the filter language's Python evaluation reads them."""
        out = dict(self.values)
        out.update(id=self.id, created_at=self.created_at, updated_at=self.updated_at,
                   created_by=self.created_by, updated_by=self.updated_by)
        return out


@dataclass
class Page:
    records: list[Record]
    next_cursor: Optional[str]


@dataclass
class JsonPage:
    """A page as the API answers it: each record's JSON, and the cursor of the next page."""

    records: list[dict]
    next_cursor: Optional[str]


class ReadOperations:
    def select_live(self, typedef: TypeDef, trash: bool = False):
        return typedef.memo(("select_live", trash), lambda td: select(td.table).where(
            td.table.c.deleted_at.isnot(None) if trash else td.table.c.deleted_at.is_(None)))

    def list(self, type_name: str, filter: Any = None, sort: Any = None, search: Optional[str] = None,
             limit: int = 50, cursor: Optional[str] = None, trash: bool = False,
             extra_condition: Any = None) -> Page:
        typedef, fetched, next_cursor = self._page_rows(type_name, filter, sort, search, limit, cursor, trash,
                                                        extra_condition)
        return Page(serialization.records_from_rows(self, typedef, fetched.rows(), fetched.keys), next_cursor)

    def list_json(self, type_name: str, filter: Any = None, sort: Any = None, search: Optional[str] = None,
                  limit: int = 50, cursor: Optional[str] = None, trash: bool = False,
                  fields: Optional[Iterable[str]] = None) -> JsonPage:
        """:meth:`list` with each record as :meth:`to_json` gives it (``fields`` selects fields)."""
        typedef, fetched, next_cursor = self._page_rows(type_name, filter, sort, search, limit, cursor, trash, None)
        return JsonPage(serialization.rows_json(self, enforce.visible(self, typedef), typedef, fetched.raw,
                                                fetched.keys, fetched.processors, fields), next_cursor)

    def _page_rows(self, type_name: str, filter: Any, sort: Any, search: Optional[str], limit: int,
                   cursor: Optional[str], trash: bool, extra_condition: Any) -> tuple[TypeDef, DriverRows, Optional[str]]:
        """The rows of one page (``limit`` at most; as the driver gives them) and the cursor of the next
        page, if there is one."""
        typedef = self.type(type_name)
        enforce.require(self, "read", type_name)
        limit = max(1, min(int(limit), MAX_PAGE))
        visible = enforce.visible(self, typedef)
        sorts = q.parse_sort(visible, sort)
        dialect = self.session.get_bind().dialect.name
        if not cursor and extra_condition is None and not (search and search.strip()) \
                and filter is None and enforce.row_condition(self, typedef, "read") is None:
            parts = self._first_page_parts(typedef, sorts, trash, dialect)  # (every row the caller may read)
        else:
            stmt = self._readable(self.select_live(typedef, trash), typedef, filter, search)
            if extra_condition is not None:
                stmt = stmt.where(extra_condition)
            keys, last_id = None, None
            if cursor:
                keys, last_id = q.decode_cursor(cursor, len([s for s in sorts if s[0] != "id"]), sorts, typedef)
            parts = (_limited(q.apply_order(stmt if part is None else stmt.where(part), typedef, sorts))
                     for part in q.page_segments(typedef, sorts, keys, last_id, dialect))
        fetched = None
        for part_stmt in parts:  # (one part or a few: page_segments)
            want = limit + 1 - (len(fetched.raw) if fetched is not None else 0)
            rows = fetch_driver_rows(self.session, part_stmt, {"rb_limit": want})
            if fetched is None:
                fetched = rows
            else:
                fetched.raw.extend(rows.raw)
            if len(fetched.raw) > limit:
                break
        next_cursor = None
        if len(fetched.raw) > limit:
            del fetched.raw[limit:]
            last = fetched.values(fetched.raw[-1])
            next_cursor = q.encode_cursor(q.sort_keys(last, typedef, sorts), last["id"], sorts, typedef)
        return typedef, fetched, next_cursor

    def _first_page_parts(self, typedef: TypeDef, sorts: list, trash: bool, dialect: str) -> list:
        """The statements of a first page's parts (:func:`~.query.page_segments`) over all live (or
        trashed) records, kept per snapshot and sort: the commonest page is neither built nor keyed
        anew by each request (its size is a bound parameter)."""
        memo = typedef.memo("first_page_parts", lambda td: {})
        key = (trash, tuple(sorts), dialect)
        found = memo.get(key)
        if found is None:
            base = self.select_live(typedef, trash)
            found = [_limited(q.apply_order(base if part is None else base.where(part), typedef, sorts))
                     for part in q.page_segments(typedef, sorts, None, None, dialect)]
            if len(memo) < 256:  # sorts come from query strings: bound the memo
                memo[key] = found
        return found

    def json_by_ids(self, type_name: str, ids: list[int], *, rows_only: bool = True,
                    include_deleted: bool = False, fields: Optional[Iterable[str]] = None) -> dict[int, dict]:
        """The API JSON of the records with these ids (as :meth:`to_json` gives it), through the list's
        driver path (:func:`~.serialization.rows_json`) rather than a :class:`Record` each: a batch's
        answer, one record's GET. Ids not found (or, with ``rows_only``, outside the caller's rows)
        are left out."""
        typedef = self.type(type_name)
        enforce.require(self, "read", type_name)
        t = typedef.table
        base = select(t) if include_deleted else self.select_live(typedef)
        if rows_only:
            rows_cond = enforce.row_condition(self, typedef, "read")
            if rows_cond is not None:
                base = base.where(rows_cond)
        visible = enforce.visible(self, typedef)
        out: dict[int, dict] = {}
        wanted = set(ids)
        # a new batch's ids are one run: asked as a range (bound values: the driver path; an IN list
        # is rendered per call), any other id in that range left out below
        for lo, hi in _id_runs(sorted(wanted)):
            stmt = base.where(t.c.id == lo) if lo == hi else base.where(t.c.id >= lo, t.c.id <= hi)
            fetched = fetch_driver_rows(self.session, stmt)
            i_id = fetched.keys.index("id")
            raw = [r for r in fetched.raw if r[i_id] in wanted]
            for body in serialization.rows_json(self, visible, typedef, raw, fetched.keys, fetched.processors,
                                                fields):
                out[body["id"]] = body
        return out

    def count(self, type_name: str, filter: Any = None, trash: bool = False, search: Optional[str] = None) -> int:
        """How many records :meth:`list` would give over all its pages (same filter, search and trash)."""
        typedef = self.type(type_name)
        enforce.require(self, "read", type_name)
        t = typedef.table
        stmt = select(func.count()).select_from(t).where(t.c.deleted_at.isnot(None) if trash else t.c.deleted_at.is_(None))
        return int(self.session.scalar(self._readable(stmt, typedef, filter, search)) or 0)

    def may_read_attachment(self, upload: Any) -> bool:
        """Whether this store's user may read the stored upload (an ``Attachment`` row): they may read
        its field (the type, the field's visibility, a token's types) and a record they may read
        holds it in that field (in the trash too); an upload on no record yet, only its uploader."""
        found = next(((td, f) for td in self.schema.types.values() for f in td.fields if f.id == upload.field_id),
                     None)
        if found is None:  # its field (or type) is in the trash or gone
            return False
        typedef, field = found
        if enforce.active(self):
            if not self.policy.can("read", typedef.name) or enforce.visible(self, typedef).field(field.name) is None:
                return False
        t = typedef.table
        cell = t.c[field.column_name]
        holder = select(t.c.id).where(cell.contains(f'"key": "{upload.key}"', autoescape=True)).limit(1)
        if self.session.scalar(self._readable(holder, typedef, None)) is not None:
            return True
        return upload.created_by is not None and upload.created_by == self.user_id \
            and self.session.scalar(holder) is None  # (held by no record at all)

    def count_empty(self, type_name: str, field_name: str) -> Optional[int]:
        """How many live records have no value in a field (None when that cannot be asked: a field
        type without ``is_empty``, records the caller may not read). Told when a field becomes
        required: the records that were there before keep their empty value until edited."""
        try:
            return self.count(type_name, filter={"field": field_name, "op": "is_empty"})
        except (FilterError, Forbidden):
            return None

    def _readable(self, stmt: Any, typedef: TypeDef, filter: Any, search: Optional[str] = None) -> Any:
        """``stmt`` narrowed to the rows the caller may read (the policy's row condition), the filter
        (a filter tree, or one already compiled) and the free-text search (over the fields the
        caller may see)."""
        rows_cond = enforce.row_condition(self, typedef, "read")
        if rows_cond is not None:
            stmt = stmt.where(rows_cond)
        compiled = filter if isinstance(filter, CompiledFilter) else self.compile(typedef, filter)
        if compiled is not None:
            stmt = stmt.where(compiled.sql())
        if search and search.strip():
            stmt = stmt.where(q.search_condition(enforce.visible(self, typedef), search))
        return stmt

    def get(self, type_name: str, record_id: Any, include_deleted: bool = False) -> Record:
        typedef, fetched = self._one_row(type_name, record_id, include_deleted)
        return serialization.records_from_rows(self, typedef, fetched.rows(), fetched.keys)[0]

    def get_json(self, type_name: str, record_id: Any, include_deleted: bool = False,
                 fields: Optional[Iterable[str]] = None) -> dict:
        """:meth:`to_json` of :meth:`get` (``fields`` selects fields), the row turned into JSON in one
        pass as :meth:`list_json` does: the API's GET of one record."""
        typedef, fetched = self._one_row(type_name, record_id, include_deleted)
        return serialization.rows_json(self, enforce.visible(self, typedef), typedef, fetched.raw, fetched.keys,
                                       fetched.processors, fields)[0]

    def _one_row(self, type_name: str, record_id: Any, include_deleted: bool) -> tuple[TypeDef, DriverRows]:
        """The row of one record the caller may read (404 otherwise), as the driver gives it.

        The statement is built once per snapshot (the id a bound parameter), so a request does not
        build and key a new one; a policy's row condition narrows it per request."""
        typedef = self.type(type_name)
        # (int() would quietly turn 1.5 into record 1, and '١٢٣' into 123; a number beyond the id
        # column, which PostgreSQL refuses, is no record either)
        rid = as_id(int(record_id) if isinstance(record_id, float) and record_id.is_integer() else record_id)
        if rid is None:
            raise NotFound(f"No {type_name} record with id {record_id!r}")
        enforce.require(self, "read", type_name)
        stmt = typedef.memo(("select_one", include_deleted), lambda td: _select_one(td, include_deleted))
        rows_cond = enforce.row_condition(self, typedef, "read")
        if rows_cond is not None:
            stmt = stmt.where(rows_cond)  # a record outside the user's rows is not found
        fetched = fetch_driver_rows(self.session, stmt, {"rb_record_id": rid})
        if not fetched.raw:
            raise NotFound(f"No {type_name} record with id {rid}", {"type": type_name, "id": rid})
        return typedef, fetched

    def _records(self, typedef: TypeDef, rows: list) -> list[Record]:
        return serialization.records_from_rows(self, typedef, rows)

    # -- JSON ------------------------------------------------------------------------
    def to_json(self, record: Record, fields: Optional[Iterable[str]] = None) -> dict:
        return self.to_json_many([record], fields)[0]

    def to_json_many(self, records: list[Record], fields: Optional[Iterable[str]] = None) -> list[dict]:
        """The API JSON of records of one type (users' e-mails fetched once for all of them)."""
        if not records:
            return []
        typedef = enforce.visible(self, self.type(records[0].type_name))  # hidden fields never leave the store
        return serialization.records_json(self, typedef, records, fields)


def _limited(stmt: Any) -> Any:
    """``stmt`` with its LIMIT a bound parameter (``rb_limit``)."""
    return stmt.limit(bindparam("rb_limit", type_=Integer))


def _select_one(typedef: TypeDef, include_deleted: bool) -> Any:
    """:meth:`ReadOperations._one_row`'s statement: one record by its id (a bound parameter)."""
    t = typedef.table
    stmt = select(t).where(t.c.id == bindparam("rb_record_id"))
    return stmt if include_deleted else stmt.where(t.c.deleted_at.is_(None))


def _id_runs(ids: list[int], most: int = 1000) -> list[tuple[int, int]]:
    """Sorted ids as (first, last) ranges, each of at most ``most`` ids and at most twice as wide."""
    runs: list[tuple[int, int]] = []
    start = 0
    for k in range(1, len(ids) + 1):
        if k == len(ids) or k - start >= most or ids[k] - ids[start] >= 2 * most:
            runs.append((ids[start], ids[k - 1]))
            start = k
    return runs
