"""The OpenAPI part of :mod:`.dataio`: import a file, write a batch of records, export a list.

Each record type gets its own batch, import and export paths (with the type's ``<type>_fields``
and ``<type>_record`` components, built from its marshmallow schema by :mod:`.openapi`); each is
shown when the caller's policy allows the action on that type.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from apispec import APISpec

from ..metamodel.fieldtypes.base import API_NAME_PATTERN
from .openapi_parts import API, TEXT_OR_NULL, body, errors, param, ref, request

MULTIPART = "multipart/form-data"


def components(spec: APISpec) -> None:
    spec.components.schema("BatchError", {
        "type": "object", "required": ["index", "errors"],
        "properties": {"index": {"type": "integer", "description": "the record's place in the request"},
                       "errors": {"type": "object", "description": "field -> its problems",
                                  "additionalProperties": {"type": "array", "items": {"type": "string"}}}}})
    spec.components.schema("ImportReport", {
        "type": "object",
        "required": ["type", "mode", "dry_run", "ok", "committed", "rows", "created", "updated", "skipped",
                     "bad_rows", "error_count", "errors", "mapping", "summary"],
        "properties": {
            "type": {"type": "string"}, "format": {"type": "string"}, "sheet": TEXT_OR_NULL, "encoding": TEXT_OR_NULL,
            "delimiter": TEXT_OR_NULL, "mode": {"type": "string", "enum": ["all_or_nothing", "skip_bad_rows"]},
            "dry_run": {"type": "boolean"}, "key": TEXT_OR_NULL, "ok": {"type": "boolean"},
            "committed": {"type": "boolean"}, "rows": {"type": "integer"}, "created": {"type": "integer"},
            "updated": {"type": "integer"}, "skipped": {"type": "integer"}, "bad_rows": {"type": "integer"},
            "error_count": {"type": "integer"},
            "errors": {"type": "array", "description": "the first 1,000", "items": {
                "type": "object", "required": ["row", "reason"],
                "properties": {"row": {"type": "integer"}, "column": TEXT_OR_NULL, "field": TEXT_OR_NULL,
                               "value": {"type": ["string", "number", "boolean", "null"]},
                               "reason": {"type": "string"}}}},
            "mapping": {"type": "array", "items": {
                "type": "object", "required": ["column", "header", "field"],
                "properties": {"column": {"type": "integer"}, "header": {"type": "string"}, "field": TEXT_OR_NULL,
                               "field_label": TEXT_OR_NULL, "reason": TEXT_OR_NULL}}},
            "preview": {"type": "array", "items": {"type": "object"}},
            "seconds": {"type": "number"}, "summary": {"type": "string"}}})


def import_form(extra: Optional[dict] = None) -> dict:
    props = {"file": {"type": "string", "format": "binary", "description": "CSV or XLSX"},
             "dry_run": {"type": "boolean"}, "key": {"type": "string", "description": "upsert on this field"},
             "sheet": {"type": "string"}, "skip_bad_rows": {"type": "boolean"},
             "date_order": {"type": "string", "enum": ["dmy", "mdy"]},
             "mapping": {"type": "string", "description": "a JSON object: column -> field"},
             "run_rules": {"type": "boolean", "default": True,
                           "description": "false skips the automation rules: only for users who may configure the type (403)"},
             "create_type": {"type": "boolean", "description": "create the record type from the file first"},
             "label": {"type": "string"}, "encoding": {"type": "string"}, "delimiter": {"type": "string"}}
    return {"required": True, "content": {MULTIPART: {"schema": {"type": "object", "required": ["file"],
                                                                 "properties": {**props, **(extra or {})}}}}}


def batch_body(fields: dict, skip_invalid: bool) -> dict:
    """A batch body whose records' ``fields`` match ``fields``; ``skip_invalid`` is false or left out, or true."""
    from .dataio import MAX_BATCH

    item = {"type": "object", "required": ["fields"], "additionalProperties": False, "properties": {"fields": fields}}
    return {"type": "object", "required": ["records"] + (["skip_invalid"] if skip_invalid else []),
            "additionalProperties": False,
            "properties": {"records": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH, "items": item},
                           "skip_invalid": {"type": "boolean", "const": skip_invalid}}}


def dataio_paths(spec: APISpec, t: Any, may: Optional[Callable[[str], bool]] = None) -> None:
    """The batch, import and export paths of one record type."""
    may = may or (lambda action: True)
    tag = [t.name]
    rec, fields_in = ref(f"{t.name}_record"), ref(f"{t.name}_fields")
    if may("create"):
        from .dataio import MAX_BATCH

        spec.path(path=f"{API}/records/{t.name}/batch", operations={"post": {
            "operationId": f"batch_create_{t.name}", "tags": tag,
            "summary": f"Create up to {MAX_BATCH} {t.label} records in one transaction",
            "description": "All or nothing, unless skip_invalid: then the valid records are written and the "
                           "others reported (their place in records is null). Each item is an object with a "
                           "fields object and nothing else, with or without skip_invalid.",
            "requestBody": request({"anyOf": [batch_body(fields_in, False), batch_body(
                {"type": "object", "description": "any values: the invalid records are skipped and reported"},
                True)]}),
            "responses": {"201": body({"type": "object", "required": ["records", "created", "errors"], "properties": {
                "records": {"type": "array", "items": {"oneOf": [rec, {"type": "null"}]}},
                "created": {"type": "integer"}, "errors": {"type": "array", "items": ref("BatchError")}}},
                "Created"), **errors("400", "403", "404", "413", "422")}}})
    if may("import"):
        report = ref("ImportReport")
        spec.path(path=f"{API}/records/{t.name}/import", operations={"post": {
            "operationId": f"import_{t.name}", "tags": tag, "summary": f"Import {t.label} records from a file",
            "parameters": [param("report", "query", {"type": "string", "enum": ["csv"]},
                                 "csv: answer the error report as a CSV file")],
            "requestBody": import_form(),
            "responses": {"200": {"description": "the import report (written, or would be for a dry run)",
                                  "content": {"application/json": {"schema": report},
                                              "text/csv": {"schema": {"type": "string"}}}},
                          "422": body({"anyOf": [report, ref("Error")]},
                                      "refused: the report says why, or the error (no file, a bad mapping ...); "
                                      "nothing was written"),
                          **errors("400", "403", "404", "413")}}})
    if may("export"):
        spec.path(path=f"{API}/records/{t.name}/export", operations={"get": {
            "operationId": f"export_{t.name}", "tags": tag, "summary": f"The {t.label} list as CSV or XLSX",
            "parameters": [param("format", "query", {"type": "string", "enum": ["csv", "xlsx"], "default": "csv"}),
                           param("filter", "query", {"type": "string"}, "a filter tree as JSON"),
                           param("sort", "query", {"type": "string"}), param("search", "query", {"type": "string"}),
                           param("fields", "query", {"type": "string"}, "comma-separated field names"),
                           param("lang", "query", {"type": "string"}, "header and value language (en, zh)")],
            "responses": {"200": {"description": "the file, streamed", "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}}}}, **errors("400", "403", "404")}}})


#: the text parts of ``POST /import/infer``, as documented and as checked (api.dataio), before any trimming
INFER_FORM = {"name": {"type": "string", "pattern": "^(?:" + API_NAME_PATTERN.strip("^$") + ")?$",
                       "description": "empty or left out: imported"},
              "label": {"type": "string", "maxLength": 255, "description": "blank or left out: made from the name"},
              "sheet": {"type": "string"}}


def infer_path(spec: APISpec) -> None:
    """``POST /import/infer``: the record type a file suggests (it creates nothing)."""
    spec.path(path=f"{API}/import/infer", operations={"post": {
        "operationId": "infer_type", "tags": ["metamodel"],
        "summary": "The record type a CSV or XLSX file suggests, ready for POST /api/v1/types",
        "requestBody": {"required": True, "content": {MULTIPART: {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}, **INFER_FORM}}}}},
        "responses": {"200": body(ref("RecordType")), **errors("400", "413", "422")}}})
