"""Implementations of the date functions. ``date`` parameters arrive as date, naive-UTC datetime or
None (blank); a blank date gives a blank result (FALSE for IS_BEFORE/IS_AFTER)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from . import dates
from .values import Env, Fault, local, local_date, order

Temporal = Optional[date | datetime]


def today(env: Env) -> date:
    return local(env.now, env).date()


def now(env: Env) -> datetime:
    return env.now


def dateadd(env: Env, d: Temporal, amount: Decimal, unit: str) -> Temporal:
    if d is None:
        return None
    return dates.date_add(d, amount, dates.unit_or_fault(unit), env)


def datetime_diff(env: Env, a: Temporal, b: Temporal, unit: str = "seconds") -> Optional[Decimal]:
    if a is None or b is None:
        return None
    return Decimal(dates.date_diff(a, b, dates.unit_or_fault(unit), env))


def datetime_format(env: Env, d: Temporal, fmt: Optional[str] = None) -> Optional[str]:
    if d is None:
        return None
    text = dates.date_format(d, fmt if fmt else dates.default_format(d), env)
    env.room(len(text))  # at most twice the format's length ('D' -> '31'), so checked after
    return text


def weekday(env: Env, d: Temporal, start: str = "Sunday") -> Optional[Decimal]:
    if d is None:
        return None
    first = dates.week_start(start)
    if first is None:
        raise Fault("the week starts on Sunday or Monday")
    return Decimal(dates.weekday(d, first, env))


def year(env: Env, d: Temporal) -> Optional[Decimal]:
    return Decimal(local_date(d, env).year) if d is not None else None


def month(env: Env, d: Temporal) -> Optional[Decimal]:
    return Decimal(local_date(d, env).month) if d is not None else None


def day(env: Env, d: Temporal) -> Optional[Decimal]:
    return Decimal(local_date(d, env).day) if d is not None else None


def is_before(env: Env, a: Temporal, b: Temporal) -> bool:
    return a is not None and b is not None and order(a, b, env) == -1


def is_after(env: Env, a: Temporal, b: Temporal) -> bool:
    return a is not None and b is not None and order(a, b, env) == 1


