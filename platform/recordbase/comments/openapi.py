"""The comments' part of the OpenAPI document (one path pair per readable record type)."""
from __future__ import annotations

from typing import Any, Callable, Optional

from apispec import APISpec

from ..api.openapi_parts import API, body, errors, param, ref, request
from .service import MAX_BODY

COMMENT = {"type": "object", "required": ["id", "body", "author", "created_at"], "properties": {
    "id": {"type": "integer"}, "body": {"type": "string"},
    "author": {"type": ["string", "null"], "description": "the author's e-mail"},
    "author_name": {"type": ["string", "null"]},
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": ["string", "null"], "format": "date-time"},
    "can_edit": {"type": "boolean"}, "can_delete": {"type": "boolean"}}}
COMMENT_IN = {"type": "object", "required": ["body"], "additionalProperties": False, "properties": {
    "body": {"type": "string", "minLength": 1, "maxLength": MAX_BODY,
             "description": "the text; '@' and a user's e-mail mentions them (an inbox notification, "
                            "if they may read the record)"}}}


def comments_paths(spec: APISpec, t: Any, may: Optional[Callable[[str], bool]] = None) -> None:
    """``/records/<type>/{id}/comments`` for a type the reader may read."""
    if "Comment" not in spec.components.schemas:
        spec.components.schema("Comment", COMMENT)
    rid = param("id", "path", {"type": "integer"}, "record id")
    cid = param("comment_id", "path", {"type": "integer"}, "comment id")
    tag = [t.name]
    spec.path(path=f"{API}/records/{t.name}/{{id}}/comments", parameters=[rid], operations={
        "get": {"operationId": f"comments_{t.name}", "summary": f"The comments on a {t.label} record",
                "tags": tag, "responses": {"200": body({"type": "object", "required": ["comments"], "properties": {
                    "comments": {"type": "array", "items": ref("Comment")}}}), **errors("404")}},
        "post": {"operationId": f"comment_{t.name}", "summary": f"Comment on a {t.label} record",
                 "description": "Whoever may read the record may comment, except through a read-only token.",
                 "tags": tag, "requestBody": request(COMMENT_IN),
                 "responses": {"201": body(ref("Comment"), "Created"), **errors("403", "404", "422")}}})
    spec.path(path=f"{API}/records/{t.name}/{{id}}/comments/{{comment_id}}", parameters=[rid, cid], operations={
        "patch": {"operationId": f"edit_comment_{t.name}", "summary": "Change one's own comment",
                  "tags": tag, "requestBody": request(COMMENT_IN),
                  "responses": {"200": body(ref("Comment")), **errors("403", "404", "422")}},
        "delete": {"operationId": f"delete_comment_{t.name}",
                   "summary": "Delete a comment (its author, or who may configure the type)", "tags": tag,
                   "responses": {"200": body({"type": "object", "properties": {
                       "id": {"type": "integer"}, "deleted": {"type": "boolean"}}}), **errors("403", "404")}}})
