"""``GET /api/v1/openapi.json``: an OpenAPI 3.1 document built (with apispec) from the current schema.

Each record type gets two component schemas, ``<type>_record`` (what the API
returns) and ``<type>_fields`` (what a create or update sends), whose
properties come from the same marshmallow fields that validate payloads
(:mod:`.schemas`), and its own paths under ``/api/v1/records/<type>``.
OpenAPI 3.1 is used because field schemas are JSON Schema 2020-12
(``"type": ["integer", "null"]``).
"""
from __future__ import annotations

import json
from copy import deepcopy
from typing import Any

from apispec import APISpec
from flask import current_app, has_app_context

from ..context import current_schema, record_store
from ..metamodel.fieldtypes import field_types
from ..metamodel.fieldtypes.choices import FALSE_WORDS, TRUE_WORDS
from ..metamodel.fieldtypes.text import TextLike
from ..metamodel.runtime import RuntimeSchema, TypeDef
from ..metamodel.payloads import FIELD_SCHEMA, TYPE_SCHEMA
from ..storage import sort_guard
from ..storage.record_store import MAX_PAGE
from .blueprint import bp
from .schemas import record_schema

API = "/api/v1"
JSON = "application/json"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def body(schema: dict, description: str = "") -> dict:
    return {"description": description or "OK", "content": {JSON: {"schema": schema}}}


ERRORS = {code: {"$ref": f"#/components/responses/{name}"} for code, name in
          (("400", "BadRequest"), ("401", "Unauthorized"), ("403", "Forbidden"), ("404", "NotFound"),
           ("409", "Conflict"), ("413", "PayloadTooLarge"), ("422", "ValidationError"))}


def errors(*codes: str) -> dict:
    return {c: ERRORS[c] for c in ("401",) + codes}


def purged(schema: dict) -> dict:
    """A DELETE's answer: ``schema`` (moved to the trash) or, with ``?purge=1``, what was deleted for good."""
    return {"anyOf": [schema, ref("Purged")]}


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


def _param(name: str, where: str, schema: dict, description: str = "", required: bool = False) -> dict:
    p = {"name": name, "in": where, "schema": schema, "required": required or where == "path"}
    if description:
        p["description"] = description
    return p


ID = _param("id", "path", {"type": "integer"}, "record id")
TYPE = _param("type", "path", {"type": "string"}, "record type API name")
FIELD = _param("field", "path", {"type": "string"}, "field API name")
LIST_PARAMS = [
    _param("filter", "query", {"type": "string"}, "a filter tree as JSON (see the filter language)"),
    _param("sort", "query", {"type": "string"}, "comma-separated field names, '-' for descending: -score,name"),
    _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 50}),
    _param("cursor", "query", {"type": "string"}, "next_cursor of the previous page"),
    _param("fields", "query", {"type": "string"}, "comma-separated field names to return"),
    _param("search", "query", {"type": "string"}, "text searched in the text fields"),
    _param("trash", "query", {"type": "boolean"}, "list the trash instead"),
    _param("count", "query", {"type": "boolean"}, "also return the number of matching records"),
    _param("view", "query", {"type": "string"}, "a saved view (id or name): its filter, and its sort unless given"),
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
    sort = _param("sort", "query", {"type": "string"}, text + ".")
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
                   "tags": tag, "parameters": [_param("version", "query", {"type": "integer"}),
                                               _param("purge", "query", {"type": "boolean"})],
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


def metamodel_paths(spec: APISpec, may_configure: bool = True) -> None:
    """The metamodel paths; without ``may_configure``, only their reading operations."""
    if not may_configure:
        spec = _ReadOnlySpec(spec)
    tp, fp = ref("RecordType"), ref("Field")
    tag = ["metamodel"]
    spec.path(path=f"{API}/types", operations={
        "get": {"operationId": "list_types", "tags": tag, "responses": {
            "200": body({"type": "object", "properties": {"types": {"type": "array", "items": tp}}}),
            **errors()}},
        "post": {"operationId": "create_type", "tags": tag,
                 "requestBody": {"required": True, "content": {JSON: {"schema": tp}}},
                 "responses": {"201": body(tp, "Created"), **errors("400", "403", "409", "422")}}})
    spec.path(path=f"{API}/types/{{type}}", parameters=[TYPE], operations={
        "get": {"operationId": "get_type", "tags": tag, "responses": {"200": body(tp), **errors("404")}},
        "patch": {"operationId": "update_type", "tags": tag,
                  "requestBody": {"required": True, "content": {JSON: {"schema": tp}}},
                  "responses": {"200": body(tp), **errors("400", "403", "404", "422")}},
        "delete": {"operationId": "delete_type", "tags": tag,
                   "parameters": [_param("purge", "query", {"type": "boolean"})],
                   "responses": {"200": body(purged(tp), "the type in the trash; with purge, that it is gone"),
                                 **errors("403", "404", "409")}}})
    spec.path(path=f"{API}/types/{{type}}/restore", parameters=[TYPE], operations={
        "post": {"operationId": "restore_type", "tags": tag, "responses": {"200": body(tp), **errors("403", "404")}}})
    spec.path(path=f"{API}/types/{{type}}/fields", parameters=[TYPE], operations={
        "get": {"operationId": "list_fields", "tags": tag, "responses": {
            "200": body({"type": "object", "properties": {"fields": {"type": "array", "items": fp}}}),
            **errors("404")}},
        "post": {"operationId": "add_field", "tags": tag,
                 "requestBody": {"required": True, "content": {JSON: {"schema": fp}}},
                 "responses": {"201": body(fp, "Created"), **errors("400", "403", "404", "409", "422")}}})
    spec.path(path=f"{API}/types/{{type}}/fields/order", parameters=[TYPE], operations={
        "post": {"operationId": "reorder_fields", "tags": tag, "requestBody": {"required": True, "content": {JSON: {
            "schema": {"type": "object", "properties": {"order": {"type": "array", "items": {"type": "string"}},
                                                        "sections": {"type": "object"}}}}}},
                 "responses": {"200": body({"type": "object"}), **errors("403", "404", "422")}}})
    from .form_layouts import openapi_paths as layout_paths

    layout_paths(spec, API, TYPE, tag, body, errors)
    spec.path(path=f"{API}/types/{{type}}/fields/{{field}}", parameters=[TYPE, FIELD], operations={
        "get": {"operationId": "get_field", "tags": tag, "responses": {"200": body(fp), **errors("404")}},
        "patch": {"operationId": "update_field", "tags": tag,
                  "description": "A type change converts the data; values that cannot convert are a 409 "
                                 "listing record ids unless the body has \"force\": true.",
                  "requestBody": {"required": True, "content": {JSON: {"schema": fp}}},
                  "responses": {"200": body(ref("FieldChange")), **errors("400", "403", "404", "409", "422")}},
        "delete": {"operationId": "delete_field", "tags": tag,
                   "parameters": [_param("purge", "query", {"type": "boolean"})],
                   "responses": {"200": body(purged(fp), "the field in the trash; with purge, that it is gone"),
                                 **errors("403", "404", "409")}}})
    spec.path(path=f"{API}/types/{{type}}/fields/{{field}}/restore", parameters=[TYPE, FIELD], operations={
        "post": {"operationId": "restore_field", "tags": tag, "responses": {"200": body(fp), **errors("403", "404", "409")}}})
    spec.path(path=f"{API}/trash", operations={
        "get": {"operationId": "trash", "tags": tag, "responses": {"200": body({"type": "object"}), **errors()}}})


def other_paths(spec: APISpec) -> None:
    att = ref("Attachment")
    spec.path(path=f"{API}/attachments", operations={"post": {
        "operationId": "upload_attachment", "tags": ["attachments"],
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["type", "field", "file"],
            "properties": {"type": {"type": "string"}, "field": {"type": "string"},
                           "file": {"type": "string", "format": "binary"}}}}}},
        "responses": {"201": body({"type": "object", "properties": {"attachments": {"type": "array", "items": att}}},
                                  "Created"), **errors("403", "404", "413", "422")}}})
    spec.path(path=f"{API}/attachments/{{key}}", parameters=[_param("key", "path", {"type": "string"})], operations={
        "get": {"operationId": "download_attachment", "tags": ["attachments"], "responses": {
            "200": {"description": "the file, as an attachment, with the content type it was uploaded with",
                    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}},
            **errors("404")}}})
    spec.path(path=f"{API}/me", operations={"get": {"operationId": "me", "responses": {
        "200": body({"type": "object", "properties": {"email": {"type": "string"}, "role": {"type": "string"}}}),
        **errors()}}})
    spec.path(path=f"{API}/openapi.json", operations={"get": {"operationId": "openapi", "responses": {
        "200": body({"type": "object"}, "this document"), **errors()}}})


def common_components(spec: APISpec) -> None:
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "description": "an API token: recordbase tokens create --email E"})
    spec.components.schema("Error", {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {}}}}})
    for name, text in (("BadRequest", "bad parameters (filter, sort, limit, cursor) or a body that is not JSON"),
                       ("Unauthorized", "no valid bearer token"), ("Forbidden", "not allowed (e.g. a read-only token)"),
                       ("NotFound", "no such type, field or record"),
                       ("Conflict", "a stale version, a restricted delete or a refused conversion"),
                       ("PayloadTooLarge", "the file or body is larger than allowed"),
                       ("ValidationError", "invalid input; details lists the problems by field")):
        spec.components.response(name, body(ref("Error"), text))
    types = sorted(field_types())
    field_schema = deepcopy(FIELD_SCHEMA)
    field_schema["properties"]["type"] = {"type": "string", "enum": types}
    field_schema["properties"]["read_only"] = {"type": "boolean", "readOnly": True}
    field_schema["properties"]["deleted_at"] = {"type": ["string", "null"], "readOnly": True, "description": "in the trash"}
    field_schema["properties"]["records_without_value"] = {
        "type": ["integer", "null"], "readOnly": True,
        "description": "in the answer to adding or changing a required field: how many records have no value "
                       "in it yet (null: not countable for this caller)"}
    field_schema["required"] = ["name", "label", "type"]
    spec.components.schema("Field", field_schema)
    change_schema = deepcopy(field_schema)  # the field after a PATCH, with what a type change did to the data
    change_schema["properties"]["conversion"] = {
        "type": ["object", "null"], "readOnly": True,
        "description": "after a type change: the values converted, and those cleared when forced; else null"}
    spec.components.schema("FieldChange", change_schema)
    type_schema = deepcopy(TYPE_SCHEMA)
    type_schema["properties"]["fields"] = {"type": "array", "items": ref("Field")}
    type_schema["properties"]["deleted_at"] = {"type": ["string", "null"], "readOnly": True, "description": "in the trash"}
    type_schema["required"] = ["name", "label"]
    spec.components.schema("RecordType", type_schema)
    spec.components.schema("Attachment", {"type": "object", "properties": {
        "key": {"type": "string"}, "name": {"type": "string"}, "size": {"type": "integer"},
        "content_type": {"type": "string"}, "url": {"type": "string"}}})
    spec.components.schema("Purged", {
        "type": "object", "required": ["purged"], "description": "deleted for good (?purge=1)",
        "properties": {"purged": {"const": True}, "id": {"type": "integer"}, "name": {"type": "string"},
                       "type": {"type": "string"}}})
    spec.components.schema("Backlink", {"type": "object", "properties": {
        "type": {"type": "string"}, "field": {"type": "string"}, "ids": {"type": "array", "items": {"type": "integer"}}}})


class _ReadOnlySpec:
    """Passes on only the GET operations of each path (a caller who may not change the structure)."""

    def __init__(self, spec: APISpec) -> None:
        self.spec = spec

    def path(self, path: str, operations: dict, **kw: Any) -> None:
        ops = {m: op for m, op in operations.items() if m == "get"}
        if ops:
            self.spec.path(path=path, operations=ops, **kw)


def build_spec(schema: RuntimeSchema, ctx: Any, policy: Any = None) -> dict:
    """The document; with ``policy``, only the types, fields and operations that policy allows."""
    types = [t for t in schema.ordered() if policy is None or policy.can("read", t.name)]
    spec = APISpec(title="Recordbase API", version=str(schema.version), openapi_version="3.1.0",
                   info={"description": "Records, record types and fields of this Recordbase instance. "
                                        f"Schema version {schema.version}."},
                   security=[{"bearer": []}],
                   tags=[{"name": "metamodel"}, {"name": "attachments"}, {"name": "automation"},
                         {"name": "notifications"}, {"name": "views"}, {"name": "packs"},
                         {"name": "workflows"}]
                   + [{"name": t.name, "description": t.label + (f" / {t.label_zh}" if t.label_zh else "")}
                      for t in types])
    common_components(spec)
    from .dataio_openapi import components as dataio_components, dataio_paths, infer_path
    from .aggregate_openapi import aggregate_path

    dataio_components(spec)
    for t in types:
        shown = policy.visible(t) if policy is not None else t  # hidden fields are not in the document
        record, fields_in = record_components(shown, ctx, policy.readonly(t.name) if policy is not None else frozenset())
        spec.components.schema(f"{t.name}_record", record)
        spec.components.schema(f"{t.name}_fields", fields_in)
        spec.components.schema(f"{t.name}_changes", {k: v for k, v in fields_in.items() if k != "required"})
        may = (lambda action, n=t.name: policy.can(action, n)) if policy is not None else None
        record_paths(spec, shown, may)
        dataio_paths(spec, shown, may)
        aggregate_path(spec, shown)
    metamodel_paths(spec, policy is None or policy.can_configure())
    infer_path(spec)
    other_paths(spec)
    from .access_openapi import access_paths
    from .packs_openapi import pack_and_view_paths
    from .rules_openapi import rules_paths

    access_paths(spec, policy)
    rules_paths(spec, policy)
    pack_and_view_paths(spec, policy)
    from ..workflow.api_openapi import workflow_paths

    workflow_paths(spec, types)  # transitions, approvals, workflows, delegations (recordbase.workflow)
    from .openapi_responses import complete

    return complete(spec.to_dict())


@bp.get("/openapi.json")
def openapi_document():
    """Serialised without sorting keys, so that fields keep their form order."""
    from ..access import current_policy

    doc = build_spec(current_schema(), record_store().ctx, current_policy())
    return current_app.response_class(json.dumps(doc, ensure_ascii=False), mimetype="application/json")
