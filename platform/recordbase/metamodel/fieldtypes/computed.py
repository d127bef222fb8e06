"""Computed field types: formula, lookup, rollup, count.

Their values are computed by :mod:`recordbase.storage.recompute` and stored in
real columns, so lists sort and filter on them like on any field. The column
and everything about the value (JSON, text, filters) follow the field's
*result type* — number, text, boolean, date or datetime — which the metamodel
service derives when the field is saved and keeps in ``options.result_type``.
"""
from __future__ import annotations

from typing import Any, Callable, ClassVar, Optional

from ...i18n import translate as _
from .base import FieldDef, FieldType, FormContext, ValueContext, get_field_type, register

RESULT_TYPES = ("number", "text", "boolean", "date", "datetime")
#: the field type that stores and presents a value of each result type
RESULT_STORAGE = {"number": "number", "text": "long_text", "boolean": "boolean", "date": "date",
                  "datetime": "datetime"}
ROLLUP_FUNCTIONS = ("sum", "avg", "min", "max", "count", "count_nonempty", "concat", "and", "or",
                    "earliest", "latest")

_RESULT = {"type": "string", "enum": list(RESULT_TYPES)}
_LINK = {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,62}(\.[a-z][a-z0-9_]{0,62})?$"}
_NAME = {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,62}$"}


class ComputedType(FieldType):
    """Base of computed types: read-only, stored, and presented as their result type."""

    read_only = True
    computed: ClassVar[bool] = True

    def result(self, field: FieldDef) -> FieldType:
        return get_field_type(RESULT_STORAGE[field.options.get("result_type", "text")])

    def column_type(self, field: FieldDef):
        return self.result(field).column_type(field)

    def to_db(self, value: Any, field: FieldDef) -> Any:
        return self.result(field).to_db(value, field)

    def from_db(self, value: Any, field: FieldDef) -> Any:
        return self.result(field).from_db(value, field)

    def to_json(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        return self.result(field).to_json(value, field, ctx)

    def json_reader(self, field: FieldDef) -> Optional[Callable[[Any, ValueContext], Any]]:
        return self.result(field).json_reader(field)

    def format(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        return self.result(field).format(value, field, ctx)

    def json_schema(self, field: FieldDef) -> dict:
        return dict(self.result(field).json_schema(field), readOnly=True)

    def operators_for(self, field: FieldDef) -> tuple[str, ...]:
        return self.result(field).operators

    def filter_value(self, op: str, raw: Any, field: FieldDef, ctx: ValueContext) -> Any:
        return self.result(field).filter_value(op, raw, field, ctx)

    def sql_condition(self, op: str, column: Any, value: Any, field: FieldDef) -> Any:
        return self.result(field).sql_condition(op, column, value, field)

    def py_condition(self, op: str, stored: Any, value: Any, field: FieldDef) -> Any:
        return self.result(field).py_condition(op, stored, value, field)

    def coerce(self, value: Any, field: FieldDef) -> Any:
        """Fit a computed value to the column (ValueError -> stored as empty)."""
        if value is None or value == "" or value == []:
            return None
        result = self.result(field)
        if field.options.get("result_type") == "text" and not isinstance(value, str):
            if isinstance(value, (list, tuple)):
                return ", ".join(str(v) for v in value if v not in (None, ""))
            if isinstance(value, bool):
                return "true" if value else "false"
        return result.clean(value, field, ValueContext())

    def clean(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        raise ValueError(_("is computed and cannot be written"))

    def form_field(self, field: FieldDef, ctx: FormContext):
        from wtforms import StringField

        kw = ctx.kwargs(field)
        kw["validators"] = []
        kw["render_kw"] = {"readonly": True, "disabled": True}
        return StringField(**kw)


@register
class FormulaType(ComputedType):
    name, label, label_zh = "formula", "Formula", "公式"
    options_schema = {"type": "object", "additionalProperties": False, "required": ["expression"],
                      "properties": {"expression": {"type": "string", "minLength": 1, "maxLength": 5000},
                                     "result_type": _RESULT, "depends_on": {"type": "array"},
                                     "volatile": {"type": "boolean"}}}


@register
class LookupType(ComputedType):
    name, label, label_zh = "lookup", "Lookup", "查找引用"
    options_schema = {"type": "object", "additionalProperties": False, "required": ["link", "target_field"],
                      "properties": {"link": _LINK, "target_field": _NAME, "result_type": _RESULT}}


@register
class RollupType(ComputedType):
    name, label, label_zh = "rollup", "Rollup", "汇总"
    options_schema = {"type": "object", "additionalProperties": False,
                      "required": ["link", "target_field", "function"],
                      "properties": {"link": _LINK, "target_field": _NAME,
                                     "function": {"type": "string", "enum": list(ROLLUP_FUNCTIONS)},
                                     "filter": {"type": ["object", "null"]}, "result_type": _RESULT}}


@register
class CountType(ComputedType):
    name, label, label_zh = "count", "Count", "计数"
    options_schema = {"type": "object", "additionalProperties": False, "required": ["link"],
                      "properties": {"link": _LINK, "filter": {"type": ["object", "null"]}, "result_type": _RESULT}}

    def result(self, field: FieldDef) -> FieldType:
        return get_field_type("number")
