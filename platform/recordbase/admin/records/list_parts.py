"""The admin list's page read in parts, as the API reads its pages (``storage/query.page_segments``).

A column sort orders records by value, equal values by record id in the sort's direction, empty
values last either way. ``ORDER BY c DESC NULLS LAST`` is not an order an index on ``(c, id)`` gives
on PostgreSQL (backwards it gives ``DESC NULLS FIRST``): it sorted every matching record for each
page (SQLite 3.30+ walks the index for either). So a sort whose first key is a nullable column
reads the records with a value (``c IS NOT NULL ORDER BY c, id``: a range of the index, forwards or
backwards), then, when the page is not full, the empty ones (``c IS NULL ORDER BY id``), on both
databases. The page's offset is carried across the boundary: a page that starts past the values
counts them (reading them once, as the offset into them would).
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.sql.elements import ColumnElement

from ...metamodel.runtime import has_own_column


def sort_expression(model: Any, f: Any) -> Any:
    """What the list orders by for field ``f`` of the mapped class ``model``, as its column header
    sorts (a system field by its column, a select in its choices' order); None for a field the list
    cannot sort on. One answer for the headers (``RecordModelView._sortables``) and a saved view's or
    group's order (``admin/views/listing.default_order``)."""
    if f.ftype.system_column:
        return getattr(model, f.ftype.system_column)
    if has_own_column(f) and f.ftype.sortable:
        return f.ftype.sort_expression(getattr(model, f.name), f)
    return None


def _column(expr: Any) -> Any:
    column = getattr(expr, "expression", expr)  # (a mapped attribute: its column)
    return column if getattr(column, "table", None) is not None and hasattr(column, "nullable") else None


def nullable_column(expr: Any) -> Optional[ColumnElement]:
    """The table column ``expr`` sorts on when it is a plain nullable column (a field's own column),
    else None (the id and the time stamps are never empty; a select's choice order is an expression)."""
    column = _column(expr)
    return column if column is not None and column.nullable else None


def order_by(keys: list[tuple[Any, bool]], id_column: Any, in_parts: bool) -> tuple:
    """The ORDER BY of the sort ``keys`` ((expression, descending), as the API's ``storage/query``
    orders): each key with empty values last, then the record id in the direction of the last key.
    The first key has no NULLS clause when none of its values can be empty (a column never empty, or
    a part of the page that holds only values or only empty ones): the order an index on
    (column, id) walks either way."""
    out = []
    for i, (expr, desc) in enumerate(keys):
        column = _column(expr)
        o = expr.desc() if desc else expr.asc()
        out.append(o if (i == 0 and in_parts) or (column is not None and not column.nullable) else o.nulls_last())
        if column is not None and column.primary_key:
            return tuple(out)  # (the id is unique: later keys could never matter)
    return (*out, id_column.desc() if keys[-1][1] else id_column.asc())


def read_page(query: Any, column: Optional[ColumnElement], id_column: Any, page: Optional[int],
              page_size: Any) -> list:
    """The records of list page ``page`` (from 0) of ``query`` (filtered and ordered, not paged), in
    parts when ``column`` (the first sort key) may be empty; ``page_size`` 0 or False: every record."""
    offset = (page or 0) * page_size if page_size else 0
    if column is None:
        return _slice(query, offset, page_size).all()
    values = _slice(query.filter(column.isnot(None)), offset, page_size).all()
    if page_size and len(values) == page_size:
        return values
    empty_offset = 0
    if offset and not values:  # the page starts past the values: how many are there?
        counted = query.filter(column.isnot(None)).with_entities(id_column).order_by(None).subquery()
        empty_offset = max(offset - int(query.session.execute(select(func.count()).select_from(counted)).scalar()), 0)
    rest = page_size - len(values) if page_size else page_size
    return values + _slice(query.filter(column.is_(None)), empty_offset, rest).all()


def _slice(query: Any, offset: int, limit: Any) -> Any:
    if limit:
        query = query.limit(limit)
    return query.offset(offset) if offset else query
