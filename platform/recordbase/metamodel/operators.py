"""The filter operators, each defined once: SQL, Python evaluation and a human phrase.

Field types list which operators they accept and may override an operator for
their own storage (multi-select membership, many-links through a junction).
Empty values (NULL / None / []) never equal, compare or contain anything; the
negative operators (neq, not_contains, not_in) therefore include empty values.
"""
from __future__ import annotations

import operator as _op
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable

from sqlalchemy import and_, false, func, not_, or_


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _lower_like(column, pattern: str):
    return func.lower(column).like(pattern, escape="\\")


def _empty(v: Any) -> bool:
    return v is None or v == [] or v == ""


@dataclass(frozen=True)
class Operator:
    name: str
    #: 'value' (one value), 'list', 'days' (a whole number of days) or 'none'
    arity: str
    sql: Callable[..., Any]
    py: Callable[..., bool]
    phrase: str
    phrase_zh: str


def _cmp(pyop):
    def py(s, v, clock):
        return not _empty(s) and pyop(s, v)
    return py


def _window(past: bool):
    def bounds(v, clock, is_date):
        now = clock.today if is_date else clock.now
        other = now - timedelta(days=v) if past else now + timedelta(days=v)
        return (other, now) if past else (now, other)

    def sql(c, v, clock, is_date):
        lo, hi = bounds(v, clock, is_date)
        return and_(c.isnot(None), c >= lo, c <= hi)

    def py(s, v, clock, is_date):
        lo, hi = bounds(v, clock, is_date)
        return s is not None and lo <= s <= hi

    return sql, py


_LAST_SQL, _LAST_PY = _window(True)
_NEXT_SQL, _NEXT_PY = _window(False)

OPERATORS: dict[str, Operator] = {o.name: o for o in [
    Operator("eq", "value", lambda c, v, k: c == v, lambda s, v, k: not _empty(s) and s == v, "=", "等于"),
    Operator("neq", "value", lambda c, v, k: or_(c.is_(None), c != v), lambda s, v, k: _empty(s) or s != v, "≠", "不等于"),
    Operator("lt", "value", lambda c, v, k: c < v, _cmp(_op.lt), "<", "小于"),
    Operator("lte", "value", lambda c, v, k: c <= v, _cmp(_op.le), "≤", "小于等于"),
    Operator("gt", "value", lambda c, v, k: c > v, _cmp(_op.gt), ">", "大于"),
    Operator("gte", "value", lambda c, v, k: c >= v, _cmp(_op.ge), "≥", "大于等于"),
    Operator("before", "value", lambda c, v, k: c < v, _cmp(_op.lt), "is before", "早于"),
    Operator("after", "value", lambda c, v, k: c > v, _cmp(_op.gt), "is after", "晚于"),
    Operator("contains", "value",
             lambda c, v, k: _lower_like(c, f"%{_like_escape(v.lower())}%"),
             lambda s, v, k: not _empty(s) and v.lower() in s.lower(), "contains", "包含"),
    Operator("not_contains", "value",
             lambda c, v, k: or_(c.is_(None), not_(_lower_like(c, f"%{_like_escape(v.lower())}%"))),
             lambda s, v, k: _empty(s) or v.lower() not in s.lower(), "does not contain", "不包含"),
    Operator("starts_with", "value",
             lambda c, v, k: _lower_like(c, f"{_like_escape(v.lower())}%"),
             lambda s, v, k: not _empty(s) and s.lower().startswith(v.lower()), "starts with", "开头是"),
    Operator("in", "list", lambda c, v, k: c.in_(v) if v else false(),
             lambda s, v, k: not _empty(s) and s in v, "is any of", "属于"),
    Operator("not_in", "list", lambda c, v, k: or_(c.is_(None), c.not_in(v)) if v else or_(c.is_(None), c.isnot(None)),
             lambda s, v, k: _empty(s) or s not in v, "is none of", "不属于"),
    Operator("is_empty", "none", lambda c, v, k: c.is_(None), lambda s, v, k: _empty(s), "is empty", "为空"),
    Operator("is_not_empty", "none", lambda c, v, k: c.isnot(None), lambda s, v, k: not _empty(s), "is not empty", "不为空"),
    Operator("is_true", "none", lambda c, v, k: c.is_(True), lambda s, v, k: bool(s), "is checked", "已勾选"),
    Operator("is_false", "none", lambda c, v, k: or_(c.is_(None), c.is_(False)), lambda s, v, k: not s, "is not checked", "未勾选"),
    Operator("within_last_days", "days", _LAST_SQL, _LAST_PY, "is within the last N days", "在过去 N 天内"),
    Operator("within_next_days", "days", _NEXT_SQL, _NEXT_PY, "is within the next N days", "在未来 N 天内"),
]}

DATE_WINDOW_OPERATORS = {"within_last_days", "within_next_days"}


def is_date_value(v: Any) -> bool:
    return isinstance(v, date) and not isinstance(v, datetime)
