"""``GET /api/v1/openapi.json``: an OpenAPI 3.1 document built (with apispec) from the current schema.

Its parts: :mod:`.openapi_records` (each record type's component schemas and paths),
:mod:`.openapi_metamodel` (types and fields), the other modules' ``*_openapi`` and, here, the shared
components, the few other paths and the document itself (built from :mod:`.openapi_parts`).
OpenAPI 3.1 is used because field schemas are JSON Schema 2020-12 (``"type": ["integer", "null"]``).
"""
from __future__ import annotations

import json
from copy import deepcopy
from typing import Any

from apispec import APISpec
from flask import current_app

from ..context import current_schema, record_store
from ..metamodel.fieldtypes import field_types
from ..metamodel.payloads import FIELD_SCHEMA, TYPE_SCHEMA
from ..metamodel.runtime import RuntimeSchema
from .blueprint import bp
from .openapi_metamodel import metamodel_paths
from .openapi_parts import API, body, errors, param, ref
from .openapi_records import record_components, record_paths


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
    spec.path(path=f"{API}/attachments/{{key}}", parameters=[param("key", "path", {"type": "string"})], operations={
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
