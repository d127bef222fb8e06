"""A dashboard as data: its JSON document, its JSON schema, and the checks a document passes before it is
stored (by the admin's forms, by a pack's install): the schema, each widget's options against its kind's
schema (:mod:`.widgets`), and what the widgets name — record types, fields, filters, saved views —
against the instance's metamodel. Problems come with their JSON path (``widgets[2].options.metric``)."""
from __future__ import annotations

from typing import Any, Iterable

from jsonschema import Draft202012Validator

from ..errors import ValidationError
from ..metamodel.filters import compile_filter
from ..metamodel.runtime import RuntimeSchema
from ..storage.aggregation import SYSTEM_FIELDS, value_kind
from .widgets import KINDS

NAME = {"type": "string", "minLength": 1, "maxLength": 255}
WIDGET_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["kind", "type"],
    "properties": {
        "kind": {"enum": sorted(KINDS)},
        "type": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
        "title": {"type": ["string", "null"], "maxLength": 255},
        "title_zh": {"type": ["string", "null"], "maxLength": 255},
        "width": {"type": "integer", "minimum": 3, "maximum": 12},
        "options": {"type": "object"},
    },
}
DASHBOARD_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["name"],
    "properties": {
        "key": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
        "name": NAME, "name_zh": {"type": ["string", "null"], "maxLength": 255},
        "app": {"type": ["string", "null"], "maxLength": 63},
        "position": {"type": "integer"},
        "widgets": {"type": "array", "maxItems": 40, "items": WIDGET_SCHEMA},
    },
}
_VALIDATOR = Draft202012Validator(DASHBOARD_SCHEMA)


class DashboardError(ValidationError):
    def __init__(self, problems: list[tuple[str, str]]):
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"Invalid dashboard: {first[0]}: {first[1]}{more}",
                         {"path": first[0], "errors": [{"path": p, "message": m} for p, m in problems]})


def _path(base: str, parts: Iterable[Any]) -> str:
    out = base
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _named_fields(options: Any, path: str) -> Iterable[tuple[str, str]]:
    """(path, field name) of every field the options name (not inside a filter)."""
    if isinstance(options, dict):
        for k, v in options.items():
            if k == "filter":
                continue
            if k in ("field", "date_field") and isinstance(v, str):
                yield f"{path}.{k}", v
            else:
                yield from _named_fields(v, f"{path}.{k}")


def _buckets_off_dates(options: dict, typedef: Any, path: str) -> Iterable[tuple[str, str]]:
    """(path, problem) of each dimension bucketed though it is not a date (each dimension has its own
    bucket: a chart's groups and series, a heat map's columns and rows)."""
    for key, spec in options.items():
        if key == "filter" or not isinstance(spec, dict) or not spec.get("bucket"):
            continue
        f = typedef.field(spec.get("field"))
        kind = value_kind(f) if f is not None else SYSTEM_FIELDS.get(spec.get("field"))
        if kind is not None and kind not in ("date", "datetime"):
            yield f"{path}.{key}.bucket", f"'{spec['field']}' is not a date: only dates are grouped by a bucket"


def check_dashboard(data: Any, schema: RuntimeSchema) -> list[tuple[str, str]]:
    if not isinstance(data, dict):
        return [("$", "a dashboard must be a JSON object")]
    problems = [(_path("$", e.absolute_path), e.message) for e in _VALIDATOR.iter_errors(data)]
    if problems:
        return problems
    for i, w in enumerate(data.get("widgets") or []):
        base = f"$.widgets[{i}]"
        kind = KINDS[w["kind"]]
        options = w.get("options") or {}
        for e in Draft202012Validator(kind.options_schema).iter_errors(options):
            problems.append((_path(base + ".options", e.absolute_path), e.message))
        typedef = schema.types.get(w["type"])
        if typedef is None:
            problems.append((base + ".type", f"no record type named '{w['type']}'"))
            continue
        for path, name in _named_fields(options, base + ".options"):
            if typedef.field(name) is None and name not in SYSTEM_FIELDS:
                problems.append((path, f"record type '{typedef.name}' has no field '{name}'"))
        problems.extend(_buckets_off_dates(options, typedef, base + ".options"))
        for path, flt in ((base + ".options.filter", options.get("filter")),):
            if flt:
                try:
                    compile_filter(flt, typedef)
                except Exception as exc:  # the filter language's own message
                    problems.append((path, getattr(exc, "message", str(exc))))
    return problems


def dashboard_definition(dashboard: Any) -> dict:
    """A stored dashboard as its document (what a pack export writes and a fingerprint compares)."""
    out: dict = {"name": dashboard.name}
    if dashboard.name_zh:
        out["name_zh"] = dashboard.name_zh
    if dashboard.app:
        out["app"] = dashboard.app
    out["widgets"] = list((dashboard.document or {}).get("widgets") or [])
    return out
