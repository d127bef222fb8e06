"""The record part of the OpenAPI document: each record type's component schemas ``<type>_record`` (what
the API returns) and ``<type>_fields`` (what a create or update sends), whose properties come from the
same marshmallow fields that validate payloads (:mod:`.schemas`), and its paths under
``/api/v1/records/<type>``."""
from __future__ import annotations

from copy import deepcopy
from typing import Any

from apispec import APISpec
from flask import current_app, has_app_context

from ..metamodel.fieldtypes.choices import FALSE_WORDS, TRUE_WORDS
from ..metamodel.fieldtypes.text import TextLike
from ..metamodel.runtime import TypeDef
from ..storage import sort_guard
from ..storage.record_store import MAX_PAGE
from .openapi_parts import API, FIELD, ID, JSON, body, errors, param, purged, ref
from .schemas import record_schema


def nullable(schema: dict) -> dict:
    """A value schema that also admits null (stored values of optional fields may be empty)."""
    s = deepcopy(schema)
    t = s.get("type")
    if isinstance(t, str) and t != "null":
        s["type"] = [t, "null"]
    elif isinstance(t, list) and "null" not in t:
        s["type"] = t + ["null"]
    if "enum" in s and None not in s["enum"]:
        s["enum"] = list(s["enum"]) + [None]
    return s


#: what empties an optional field, whatever its type: null, blank text or an empty list
BLANK = {"anyOf": [{"type": "null"}, {"type": "string", "pattern": "^\\s*$"}, {"type": "array", "maxItems": 0}]}


def input_schema(field: Any, schema: dict) -> dict:
    """What a write may send for ``field`` (the server's cleaning, stated): a text field also takes a
    number (as its text), a multi-select its choices as text, a many-link one id alone, a number is
    rounded to the field's precision, and an optional field is emptied by anything blank."""
    schema = dict(schema)
    if isinstance(field.ftype, TextLike):
        schema["type"] = ["string", "number"]
    if schema.get("type") == "boolean":  # also 0/1 and yes/no words (choices.TRUE_WORDS, FALSE_WORDS)
        schema = {"anyOf": [schema, {"enum": [0, 1]}, {"type": "string", "enum": sorted(TRUE_WORDS | FALSE_WORDS)}]}
    if field.field_type == "multi_select":  # also the choices as text, as a cell or form sends them
        schema = {"anyOf": [schema, {"type": "string", "description": "choices separated by commas: a, b"}]}
    elif schema.get("type") == "array" and field.field_type == "link":  # also one id alone
        schema = {"anyOf": [schema, {"type": "integer"}]}
    if "multipleOf" in schema:
        schema.pop("multipleOf")
        schema["description"] = (schema.get("description", "") + " (rounded to the field's precision)").strip()
    return schema if field.required else {"anyOf": [schema, BLANK]}


def record_components(typedef: TypeDef, ctx: Any, readonly: frozenset = frozenset()) -> tuple[dict, dict]:
    """(output schema, input schema) of one record type, from its marshmallow fields.

    ``readonly``: fields the caller's role may not write (left out of the input schema)."""
    mfields = record_schema(typedef, ctx, creating=True).fields
    out_props, in_props, required = {}, {}, []
    for f in typedef.fields:
        mf = mfields[f.name]
        schema = mf.metadata["json_schema"]
        never_empty = f.required or schema.get("type") in ("boolean", "array")  # empty lists are [], not null
        out_props[f.name] = schema if never_empty else nullable(schema)
        if not f.ftype.read_only and f.name not in readonly:
            in_props[f.name] = input_schema(f, schema)
            if mf.required:
                required.append(f.name)
    fields_in: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": in_props}
    if required:
        fields_in["required"] = required
    label = typedef.label + (f" / {typedef.label_zh}" if typedef.label_zh else "")
    record = {
        "type": "object", "title": label, "required": ["id", "version", "created_at", "updated_at", "fields"],
        "properties": {
            "id": {"type": "integer", "readOnly": True},
            "version": {"type": "integer", "readOnly": True, "description": "send it back with an update"},
            "created_at": {"type": "string", "format": "date-time", "readOnly": True},
            "updated_at": {"type": "string", "format": "date-time", "readOnly": True},
            "created_by": {"type": ["string", "null"], "format": "email", "readOnly": True},
            "updated_by": {"type": ["string", "null"], "format": "email", "readOnly": True},
            "deleted_at": {"type": ["string", "null"], "format": "date-time", "readOnly": True},
            "backlinks": {"type": "array", "readOnly": True, "items": ref("Backlink"),
                          "description": "only on a single-record GET"},
            "fields": {"type": "object", "properties": out_props},
        },
    }
    return record, fields_in


LIST_PARAMS = [
    param("filter", "query", {"type": "string"}, "a filter tree as JSON (see the filter language)"),
    param("sort", "query", {"type": "string"}, "comma-separated field names, '-' for descending: -score,name"),
    param("limit", "query", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 50}),
    param("cursor", "query", {"type": "string"}, "next_cursor of the previous page"),
    param("fields", "query", {"type": "string"}, "comma-separated field names to return"),
    param("search", "query", {"type": "string"}, "text searched in the text fields"),
    param("trash", "query", {"type": "boolean"}, "list the trash instead"),
    param("count", "query", {"type": "boolean"}, "also return the number of matching records"),
    param("view", "query", {"type": "string"}, "a saved view (id or name): its filter, and its sort unless given"),
]


def list_params(t: TypeDef) -> list[dict]:
    """:data:`LIST_PARAMS` with the type's ``sort``: which of its fields an index serves a sort on."""
    limit = sort_guard.max_rows(current_app.config if has_app_context() else None)
    indexed = sort_guard.indexed_sort_fields(t)
    text = ("comma-separated field names, '-' for descending: -score,name. Empty values come last either way; "
            "equal values are ordered by id in the direction of the last key. "
            f"Indexed fields (a sort on them stays fast at any size): {', '.join(indexed) or 'none'}; "
            "id and updated_at are indexed too, and created_at is never refused. A sort on another field "
            "(a single select sorts in its choices' order, which no index gives) orders every matching record "
            "for each page")
    if limit:
        text += (f": on a table of more than {limit:,} records it is refused (400 sort_not_indexed) — "
                 "index the field (its form's 'Indexed', or \"indexed\": true)")
    sort = param("sort", "query", {"type": "string"}, text + ".")
    return [sort if p["name"] == "sort" else p for p in LIST_PARAMS]


def record_paths(spec: APISpec, t: TypeDef, may: Any = None) -> None:
    """The paths of one record type; ``may(action)`` says what the caller may do (None: everything)."""
    rec, fields_in = ref(f"{t.name}_record"), ref(f"{t.name}_fields")
    may = may or (lambda action: True)
    tag = [t.name]
    page = {"type": "object", "required": ["records", "next_cursor"],
            "properties": {"records": {"type": "array", "items": rec}, "next_cursor": {"type": ["string", "null"]},
                           "count": {"type": "integer"}}}
    create = {"type": "object", "required": ["fields"], "additionalProperties": False,
              "properties": {"fields": fields_in}}
    update = {"type": "object", "required": ["fields", "version"], "additionalProperties": False,
              "properties": {"fields": {"allOf": [ref(f"{t.name}_changes")], "description": "only the fields to change"},
                             "version": {"type": "integer", "description": "the version you read"}}}
    listing = {
        "get": {"operationId": f"list_{t.name}", "summary": f"List {t.label} records", "tags": tag,
                "parameters": list_params(t), "responses": {"200": body(page), **errors("400", "404")}},
        "post": {"operationId": f"create_{t.name}", "summary": f"Create a {t.label} record", "tags": tag,
                 "requestBody": {"required": True, "content": {JSON: {"schema": create}}},
                 "responses": {"201": body(rec, "Created"), **errors("400", "403", "404", "422")}},
    }
    one = {
        "get": {"operationId": f"get_{t.name}", "summary": f"One {t.label} record, with its backlinks",
                "tags": tag, "responses": {"200": body(rec), **errors("404")}},
        "patch": {"operationId": f"update_{t.name}", "summary": f"Change a {t.label} record", "tags": tag,
                  "requestBody": {"required": True, "content": {JSON: {"schema": update}}},
                  "responses": {"200": body(rec), **errors("400", "403", "404", "409", "422")}},
        "delete": {"operationId": f"delete_{t.name}", "summary": f"Move a {t.label} record to the trash",
                   "tags": tag, "parameters": [param("version", "query", {"type": "integer"}),
                                               param("purge", "query", {"type": "boolean"})],
                   "responses": {"200": body(purged(rec), "the record in the trash; with purge, that it is gone"),
                                 **errors("403", "404", "409")}},
    }
    for method, action in (("post", "create"), ("patch", "update"), ("delete", "delete")):
        if not may(action):  # a token sees only what its user may do
            (listing if method == "post" else one).pop(method)
    spec.path(path=f"{API}/records/{t.name}", operations=listing)
    spec.path(path=f"{API}/records/{t.name}/{{id}}", parameters=[ID], operations=one)
    if may("delete"):
        spec.path(path=f"{API}/records/{t.name}/{{id}}/restore", parameters=[ID], operations={
            "post": {"operationId": f"restore_{t.name}", "summary": f"Restore a {t.label} record from the trash",
                     "tags": tag, "responses": {"200": body(rec), **errors("403", "404", "409")}}})
    from .access_openapi import history_path

    history_path(spec, t)
    from ..comments.openapi import comments_paths

    comments_paths(spec, t, may)
    attachment_fields = [f.name for f in t.fields if f.field_type == "attachment"]
    if attachment_fields and may("update"):
        upload = {"type": "object", "required": ["file", "version"],
                  "properties": {"file": {"type": "string", "format": "binary"}, "version": {"type": "integer"}}}
        spec.path(path=f"{API}/records/{t.name}/{{id}}/attachments/{{field}}", operations={
            "post": {"operationId": f"attach_{t.name}", "summary": "Upload a file into an attachment field",
                     "tags": tag, "parameters": [ID, dict(FIELD, schema={"type": "string", "enum": attachment_fields})],
                     "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": upload}}},
                     "responses": {"201": body({"type": "object", "properties": {
                         "attachments": {"type": "array", "items": ref("Attachment")}, "record": rec}}, "Created"),
                         **errors("403", "404", "409", "413", "422")}}})
