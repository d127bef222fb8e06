"""Comments over the API: ``/api/v1/records/<type>/<id>/comments`` (GET list, POST add) and
``/api/v1/records/<type>/<id>/comments/<comment id>`` (PATCH edit, DELETE).

Payloads are checked by marshmallow (:class:`CommentIn`); rights are :class:`.service.Comments`'s.
"""
from __future__ import annotations

from flask import jsonify
from marshmallow import Schema, fields, validate

from ..api.blueprint import bp, commit, json_body
from ..context import record_store
from .service import MAX_BODY, Comments


class CommentIn(Schema):
    """The body of a POST or PATCH: the comment's text (``@e-mail`` mentions notify)."""

    body = fields.String(required=True, validate=validate.Length(min=1, max=MAX_BODY))


def _body() -> str:
    return CommentIn().load(json_body())["body"]


@bp.get("/records/<type_name>/<int:record_id>/comments")
def list_comments(type_name: str, record_id: int):
    comments = Comments(record_store())
    rows = comments.list(type_name, record_id)
    authors = comments.authors(rows)
    return jsonify({"comments": [comments.to_json(c, authors) for c in rows]})


@bp.post("/records/<type_name>/<int:record_id>/comments")
def add_comment(type_name: str, record_id: int):
    comments = Comments(record_store())
    c = comments.add(type_name, record_id, _body())
    commit()
    return jsonify(comments.to_json(c)), 201


@bp.patch("/records/<type_name>/<int:record_id>/comments/<int:comment_id>")
def edit_comment(type_name: str, record_id: int, comment_id: int):
    comments = Comments(record_store())
    c = comments.edit(type_name, record_id, comment_id, _body())
    commit()
    return jsonify(comments.to_json(c))


@bp.delete("/records/<type_name>/<int:record_id>/comments/<int:comment_id>")
def delete_comment(type_name: str, record_id: int, comment_id: int):
    comments = Comments(record_store())
    c = comments.delete(type_name, record_id, comment_id)
    body = {"id": c.id, "deleted": True}
    commit()
    return jsonify(body)
