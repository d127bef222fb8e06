"""Choice field types: boolean, single_select, multi_select."""
from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any, Callable

from sqlalchemy import Boolean, String, Text, case, not_, or_

from markupsafe import Markup

from ...i18n import translate as _
from .base import FieldDef, FieldType, FormContext, ValueContext, register
from .display import badges, choice_label, field_memo


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


CHOICE_ITEM = {
    "oneOf": [
        {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[^|]+$"},
        {"type": "object", "additionalProperties": False, "required": ["value"],
         "properties": {"value": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[^|]+$"},
                        "label": {"type": "string", "maxLength": 255},
                        "label_zh": {"type": "string", "maxLength": 255},
                        "color": {"type": "string", "pattern": "^(#[0-9a-fA-F]{6}|[a-z]+)$"}}},
    ]
}
CHOICES_SCHEMA = {"type": "object", "additionalProperties": False, "required": ["choices"],
                  "properties": {"choices": {"type": "array", "minItems": 1, "maxItems": 500, "items": CHOICE_ITEM}}}

TRUE_WORDS = {"true", "yes", "y", "1", "on", "是", "对", "✓", "✔", "√", "t", "checked"}
FALSE_WORDS = {"false", "no", "n", "0", "off", "否", "不", "✗", "✘", "×", "f", "unchecked"}

#: words that clean() reads as true/false when written exactly so (no normalising needed)
_EXACT_WORDS = {**{w: True for w in TRUE_WORDS if unicodedata.normalize("NFKC", w).strip().casefold() == w},
                **{w: False for w in FALSE_WORDS if unicodedata.normalize("NFKC", w).strip().casefold() == w}}


def normalize_choices(options: dict) -> list[dict]:
    """Choices as dicts with value, label, label_zh, color."""
    out = []
    for c in options.get("choices", []):
        if isinstance(c, str):
            c = {"value": c}
        out.append({"value": c["value"], "label": c.get("label") or c["value"],
                    "label_zh": c.get("label_zh"), "color": c.get("color")})
    return out


def normalize_choice_list(choices: Any) -> list[dict]:
    """A ``choices`` list (strings or dicts) as dicts with value, label, label_zh, color."""
    return normalize_choices({"choices": choices or []})


def duplicate_choices(options: dict) -> list[str]:
    """The problems of choices whose value is given twice."""
    values = [c["value"] for c in normalize_choices(options)]
    dupes = sorted({v for v in values if values.count(v) > 1})
    return [f"options.choices: duplicate value '{d}'" for d in dupes]


class ChoiceLike(FieldType):
    options_schema = CHOICES_SCHEMA

    def check_options(self, options: dict, lookup_type) -> list[str]:
        return duplicate_choices(options)

    def choices_of(self, field: FieldDef) -> list[dict]:
        return field_memo(field, "choices", lambda: normalize_choices(field.options))

    def match_choice(self, raw: Any, field: FieldDef) -> str:
        if not isinstance(raw, str):
            raise ValueError(_("must be one of the choices (a text value)"))
        text = unicodedata.normalize("NFKC", raw).strip()
        if not text:  # never matches a choice (nor a choice's missing label)
            raise ValueError(_("must be one of the choices, not empty"))
        choices = normalize_choices(field.options)
        for c in choices:
            if c["value"] == text:
                return c["value"]
        low = text.casefold()
        for c in choices:
            if low in {c["value"].casefold(), (c["label"] or "").casefold(), (c["label_zh"] or "").casefold()}:
                return c["value"]
        allowed = ", ".join(c["value"] for c in choices[:20])
        raise ValueError(_("'%(value)s' is not one of the choices (%(choices)s)", value=raw, choices=allowed))

    def label_of(self, value: str, field: FieldDef, lang: str) -> str:
        for c in self.choices_of(field):
            if c["value"] == value:
                return choice_label(c, lang)
        return value

    def form_choices(self, field: FieldDef, lang: str) -> list[tuple[str, str]]:
        return [(c["value"], choice_label(c, lang)) for c in normalize_choices(field.options)]


def _bool_json(value: Any, ctx: ValueContext) -> bool:
    return bool(value)


_bool_json.plain = bool  # type: ignore[attr-defined]  (the same, without the context: storage/row_writers.py)


@register
class BooleanType(FieldType):
    name, label, label_zh = "boolean", "Checkbox", "复选框"
    operators = ("eq", "is_true", "is_false")
    convertible_to = frozenset({"text", "long_text", "number"})
    value_schema = {"type": "boolean"}

    def column_type(self, field: FieldDef):
        return Boolean()

    def clean(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return False
        return self.clean_value(value, field, ctx)

    def clean_value(self, value: Any, field: FieldDef, ctx: ValueContext) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = unicodedata.normalize("NFKC", value).strip().casefold()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
        raise ValueError(_("'%(value)s' is not true or false", value=value))

    def cleaner(self, field: FieldDef, ctx: ValueContext) -> Callable[[Any], Any]:
        if self._overrides(("clean", BooleanType), ("clean_value", BooleanType)):
            return super().cleaner(field, ctx)
        slow = super().cleaner(field, ctx)
        words = _EXACT_WORDS

        def clean(value: Any) -> Any:
            if value is True or value is False:
                return value
            if type(value) is str:
                hit = words.get(value)
                if hit is not None:
                    return hit
            return slow(value)
        return clean

    def from_db(self, value: Any, field: FieldDef) -> Any:
        return bool(value) if value is not None else False

    def json_reader(self, field: FieldDef) -> Callable[[Any, ValueContext], Any]:
        if self._overrides(("from_db", BooleanType), ("to_json", FieldType)):
            return super().json_reader(field)
        return _bool_json

    def format(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        if ctx.lang.startswith("zh"):
            return "是" if value else "否"
        return "yes" if value else "no"

    def sql_condition(self, op: str, column: Any, value: Any, field: FieldDef) -> Any:
        if op == "is_true" or (op == "eq" and value):
            return column.is_(True)
        if op == "is_false" or op == "eq":
            return or_(column.is_(None), column.is_(False))
        return None

    def py_condition(self, op: str, stored: Any, value: Any, field: FieldDef) -> Any:
        truth = bool(stored)
        if op == "is_true":
            return truth
        if op == "is_false":
            return not truth
        if op == "eq":
            return truth == bool(value)
        return NotImplemented

    def form_field(self, field: FieldDef, ctx: FormContext):
        from wtforms import BooleanField

        kw = ctx.kwargs(field)
        kw["validators"] = []
        return BooleanField(**kw)


@register
class SingleSelectType(ChoiceLike):
    name, label, label_zh = "single_select", "Single select", "单选"
    operators = ("eq", "neq", "in", "not_in", "is_empty", "is_not_empty")
    convertible_to = frozenset({"text", "long_text", "multi_select"})

    def column_type(self, field: FieldDef):
        return String(100)

    def clean_value(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        return self.match_choice(value, field)

    def cleaner(self, field: FieldDef, ctx: ValueContext) -> Callable[[Any], Any]:
        """match_choice with the choices looked up in two dicts built once per field."""
        if self._overrides(("clean", FieldType), ("is_blank", FieldType), ("clean_value", SingleSelectType),
                           ("match_choice", ChoiceLike)):
            return super().cleaner(field, ctx)
        slow = super().cleaner(field, ctx)
        exact: dict[str, str] = {}
        folded: dict[str, str] = {}
        choices = normalize_choices(field.options)
        for c in choices:
            exact.setdefault(c["value"], c["value"])
        for c in choices:  # match_choice's second pass: the first choice whose value or label matches
            for key in (c["value"].casefold(), (c["label"] or "").casefold(), (c["label_zh"] or "").casefold()):
                if key:
                    folded.setdefault(key, c["value"])
        normalize = unicodedata.normalize

        def clean(value: Any) -> Any:
            if type(value) is str:
                text = normalize("NFKC", value).strip()
                if text:
                    hit = exact.get(text)
                    if hit is None:
                        hit = folded.get(text.casefold())
                    if hit is not None:
                        return hit
            return slow(value)  # blank, or no choice: clean() answers (and words the message)
        return clean

    def json_schema(self, field: FieldDef) -> dict:
        return {"type": "string", "enum": [c["value"] for c in normalize_choices(field.options)]}

    def sort_expression(self, column: Any, field: FieldDef) -> Any:
        """The choices' order (as in Airtable): a value's place in the list; a value no longer among
        the choices after them, empty last (the sort's NULLS LAST)."""
        values = [c["value"] for c in normalize_choices(field.options)]
        if not values:
            return column
        return case(*((column == v, i) for i, v in enumerate(values)), (column.is_(None), None),
                    else_=len(values))

    def sort_value(self, stored: Any, field: FieldDef) -> Any:
        if stored is None:
            return None
        values = [c["value"] for c in normalize_choices(field.options)]
        if not values:
            return stored
        return values.index(stored) if stored in values else len(values)

    def sort_signature(self, field: FieldDef) -> str:
        order = json.dumps([c["value"] for c in normalize_choices(field.options)], ensure_ascii=False)
        return hashlib.sha1(order.encode()).hexdigest()[:8]

    def format(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        return "" if value is None else self.label_of(value, field, ctx.lang)

    def format_html(self, value: Any, field: FieldDef, ctx: ValueContext) -> Markup:
        if value is None:
            return Markup("")
        lang = ctx.lang
        return field_memo(field, ("html", lang, value), lambda: badges([value], self.choices_of(field), lang))

    def form_field(self, field: FieldDef, ctx: FormContext):
        from wtforms import SelectField

        kw = ctx.kwargs(field)
        return SelectField(choices=[("", "")] + self.form_choices(field, ctx.lang), **kw)


@register
class MultiSelectType(ChoiceLike):
    """Several choices, stored as '|a|b|' so that SQL can test membership with LIKE on any backend."""

    name, label, label_zh = "multi_select", "Multiple select", "多选"
    operators = ("contains", "not_contains", "in", "not_in", "eq", "is_empty", "is_not_empty")
    convertible_to = frozenset({"text", "long_text"})

    def column_type(self, field: FieldDef):
        return Text()

    def clean(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        if value is None or value == [] or (isinstance(value, str) and not value.strip()):
            return []
        return self.clean_value(value, field, ctx)

    def clean_value(self, value: Any, field: FieldDef, ctx: ValueContext) -> list[str]:
        if isinstance(value, str):
            items = [p for p in (s.strip() for s in value.replace("，", ",").replace(";", ",").split(",")) if p]
        elif isinstance(value, (list, tuple)):
            items = list(value)
        else:
            raise ValueError(_("must be a list of choices"))
        out: list[str] = []
        for item in items:
            v = self.match_choice(item, field)
            if v in out and not isinstance(value, str):  # a list is uniqueItems (as documented); text is forgiven
                raise ValueError(_("lists '%(value)s' more than once", value=v))
            if v not in out:
                out.append(v)
        order = [c["value"] for c in normalize_choices(field.options)]
        return sorted(out, key=order.index)

    def to_db(self, value: Any, field: FieldDef) -> Any:
        return "|" + "|".join(value) + "|" if value else None

    def from_db(self, value: Any, field: FieldDef) -> Any:
        return [v for v in value.split("|") if v] if value else []

    def json_schema(self, field: FieldDef) -> dict:
        return {"type": "array", "uniqueItems": True,
                "items": {"type": "string", "enum": [c["value"] for c in normalize_choices(field.options)]}}

    def format(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        return ", ".join(self.label_of(v, field, ctx.lang) for v in value or [])

    def format_html(self, value: Any, field: FieldDef, ctx: ValueContext) -> Markup:
        lang, values = ctx.lang, tuple(value or ())
        return field_memo(field, ("html", lang, values),  # one badge per value
                          lambda: badges(values, self.choices_of(field), lang))

    def filter_value(self, op: str, raw: Any, field: FieldDef, ctx: ValueContext) -> Any:
        if op in ("contains", "not_contains"):
            return self.match_choice(raw, field)
        return self.clean(raw, field, ctx)

    def sql_condition(self, op: str, column: Any, value: Any, field: FieldDef) -> Any:
        def has(v: str):  # choice values may hold LIKE wildcards ('50%', 'a_b'): escape them
            return column.like(f"%|{_like_escape(v)}|%", escape="\\")

        if op == "contains":
            return has(value)
        if op == "not_contains":
            return or_(column.is_(None), not_(has(value)))
        if op == "in":
            return or_(*[has(v) for v in value]) if value else column.is_(None) & column.isnot(None)
        if op == "not_in":
            return or_(column.is_(None), not_(or_(*[has(v) for v in value]))) if value else column.is_(None) | column.isnot(None)
        if op == "eq":
            stored = self.to_db(value, field)
            return column.is_(None) if stored is None else column == stored
        if op == "is_empty":
            return column.is_(None)
        if op == "is_not_empty":
            return column.isnot(None)
        return None

    def py_condition(self, op: str, stored: Any, value: Any, field: FieldDef) -> Any:
        items = set(stored or [])
        return {
            "contains": lambda: value in items,
            "not_contains": lambda: value not in items,
            "in": lambda: bool(items & set(value)),
            "not_in": lambda: not (items & set(value)),
            "eq": lambda: items == set(value or []),
            "is_empty": lambda: not items,
            "is_not_empty": lambda: bool(items),
        }[op]()

    def form_field(self, field: FieldDef, ctx: FormContext):
        from wtforms import SelectMultipleField

        kw = ctx.kwargs(field)
        return SelectMultipleField(choices=self.form_choices(field, ctx.lang), **kw)
