"""Implementations of the text functions. ``text`` parameters arrive as str (blank is '')."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

from .values import Env, Fault, flatten, is_blank, is_numeric, num, parse_number, to_int, to_text


def concatenate(env: Env, *args: Any) -> str:
    """Every argument as text, lists flattened (each element joins the text directly)."""
    parts = [to_text(x) for x in flatten(args)]
    env.room(sum(map(len, parts)))
    return "".join(parts)


def len_(env: Env, text: str) -> Decimal:
    return Decimal(len(text))


def lower(env: Env, text: str) -> str:
    return _checked(env, text.lower())


def upper(env: Env, text: str) -> str:
    """Upper case ('ß' becomes 'SS': a text may grow, at most threefold, so it is checked after)."""
    return _checked(env, text.upper())


def _checked(env: Env, result: str) -> str:
    env.room(len(result))
    return result


def trim(env: Env, text: str) -> str:
    """Leading and trailing white space (including the ideographic space) removed; inner spaces kept."""
    return text.strip()


def left(env: Env, text: str, count: Decimal = Decimal(1)) -> str:
    n = to_int(count)
    if n < 0:
        raise Fault("negative count")
    return text[:n]


def right(env: Env, text: str, count: Decimal = Decimal(1)) -> str:
    n = to_int(count)
    if n < 0:
        raise Fault("negative count")
    return text[max(0, len(text) - n):]


def mid(env: Env, text: str, start: Decimal, count: Decimal) -> str:
    s, n = to_int(start), to_int(count)
    if s < 1 or n < 0:
        raise Fault("bad start or count")
    return text[s - 1:s - 1 + n]


def find(env: Env, needle: str, haystack: str, start: Decimal = Decimal(1)) -> Decimal:
    """1-based position of ``needle`` in ``haystack`` from ``start``; 0 when absent."""
    s = to_int(start)
    if s < 1:
        raise Fault("bad start")
    return Decimal(haystack.find(needle, s - 1) + 1)


def substitute(env: Env, text: str, old: str, new: str, index: Optional[Decimal] = None) -> str:
    """Replace every ``old`` (or only the ``index``-th one) with ``new``."""
    if old == "":
        return text
    if index is None:
        grow = len(new) - len(old)
        if grow > 0:  # the result's size is known before it is built: refuse it then
            env.room(len(text) + text.count(old) * grow)
        return text.replace(old, new)
    k = to_int(index)
    if k < 1:
        raise Fault("bad occurrence number")
    env.room(len(text) + max(0, len(new) - len(old)))
    pos = -1
    for _ in range(k):
        pos = text.find(old, pos + 1)
        if pos < 0:
            return text
    return text[:pos] + new + text[pos + len(old):]


def value(env: Env, v: Any) -> Optional[Decimal]:
    """Text read as a number ('1,234.5', '¥12', '50%', full-width digits); numbers stay; else blank."""
    if is_blank(v):
        return None
    if is_numeric(v):
        return num(v)
    if isinstance(v, str):
        return parse_number(v)
    raise Fault("not a number")


def text(env: Env, v: Any) -> str:
    return _checked(env, to_text(v))
