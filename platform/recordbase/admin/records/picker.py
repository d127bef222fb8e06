"""The searchable link picker: a link field's choices found by typing, a page at a time.

The form's select offers only the record's current targets; the browser (Tom Select, vendored)
asks ``GET /admin/records/<type>/link-options/?field=<link>&q=<text>&after=<cursor>`` for more:
target records the user may read (their policy's rows), whose title contains the text, by id,
at most :data:`PAGE` a request, with a cursor for the next page. Only reads (the admin's GET
session refuses writes), so it needs no CSRF token; a field hidden from the user, or not a link,
is a 404 (as if it did not exist); a target type the user may not read offers nothing.

Titles and the search are ``storage.titles.RecordTitles`` (the type's title format or title field,
as the user sees it: a hidden field is never searched nor shown).
"""
from __future__ import annotations

from typing import Any, Optional

from flask import abort, jsonify, request
from flask_admin import expose

from ...errors import RecordbaseError, ValidationError
from ...metamodel.ids import as_id
from ...storage.titles import RecordTitles
from .present import request_store

#: records a request offers at most
PAGE = 20
#: the longest search text taken (longer text is cut)
MAX_QUERY = 200


def search_page(store: Any, type_name: str, text: str,
                after: Optional[str] = None) -> tuple[list[tuple[int, str]], Optional[str]]:
    """One page of the picker: (id, title) pairs by id from ``RecordTitles.search`` (the reader's
    rows, hidden fields never searched nor shown), and the cursor of the next page (the last id
    shown), if there is one."""
    last = None
    if after:
        last = as_id(after)
        if last is None:
            raise ValidationError("not a cursor of this search", {"after": ["not a cursor"]})
    found = RecordTitles.for_store(store).search(type_name, text, limit=PAGE + 1, after=last)
    page = found[:PAGE]
    return page, (str(page[-1][0]) if len(found) > PAGE else None)


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
        found, nxt = search_page(store, target, text[:MAX_QUERY], after or None)
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
