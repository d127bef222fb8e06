"""The filter language: one JSON tree, validated, compiled to SQL and evaluated in Python.

    {"and": [{"field": "status", "op": "eq", "value": "active"},
             {"or": [{"field": "score", "op": "lt", "value": 60},
                     {"field": "end_date", "op": "within_next_days", "value": 30}]}]}

:func:`compile_filter` checks a tree against a record type (unknown field,
operator not allowed for the field's type, a value the field type cannot
read: each a :class:`FilterError` naming the JSON path) and returns a
:class:`CompiledFilter` whose ``sql()`` gives a SQLAlchemy condition and whose
``matches()`` evaluates one record in Python. The two agree (property tested).
Values are always bound parameters; no user text reaches SQL text.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field as dc_field
from datetime import date, datetime, timezone
from typing import Any, Optional
from zoneinfo import ZoneInfo

import jsonschema
from sqlalchemy import and_, false, func, not_, or_, true

from .. import json_input
from ..errors import FilterError
from .fieldtypes import FieldDef, ValueContext
from .ids import MAX_ID
from .operators import DATE_WINDOW_OPERATORS, OPERATORS
from .runtime import TypeDef

MAX_DEPTH = 12
MAX_CONDITIONS = 500

_NODE = {"oneOf": [
    {"type": "object", "required": ["and"], "additionalProperties": False,
     "properties": {"and": {"type": "array", "items": {"$ref": "#/$defs/node"}}}},
    {"type": "object", "required": ["or"], "additionalProperties": False,
     "properties": {"or": {"type": "array", "items": {"$ref": "#/$defs/node"}}}},
    {"type": "object", "required": ["not"], "additionalProperties": False,
     "properties": {"not": {"$ref": "#/$defs/node"}}},
    {"type": "object", "required": ["field", "op"], "additionalProperties": False,
     "properties": {"field": {"type": "string", "minLength": 1}, "op": {"type": "string", "enum": sorted(OPERATORS)},
                    "value": {}}},
]}
FILTER_SCHEMA = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": {"node": _NODE},
                 "$ref": "#/$defs/node"}
_VALIDATOR = jsonschema.Draft202012Validator(FILTER_SCHEMA)

SYSTEM_PSEUDO_FIELDS = {
    "id": FieldDef(id=0, type_id=0, name="id", label="ID", field_type="number"),
    "created_at": FieldDef(id=0, type_id=0, name="created_at", label="Created time", label_zh="创建时间", field_type="created_at"),
    "updated_at": FieldDef(id=0, type_id=0, name="updated_at", label="Last modified time", label_zh="修改时间", field_type="updated_at"),
    "created_by": FieldDef(id=0, type_id=0, name="created_by", label="Created by", label_zh="创建人", field_type="created_by"),
    "updated_by": FieldDef(id=0, type_id=0, name="updated_by", label="Last modified by", label_zh="修改人", field_type="updated_by"),
}


@dataclass(frozen=True)
class Clock:
    """'Now' for date windows: naive UTC now, and today's date in the instance time zone."""

    now: datetime
    today: date

    @classmethod
    def current(cls, tz: str = "UTC") -> "Clock":
        now = datetime.now(timezone.utc)
        return cls(now=now.replace(tzinfo=None), today=now.astimezone(ZoneInfo(tz)).date())


@dataclass(frozen=True)
class Condition:
    field: FieldDef
    op: str
    value: Any


@dataclass(frozen=True)
class Group:
    kind: str  # and | or | not
    children: tuple = ()


def _depth(node: Any, level: int = 0) -> int:
    """How deeply and/or/not groups nest (counting stops past MAX_DEPTH, so any input is cheap)."""
    if level > MAX_DEPTH or not isinstance(node, dict):
        return level
    children = [c for k in ("and", "or") if isinstance(node.get(k), list) for c in node[k]]
    if "not" in node:
        children.append(node["not"])
    return max([_depth(c, level + 1) for c in children] or [level])


def resolve_field(typedef: TypeDef, name: str) -> Optional[FieldDef]:
    return typedef.field(name) or SYSTEM_PSEUDO_FIELDS.get(name)


@dataclass
class CompiledFilter:
    typedef: TypeDef
    root: Any
    clock: Clock = dc_field(default_factory=Clock.current)

    # -- SQL -----------------------------------------------------------------
    def sql(self):
        return self._sql(self.root)

    def _column(self, f: FieldDef):
        if f.name == "id" and f.id == 0:
            return self.typedef.table.c.id
        return self.typedef.column(f)

    def _sql(self, node):
        if isinstance(node, Group):
            parts = [self._sql(c) for c in node.children]
            if node.kind == "and":
                return and_(true(), *parts)
            if node.kind == "or":
                return or_(*parts) if parts else not_(true())
            # SQL's NOT of NULL is NULL (no match), but a condition on an empty value is simply false in
            # Python: make the inner condition true-or-false first, so that both sides agree.
            return not_(func.coalesce(parts[0], false()))
        f, op, v = node.field, node.op, node.value
        column = self._column(f)
        special = f.ftype.sql_condition(op, column, v, f)
        if special is not None:
            return special
        o = OPERATORS[op]
        if op in DATE_WINDOW_OPERATORS:
            return o.sql(column, v, self.clock, f.field_type == "date")
        return o.sql(column, v, self.clock)

    # -- Python --------------------------------------------------------------
    def matches(self, values: dict) -> bool:
        """Evaluate on one record's Python values (field API names and system keys)."""
        return self._py(self.root, values)

    def _py(self, node, values):
        if isinstance(node, Group):
            if node.kind == "and":
                return all(self._py(c, values) for c in node.children)
            if node.kind == "or":
                return any(self._py(c, values) for c in node.children)
            return not self._py(node.children[0], values)
        f, op, v = node.field, node.op, node.value
        stored = values.get(f.name)
        special = f.ftype.py_condition(op, stored, v, f)
        if special is not NotImplemented:
            return bool(special)
        o = OPERATORS[op]
        if op in DATE_WINDOW_OPERATORS:
            return bool(o.py(stored, v, self.clock, f.field_type == "date"))
        return bool(o.py(stored, v, self.clock))

    # -- words ---------------------------------------------------------------
    def describe(self, lang: str = "en") -> str:
        return self._describe(self.root, lang)

    def _describe(self, node, lang):
        zh = lang.startswith("zh")
        if isinstance(node, Group):
            if node.kind == "not":
                return ("非 " if zh else "not ") + f"({self._describe(node.children[0], lang)})"
            joiner = {"and": (" and ", " 且 "), "or": (" or ", " 或 ")}[node.kind][1 if zh else 0]
            return joiner.join(f"({self._describe(c, lang)})" if isinstance(c, Group) else self._describe(c, lang)
                               for c in node.children)
        o = OPERATORS[node.op]
        phrase = (o.phrase_zh if zh else o.phrase).replace("N", str(node.value)) if node.op in DATE_WINDOW_OPERATORS \
            else (o.phrase_zh if zh else o.phrase)
        value = "" if o.arity in ("none", "days") else " " + (", ".join(map(_shown, node.value))
                                                              if isinstance(node.value, list) else _shown(node.value))
        return f"{node.field.display_label(lang)} {phrase}{value}"


def _shown(value: Any) -> str:
    """A condition's value as people write it (60, not 60.0; dates in ISO form)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (date, datetime)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value)


def parse_filter_param(raw: Optional[str]) -> Any:
    if raw is None or raw.strip() == "":
        return None
    try:
        return json_input.loads(raw)
    except json_input.JSONInputError as exc:
        what = "is not valid JSON" if exc.reason == "not_json" else "was refused"
        raise FilterError(f"The filter {what}: {exc.message}", {"path": "filter"}) from None


def compile_filter(tree: Any, typedef: TypeDef, ctx: Optional[ValueContext] = None,
                   clock: Optional[Clock] = None) -> Optional[CompiledFilter]:
    """Validate ``tree`` against ``typedef``; None when there is no filter."""
    if tree is None or tree == {}:
        return None
    ctx = ctx or ValueContext()
    if _depth(tree) > MAX_DEPTH:
        raise FilterError(f"The filter is nested too deeply (at most {MAX_DEPTH} levels)", {"path": "$"})
    errors = [] if _known_valid(tree) else sorted(_VALIDATOR.iter_errors(tree), key=lambda e: len(list(e.absolute_path)))
    if errors:
        counter = [0]
        _walk_shape(tree, "$", counter)
        raise FilterError("The filter is not a valid filter tree", {"path": "$"})
    counter = [0]
    root = _compile(tree, typedef, ctx, "$", counter)
    return CompiledFilter(typedef, root, clock or Clock.current(ctx.timezone))


_VALID_SHAPES: dict[str, bool] = {}
MAX_VALID_SHAPES = 1024


def _known_valid(tree: Any) -> bool:
    """Whether this exact tree passed the JSON-schema check before (then it need not run again).

    The check is a pure function of the tree and takes most of compiling a small filter, which
    every filtered list request does; valid trees are remembered by their canonical JSON (the
    same filter arrives again and again from a client or a saved view). Invalid ones are not."""
    try:
        key = json.dumps(tree, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return False
    if key in _VALID_SHAPES:
        return True
    if next(iter(_VALIDATOR.iter_errors(tree)), None) is not None:
        return False
    if len(_VALID_SHAPES) >= MAX_VALID_SHAPES:
        _VALID_SHAPES.clear()
    _VALID_SHAPES[key] = True
    return True


def _walk_shape(node: Any, path: str, counter: list) -> None:
    """Find the first malformed node and raise a FilterError naming its path."""
    if not isinstance(node, dict):
        raise FilterError(f"{path}: a filter node must be an object", {"path": path})
    keys = set(node)
    if keys in ({"and"}, {"or"}):
        (k,) = keys
        if not isinstance(node[k], list):
            raise FilterError(f"{path}.{k}: must be a list of filter nodes", {"path": f"{path}.{k}"})
        for i, child in enumerate(node[k]):
            _walk_shape(child, f"{path}.{k}[{i}]", counter)
        return
    if keys == {"not"}:
        _walk_shape(node["not"], f"{path}.not", counter)
        return
    if "field" in keys and "op" in keys and keys <= {"field", "op", "value"}:
        if not isinstance(node["field"], str):
            raise FilterError(f"{path}.field: must be a field name", {"path": f"{path}.field"})
        if node["op"] not in OPERATORS:
            raise FilterError(f"{path}.op: unknown operator {node['op']!r}", {"path": f"{path}.op"})
        return
    raise FilterError(f"{path}: expected {{and: [...]}}, {{or: [...]}}, {{not: ...}} or {{field, op, value}}, "
                      f"got keys {sorted(keys)}", {"path": path})


def _compile(node: dict, typedef: TypeDef, ctx: ValueContext, path: str, counter: list):
    for kind in ("and", "or"):
        if kind in node:
            return Group(kind, tuple(_compile(c, typedef, ctx, f"{path}.{kind}[{i}]", counter)
                                     for i, c in enumerate(node[kind])))
    if "not" in node:
        return Group("not", (_compile(node["not"], typedef, ctx, f"{path}.not", counter),))
    counter[0] += 1
    if counter[0] > MAX_CONDITIONS:
        raise FilterError(f"The filter has more than {MAX_CONDITIONS} conditions", {"path": path})
    name, op = node["field"], node["op"]
    f = resolve_field(typedef, name)
    if f is None:
        raise FilterError(f"{path}.field: record type '{typedef.name}' has no field '{name}'",
                          {"path": f"{path}.field", "field": name})
    allowed = f.ftype.operators_for(f) if name != "id" else ("eq", "neq", "lt", "lte", "gt", "gte", "in", "not_in")
    if op not in allowed:
        raise FilterError(f"{path}.op: operator '{op}' does not apply to {f.field_type} field '{name}' "
                          f"(use one of {', '.join(allowed)})", {"path": f"{path}.op", "field": name})
    arity = OPERATORS[op].arity
    raw = node.get("value")
    try:
        value = _clean_value(f, op, arity, raw, ctx)
    except ValueError as exc:
        raise FilterError(f"{path}.value: {exc}", {"path": f"{path}.value", "field": name}) from None
    return Condition(f, op, value)


def _clean_value(f: FieldDef, op: str, arity: str, raw: Any, ctx: ValueContext) -> Any:
    if arity == "none":
        return None
    if arity == "days":
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 36500:
            raise ValueError("must be a whole number of days from 0 to 36500")
        return raw
    if f.name == "id" and f.id == 0:
        items = raw if arity == "list" else [raw]
        if not isinstance(items, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in items):
            raise ValueError("record ids must be whole numbers")
        if not all(-MAX_ID <= i <= MAX_ID for i in items):  # (beyond the id column's range: PostgreSQL refuses the query)
            raise ValueError(f"record ids are whole numbers up to {MAX_ID}")
        return items if arity == "list" else items[0]
    if arity == "list":
        if not isinstance(raw, list):
            raise ValueError(f"'{op}' needs a list of values")
        if len(raw) > 1000:
            raise ValueError("at most 1000 values")
        if f.field_type in ("multi_select", "link", "user"):
            return f.ftype.filter_value(op, raw, f, ctx)
        out = []
        for item in raw:
            v = f.ftype.filter_value("eq", item, f, ctx)
            if v is None:
                raise ValueError("list items must not be empty")
            out.append(v)
        return out
    if raw is None or (isinstance(raw, str) and raw.strip() == "" and f.field_type != "boolean"):
        raise ValueError(f"'{op}' needs a value (use is_empty to find empty values)")
    if isinstance(raw, (dict, list)) and f.field_type not in ("multi_select",):
        raise ValueError("must be a single value")
    if op in ("contains", "not_contains", "starts_with") and f.ftype.searchable:
        if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
            raise ValueError("must be text")
        return str(raw)
    v = f.ftype.filter_value(op, raw, f, ctx)
    if v is None and f.field_type != "boolean":
        raise ValueError("must not be empty")
    return v
