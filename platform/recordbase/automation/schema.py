"""The JSON Schema of an automation rule (design §9) and validation errors that name the JSON path.

The shape is checked here; what the shape cannot say (field names, values that must suit
the field, formulas that must type-check) is checked against the record type by
:mod:`.actions`, :mod:`.conditions` and :mod:`.rules`. Every problem is reported as
``{"path": "$.actions[1].url", "message": ...}``.
"""
from __future__ import annotations

from typing import Any, Iterable

import jsonschema

from ..errors import ValidationError

TRIGGERS = ("record_created", "record_updated", "record_matches", "record_deleted", "button", "schedule",
            "date_relative")
ACTIONS = ("update_record", "create_record", "update_linked", "notify", "webhook", "assign", "transition")
#: triggers that fire on a record event (the others are fired by a person or the worker)
EVENT_TRIGGERS = ("record_created", "record_updated", "record_matches", "record_deleted")

_NAME = {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,62}$"}
_TEXT = {"type": "string", "minLength": 1, "maxLength": 255}
_OPT_TEXT = {"type": ["string", "null"], "maxLength": 255}
_MESSAGE = {"type": ["string", "null"], "maxLength": 5000}
_VALUE = {"oneOf": [
    {"type": "object", "required": ["formula"], "additionalProperties": False,
     "properties": {"formula": {"type": "string", "minLength": 1, "maxLength": 5000}}},
    {"not": {"type": "object"}},
]}
_VALUES = {"type": "object", "minProperties": 1, "propertyNames": _NAME, "additionalProperties": _VALUE}


def _kind(key: str, value: str, properties: dict, required: Iterable[str] = ()) -> dict:
    props = {key: {"const": value}, **properties}
    return {"if": {"type": "object", "properties": {key: {"const": value}}, "required": [key]},
            "then": {"required": [key, *required], "additionalProperties": False, "properties": props}}


_TRIGGER = {
    "type": "object", "required": ["on"],
    "properties": {"on": {"enum": list(TRIGGERS)}},
    "allOf": [
        _kind("on", "record_created", {}),
        _kind("on", "record_updated", {"fields": {"type": "array", "items": _NAME, "uniqueItems": True}}),
        _kind("on", "record_matches", {}),
        _kind("on", "record_deleted", {}),
        _kind("on", "button", {"label": _OPT_TEXT, "label_zh": _OPT_TEXT}),
        _kind("on", "schedule", {"cron": {"type": "string", "minLength": 9, "maxLength": 120},
                                 "timezone": {"type": "string", "minLength": 1, "maxLength": 64}}, ["cron"]),
        _kind("on", "date_relative", {"date_field": _NAME, "offset_days": {"type": "integer", "minimum": -3650,
                                                                             "maximum": 3650},
                                      "at": {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$"},
                                      "timezone": {"type": "string", "minLength": 1, "maxLength": 64}},
              ["date_field", "offset_days"]),
    ],
}

_USER_REF = {"type": "string", "minLength": 1, "maxLength": 255}
_ACTION = {
    "type": "object", "required": ["do"],
    "properties": {"do": {"enum": list(ACTIONS)}},
    "allOf": [
        _kind("do", "update_record", {"values": _VALUES}, ["values"]),
        _kind("do", "create_record", {"type": _NAME, "values": {**_VALUES, "minProperties": 0},
                                      "link_back": _NAME}, ["type"]),
        _kind("do", "update_linked", {"link": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$"},
                                      "values": _VALUES}, ["link", "values"]),
        _kind("do", "notify", {"users": {"type": "array", "items": _USER_REF, "maxItems": 100},
                               "user_field": {"type": "string", "minLength": 1, "maxLength": 127},
                               "message": {"type": "string", "minLength": 1, "maxLength": 5000},
                               "message_zh": _MESSAGE, "email": {"type": "boolean"},
                               "subject": _OPT_TEXT, "subject_zh": _OPT_TEXT}, ["message"]),
        _kind("do", "webhook", {"url": {"type": "string", "pattern": r"^https?://", "maxLength": 2000},
                                "secret": {"type": ["string", "null"], "maxLength": 500, "writeOnly": True,
                                           "description": "signs deliveries; never shown again (see has_secret)"},
                                "has_secret": {"type": "boolean", "readOnly": True,
                                               "description": "shown when a secret is set; sent back, ignored"},
                                "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 120},
                                "max_attempts": {"type": "integer", "minimum": 1, "maximum": 20}}, ["url"]),
        _kind("do", "assign", {"field": _NAME, "user": _USER_REF, "notify": {"type": "boolean"},
                               "message": _MESSAGE, "message_zh": _MESSAGE}, ["field", "user"]),
        # start a workflow transition (recordbase.workflow.rule_action)
        _kind("do", "transition", {"transition": _NAME, "comment": _OPT_TEXT, "link": _NAME}, ["transition"]),
    ],
}

RULE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Recordbase automation rule",
    "type": "object",
    "required": ["name", "type", "trigger", "actions"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "integer"},  # echoed back by clients that PUT what they GET; ignored
        "name": _TEXT, "name_zh": _OPT_TEXT,
        "description": {"type": ["string", "null"], "maxLength": 5000},
        "type": _NAME,
        "enabled": {"type": "boolean"},
        "trigger": _TRIGGER,
        "condition": {"type": ["object", "null"]},
        "actions": {"type": "array", "minItems": 1, "maxItems": 50, "items": _ACTION},
        "created_at": {}, "updated_at": {}, "created_by": {},
    },
}
_VALIDATOR = jsonschema.Draft202012Validator(RULE_SCHEMA)


def json_path(parts: Iterable[Any], root: str = "$") -> str:
    out = root
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


class RuleError(ValidationError):
    """A rule that cannot be saved: ``details`` = {"path": first path, "errors": [{"path", "message"}]}."""

    def __init__(self, problems: list[dict]):
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"Invalid rule: {first['path']}: {first['message']}{more}",
                         {"path": first["path"], "errors": problems})
        self.problems = problems


def _leaf_errors(err: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """The most specific errors: descend into if/then, allOf and oneOf branches."""
    if err.context:
        best = [e for e in err.context if e.validator != "not"] or list(err.context)
        deepest = max(len(e.absolute_path) for e in best)
        out = []
        for e in best:
            if len(e.absolute_path) == deepest:
                out.extend(_leaf_errors(e))
        return out
    return [err]


def shape_problems(data: Any) -> list[dict]:
    """Every way ``data`` breaks the rule JSON Schema, as path + message, first path first."""
    if not isinstance(data, dict):
        return [{"path": "$", "message": "a rule must be a JSON object"}]
    problems, seen = [], set()
    for err in _VALIDATOR.iter_errors(data):
        for leaf in _leaf_errors(err):
            path = json_path(leaf.absolute_path)
            if leaf.validator == "additionalProperties":
                message = leaf.message.replace("Additional properties are not allowed", "unknown attribute(s)")
            elif leaf.validator == "const" and leaf.absolute_path and leaf.absolute_path[-1] in ("on", "do"):
                continue  # the discriminator itself: reported by its enum
            else:
                message = leaf.message
            if (path, message) not in seen:
                seen.add((path, message))
                problems.append({"path": path, "message": message})
    problems.sort(key=lambda p: (p["path"].count(".") + p["path"].count("["), p["path"]))
    return problems


def check_shape(data: Any) -> None:
    problems = shape_problems(data)
    if problems:
        raise RuleError(problems)
