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
from markupsafe import Markup

from .base import FieldDef, FieldType, FormContext, ValueContext, get_field_type, register
from .choices import CHOICE_ITEM, duplicate_choices, normalize_choice_list
from .display import badges, choice_values, choices_text, computed_number_text, field_memo, rounded

RESULT_TYPES = ("number", "text", "boolean", "date", "datetime")
#: the field type that stores and presents a value of each result type
RESULT_STORAGE = {"number": "number", "text": "long_text", "boolean": "boolean", "date": "date",
                  "datetime": "datetime"}
ROLLUP_FUNCTIONS = ("sum", "avg", "min", "max", "count", "count_nonempty", "concat", "and", "or",
                    "earliest", "latest")

_RESULT = {"type": "string", "enum": list(RESULT_TYPES)}
_LINK = {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,62}(\.[a-z][a-z0-9_]{0,62})?$"}
_NAME = {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,62}$"}
#: decimal places of a number-valued computed field: its value is stored and shown rounded to them
_PLACES = {"type": "integer", "minimum": 0, "maximum": 10}
#: the choices a text-valued formula's results are shown with (a single select's choices' shape)
_CHOICES = {"type": "array", "minItems": 1, "maxItems": 500, "items": CHOICE_ITEM}


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

    def places(self, field: FieldDef) -> Optional[int]:
        """The decimal places of a number-valued field (None: not named, or not a number)."""
        p = field.options.get("places")
        return p if isinstance(p, int) and field.options.get("result_type") == "number" else None

    def choices_of(self, field: FieldDef) -> list[dict]:
        """The formula's own ``choices``; a lookup's are those of what it looks up."""
        if field.options.get("result_type", "text") != "text":
            return []
        if "choices" in field.options:
            return field_memo(field, "choices", lambda: normalize_choice_list(field.options["choices"]))
        return list(field.derived_choices)

    def format(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        """A number with the field's places (else at most two, see :mod:`.display`); a text that is
        one of the field's choices by its label in the reader's language."""
        if value is None:
            return ""
        kind = field.options.get("result_type", "text")
        if kind == "number" and not isinstance(value, bool):
            return computed_number_text(value, self.places(field))
        if kind == "text":
            choices = self.choices_of(field)
            values = choice_values(value, choices)
            if values is not None:
                return choices_text(values, choices, ctx.lang)
        return self.result(field).format(value, field, ctx)

    def _badges(self, value: str, field: FieldDef, lang: str) -> Optional[Markup]:
        choices = self.choices_of(field)
        values = choice_values(value, choices)
        return None if values is None else badges(values, choices, lang)

    def format_html(self, value: Any, field: FieldDef, ctx: ValueContext) -> Markup:
        kind = field.options.get("result_type", "text")
        if kind == "text" and isinstance(value, str):
            lang = ctx.lang
            html = field_memo(field, ("html", lang, value), lambda: self._badges(value, field, lang))
            if html is not None:
                return html
        if kind in ("date", "datetime"):
            return self.result(field).format_html(value, field, ctx)
        return super().format_html(value, field, ctx)

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
        places = self.places(field)
        if places is not None and not isinstance(value, bool):
            # stored as shown: sorting and filtering agree with the text on the screen
            d = rounded(value, places)
            value = d if d is not None else value
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
                                     "volatile": {"type": "boolean"}, "places": _PLACES, "choices": _CHOICES}}

    def check_options(self, options: dict, lookup_type) -> list[str]:
        return duplicate_choices(options) if "choices" in options else []


@register
class LookupType(ComputedType):
    name, label, label_zh = "lookup", "Lookup", "查找引用"
    options_schema = {"type": "object", "additionalProperties": False, "required": ["link", "target_field"],
                      "properties": {"link": _LINK, "target_field": _NAME, "result_type": _RESULT,
                                     "places": _PLACES}}


@register
class RollupType(ComputedType):
    name, label, label_zh = "rollup", "Rollup", "汇总"
    options_schema = {"type": "object", "additionalProperties": False,
                      "required": ["link", "target_field", "function"],
                      "properties": {"link": _LINK, "target_field": _NAME,
                                     "function": {"type": "string", "enum": list(ROLLUP_FUNCTIONS)},
                                     "filter": {"type": ["object", "null"]}, "result_type": _RESULT,
                                     "places": _PLACES}}


@register
class CountType(ComputedType):
    name, label, label_zh = "count", "Count", "计数"
    options_schema = {"type": "object", "additionalProperties": False, "required": ["link"],
                      "properties": {"link": _LINK, "filter": {"type": ["object", "null"]}, "result_type": _RESULT}}

    def result(self, field: FieldDef) -> FieldType:
        return get_field_type("number")
