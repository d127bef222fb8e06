"""The formula language: Airtable/Excel-style formulas, parsed by lark (never ``eval``),
type-checked when saved, evaluated in pure Python. No database access here.

Usage::

    checked = check("IF({Score} >= 90, 'A', 'B')", resolve_field)   # FormulaError when refused
    checked.result_type, checked.fields                                # 'text', {'score'}
    evaluate(checked, {"score": 93}, EvalContext(record_id=7, timezone="Asia/Shanghai"))  # 'A'

Syntax: ``{Field label}`` or ``{api_name}`` (``\\}`` inside braces is a ``}``), numbers
(``3``, ``2.5``, ``.5``, ``1e3``), text in double or single quotes with backslash escapes,
TRUE/FALSE (bare or called), operators by increasing precedence: one comparison
``= != <> < <= > >=`` (no chaining), ``&``, ``+ -``, ``* / %``, unary ``-``; parentheses;
functions by name in any case (see :data:`FUNCTIONS` / :func:`describe_functions`).

Semantics (decided to match Airtable where it is sensible, and documented here):

* Numbers are exact decimals (28 digits): ``0.1 + 0.2 = 0.3``. ``%`` and MOD take the sign of
  the divisor. ROUND rounds halves away from zero.
* Blank in arithmetic is 0 (``{empty} + 1 = 1``), in text it is "" (``{empty} & "a" = "a"``).
  TRUE/FALSE count as 1/0 in arithmetic.
* ``=`` is TRUE for two blanks only: ``{x} = BLANK()`` is TRUE exactly when x is empty
  (empty text and empty lists are blank too), and ``{empty} = 0`` is FALSE (unlike
  Airtable). An ordering comparison (``<`` ...) with a blank side is FALSE. Text compares
  case-sensitively; a text beside a date is read as a date (``{Due} < "2025-01-01"``).
* Static types: number, text, boolean, date, datetime, list, blank, any. Text never silently
  becomes a number (``{Name} * 2`` is refused: use VALUE()); dates are not numbers (use
  DATEADD/DATETIME_DIFF). Any value becomes text where text is needed (``LEN(TRUE()) = 4``).
  Quoted text where a date is needed must read as a date (``YEAR("abc")`` is refused);
  literal units of DATEADD/DATETIME_DIFF and WEEKDAY's start of week are checked too.
* IF/SWITCH whose branches have different types give text (``IF({x} > 0, {x}, "none")``);
  date and datetime branches give datetime; a blank branch takes the other's type.
* Lists (multi-select, many-links, lookups): SUM/AVERAGE/MIN/MAX and CONCATENATE flatten
  them; elsewhere a list is its text, joined with ", ".
* Run-time faults (division by zero, SQRT(-1), VALUE("abc"), an impossible date) make the
  whole formula blank, like an Excel error (``{a} / 0 * 100`` is blank, not 0), except in
  branches IF/SWITCH/AND/OR do not take: ``IF({q} = 0, 0, {a} / {q})``. Evaluation never
  raises. A blank input is not a fault: YEAR of an empty date is blank, and so are MIN/MAX
  of nothing (AVERAGE of nothing divides by zero: a fault).
* Dates: ``date`` values are calendar days; ``datetime`` values are naive UTC. TODAY(),
  DATETIME_FORMAT, YEAR/MONTH/DAY/WEEKDAY of datetimes and calendar units of DATEADD and
  DATETIME_DIFF use the context's time zone (default UTC). WEEKDAY: Sunday = 0.
  DATETIME_DIFF(a, b, unit) is a - b in whole units, truncated toward zero (default seconds).
* Budgets (:mod:`.budget`): a formula's length and depth are limited when it is saved or a
  request brings it; any text it builds (at most 100,000 characters by default) and its time
  are limited as it runs. Over budget, a stored formula is blank; a request's is refused.
* Results: numbers come back as int when whole, else float (Decimal with
  ``EvalContext(exact_numbers=True)``); empty text comes back as None.
"""
from __future__ import annotations

from .budget import BudgetExceeded, FormulaBudget
from .checker import CheckedFormula, check
from .errors import FormulaError
from .evaluator import DECIMAL_CONTEXT, EvalContext, evaluate
from .graph import cycle_message, find_cycle
from .library import FUNCTIONS, FunctionSpec, describe_functions, get_function
from .nodes import Node
from .parser import canonicalize, escape_ref, parse
from .types import (ANY, BLANK, BOOLEAN, DATE, DATETIME, LIST, NUMBER, TEXT, FieldInfo, default_field_info,
                    make_resolver)

__all__ = [
    "parse", "check", "evaluate", "canonicalize", "escape_ref", "find_cycle", "cycle_message",
    "describe_functions", "get_function", "FUNCTIONS", "FunctionSpec", "Node",
    "CheckedFormula", "EvalContext", "FieldInfo", "FormulaError", "DECIMAL_CONTEXT",
    "FormulaBudget", "BudgetExceeded",
    "make_resolver", "default_field_info",
    "NUMBER", "TEXT", "BOOLEAN", "DATE", "DATETIME", "LIST", "BLANK", "ANY",
]
