"""The OpenAPI operation of ``GET /api/v1/records/<type>/aggregate`` (:mod:`.aggregate`), per record type:
the fields it may group by and measure are the ones the caller sees."""
from __future__ import annotations

from typing import Any

from ..metamodel.runtime import TypeDef, is_many_link
from ..storage.aggregation import DIMENSION_TYPES, FUNCTIONS, MAX_LIMIT, SYSTEM_FIELDS, choices_for, is_number_field
from ..storage.date_buckets import BUCKETS
from .aggregate import DEFAULT_LIMIT
from .openapi_parts import API, body, errors

ROW = {"type": "object", "required": ["keys", "labels", "values"], "properties": {
    "keys": {"type": "array", "description": "each dimension's stored value (a date bucket: its first day; "
             "a user or a linked record: its id); null for the records without one"},
    "labels": {"type": "array", "items": {"type": "string"},
               "description": "each key as people read it, in the caller's language"},
    "values": {"type": "object", "additionalProperties": {"type": ["number", "string", "null"]},
               "description": "each metric's value, by its key (count, sum:amount ...)"}}}
RESULT = {"type": "object", "required": ["type", "group_by", "metrics", "rows", "truncated"], "properties": {
    "type": {"type": "string"},
    "group_by": {"type": "array", "items": {"type": "object", "properties": {
        "field": {"type": "string"}, "bucket": {"type": ["string", "null"]}, "key": {"type": "string"}}}},
    "metrics": {"type": "array", "items": {"type": "object", "properties": {
        "function": {"type": "string"}, "field": {"type": ["string", "null"]}, "key": {"type": "string"}}}},
    "rows": {"type": "array", "items": ROW},
    "truncated": {"type": "boolean", "description": "more groups matched than limit"}}}


def _kind(f: Any) -> str:
    return f.ftype.result(f).name if f.ftype.computed else f.field_type


def aggregate_path(spec: Any, t: TypeDef) -> None:
    groupable = [f.name for f in t.fields if _kind(f) in DIMENSION_TYPES or is_many_link(f) or is_number_field(f)
                 or (f.ftype.computed and choices_for(f))] + list(SYSTEM_FIELDS)
    measurable = [f.name for f in t.fields if is_number_field(f)]

    def param(name: str, schema: dict, description: str) -> dict:
        return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}

    spec.path(path=f"{API}/records/{t.name}/aggregate", operations={"get": {
        "operationId": f"aggregate_{t.name}", "tags": [t.name],
        "summary": f"Group {t.label} records and compute figures per group",
        "parameters": [
            param("group_by", {"type": "string"}, "up to two dimensions, comma-separated: field or field:bucket; "
                  f"fields: {', '.join(groupable)}; buckets (dates): {', '.join(BUCKETS)}"),
            param("metrics", {"type": "string", "default": "count"},
                  f"comma-separated function or function:field; functions: {', '.join(FUNCTIONS)}; "
                  f"number fields: {', '.join(measurable) or 'none'}"),
            param("filter", {"type": "string"}, "a filter tree as JSON (see the filter language)"),
            param("order", {"type": "string"}, "a metric's key, '-' for descending (-count); "
                  "without it, groups in the dimensions' order"),
            param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                  "at most this many groups"),
        ],
        "responses": {"200": body(RESULT), **errors("400", "403", "404", "422")}}})
