"""Evaluating a checked formula against one record's values."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import ROUND_HALF_EVEN, Context, DivisionByZero, InvalidOperation, Overflow, localcontext
from typing import Any, Mapping, Optional
from zoneinfo import ZoneInfo

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
    """

    record_id: Any = None
    now: Optional[datetime] = None
    timezone: str = "UTC"
    exact_numbers: bool = False


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
    return Env(values=values or {}, infos=checked.infos, record_id=ctx.record_id, now=_now(ctx.now),
               tz=_zone(ctx.timezone))


def evaluate(checked: CheckedFormula, values: Mapping[str, Any], context: Optional[EvalContext] = None) -> Any:
    """The formula's value for one record.

    ``values`` maps API names to stored values: numbers (int, float, Decimal),
    str, bool, date, datetime (naive UTC, or aware), None for blank, lists for
    multiple values. Returns int/float (Decimal with ``exact_numbers``), str,
    bool, date, naive-UTC datetime, or None for blank (empty text is returned
    as None too). Never raises: a fault (division by zero, SQRT(-1),
    VALUE("abc") ...) makes the result blank.
    """
    ctx = context or EvalContext()
    try:
        env = make_env(checked, values, ctx)
        with localcontext(DECIMAL_CONTEXT):
            value = checked.program(env)
            if checked.result_type not in ("any", "blank"):
                value = conform(value, checked.result_type, env)
            return output(value, ctx.exact_numbers)
    except FAULTS:
        return None
    except Exception:  # pragma: no cover - the last line of defence: a formula never breaks a write
        return None
