"""Implementations of the numeric functions. Arguments arrive as Decimal (``number``
parameters) or raw (``numbers`` parameters, which may hold lists)."""
from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Any, Optional

from .values import Env, Fault, flatten, is_numeric, num, to_int

_ONE = Decimal(1)


def _round(n: Decimal, digits: Decimal, mode: str) -> Decimal:
    places = to_int(digits, -1000, 1000)
    exponent = n.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -places:
        return n  # already has no more decimals than asked
    return n.quantize(_ONE.scaleb(-places), rounding=mode)


def round_(env: Env, n: Decimal, digits: Decimal = Decimal(0)) -> Decimal:
    """Half away from zero, like Excel: ROUND(2.5) = 3, ROUND(-2.5) = -3."""
    return _round(n, digits, ROUND_HALF_UP)


def roundup(env: Env, n: Decimal, digits: Decimal = Decimal(0)) -> Decimal:
    return _round(n, digits, ROUND_UP)


def rounddown(env: Env, n: Decimal, digits: Decimal = Decimal(0)) -> Decimal:
    return _round(n, digits, ROUND_DOWN)


def abs_(env: Env, n: Decimal) -> Decimal:
    return abs(n)


def mod(env: Env, n: Decimal, d: Decimal) -> Decimal:
    """The remainder with the sign of the divisor, like Excel: MOD(-3, 2) = 1."""
    if d == 0:
        raise Fault("division by zero")
    r = n % d
    if r != 0 and (r < 0) != (d < 0):
        r += d
    return r


def power(env: Env, base: Decimal, exp: Decimal) -> Decimal:
    return base ** exp


def sqrt(env: Env, n: Decimal) -> Decimal:
    if n < 0:
        raise Fault("square root of a negative number")
    return n.sqrt()


def int_(env: Env, n: Decimal) -> Decimal:
    """Round down to a whole number (toward minus infinity, like Excel: INT(-1.5) = -2)."""
    return n.to_integral_value(rounding=ROUND_FLOOR)


def numbers_of(args: tuple[Any, ...]) -> list[Decimal]:
    """The numbers among the arguments, lists flattened; blanks and text are left out."""
    return [num(x) for x in flatten(args) if is_numeric(x)]


def sum_(env: Env, *args: Any) -> Decimal:
    return sum(numbers_of(args), Decimal(0))


def average(env: Env, *args: Any) -> Decimal:
    items = numbers_of(args)
    if not items:
        raise Fault("average of nothing")
    return sum(items, Decimal(0)) / len(items)


def min_(env: Env, *args: Any) -> Optional[Decimal]:
    items = numbers_of(args)
    return min(items) if items else None


def max_(env: Env, *args: Any) -> Optional[Decimal]:
    items = numbers_of(args)
    return max(items) if items else None
