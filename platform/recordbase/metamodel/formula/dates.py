"""Date arithmetic for DATEADD, DATETIME_DIFF, DATETIME_FORMAT and WEEKDAY.

Calendar units (days and longer) work on the wall clock of the instance time
zone, so adding a day across a daylight-saving change keeps the hour; hours
and shorter work on the instant. Month arithmetic clamps to the end of the
month (Jan 31 + 1 month = Feb 29 in 2024), and DATETIME_DIFF in months or
years follows moment.js (which Airtable uses): whole months, truncated
toward zero.
"""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Optional

from .values import Env, Fault, as_datetime, from_local, local

UNITS = ("milliseconds", "seconds", "minutes", "hours", "days", "weeks", "months", "quarters", "years")
CALENDAR_UNITS = frozenset({"days", "weeks", "months", "quarters", "years"})

# single letters are case-sensitive as in moment ('M' months, 'm' minutes); names are not.
_SHORT = {"ms": "milliseconds", "s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks",
          "M": "months", "Q": "quarters", "y": "years"}
_CHINESE = {"毫秒": "milliseconds", "秒": "seconds", "分": "minutes", "分钟": "minutes", "时": "hours",
            "小时": "hours", "天": "days", "日": "days", "周": "weeks", "星期": "weeks", "月": "months",
            "个月": "months", "季度": "quarters", "年": "years"}
_MICROS = {"milliseconds": 1000, "seconds": 10**6, "minutes": 60 * 10**6, "hours": 3600 * 10**6,
           "days": 86400 * 10**6, "weeks": 7 * 86400 * 10**6}


#: more microseconds than any two dates (years 1 to 9999) are apart
_MAX_MICROS = Decimal(10000 * 366 * 86400 * 10**6)


def unit_name(text: str) -> Optional[str]:
    """The canonical unit for 'days', 'Day', 'd', '天' ...; None when unknown."""
    s = text.strip()
    if s in _SHORT:
        return _SHORT[s]
    if s in _CHINESE:
        return _CHINESE[s]
    low = s.lower()
    if low in UNITS:
        return low
    if low + "s" in UNITS:
        return low + "s"
    return None


def unit_or_fault(text: str) -> str:
    unit = unit_name(text)
    if unit is None:
        raise Fault(f"unknown unit {text!r}")
    return unit


def add_months(d: datetime | date, months: int):
    """Add calendar months, clamping the day to the last day of the resulting month."""
    total = d.year * 12 + (d.month - 1) + months
    year, month = divmod(total, 12)
    if not 1 <= year <= 9999:
        raise Fault("date out of range")
    day = min(d.day, calendar.monthrange(year, month + 1)[1])
    return d.replace(year=year, month=month + 1, day=day)


def _round_half_up(n: Decimal) -> int:
    return int(n.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def date_add(value: date | datetime, amount: Decimal, unit: str, env: Env) -> date | datetime:
    """DATEADD. A date stays a date for whole days and longer (amounts rounded, as moment does)."""
    if unit in ("months", "quarters", "years"):
        months = _round_half_up(amount) * {"months": 1, "quarters": 3, "years": 12}[unit]
        if isinstance(value, datetime):
            return from_local(add_months(local(value, env), months), env)
        return add_months(value, months)
    if unit in ("days", "weeks"):
        days = timedelta(days=_round_half_up(amount) * (7 if unit == "weeks" else 1))
        if isinstance(value, datetime):
            return from_local(local(value, env) + days, env)
        return value + days
    micros = (amount * _MICROS[unit]).to_integral_value()
    if abs(micros) > _MAX_MICROS:  # int() of 1E+999990 alone would take half a minute
        raise Fault("date out of range")
    return as_datetime(value, env) + timedelta(microseconds=int(micros))


def _micros(delta: timedelta) -> int:
    return (delta.days * 86400 + delta.seconds) * 10**6 + delta.microseconds


def _trunc(frac: Fraction) -> int:
    """Truncate toward zero (moment's absFloor)."""
    return int(frac)  # int() of a Fraction truncates toward zero


def _month_diff(a: datetime, b: datetime) -> Fraction:
    """moment.js monthDiff(a, b): the (fractional) months from ``a`` to ``b``, negated."""
    if a.day < b.day:
        return -_month_diff(b, a)
    whole = (b.year - a.year) * 12 + (b.month - a.month)
    anchor = add_months(a, whole)
    if b < anchor:
        anchor2 = add_months(a, whole - 1)
        adjust = Fraction(_micros(b - anchor), _micros(anchor - anchor2))
    else:
        anchor2 = add_months(a, whole + 1)
        adjust = Fraction(_micros(b - anchor), _micros(anchor2 - anchor))
    return -(whole + adjust)


def date_diff(a: date | datetime, b: date | datetime, unit: str, env: Env) -> int:
    """DATETIME_DIFF(a, b, unit): a - b in whole units, truncated toward zero."""
    if unit in ("months", "quarters", "years"):
        months = _month_diff(local(a, env), local(b, env))
        return _trunc(months / {"months": 1, "quarters": 3, "years": 12}[unit])
    if unit in ("days", "weeks") and not isinstance(a, datetime) and not isinstance(b, datetime):
        micros = (a - b).days * _MICROS["days"]
    else:
        micros = _micros(as_datetime(a, env) - as_datetime(b, env))
    return _trunc(Fraction(micros, _MICROS[unit]))


_FORMAT_TOKENS = re.compile(r"\[([^\]]*)\]|YYYY|YY|MM|M|DD|D|HH|H|mm|ss")


def date_format(value: date | datetime, fmt: str, env: Env) -> str:
    """DATETIME_FORMAT with moment tokens YYYY YY MM M DD D HH H mm ss; ``[text]`` is literal.
    Datetimes are shown in the time zone."""
    wall = local(value, env)

    def token(m: re.Match) -> str:
        t = m.group(0)
        if m.group(1) is not None:
            return m.group(1)
        return {
            "YYYY": f"{wall.year:04d}", "YY": f"{wall.year % 100:02d}", "MM": f"{wall.month:02d}",
            "M": str(wall.month), "DD": f"{wall.day:02d}", "D": str(wall.day), "HH": f"{wall.hour:02d}",
            "H": str(wall.hour), "mm": f"{wall.minute:02d}", "ss": f"{wall.second:02d}",
        }[t]

    return _FORMAT_TOKENS.sub(token, fmt)


def default_format(value: date | datetime) -> str:
    return "YYYY-MM-DD HH:mm" if isinstance(value, datetime) else "YYYY-MM-DD"


_WEEK_STARTS = {"sunday": 0, "monday": 1, "星期日": 0, "周日": 0, "星期一": 1, "周一": 1}


def week_start(text: str) -> Optional[int]:
    """0 for 'Sunday' (the default), 1 for 'Monday'; None when neither."""
    return _WEEK_STARTS.get(text.strip().lower())


def weekday(value: date | datetime, start: int, env: Env) -> int:
    """0 for the first day of the week: Sunday (default, as Airtable) or Monday."""
    d = local(value, env).date()
    sunday_based = (d.weekday() + 1) % 7
    return (sunday_based - start) % 7
