"""Evaluating a checked formula against one record's values."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import ROUND_HALF_EVEN, Context, DivisionByZero, InvalidOperation, Overflow, localcontext
from time import monotonic
from typing import Any, Mapping, Optional
from zoneinfo import ZoneInfo

from .budget import DEFAULT, BudgetExceeded, FormulaBudget
from .checker import CheckedFormula
from .values import Env, Fault, conform, output

#: what faults raise while evaluating (decimal traps are ArithmeticErrors, date overflow ValueError ...)
FAULTS = (Fault, ArithmeticError, ValueError, TypeError, OverflowError)

#: every formula computes in this context: 28 significant digits; faults trap (and become blank)
DECIMAL_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN, Emin=-999999, Emax=999999,
                          traps=[InvalidOperation, DivisionByZero, Overflow])


@dataclass(frozen=True)
class EvalContext:
    """What a formula may ask besides field values.

    ``now`` is the current instant (aware, or naive UTC; default: the real
    clock) so a recompute job can use one instant for every record;
    ``timezone`` is the instance's IANA zone: TODAY(), DATETIME_FORMAT,
    YEAR/MONTH/DAY/WEEKDAY of datetimes and calendar-unit date arithmetic use
    it. ``exact_numbers`` returns numbers as Decimal instead of int/float.

    ``budget`` (default: :data:`.budget.DEFAULT`) limits the text the formula builds and its
    time. ``deadline`` is a request's: the :func:`time.monotonic` instant by which all its
    evaluations must end (``budget.request_seconds`` after it began); without one, each
    evaluation gets ``budget.evaluation_seconds``. Over budget, the result is blank (an error
    value), unless ``strict_budget``: then :class:`~.budget.BudgetExceeded` is raised, for the
    request to answer 4xx.
    """

    record_id: Any = None
    now: Optional[datetime] = None
    timezone: str = "UTC"
    exact_numbers: bool = False
    budget: Optional[FormulaBudget] = None
    deadline: Optional[float] = None
    strict_budget: bool = False


def request_deadline(budget: FormulaBudget) -> float:
    """The deadline of a request's formula evaluations that start now."""
    return monotonic() + budget.request_seconds


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except Exception:  # unknown or malformed zone name: fall back rather than fail a write
        return ZoneInfo("UTC")


def _now(value: Optional[datetime]) -> datetime:
    if value is None:
        value = datetime.now(timezone.utc)
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def make_env(checked: CheckedFormula, values: Mapping[str, Any], context: Optional[EvalContext] = None) -> Env:
    ctx = context or EvalContext()
    budget = ctx.budget or DEFAULT
    if ctx.deadline is not None:
        deadline, seconds = ctx.deadline, budget.request_seconds
    else:
        deadline, seconds = monotonic() + budget.evaluation_seconds, budget.evaluation_seconds
    return Env(values=values or {}, infos=checked.infos, record_id=ctx.record_id, now=_now(ctx.now),
               tz=_zone(ctx.timezone), budget=budget, deadline=deadline, seconds=seconds)


def evaluate(checked: CheckedFormula, values: Mapping[str, Any], context: Optional[EvalContext] = None) -> Any:
    """The formula's value for one record.

    ``values`` maps API names to stored values: numbers (int, float, Decimal),
    str, bool, date, datetime (naive UTC, or aware), None for blank, lists for
    multiple values. Returns int/float (Decimal with ``exact_numbers``), str,
    bool, date, naive-UTC datetime, or None for blank (empty text is returned
    as None too). Never raises: a fault (division by zero, SQRT(-1),
    VALUE("abc") ...) makes the result blank, and so does going over the budget (see
    :class:`EvalContext`: a request's formula raises :class:`~.budget.BudgetExceeded` instead).
    """
    ctx = context or EvalContext()
    try:
        env = make_env(checked, values, ctx)
        if ctx.deadline is not None:
            env.check_clock()  # the request's time may be spent on earlier records
        with localcontext(DECIMAL_CONTEXT):
            value = checked.program(env)
            if checked.result_type not in ("any", "blank"):
                value = conform(value, checked.result_type, env)
            return output(value, ctx.exact_numbers)
    except BudgetExceeded:
        if ctx.strict_budget:
            raise
        return None
    except FAULTS:
        return None
    except Exception:  # pragma: no cover - the last line of defence: a formula never breaks a write
        return None
