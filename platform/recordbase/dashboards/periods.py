"""The periods a number card compares: this month (quarter, year) and the one before, in the instance's
time zone, as filter-language conditions on a date field."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Optional
from zoneinfo import ZoneInfo

Period = tuple[date, date]  # first day, first day after


def _start(d: date, period: str) -> date:
    if period == "year":
        return date(d.year, 1, 1)
    if period == "quarter":
        return date(d.year, (d.month - 1) // 3 * 3 + 1, 1)
    return date(d.year, d.month, 1)


def _shift(d: date, months: int) -> date:
    m = d.month - 1 + months
    return date(d.year + m // 12, m % 12 + 1, 1)


def current_and_previous(period: str, zone: Optional[str], today: Optional[date] = None) -> tuple[Period, Period]:
    today = today or datetime.now(timezone.utc).astimezone(ZoneInfo(zone or "UTC")).date()
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    start = _start(today, period)
    return (start, _shift(start, months)), (_shift(start, -months), start)


def within(flt: Any, field: str, period: Period) -> dict:
    """``flt`` and the date field within the period."""
    conds = [{"field": field, "op": "gte", "value": period[0].isoformat()},
             {"field": field, "op": "lt", "value": period[1].isoformat()}]
    if flt:
        conds.insert(0, flt)
    return {"and": conds}
