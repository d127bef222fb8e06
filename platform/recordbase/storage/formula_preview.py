"""The live check of a formula being edited: its error with the position, or its result type and
the value it would give on an existing record (the newest one the user may read).

Used by the field form in the admin (a JSON endpoint called as the user types, and a "Check"
button that works without script). Saving the field checks again, cycles included.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Optional

from ..metamodel import formula as fx
from ..metamodel.computed_fields import USER_TYPES, field_info
from ..metamodel.formula.budget import BudgetExceeded, current as current_budget
from ..metamodel.formula.evaluator import request_deadline

if TYPE_CHECKING:
    from .record_store import RecordStore


def preview_formula(store: "RecordStore", type_name: str, expression: str,
                    exclude_field: Optional[str] = None) -> dict:
    """``{"ok": True, "result_type", "sample": {"id", "title", "value"} | None}`` or
    ``{"ok": False, "error": message, "position": {"line", "column"} | None}``.

    ``exclude_field`` is the formula field being edited: its own stored value is no input.
    The formula budget applies as when saving (length, depth), and its text and time limits to
    the sample: over them, the check says which limit it passed.
    """
    typedef = store.visible_type(type_name)  # fields hidden from the user are unknown to their formulas
    if not expression or not expression.strip():
        return {"ok": False, "error": "The formula is empty.", "position": None}
    budget = current_budget()
    fields = [f for f in typedef.fields if f.name != exclude_field]
    try:
        checked = fx.check(expression, fx.make_resolver(fields, info=field_info), budget)
    except fx.FormulaError as exc:
        return {"ok": False, "error": exc.message, "position": exc.position}
    out: dict[str, Any] = {"ok": True, "result_type": checked.result_type, "sample": None}
    records = store.list(type_name, sort="-id", limit=1).records
    if records:
        record = records[0]
        inputs = {}
        for name in checked.fields:
            f = typedef.field(name)
            value = record.values.get(name)
            if f is not None and f.field_type in USER_TYPES and value is not None:
                value = store._user_email(value)
            inputs[name] = value
        context = fx.EvalContext(record_id=record.id, timezone=store.ctx.timezone, budget=budget,
                                 deadline=request_deadline(budget), strict_budget=True)
        try:
            value = fx.evaluate(checked, inputs, context)
        except BudgetExceeded as exc:
            return {"ok": False, "error": exc.message, "position": None}
        out["sample"] = {"id": record.id, "title": store.title(record), "value": _plain(value)}
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
