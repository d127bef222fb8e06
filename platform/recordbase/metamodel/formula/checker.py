"""Type checking, and compiling a checked tree into Python closures.

:func:`check` walks the tree once: it resolves field references, looks up
functions, checks argument counts and static types, and at the same time
builds one closure per node, so evaluating a formula is a chain of plain
function calls (no tree walking, no ``eval``). Faults at run time (division by
zero, bad text for a number or date ...) raise :class:`~.values.Fault` and
make the whole formula blank, as an Excel error would (shown as an empty
value); only the branches IF, SWITCH, AND and OR do not take are spared.
:func:`~.evaluator.evaluate` catches them, so they never escape.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field as dc_field
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Union
from zoneinfo import ZoneInfo

from . import fn_math
from .budget import FormulaBudget
from .errors import FormulaError
from .library import REGISTRY, get_function
from .nodes import Binary, Boolean, Call, FieldRef, Node, Number, String, Unary
from .parser import escape_ref, parse
from .types import (ACCEPTS, ANY, BLANK, BOOLEAN, DATE, DATETIME, KIND_NOUN, LIST, NUMBER, TEXT, TYPE_NOUN,
                    VALUE_TYPES, FieldInfo, comparable)
from .values import Env, Fault, conform, equal, num, order, parse_temporal, temporal, to_text, truthy

if TYPE_CHECKING:
    from .evaluator import EvalContext

Program = Callable[[Env], Any]
Resolver = Callable[[str], Optional[FieldInfo]]

_ARITHMETIC = {"+", "-", "*", "/", "%"}
_ORDERING = {"<", "<=", ">", ">="}
_CONCRETE = {NUMBER, TEXT, BOOLEAN, DATE, DATETIME}
_STATIC_ENV = Env(values={}, infos={}, record_id=None, now=datetime(2000, 1, 1), tz=ZoneInfo("UTC"))


@dataclass(frozen=True)
class CheckedFormula:
    """A formula that passed :func:`check`, ready for :func:`evaluate`.

    ``fields`` are the API names it reads (its dependencies); ``volatile`` is
    True when it uses TODAY() or NOW() and so needs a periodic refresh.
    ``result_type`` is number, text, boolean, date, datetime, or ``any`` when
    it only passes through a field of unknown type.
    """

    expression: Optional[str]
    result_type: str
    fields: frozenset[str]
    functions: frozenset[str]
    volatile: bool
    infos: Mapping[str, FieldInfo] = dc_field(repr=False, compare=False)
    program: Program = dc_field(repr=False, compare=False)

    def evaluate(self, values: Mapping[str, Any], context: Optional["EvalContext"] = None) -> Any:
        """Shorthand for :func:`~.evaluator.evaluate`."""
        from .evaluator import evaluate

        return evaluate(self, values, context)


def check(formula: Union[str, Node], resolve_field: Resolver, budget: Optional[FormulaBudget] = None) -> CheckedFormula:
    """Type-check a formula (text or a tree from :func:`parse`) and compile it.

    With a ``budget``, text over its length or depth limits is refused (a formula being saved,
    or one a request brings; see :func:`~.parser.parse`).

    ``resolve_field(reference text) -> FieldInfo | None`` names the field a
    ``{reference}`` means (its exceptions pass through). Raises
    :class:`FormulaError` naming the first problem and its position. Cycles are
    not detected here: a formula sees one field; build the graph from
    ``CheckedFormula.fields`` and use :func:`~.graph.find_cycle`.
    """
    expression = formula if isinstance(formula, str) else None
    node = parse(formula, budget) if isinstance(formula, str) else formula
    compiler = _Compiler(resolve_field)
    rtype, program = compiler.compile(node)
    final = {LIST: TEXT, BLANK: TEXT}.get(rtype, rtype)
    if final != rtype:
        program = _conforming(program, final)
    return CheckedFormula(expression, final, frozenset(compiler.infos), frozenset(compiler.functions),
                          compiler.volatile, dict(compiler.infos), program)


def _error(reason: str, node: Node, hint: Optional[str] = None, op: bool = False) -> FormulaError:
    if op and isinstance(node, Binary):
        return FormulaError(reason, node.op_column, node.op_line, hint)
    return FormulaError(reason, node.column, node.line, hint)


def _conforming(program: Program, vtype: str) -> Program:
    return lambda env: conform(program(env), vtype, env)


def _check_date_literal(node: Node, who: str) -> None:
    """A quoted date that can never be read (``YEAR("abc")``) is refused when the formula is saved."""
    if not isinstance(node, String) or not node.value.strip():
        return
    try:
        parse_temporal(node.value, _STATIC_ENV)
    except Fault:
        raise _error(f"{who} expects a date, but '{node.value}' is not one", node,
                     "write dates as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS") from None


def _what(vtype: str, node: Node) -> str:
    """'a number' or, for a field reference, 'a number ({Score})'."""
    noun = TYPE_NOUN[vtype]
    return f"{noun} ({escape_ref(node.ref)})" if isinstance(node, FieldRef) else noun


def _const(value: Any) -> Program:
    return lambda env: value


_COERCE: dict[str, Callable[[Any, Env], Any]] = {
    "number": lambda v, env: num(v),
    "text": lambda v, env: to_text(v),
    "logical": lambda v, env: truthy(v),
    "date": temporal,
}


def _join(env: Env, a: Any, b: Any) -> str:
    """``a & b``: its size checked before it is built."""
    a, b = to_text(a), to_text(b)
    env.room(len(a) + len(b))
    return a + b


def _arith(op: str, a: Decimal, b: Decimal) -> Decimal:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    return fn_math.mod(None, a, b)  # type: ignore[arg-type]


def _compare(op: str, a: Any, b: Any, env: Env) -> bool:
    if op == "=":
        return equal(a, b, env)
    if op == "!=":
        return not equal(a, b, env)
    o = order(a, b, env)
    if o is None:  # a blank is neither smaller nor larger than anything
        return False
    return {"<": o < 0, "<=": o <= 0, ">": o > 0, ">=": o >= 0}[op]


class _Compiler:
    def __init__(self, resolve: Resolver):
        self.resolve = resolve
        self.infos: dict[str, FieldInfo] = {}
        self.functions: set[str] = set()
        self.volatile = False

    def compile(self, node: Node) -> tuple[str, Program]:
        if isinstance(node, (Number, String, Boolean)):
            vtype = NUMBER if isinstance(node, Number) else TEXT if isinstance(node, String) else BOOLEAN
            return vtype, _const(node.value)
        if isinstance(node, FieldRef):
            return self.field(node)
        if isinstance(node, Unary):
            return self.unary(node)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Call):
            return self.call(node)
        raise TypeError(f"not a formula node: {node!r}")

    # -- references ------------------------------------------------------------------------
    def field(self, node: FieldRef) -> tuple[str, Program]:
        info = self.resolve(node.ref)
        if info is None:
            raise _error(f"unknown field {escape_ref(node.ref)}", node)
        if info.value_type not in VALUE_TYPES:
            info = FieldInfo(info.name, ANY, info.multiple)
        self.infos.setdefault(info.name, info)
        name = info.name
        return info.static_type, lambda env: env.field(name)

    # -- operators -------------------------------------------------------------------------
    def _number_operand(self, op: str, vtype: str, node: Node) -> None:
        if vtype in ACCEPTS["number"]:
            return
        if vtype == TEXT:
            hint = "use & to join text" if op == "+" else "use VALUE() to read a number from text"
        elif vtype in (DATE, DATETIME):
            hint = "use DATEADD() or DATETIME_DIFF() for dates"
        else:
            hint = "use SUM() or another function of a list"
        raise _error(f"'{op}' needs numbers, got {_what(vtype, node)}", node, hint)

    def unary(self, node: Unary) -> tuple[str, Program]:
        vtype, inner = self.compile(node.operand)
        self._number_operand(node.op, vtype, node.operand)
        if node.op == "+":
            return NUMBER, lambda env: num(inner(env))
        return NUMBER, lambda env: -num(inner(env))

    def binary(self, node: Binary) -> tuple[str, Program]:
        ltype, left = self.compile(node.left)
        rtype, right = self.compile(node.right)
        op = node.op
        if op in _ARITHMETIC:
            self._number_operand(op, ltype, node.left)
            self._number_operand(op, rtype, node.right)
            return NUMBER, lambda env: _arith(op, num(left(env)), num(right(env)))
        if op == "&":
            return TEXT, lambda env: _join(env, left(env), right(env))
        if not comparable(ltype, rtype, op in _ORDERING):
            if LIST in (ltype, rtype) and op in _ORDERING:
                raise _error(f"'{op}' cannot order {TYPE_NOUN[LIST]}", node, op=True)
            raise _error(f"cannot compare {TYPE_NOUN[ltype]} with {TYPE_NOUN[rtype]} using '{op}'", node,
                         "convert one side with VALUE() or TEXT()", op=True)
        if ltype in (DATE, DATETIME):
            _check_date_literal(node.right, f"'{op}'")
        if rtype in (DATE, DATETIME):
            _check_date_literal(node.left, f"'{op}'")
        return BOOLEAN, lambda env: _compare(op, left(env), right(env), env)

    # -- functions -------------------------------------------------------------------------
    def call(self, node: Call) -> tuple[str, Program]:
        spec = get_function(node.name)
        if spec is None:
            close = difflib.get_close_matches(node.name, list(REGISTRY), n=1)
            raise _error(f"unknown function {node.name}", node, f"did you mean {close[0]}?" if close else None)
        n = len(node.args)
        if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
            raise _error(f"{spec.name} expects {spec.arity_text()}, got {n}", node)
        self.functions.add(spec.name)
        self.volatile = self.volatile or spec.volatile
        types: list[str] = []
        programs: list[Program] = []
        for i, arg in enumerate(node.args):
            atype, prog = self.compile(arg)
            kind = spec.kind(i)
            if atype not in ACCEPTS[kind]:
                raise _error(f"{spec.name} expects {KIND_NOUN[kind]} as argument {i + 1}, "
                             f"got {_what(atype, arg)}", arg)
            if kind == "date":
                _check_date_literal(arg, spec.name)
            types.append(atype)
            programs.append(prog)
        if spec.check is not None:
            problem = spec.check(types, node.args)
            if problem is not None:
                raise _error(problem[0], problem[1], problem[2])
        rtype = spec.result_type(types, node.args)
        impl = spec.impl
        if spec.lazy:
            def run(env: Env) -> Any:
                return impl(env, *[partial(p, env) for p in programs])
        else:
            coercers = [_COERCE.get(spec.kind(i)) for i in range(n)]
            pairs = list(zip(programs, coercers))

            def run(env: Env) -> Any:
                args = [p(env) if c is None else c(p(env), env) for p, c in pairs]
                return impl(env, *args)
        return rtype, (_conforming(run, rtype) if rtype in _CONCRETE else run)
