"""The metamodel part of the OpenAPI document: record types, fields, their trash, form layouts."""
from __future__ import annotations

from typing import Any

from apispec import APISpec

from .openapi_parts import API, FIELD, JSON, TYPE, body, errors, param, purged, ref


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
                   "parameters": [param("purge", "query", {"type": "boolean"})],
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
                   "parameters": [param("purge", "query", {"type": "boolean"})],
                   "responses": {"200": body(purged(fp), "the field in the trash; with purge, that it is gone"),
                                 **errors("403", "404", "409")}}})
    spec.path(path=f"{API}/types/{{type}}/fields/{{field}}/restore", parameters=[TYPE, FIELD], operations={
        "post": {"operationId": "restore_field", "tags": tag, "responses": {"200": body(fp), **errors("403", "404", "409")}}})
    spec.path(path=f"{API}/trash", operations={
        "get": {"operationId": "trash", "tags": tag, "responses": {"200": body({"type": "object"}), **errors()}}})


class _ReadOnlySpec:
    """Passes on only the GET operations of each path (a caller who may not change the structure)."""

    def __init__(self, spec: APISpec) -> None:
        self.spec = spec

    def path(self, path: str, operations: dict, **kw: Any) -> None:
        ops = {m: op for m, op in operations.items() if m == "get"}
        if ops:
            self.spec.path(path=path, operations=ops, **kw)
