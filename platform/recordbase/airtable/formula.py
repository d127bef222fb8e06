"""``filterByFormula``: Airtable formulas evaluated with our formula language.

The formula is parsed by :mod:`recordbase.metamodel.formula` (fields named by label, Chinese
label or API name). Then:

1. What can be said in the filter language is compiled to SQL: comparisons of a field with
   a literal (``{Score} >= 80``, ``{Status} = 'Active'``, ``{Due} < '2026-01-01'``), a field
   alone (``{Done}``: non-empty / checked / non-zero), ``{x} = ''`` / ``= BLANK()``,
   ``RECORD_ID() = 'rec…'``, and AND / OR / NOT of those. Literal values are read by the
   field type (a choice by its label or value, a date from its text).
2. Anything else (``FIND('x', {Name})``, arithmetic, IF, functions of fields ...) is evaluated
   in Python, record by record, over the candidates the SQL part leaves (the compilable
   conjuncts of a top-level AND still narrow the query).

Airtable spellings are rewritten first: ``RECORD_ID() = 'rec00000000000012'`` compares with
our numeric id, and a text literal compared with a select field becomes that choice's value,
so both paths see the same values.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Optional

from ..errors import FilterError
from ..metamodel import formula as fx
from ..metamodel.computed_fields import USER_TYPES, field_info
from ..metamodel.fieldtypes import FieldDef
from ..metamodel.filters import compile_filter
from ..metamodel.formula.budget import BudgetExceeded, FormulaBudget, current as current_budget
from ..metamodel.formula.evaluator import request_deadline
from ..metamodel.formula.nodes import Binary, Boolean, Call, FieldRef, Node, Number, String, Unary
from ..metamodel.runtime import TypeDef
from .common import invalid, parse_id

_OPS = {"=": "eq", "!=": "neq", "<>": "neq", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!=", "<>": "<>"}
_SQL_TYPES = frozenset({"text", "long_text", "email", "url", "phone", "number", "decimal", "currency", "percent",
                        "rating", "duration", "date", "datetime", "boolean", "single_select", "autonumber",
                        "created_at", "updated_at", "formula", "rollup", "count", "lookup"})


@dataclass
class CompiledFormula:
    """``tree`` is the filter-language tree for SQL (None: no SQL part), ``checked`` the part
    evaluated in Python (None: none), within ``budget`` and by ``deadline`` (the request's:
    :meth:`matches` raises an :class:`AirtableError` 422 past either)."""

    tree: Optional[dict]
    checked: Optional[fx.CheckedFormula]
    fields: tuple[str, ...] = ()
    budget: Optional[FormulaBudget] = None
    deadline: Optional[float] = None

    def matches(self, values: dict, record_id: int, store: Any) -> bool:
        if self.checked is None:
            return True
        inputs = {}
        typedef_fields = {f.name: f for f in store.type(self.type_name).fields} if self.type_name else {}
        for name in self.checked.fields:
            v = values.get(name)
            f = typedef_fields.get(name)
            if f is not None and f.field_type in USER_TYPES and v is not None:
                v = store.ctx.user_email(v)
            inputs[name] = v
        context = fx.EvalContext(record_id=record_id, timezone=store.timezone, budget=self.budget,
                                 deadline=self.deadline, strict_budget=True)
        try:
            result = fx.evaluate(self.checked, inputs, context)
        except BudgetExceeded as exc:
            raise invalid("INVALID_FILTER_BY_FORMULA",
                          f"The formula for filtering records is too expensive: {exc.message}") from None
        return _truthy(result)

    type_name: str = ""


def _truthy(v: Any) -> bool:
    if v is None or v is False or v == "" or v == [] or v == 0:
        return False
    return True


def _resolver(typedef: TypeDef):
    return fx.make_resolver(typedef.fields, info=field_info)


def _field(typedef: TypeDef, node: Node) -> Optional[FieldDef]:
    if not isinstance(node, FieldRef):
        return None
    ref = node.ref
    for f in typedef.fields:
        if f.name == ref:
            return f
    return typedef.field_by_label(ref)


def _literal(node: Node) -> tuple[bool, Any]:
    if isinstance(node, Number):
        if not node.value.is_finite() or not -15 <= node.value.adjusted() <= 15:
            return False, None  # int() of 1E+999999 alone takes half a minute: leave it to the formula
        return True, int(node.value) if node.value == node.value.to_integral_value() else float(node.value)
    if isinstance(node, String):
        return True, node.value
    if isinstance(node, Boolean):
        return True, node.value
    if isinstance(node, Call) and node.name in ("TRUE", "FALSE") and not node.args:
        return True, node.name == "TRUE"
    if isinstance(node, Call) and node.name == "BLANK" and not node.args:
        return True, None
    if isinstance(node, Unary) and node.op == "-" and isinstance(node.operand, Number):
        ok, value = _literal(node.operand)
        return (True, -value) if ok else (False, None)
    return False, None


def _rewrite(typedef: TypeDef, node: Node) -> Node:
    """Airtable spellings -> ours (record ids, choice labels), recursively."""
    if isinstance(node, Binary):
        left, right = _rewrite(typedef, node.left), _rewrite(typedef, node.right)
        if node.op in _OPS:
            for a, b, side in ((left, right, "right"), (right, left, "left")):
                if isinstance(a, Call) and a.name == "RECORD_ID" and isinstance(b, String):
                    rid = parse_id("rec", b.value)
                    if rid is not None:
                        b2 = Number(fx.DECIMAL_CONTEXT.create_decimal(rid), b.line, b.column)
                        return replace(node, left=left if side == "right" else b2, right=b2 if side == "right" else right)
                f = _field(typedef, a)
                if f is not None and f.field_type in ("single_select", "multi_select") and isinstance(b, String) and b.value:
                    try:
                        value = f.ftype.match_choice(b.value, f)
                    except ValueError:
                        continue
                    b2 = replace(b, value=value)
                    return replace(node, left=left if side == "right" else b2, right=b2 if side == "right" else right)
        return replace(node, left=left, right=right)
    if isinstance(node, Unary):
        return replace(node, operand=_rewrite(typedef, node.operand))
    if isinstance(node, Call):
        if node.name == "DATETIME_PARSE" and len(node.args) == 1 and isinstance(node.args[0], String):
            return node.args[0]  # pyairtable's match() writes dates as DATETIME_PARSE('2026-01-05')
        return replace(node, args=tuple(_rewrite(typedef, a) for a in node.args))
    return node


def _to_tree(typedef: TypeDef, node: Node) -> Optional[dict]:
    """The filter-language tree meaning the same as ``node`` (as a condition), or None."""
    if isinstance(node, Call):
        if node.name in ("AND", "OR") and node.args:
            parts = [_to_tree(typedef, a) for a in node.args]
            if any(p is None for p in parts):
                return None
            return {node.name.lower(): parts}
        if node.name == "NOT" and len(node.args) == 1:
            inner = _to_tree(typedef, node.args[0])
            return None if inner is None else {"not": inner}
        if node.name in ("TRUE", "FALSE") and not node.args:
            return {"and": []} if node.name == "TRUE" else {"or": []}
        if node.name in ("IS_BLANK", "ISBLANK") and len(node.args) == 1:
            f = _field(typedef, node.args[0])
            if f is not None and f.field_type in _SQL_TYPES and f.field_type != "boolean":
                return {"field": f.name, "op": "is_empty"}
        return None
    if isinstance(node, FieldRef):
        f = _field(typedef, node)
        if f is None or f.field_type not in _SQL_TYPES:
            return None
        kind = _kind(f)
        if kind == "boolean":
            return {"field": f.name, "op": "is_true"}
        if kind == "number":
            return {"and": [{"field": f.name, "op": "is_not_empty"}, {"field": f.name, "op": "neq", "value": 0}]}
        return {"field": f.name, "op": "is_not_empty"}
    if isinstance(node, Binary) and node.op in _OPS:
        left, right, op = node.left, node.right, node.op
        if _field(typedef, left) is None and not (isinstance(left, Call) and left.name == "RECORD_ID"):
            left, right, op = right, left, _FLIP[op]
        ok, value = _literal(right)
        if not ok:
            return None
        if isinstance(left, Call) and left.name == "RECORD_ID" and not left.args:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return None
            return _id_condition(op, int(value))
        f = _field(typedef, left)
        if f is None or f.field_type not in _SQL_TYPES:
            return None
        kind = _kind(f)
        if value is None or value == "":
            if op in ("=",):
                return {"field": f.name, "op": "is_false" if kind == "boolean" else "is_empty"}
            if op in ("!=", "<>"):
                return {"field": f.name, "op": "is_true" if kind == "boolean" else "is_not_empty"}
            return {"or": []}  # an ordering comparison with a blank is false
        if kind == "boolean":
            if op not in ("=", "!=", "<>") or not isinstance(value, bool):
                return None
            want = value if op == "=" else not value
            return {"field": f.name, "op": "is_true" if want else "is_false"}
        if kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            return None
        if kind == "text" and not isinstance(value, str):
            return None
        if kind in ("date", "datetime"):
            if not isinstance(value, str):
                return None
            if kind == "datetime" and op in ("=", "!=", "<>"):
                return None  # equality of instants written as text: leave it to the formula
        if kind == "text" and op not in ("=", "!=", "<>"):
            return None  # text ordering: the formula's rules
        if f.field_type == "percent" and isinstance(value, (int, float)):
            value = value * 100  # Airtable writes percentages as fractions
        return {"field": f.name, "op": _OPS[op], "value": value}
    return None


_ID_MAX = 2**31 - 1  # ids are int4 on PostgreSQL: a larger number in the SQL is an error there


def _id_condition(op: str, value: int) -> dict:
    """``RECORD_ID() <op> value`` as a filter; a value beyond any id is decided here, not by the database."""
    if -_ID_MAX <= value <= _ID_MAX:
        return {"field": "id", "op": _OPS[op], "value": value}
    above = value > 0  # every id is below the value (or, for a negative one, above it)
    true = op in ("!=", "<>") or (op in ("<", "<=") if above else op in (">", ">="))
    return {"and": []} if true else {"or": []}


def _kind(f: FieldDef) -> str:
    if f.ftype.computed:
        return f.options.get("result_type", "text")
    if f.field_type in ("boolean",):
        return "boolean"
    if f.field_type in ("number", "decimal", "currency", "percent", "rating", "duration"):
        return "number"
    if f.field_type in ("date",):
        return "date"
    if f.field_type in ("datetime", "created_at", "updated_at"):
        return "datetime"
    return "text"


def compile_formula(typedef: TypeDef, text: str, ctx: Any) -> CompiledFormula:
    """Split ``filterByFormula`` into a SQL part and a Python part; 422 when it is not valid or
    over the formula budget (its length and depth here, its text and time as it runs)."""
    budget = current_budget()
    try:
        node = fx.parse(text, budget)
        node = _rewrite(typedef, node)
        fx.check(node, _resolver(typedef))  # unknown fields / functions / types: refused here
    except fx.FormulaError as exc:
        raise invalid("INVALID_FILTER_BY_FORMULA", f"The formula for filtering records is invalid: {exc}") from None
    tree = _to_tree(typedef, node)
    rest: Optional[Node] = None
    if tree is None:
        rest = node
        if isinstance(node, Call) and node.name == "AND" and node.args:
            sql_parts, py_parts = [], []
            for a in node.args:
                t = _to_tree(typedef, a)
                (sql_parts if t is not None else py_parts).append(t if t is not None else a)
            tree = {"and": sql_parts} if sql_parts else None
            rest = py_parts[0] if len(py_parts) == 1 else Call("AND", tuple(py_parts), node.line, node.column)
    if tree is not None:
        try:
            compile_filter(tree, typedef, ctx)
        except FilterError:  # a literal the field type cannot read: let the formula judge it
            tree, rest = None, node
    checked = fx.check(rest, _resolver(typedef)) if rest is not None else None
    return CompiledFormula(tree, checked, type_name=typedef.name, budget=budget, deadline=request_deadline(budget))
