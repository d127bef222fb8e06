"""Implementations of the logical functions (IF, SWITCH, AND, OR, NOT, BLANK, IS_BLANK, TRUE,
FALSE, RECORD_ID). Lazy ones receive thunks: argument closures called only when needed."""
from __future__ import annotations

from typing import Any, Callable, Optional

from .values import Env, Fault, equal, is_blank, truthy

Thunk = Callable[[], Any]


def if_(env: Env, cond: Thunk, then: Thunk, otherwise: Optional[Thunk] = None) -> Any:
    if truthy(cond()):
        return then()
    return otherwise() if otherwise is not None else None


def switch(env: Env, expr: Thunk, *rest: Thunk) -> Any:
    """SWITCH(expr, pattern1, result1, ..., [default]): the result of the first pattern equal to expr."""
    value = expr()
    pairs, default = (rest[:-1], rest[-1]) if len(rest) % 2 else (rest, None)
    for i in range(0, len(pairs), 2):
        try:
            hit = equal(value, pairs[i](), env)
        except Fault:
            hit = False
        if hit:
            return pairs[i + 1]()
    return default() if default is not None else None


def and_(env: Env, *conds: Thunk) -> bool:
    return all(truthy(c()) for c in conds)


def or_(env: Env, *conds: Thunk) -> bool:
    return any(truthy(c()) for c in conds)


def not_(env: Env, value: bool) -> bool:
    return not value


def blank(env: Env) -> None:
    return None


def is_blank_(env: Env, value: Any) -> bool:
    return is_blank(value)


def true_(env: Env) -> bool:
    return True


def false_(env: Env) -> bool:
    return False


def record_id(env: Env) -> Any:
    return env.record_id
