"""Listing records: filter, free-text search, sort and keyset (cursor) pagination."""
from __future__ import annotations

import base64
import json
import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Optional

import orjson
from sqlalchemy import Select, and_, false, func, literal, or_, tuple_

from .. import json_input
from ..errors import RecordbaseError
from ..metamodel.ids import as_id
from ..metamodel.operators import _like_escape
from ..metamodel.runtime import TypeDef, is_many_link

SYSTEM_SORTS = ("id", "created_at", "updated_at")


class SortError(RecordbaseError):
    code = "invalid_sort"


def parse_sort(typedef: TypeDef, sort: Any) -> list[tuple[str, bool]]:
    """'-score,name' or ['-score', 'name'] -> [(name, descending)], validated against the type."""
    if sort is None or sort == "" or sort == []:
        return []
    items = sort.split(",") if isinstance(sort, str) else list(sort)
    out: list[tuple[str, bool]] = []
    for item in items:
        item = str(item).strip()
        desc = item.startswith("-")
        name = item[1:] if item[:1] in ("-", "+") else item
        if not name or name[:1] in ("-", "+"):
            raise SortError(f"Cannot sort by '{item}': give a field's API name, with '-' before it for "
                            "descending order (as in '-score,name')", {"sort": item})
        if any(name == seen for seen, _desc in out):
            raise SortError(f"Cannot sort by '{name}' twice", {"field": name})
        if name == "id":
            out.append((name, desc))
            break  # id is unique: later keys could never matter
        if name in SYSTEM_SORTS:
            out.append((name, desc))
            continue
        f = typedef.field(name)
        if f is None:
            raise SortError(f"Cannot sort: record type '{typedef.name}' has no field '{name}'", {"field": name})
        if is_many_link(f) or not f.ftype.sortable:
            raise SortError(f"Cannot sort by {f.field_type} field '{name}'", {"field": name})
        out.append((name, desc))
    if len(out) > 5:
        raise SortError("Sort by at most 5 fields")
    return out


def sort_column(typedef: TypeDef, name: str):
    """What a sort on ``name`` orders by: a system column, or the field type's sort expression
    (its column, or e.g. a select's place in the choices)."""
    if name in SYSTEM_SORTS:
        return typedef.table.c[name]
    f = typedef.field(name)
    return f.ftype.sort_expression(typedef.column(f), f)


def search_condition(typedef: TypeDef, text: str):
    """Case-insensitive substring search over the type's searchable fields."""
    cols = [typedef.column(f) for f in typedef.fields if f.ftype.searchable and f.ftype.has_column]
    if not cols:
        return false()
    text = text.replace("\x00", "")  # ignored: no stored text holds NUL (the text types refuse it)
    pattern = f"%{_like_escape(text.strip().lower())}%"
    conds = [func.lower(c).like(pattern, escape="\\") for c in cols]
    rid = as_id(text)  # (a longer number, a phone number say, is searched as text only)
    if rid is not None:
        conds.append(typedef.table.c.id == rid)
    return or_(*conds)


def _encode(v: Any) -> Any:
    if isinstance(v, datetime):
        return {"t": v.isoformat()}
    if isinstance(v, date):
        return {"d": v.isoformat()}
    if isinstance(v, Decimal):
        return {"n": str(v)}
    return v


def _decode(v: Any) -> Any:
    if isinstance(v, dict):
        if "t" in v:
            return datetime.fromisoformat(v["t"])
        if "d" in v:
            return date.fromisoformat(v["d"])
        if "n" in v:
            return Decimal(v["n"])
    return v


def _sort_signature(sorts: Optional[list[tuple[str, bool]]], typedef: Optional[TypeDef] = None) -> Optional[str]:
    """The sort a cursor was made for: its fields and directions, and what each field type's sort
    keys depend on besides the value (a select's choice order): a cursor of another is refused."""
    if sorts is None:
        return None
    parts = []
    for n, d in sorts:
        part = ("-" if d else "") + n
        f = typedef.field(n) if typedef is not None and n not in SYSTEM_SORTS and n != "id" else None
        extra = f.ftype.sort_signature(f) if f is not None else ""
        parts.append(f"{part}@{extra}" if extra else part)
    return ",".join(parts)


def encode_cursor(keys: list, last_id: int, sorts: Optional[list[tuple[str, bool]]] = None,
                  typedef: Optional[TypeDef] = None) -> str:
    data: dict = {"k": [_encode(k) for k in keys], "id": last_id}
    if sorts is not None:
        data["s"] = _sort_signature(sorts, typedef)
    raw = None
    if not any(type(k) is float and not math.isfinite(k) for k in keys):  # (orjson writes NaN as null)
        try:  # (orjson: about 2 % of a list page less than json.dumps; what it refuses, json writes)
            raw = orjson.dumps(data)
        except (orjson.JSONEncodeError, TypeError):
            pass
    if raw is None:
        raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, n_keys: int, sorts: Optional[list[tuple[str, bool]]] = None,
                  typedef: Optional[TypeDef] = None) -> tuple[list, int]:
    """The keys and last id of a cursor; with ``sorts``, the cursor must have been made for that sort
    (a cursor of another sort would compare a column with a value of another type)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json_input.loads(raw)  # a cursor is the client's text: no lone surrogate reaches the SQL
        keys = [_decode(k) for k in data["k"]]
        last_id = as_id(data["id"])  # (a number beyond the id column: PostgreSQL would refuse the query)
        if last_id is None or len(keys) != n_keys:
            raise ValueError
        if sorts is not None and data.get("s") != _sort_signature(sorts, typedef):
            raise ValueError
        return keys, last_id
    except (ValueError, KeyError, TypeError, AttributeError):
        raise RecordbaseError("The cursor is not valid for this query", {"cursor": cursor}) from None


def ties_descending(sorts: list[tuple[str, bool]]) -> bool:
    """The direction of the id that orders equal values: the last sort key's (``-score`` is
    ``score DESC, id DESC``), so that an index on (field, id) walks the whole order either way."""
    return bool(sorts) and sorts[-1][1]


def apply_order(q: Select, typedef: TypeDef, sorts: list[tuple[str, bool]]) -> Select:
    memo = typedef.memo("orders", lambda td: {})  # ORDER BY clauses per sort (built once per snapshot)
    key = tuple(sorts)
    order = memo.get(key)
    if order is None:
        order = _order(typedef, sorts)
        if len(memo) < 256:  # sorts come from query strings: bound the memo
            memo[key] = order
    return q.order_by(*order)


def _by_field(sorts: list[tuple[str, bool]]) -> bool:
    """A sort whose first key is a field or a system column (not the id): read in parts (:func:`page_segments`)."""
    return bool(sorts) and sorts[0][0] != "id"


def _order(typedef: TypeDef, sorts: list[tuple[str, bool]]) -> tuple:
    idc = typedef.table.c.id
    order = []
    for i, (name, desc) in enumerate(sorts):
        c = sort_column(typedef, name)
        o = c.desc() if desc else c.asc()
        # the first key without a NULLS clause: each part of the page (page_segments) holds only its
        # values or only its empty ones, and the dialect's default NULLS placement is what an index
        # on (column, id) gives forwards and backwards
        order.append(o if i == 0 or name == "id" else o.nulls_last())
    if not any(n == "id" for n, _ in sorts):
        order.append(idc.desc() if ties_descending(sorts) else idc.asc())
    return tuple(order)


def page_segments(typedef: TypeDef, sorts: list[tuple[str, bool]], keys: Optional[list],
                  last_id: Optional[int], dialect: str = "") -> list[Any]:
    """The conditions (None: none) of the parts of the order a page is read from, in order: a page
    reads the first part, then the next while it is not full.

    A sort on a field reads the records with a value in its first key (ordered by value, then id,
    both in the sort's direction), then the empty ones: empty values last either way, and each part
    is a range of an index on (column, id) that either database walks forwards or backwards. A
    cursor within the values of a one-key sort is the row comparison ``(column, id) > (value, id)``,
    which PostgreSQL seeks to; SQLite seeks only to the value and reads the equal ones before the
    cursor (10,000 at 1M records and 101 values), so there the values are two parts: the rest of the
    cursor's run of equal values (``column = value AND id > last``), then the values beyond it."""
    cursor = last_id is not None
    if not _by_field(sorts):
        return [after_cursor(typedef, sorts, keys, last_id) if cursor else None]
    name, desc = sorts[0]
    c, idc = sort_column(typedef, name), typedef.table.c.id
    nullable = name not in SYSTEM_SORTS
    if not cursor:
        return [c.isnot(None), c.is_(None)] if nullable else [None]
    v = keys[0]
    if v is None:  # the cursor is among the empty values
        return [after_cursor(typedef, sorts, keys, last_id)]
    if len(sorts) == 1:
        _check_key(c, v)
        v, last = literal(v, type_=c.type), literal(last_id, type_=idc.type)
        if dialect == "sqlite":
            run = and_(c == v, (idc < last) if desc else (idc > last))
            return [run, (c < v) if desc else (c > v)] + ([c.is_(None)] if nullable else [])
        row, at = tuple_(c, idc), tuple_(v, last)
        beyond = (row < at) if desc else (row > at)
    else:
        beyond = after_cursor(typedef, sorts, keys, last_id)
    return [and_(c.isnot(None), beyond), c.is_(None)] if nullable else [beyond]


def after_cursor(typedef: TypeDef, sorts: list[tuple[str, bool]], keys: list, last_id: int):
    """The keyset condition 'comes after (keys, last_id)' for ORDER BY sorts... NULLS LAST, id (in the
    direction of the last key: :func:`ties_descending`)."""
    id_sort = next((d for n, d in sorts if n == "id"), None)
    chain = [(n, d) for n, d in sorts if n != "id"]
    idc = typedef.table.c.id
    id_desc = id_sort if id_sort is not None else ties_descending(sorts)
    cond = (idc < last_id) if id_desc else (idc > last_id)
    for (name, desc), v in reversed(list(zip(chain, keys))):
        c = sort_column(typedef, name)
        if v is None:
            cond = and_(c.is_(None), cond)
        else:
            _check_key(c, v)
            v = literal(v, type_=c.type)  # a bound value of the column's type (True/False included)
            beyond = (c < v) if desc else (c > v)
            cond = or_(beyond, c.is_(None), and_(c == v, cond))
    return cond


def _check_key(column: Any, value: Any) -> None:
    """Refuse a (tampered) cursor key that is not of the sort column's type, before SQL sees it."""
    try:
        expected = column.type.python_type
    except NotImplementedError:
        return
    if expected in (float, Decimal):
        ok = isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif expected is date:
        ok = isinstance(value, date) and not isinstance(value, datetime)
    else:
        ok = isinstance(value, expected)
    if not ok:
        raise RecordbaseError("The cursor is not valid for this query", {"cursor": "key of the wrong type"})


def sort_keys(row: dict, typedef: TypeDef, sorts: list[tuple[str, bool]]) -> list:
    """The sort values of a row (column key -> value) that a cursor carries."""
    out = []
    for name, _ in sorts:
        if name == "id":
            continue
        if name in SYSTEM_SORTS:
            out.append(row[typedef.table.c[name].key])
        else:
            f = typedef.field(name)
            out.append(f.ftype.sort_value(row[typedef.column(f).key], f))
    return out
