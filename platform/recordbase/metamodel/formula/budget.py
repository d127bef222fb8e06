"""The budgets of the formula language: how long a formula may be, how deeply it may nest, how
much text it may build and how long it may run. One place for every limit.

A formula comes from users (a field, a rule value, the admin's live check, and — from any
reader — the Airtable-compatible ``filterByFormula``), so without limits a few hundred
characters (``SUBSTITUTE`` of ``SUBSTITUTE`` of ...) build gigabytes of text. The limits:

* ``max_length`` — characters of a formula's source, checked when a formula field or rule is
  saved and for every formula a request brings (``filterByFormula``, the formula check);
* ``max_depth`` — nesting levels of the parsed formula (never above :data:`DEPTH_CEILING`,
  which also protects formulas saved before a lower setting and keeps the checker and
  evaluator far from Python's recursion limit);
* ``max_text`` — characters of any text a function or operator builds (``&``, CONCATENATE,
  SUBSTITUTE, UPPER ...), checked before the text is built wherever its size is known first;
* ``request_seconds`` — evaluation time of one request's formula over all its records
  (``filterByFormula``, the formula check's sample);
* ``evaluation_seconds`` — one evaluation of a stored formula (a formula field on one
  record, a rule's value).

A request's formula over budget is refused (:class:`BudgetExceeded` reaches the caller, which
answers 4xx); a stored formula over budget gives an error value (blank) in that cell, as other
run-time faults do. Settings (app config, else the environment, else the default):
``RECORDBASE_FORMULA_MAX_LENGTH``, ``RECORDBASE_FORMULA_MAX_DEPTH``,
``RECORDBASE_FORMULA_MAX_TEXT``, ``RECORDBASE_FORMULA_REQUEST_SECONDS``,
``RECORDBASE_FORMULA_EVALUATION_SECONDS``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import Any, Mapping, Optional

from flask import current_app

from ...i18n import translate
from .errors import FormulaError

#: the deepest nesting any formula may have, whatever the settings (the parser always applies it)
DEPTH_CEILING = 150

#: texts shorter than this are cheap to build: only bigger ones look at the clock
CLOCK_CHARS = 4096


@dataclass(frozen=True)
class FormulaBudget:
    max_length: int = 2000
    max_depth: int = DEPTH_CEILING
    max_text: int = 100_000
    request_seconds: float = 2.0
    evaluation_seconds: float = 1.0

    @property
    def depth(self) -> int:
        """The nesting limit in force: the setting, never above the ceiling."""
        return max(1, min(self.max_depth, DEPTH_CEILING))

    def check_length(self, expression: str) -> None:
        """FormulaError when ``expression`` is longer than ``max_length`` characters."""
        if isinstance(expression, str) and len(expression) > self.max_length:
            raise FormulaError(translate("the formula is too long: %(length)s characters, the limit is %(limit)s",
                                         length=len(expression), limit=self.max_length))


DEFAULT = FormulaBudget()

SETTINGS = {f.name: "RECORDBASE_FORMULA_" + f.name.upper() for f in fields(FormulaBudget)}
_KINDS = tuple((f.name, SETTINGS[f.name], float if f.type in ("float", float) else int) for f in fields(FormulaBudget))


def _read(source: Mapping[str, Any], base: FormulaBudget) -> FormulaBudget:
    values = {}
    for name, key, kind in _KINDS:
        raw = source.get(key)
        if raw is None or raw == "":
            continue
        try:
            value = kind(raw)
        except (TypeError, ValueError):
            continue  # a malformed setting keeps the default rather than break every formula
        if value > 0:
            values[name] = value
    return replace(base, **values) if values else base


@lru_cache(maxsize=1)
def _from_environment() -> FormulaBudget:
    return _read(os.environ, DEFAULT)


_KEYS = tuple(SETTINGS.values())
_UNSET = (None,) * len(_KEYS)


@lru_cache(maxsize=32)
def _configured(raw: tuple, base: FormulaBudget) -> FormulaBudget:
    return _read(dict(zip(_KEYS, raw)), base)


def current() -> FormulaBudget:
    """The budget in force: the app's config (``RECORDBASE_FORMULA_*``), else the environment, else defaults.

    Cheap (about a microsecond): the recompute engine asks once per record."""
    base = _from_environment()
    app = _app()
    if app is None:  # no app here (the core's tests, a script)
        return base
    get = app.config.get
    raw = tuple(get(key) for key in _KEYS)
    if raw == _UNSET:
        return base
    try:
        return _configured(raw, base)
    except TypeError:  # an unhashable setting: read it uncached
        return _read(app.config, base)


def _app() -> Any:
    try:
        return current_app._get_current_object()
    except RuntimeError:
        return None


def depth_error(limit: int, column: Optional[int] = 1, line: int = 1) -> FormulaError:
    return FormulaError(translate("the formula is nested too deeply (more than %(limit)s levels)", limit=limit),
                        column, line)


class BudgetExceeded(Exception):
    """Evaluating a formula went over its text or time budget.

    ``limit`` is ``"max_text"`` or ``"seconds"``; ``value`` the limit's value. Evaluation of a
    stored formula turns it into a blank (an error value); a request's formula lets it through
    (``EvalContext(strict_budget=True)``) so the request is answered 4xx with :attr:`message`.
    """

    def __init__(self, limit: str, value: Any):
        self.limit = limit
        self.value = value
        super().__init__(limit, value)

    @property
    def message(self) -> str:
        if self.limit == "max_text":
            return translate("the formula builds a text longer than %(limit)s characters, the limit on any text "
                             "in a formula", limit=self.value)
        seconds = format(self.value, "g")
        return translate("evaluating the formula took longer than %(seconds)s seconds, its time limit",
                         seconds=seconds)

    def __str__(self) -> str:
        return self.message
