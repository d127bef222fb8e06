"""Saved views over the API: ``GET/POST /api/v1/views``, ``GET/PATCH/DELETE /api/v1/views/<id>``.

A view is ``{"type", "name", "name_zh", "description", "filter", "sort", "columns", "position"}``
(see :mod:`recordbase.packs.views`); a bad one is a 422 whose ``details`` give the first failing
JSON path and every problem. ``GET /api/v1/records/<type>?view=<id or name>`` lists records
through a view. Who may make, share and change views: :mod:`recordbase.views.sharing` (anyone who
reads a type keeps personal views of it; shared ones need ``configure`` on it).
"""
from __future__ import annotations

from flask import g, jsonify, request

from ..context import current_schema, db_session, record_store
from ..packs.views import ViewService, view_json
from .blueprint import bp, commit, json_body


def _service() -> ViewService:
    store = record_store()
    return ViewService(db_session(), current_schema(), store.ctx, store.policy)  # views of what the caller sees


@bp.get("/views")
def list_views():
    """``?type=<record type>`` for one type's views."""
    views = _service().list(request.args.get("type") or None)
    return jsonify({"views": [view_json(v) for v in views]})


@bp.post("/views")
def create_view():
    view = _service().create(json_body(), g.rb_user.id)
    commit()
    return jsonify(view_json(view)), 201


@bp.get("/views/<int:view_id>")
def get_view(view_id: int):
    return jsonify(view_json(_service().get(view_id)))


@bp.patch("/views/<int:view_id>")
def update_view(view_id: int):
    view = _service().update(view_id, json_body())
    commit()
    return jsonify(view_json(view))


@bp.delete("/views/<int:view_id>")
def delete_view(view_id: int):
    _service().delete(view_id)
    commit()
    return jsonify({"id": view_id, "deleted": True})
