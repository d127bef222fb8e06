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

from ...errors import RecordbaseError
from ...metamodel.ids import as_id
from .present import request_store

#: records a request offers at most
PAGE = 20
#: the longest search text taken (longer text is cut)
MAX_QUERY = 200


class PickerTitles:
    """Finds target records by title text, within the user's rows (private adapter over the type's
    title field; the same call shape as ``storage.titles.RecordTitles.search``)."""

    def __init__(self, store: Any):
        self.store = store

    def search(self, type_name: str, text: str, limit: int = PAGE,
               after: Optional[str] = None) -> tuple[list[tuple[int, str]], Optional[str]]:
        store = self.store
        visible = store.visible_type(type_name)
        tf = visible.title_field
        text = text.strip()
        rid = as_id(text)
        flt: Any = None
        if text:
            conds = [{"field": tf.name, "op": "contains", "value": text}] if tf is not None and tf.ftype.searchable \
                else []
            if rid is not None:
                conds.append({"field": "id", "op": "eq", "value": rid})
            if not conds:
                return [], None
            flt = conds[0] if len(conds) == 1 else {"or": conds}
        page = store.list(type_name, filter=flt, sort="id", limit=limit, cursor=after)
        return [(r.id, store.title(r)) for r in page.records], page.next_cursor


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
