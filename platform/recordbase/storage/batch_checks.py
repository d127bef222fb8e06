"""A batch's questions to the database, each asked once for the whole batch (``create_many``:
imports, the batch API): which linked records are live (:func:`batch_lookups`, which answers the
value context's link and user questions during the cleaning) and which unique values are taken,
by live records or earlier in the batch (:func:`check_unique_batch`).

The values go as one array parameter on PostgreSQL (``= ANY``), as IN lists of :data:`CHUNK`
elsewhere (:func:`among`).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator, Optional, Sequence

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from ..i18n import translate
from ..metamodel.ids import as_id
from ..metamodel.runtime import TypeDef, has_own_column

if TYPE_CHECKING:
    from .record_store import RecordStore

CHUNK = 500


def _chunks(items: list, n: int = CHUNK) -> Iterator[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def among(session: Any, col: Any, values: list) -> Iterator[tuple[Any, dict]]:
    """``(condition, parameters)``: ``col`` is one of ``values``, in as few statements as it takes.

    On PostgreSQL one ``col = ANY(:values)`` with a single array parameter, however many values:
    an IN list of five hundred parameters cost SQLAlchemy (rendering each), psycopg (splitting the
    statement) and the server (parsing it) about three times as much as the lookup itself. An array
    holds values of one Python type (psycopg refuses to dump a list of ints and floats): values of
    mixed types, and SQLite, get expanding IN lists of :data:`CHUNK` (no SQL element per value
    either)."""
    if not values:
        return
    if session.get_bind().dialect.name == "postgresql" and len({v.__class__ for v in values}) == 1:
        yield col == func.any(bindparam("values", type_=ARRAY(col.type))), {"values": values}
        return
    cond = col.in_(bindparam("values", expanding=True))
    for chunk in _chunks(values):
        yield cond, {"values": chunk}


def _ids_in(value: Any) -> list[int]:
    items = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for v in items:
        if isinstance(v, dict):
            v = v.get("id")
        rid = as_id(v)
        if rid is not None:
            out.append(rid)
    return out


@contextmanager
def batch_lookups(store: "RecordStore", typedef: TypeDef, rows: list[dict]) -> Iterator[None]:
    """Answer the value context's link and user questions for a whole batch with few queries."""
    ctx = store.ctx
    orig_missing, orig_user = ctx.missing_links, ctx.resolve_user
    known: dict[str, set[int]] = {}
    for f in typedef.fields:
        if f.field_type != "link":
            continue
        target = store.schema.types.get(f.options.get("target", ""))
        if target is None:
            continue
        wanted: set[int] = set()
        for values in rows:
            if isinstance(values, dict) and values.get(f.name) is not None:
                wanted.update(_ids_in(values[f.name]))
        found = known.setdefault(f.name, set())
        t = target.table
        for cond, params in among(store.session, t.c.id, sorted(wanted)):
            found.update(store.session.connection().scalars(select(t.c.id).where(cond, t.c.deleted_at.is_(None)),
                                                            params))
    users: dict[Any, Optional[int]] = {}

    def missing(field, ids):
        if field.name in known and field.type_id == typedef.id:
            return {i for i in ids if i not in known[field.name]}
        return orig_missing(field, ids)

    def resolve(value):
        key = (type(value).__name__, value)
        try:
            if key not in users:
                users[key] = orig_user(value)
            return users[key]
        except TypeError:  # unhashable: not a user reference anyway
            return orig_user(value)

    ctx.missing_links, ctx.resolve_user = missing, resolve
    try:
        yield
    finally:
        ctx.missing_links, ctx.resolve_user = orig_missing, orig_user


def check_unique_batch(store: "RecordStore", typedef: TypeDef, cleaned: list[tuple[int, dict]],
                        errors: dict[int, dict[str, list[str]]], row_names: Optional[Sequence[str]] = None) -> None:
    t = typedef.table
    for f in typedef.fields:
        if not f.unique or not has_own_column(f):
            continue
        seen: dict[Any, int] = {}
        for i, c in cleaned:
            v = c.get(f.name)
            if i in errors or v in (None, ""):
                continue
            key = f.ftype.to_db(v, f)
            if key in seen:
                first = row_names[seen[key]] if row_names else translate("record %(n)s of this batch", n=seen[key] + 1)
                errors.setdefault(i, {}).setdefault(f.name, []).append(
                    translate("must be unique: %(other)s has the same value", other=first))
            else:
                seen[key] = i
        if not seen:
            continue
        col = t.c[f.column_name]
        for cond, params in among(store.session, col, list(seen)):
            taken = select(col).where(cond, t.c.deleted_at.is_(None))
            for (value,) in store.session.connection().execute(taken, params):
                i = seen.get(value)
                if i is None and isinstance(value, str):
                    i = next((seen[k] for k in seen if k == value), None)
                if i is not None:
                    errors.setdefault(i, {}).setdefault(f.name, []).append(
                        translate("must be unique: this value is already taken"))
