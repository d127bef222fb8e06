"""The metamodel's payloads: the JSON schemas of a record type and a field, their checks, API names.

What a caller sends to :class:`~recordbase.metamodel.service.MetamodelService` (and through it the
REST API, the admin and pack installs) is checked here before anything is written: the document's
shape against the JSON schema, then the API-name rules. Kept apart from the service so that the
service and its field-operations mixin (and the OpenAPI document, the pack validator, the import
type inference) import them from one place.
"""
from __future__ import annotations

import re
from typing import Any

import jsonschema

from ..errors import ValidationError
from .fieldtypes.base import API_NAME_PATTERN

RESERVED_NAMES = frozenset({"id", "version", "created_at", "updated_at", "created_by", "updated_by", "deleted_at",
                            "fields", "record", "records", "type", "types", "select", "where", "order", "null",
                            "true", "false", "and", "or", "not", "_", "self"})

_TEXT = {"type": ["string", "null"], "maxLength": 255}
TYPE_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {"name": {"type": "string"}, "label": {"type": "string", "minLength": 1, "maxLength": 255},
                   "label_zh": _TEXT, "description": {"type": ["string", "null"], "maxLength": 5000},
                   "description_zh": {"type": ["string", "null"], "maxLength": 5000},
                   "app": _TEXT, "primary_field": {"type": ["string", "null"]},
                   "title_format": dict(_TEXT, description="the record title: field API names in braces with text between, "
                                                           "e.g. '{kpi} · {score}' (null: the primary field)"),
                   "clear_hidden_values": {"type": "boolean", "description": "a write that leaves a field hidden by its "
                                           "'show when' condition clears its value (default: kept)"},
                   "position": {"type": "integer"}, "fields": {"type": "array"}},
}
FIELD_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {"name": {"type": "string"}, "label": {"type": "string", "minLength": 1, "maxLength": 255},
                   "label_zh": _TEXT, "type": {"type": "string"}, "required": {"type": "boolean"},
                   "unique": {"type": "boolean"}, "indexed": {"type": "boolean"}, "default": {},
                   "help_text": {"type": ["string", "null"], "maxLength": 2000},
                   "help_text_zh": {"type": ["string", "null"], "maxLength": 2000}, "options": {"type": "object"},
                   "position": {"type": "integer"}, "section": _TEXT, "show_in_list": {"type": "boolean"},
                   "force": {"type": "boolean"}, "conditions": {"type": ["object", "null"]}},
}


def check_payload(data: Any, schema: dict, required: tuple[str, ...] = ()) -> None:
    if not isinstance(data, dict):
        raise ValidationError("The body must be a JSON object")
    problems: dict[str, list[str]] = {}
    for err in jsonschema.Draft202012Validator(schema).iter_errors(data):
        key = ".".join(str(p) for p in err.path) or "body"
        if err.validator == "additionalProperties":
            extra = sorted(set(data) - set(schema["properties"]))
            for k in extra:
                problems.setdefault(k, []).append("unknown attribute")
            continue
        problems.setdefault(key, []).append(err.message)
    for r in required:
        if r not in data or data[r] in (None, ""):
            problems.setdefault(r, []).append("is required")
    if problems:
        raise ValidationError("Invalid " + ("record type" if schema is TYPE_SCHEMA else "field") + ": "
                              + "; ".join(f"{k}: {', '.join(v)}" for k, v in problems.items()), problems)


def check_api_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not re.match(API_NAME_PATTERN, name):
        raise ValidationError(f"The {what} name {name!r} must be a lowercase identifier (a-z, 0-9, _; starting with a letter)",
                              {"name": ["must be a lowercase identifier"]})
    if name in RESERVED_NAMES:
        raise ValidationError(f"'{name}' is a reserved name", {"name": [f"'{name}' is reserved"]})
    return name
