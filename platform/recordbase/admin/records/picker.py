"""The searchable link picker: a link field's choices found by typing, a page at a time.

The form's select offers only the record's current targets; the browser (Tom Select, vendored)
asks ``GET /admin/records/<type>/link-options/?field=<link>&q=<text>&after=<cursor>`` for more:
target records the user may read (their policy's rows), whose title contains the text, by id,
at most :data:`PAGE` a request, with a cursor for the next page. Only reads (the admin's GET
session refuses writes), so it needs no CSRF token; a field hidden from the user, or not a link,
is a 404 (as if it did not exist); a target type the user may not read offers nothing.

Titles: the target type's title field as the user sees it (a hidden title field is never
searched nor shown: the record is offered as "Type #id", found by its id).
"""
from __future__ import annotations

from typing import Any, Optional

from flask import abort, jsonify, request
from flask_admin import expose

from sqlalchemy import or_, select

from ...access import enforce
from ...errors import RecordbaseError, ValidationError
from ...metamodel.ids import as_id
from ...metamodel.operators import _like_escape
from ...metamodel.runtime import has_own_column
from .present import request_store

#: records a request offers at most
PAGE = 20
#: the longest search text taken (longer text is cut)
MAX_QUERY = 200


class PickerTitles:
    """Finds target records by title text, within the user's rows (private adapter over the type's
    title field; the same call shape as ``storage.titles.RecordTitles.search``).

    One SELECT of (id, title) on the type's table: live rows, the policy's row condition, the text
    as a substring of the title (the database's own case-insensitive LIKE: SQLite's built-in LIKE,
    PostgreSQL's ILIKE, never a per-row function), keyset by id (``after``: the last id shown).
    Text that is an id also finds that record."""

    def __init__(self, store: Any):
        self.store = store

    def search(self, type_name: str, text: str, limit: int = PAGE,
               after: Optional[str] = None) -> tuple[list[tuple[int, str]], Optional[str]]:
        store = self.store
        enforce.require(store, "read", type_name)
        full = store.type(type_name)
        visible = store.visible_type(type_name)
        tf = visible.title_field
        if tf is not None and not (has_own_column(tf) and not tf.ftype.system_column):
            tf = None
        t = full.table
        cols = [t.c.id] + ([t.c[tf.column_name]] if tf is not None else [])
        stmt = select(*cols).where(t.c.deleted_at.is_(None))
        rows_cond = store.row_condition(full, "read")
        if rows_cond is not None:
            stmt = stmt.where(rows_cond)
        text = text.replace("\x00", "").strip()
        if text:
            conds = []
            if tf is not None and tf.ftype.searchable:
                pattern = f"%{_like_escape(text)}%"
                col = t.c[tf.column_name]
                postgres = store.session.get_bind().dialect.name == "postgresql"
                conds.append(col.ilike(pattern, escape="\\") if postgres else col.like(pattern, escape="\\"))
            rid = as_id(text)
            if rid is not None:
                conds.append(t.c.id == rid)
            if not conds:
                return [], None
            stmt = stmt.where(or_(*conds))
        if after:
            last = as_id(after)
            if last is None:
                raise ValidationError("not a cursor of this search", {"after": ["not a cursor"]})
            stmt = stmt.where(t.c.id > last)
        rows = store.session.execute(stmt.order_by(t.c.id).limit(limit + 1)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        label = visible.display_label(store.lang)
        out = []
        for row in rows:
            title = ""
            if tf is not None:
                title = tf.ftype.format(tf.ftype.from_db(row[1], tf), tf, store.ctx)
            out.append((row[0], title or f"{label} #{row[0]}"))
        return out, (str(rows[-1][0]) if more and rows else None)


def link_options(typedef: Any, field_name: str, text: str, after: Optional[str]) -> dict:
    """The JSON of one picker request (``typedef``: the source type as the user sees it)."""
    field = typedef.field(field_name)
    if field is None or field.field_type != "link":
        abort(404)
    store = request_store()
    target = field.options.get("target", "")
    if target not in store.schema.types or not store.can("read", target):
        return {"results": [], "next": None}
    try:
        found, nxt = PickerTitles(store).search(target, text[:MAX_QUERY], limit=PAGE, after=after or None)
    except RecordbaseError:  # a cursor of no page of this search: no more results
        return {"results": [], "next": None}
    return {"results": [{"id": str(i), "text": title} for i, title in found], "next": nxt}


class LinkPickerPages:
    """Mixed into the record views: the picker's JSON endpoint."""

    @expose("/link-options/")
    def link_options_view(self) -> Any:
        body = link_options(self.typedef, request.args.get("field", ""), request.args.get("q", ""),
                            request.args.get("after"))
        response = jsonify(body)
        response.headers["Cache-Control"] = "no-store"
        return response
