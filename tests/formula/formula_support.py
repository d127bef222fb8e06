"""Shared fields, values and helpers of the formula tests (no database)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from recordbase.metamodel.fieldtypes import FieldDef
from recordbase.metamodel.formula import EvalContext, FieldInfo, check, evaluate, make_resolver


def _field(i: int, name: str, label: str, ftype: str, label_zh: str | None = None, **options: Any) -> FieldDef:
    return FieldDef(id=i, type_id=1, name=name, label=label, field_type=ftype, label_zh=label_zh, options=options)


FIELDS = [
    _field(1, "score", "Score", "number", label_zh="得分"),
    _field(2, "likelihood", "Likelihood", "number", label_zh="可能性"),
    _field(3, "impact", "Impact", "number"),
    _field(4, "unit_price", "Unit price", "currency"),
    _field(5, "quantity", "Quantity", "number"),
    _field(6, "name", "Name", "text"),
    _field(7, "status", "Status", "single_select"),
    _field(8, "due", "Due date", "date"),
    _field(9, "start", "Start", "datetime"),
    _field(10, "end", "End", "datetime"),
    _field(11, "done", "Done", "boolean"),
    _field(12, "tags", "Tags", "multi_select"),
    _field(13, "risk_level", "风险 等级", "text"),
    _field(14, "price_x", "Price}x", "number"),
    _field(15, "empty", "Empty", "number"),
    _field(16, "note", "Note", "long_text"),
    _field(17, "amounts", "Amounts", "lookup"),
    _field(18, "anything", "Anything", "mystery"),
]


def _info(field: FieldDef) -> FieldInfo:
    if field.name == "amounts":  # a lookup of numbers through a many-link
        return FieldInfo("amounts", "number", multiple=True)
    from recordbase.metamodel.formula import default_field_info

    return default_field_info(field)


resolve = make_resolver(FIELDS, _info)

BASE_VALUES: dict[str, Any] = {
    "score": 85, "likelihood": 4, "impact": 5, "unit_price": 12.5, "quantity": 3, "name": "Acme Ltd",
    "status": "open", "due": date(2024, 3, 15), "start": datetime(2024, 3, 1, 8, 0),
    "end": datetime(2024, 3, 3, 20, 30), "done": False, "tags": ["urgent", "vip"], "risk_level": "高",
    "price_x": 7, "empty": None, "note": "", "amounts": [10, 20.5, None, 30], "anything": None,
}

#: Friday 1 March 2024, noon UTC
NOW = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)


def run(expression: str, overrides: dict | None = None, **context: Any) -> Any:
    """Check and evaluate ``expression`` against the base record with ``overrides``."""
    values = dict(BASE_VALUES, **(overrides or {}))
    ctx = EvalContext(**{"record_id": 42, "now": NOW, **context})
    return evaluate(check(expression, resolve), values, ctx)
