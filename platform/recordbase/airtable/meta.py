"""Metadata: ``GET /v0/meta/bases``, ``GET /v0/meta/bases/{baseId}/tables`` and ``/v0/meta/whoami``."""
from __future__ import annotations

from flask import current_app, g, jsonify

from ..context import current_schema, record_store
from ..i18n import lang_code
from ..settings import instance_timezone
from .common import base_id, bp, check_base, make_id, visible
from .values import table_schema


@bp.get("/meta/bases")
def bases():
    level = "read" if g.rb_token.read_only else ("create" if g.rb_user.role in ("owner", "builder") else "edit")
    return jsonify({"bases": [{"id": base_id(), "name": current_app.config.get("AIRTABLE_BASE_NAME", "Recordbase"),
                               "permissionLevel": level}]})


@bp.get("/meta/bases/<base>/tables")
def tables(base: str):
    check_base(base)
    schema = current_schema()
    store = record_store()
    tz = instance_timezone()
    can = getattr(store, "can", None)
    readable = [t for t in schema.ordered() if can is None or can("read", t.name)]
    lang = lang_code(g.rb_user.locale)  # the descriptions in the token user's language (messages stay English)
    return jsonify({"tables": [table_schema(schema, visible(store, t), tz, lang) for t in readable]})


@bp.get("/meta/whoami")
def whoami():
    user = g.rb_user
    return jsonify({"id": make_id("usr", user.id), "email": user.email})
