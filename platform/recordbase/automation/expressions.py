"""Values of actions (a literal, or ``{"formula": ...}`` over the triggering record) and message
templates with ``{Field}`` placeholders.

Formulas are type-checked when a rule is saved, against the triggering record type, and their
result type must suit the field they fill (a text formula cannot fill a number field). They
are evaluated with the formula language's evaluator (:mod:`recordbase.metamodel.formula`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable, Optional

from ..metamodel import formula as fx
from ..metamodel.formula import budget as formula_budget
from ..metamodel.computed_fields import USER_TYPES, field_info
from ..metamodel.dependencies import value_kind
from ..metamodel.fieldtypes import FieldDef
from ..metamodel.ids import digits_only
from ..metamodel.runtime import TypeDef, is_many_link

#: the formula result types each kind of target field takes
_FITS = {"number": {fx.NUMBER, fx.BOOLEAN}, "boolean": {fx.BOOLEAN}, "date": {fx.DATE, fx.DATETIME, fx.TEXT},
         "datetime": {fx.DATE, fx.DATETIME, fx.TEXT}, "text": {fx.NUMBER, fx.TEXT, fx.BOOLEAN, fx.DATE, fx.DATETIME,
                                                               fx.LIST}}


def is_formula(raw: Any) -> bool:
    return isinstance(raw, dict) and "formula" in raw


def check_formula(expression: str, source: TypeDef, budget: bool = True) -> fx.CheckedFormula:
    """FormulaError when the expression does not type-check against ``source``'s fields, or (when a
    rule is saved: ``budget``) is over the formula budget's length or depth."""
    return fx.check(expression, fx.make_resolver(source.fields, info=field_info),
                    formula_budget.current() if budget else None)


def target_kind(target: FieldDef) -> str:
    if target.field_type == "link":
        return "link"
    if target.field_type in USER_TYPES:
        return "user"
    return value_kind(target)


def fits(result_type: str, target: FieldDef) -> bool:
    if result_type in (fx.ANY, fx.BLANK):
        return True
    kind = target_kind(target)
    if kind == "link":
        return result_type in ({fx.NUMBER, fx.LIST} | ({fx.TEXT} if is_many_link(target) else set()))
    if kind == "user":
        return result_type == fx.TEXT
    if target.field_type == "multi_select":
        return result_type in (fx.TEXT, fx.LIST)
    return result_type in _FITS.get(kind, _FITS["text"])


def formula_inputs(checked: fx.CheckedFormula, typedef: TypeDef, values: dict, user_email: Callable[[int], Any]) -> dict:
    out = {}
    for name in checked.fields:
        f = typedef.field(name)
        v = values.get(name)
        if f is not None and f.field_type in USER_TYPES and v is not None:
            v = user_email(v)
        out[name] = v
    return out


def plain(value: Any) -> Any:
    """A formula result as API input (ISO dates, int or float numbers)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def to_field_input(value: Any, target: FieldDef) -> Any:
    """Shape a computed value for ``target``: ids for links (a list for many-links), lists for multi selects."""
    value = plain(value)
    if target.field_type == "link":
        if is_many_link(target):
            if value is None:
                return []
            items = value if isinstance(value, list) else [p for p in re.split(r"[,\s]+", str(value)) if p]
            return [int(float(i)) if isinstance(i, (int, float, str)) and digits_only(str(i).replace(".", "", 1)) else i
                    for i in items]
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, list):
            return value[0] if value else None
    if target.field_type == "multi_select" and isinstance(value, str):
        return [p.strip() for p in value.split(",") if p.strip()]
    return value


# -- message templates -----------------------------------------------------------------
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]+)\}")
SPECIAL_PLACEHOLDERS = ("id", "type", "rule")


def template_fields(template: str, typedef: TypeDef) -> list[str]:
    """The placeholders of ``template``; ValueError naming one that is no field of ``typedef``."""
    names = []
    for m in _PLACEHOLDER.finditer(template or ""):
        ref = m.group(1)
        if ref is None:
            continue
        ref = ref.strip()
        if ref in SPECIAL_PLACEHOLDERS:
            continue
        f = typedef.field(ref) or typedef.field_by_label(ref)
        if f is None:
            raise ValueError(f"unknown placeholder {{{ref}}}: record type '{typedef.name}' has no such field")
        names.append(f.name)
    return names


def render(template: Optional[str], typedef: TypeDef, values: dict, format_value: Callable[[FieldDef, Any], str],
           extra: Optional[dict] = None) -> Optional[str]:
    """``"Score {total} for {period}"`` with each placeholder replaced by the field's text."""
    if template is None:
        return None
    extra = extra or {}

    def sub(m: re.Match) -> str:
        if m.group(0) == "{{":
            return "{"
        if m.group(0) == "}}":
            return "}"
        ref = m.group(1).strip()
        if ref in extra:
            return str(extra[ref])
        f = typedef.field(ref) or typedef.field_by_label(ref)
        if f is None:
            return m.group(0)
        return format_value(f, values.get(f.name))

    return _PLACEHOLDER.sub(sub, template)


@dataclass(frozen=True)
class ValueSpec:
    """One field value of an action: a literal, or a checked formula over the source record."""

    field: str
    literal: Any = None
    formula: Optional[fx.CheckedFormula] = None
