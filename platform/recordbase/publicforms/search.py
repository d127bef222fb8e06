"""The public page's title search for a link field: ``GET /f/<token>/options/<field>?q=text`` →
``{"options": [{"value", "label"}]}``, at most 20, of the field's saved view only (the titles the
page may show anyway). For views larger than the options the page lists; an unknown form, field or a
closed form is a 404, as for a page that does not exist."""
from __future__ import annotations

from flask import abort, current_app, jsonify, request

from ..access import forms
from ..settings import instance_timezone
from ..access.public import bp
from ..context import current_schema, db_session
from . import page
from .settings import is_open

LIMIT = 20


@bp.get("/f/<token>/options/<field_name>")
def link_options(token: str, field_name: str):
    session = db_session()
    form_row = forms.by_token(session, token)
    schema = current_schema()
    typedef = schema.types.get(form_row.type_name) if form_row is not None else None
    settings = dict(form_row.settings or {}) if form_row is not None else {}
    field = typedef.field(field_name) if typedef is not None else None
    if (field is None or field.field_type != "link" or field_name not in (form_row.fields or [])
            or not form_row.enabled
            or is_open(settings, form_row.submissions or 0, instance_timezone()) is not None):
        abort(404)
    text = (request.args.get("q") or "")[:200]
    found = page.link_options(session, schema, field, (settings.get("link_views") or {}).get(field_name), text,
                              limit=LIMIT)
    resp = jsonify({"options": [{"value": v, "label": label} for v, label in found]})
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
