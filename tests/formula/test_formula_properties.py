"""Property tests: arithmetic agrees with Decimal, precedence matches an explicit tree, parse only
ever raises FormulaError, and checked formulas evaluate without unexpected exceptions and give
values of their declared type."""
from __future__ import annotations

import graphlib
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Optional

from formula_support import FIELDS, NOW, resolve
from hypothesis import HealthCheck, given, settings, strategies as st

from recordbase.metamodel.formula import (DECIMAL_CONTEXT, FUNCTIONS, EvalContext, FormulaError, check, evaluate,
                                          escape_ref, find_cycle, parse)
from recordbase.metamodel.formula.evaluator import FAULTS, make_env
from recordbase.metamodel.formula.fn_math import mod

FAST = settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
EXACT = EvalContext(record_id=1, now=NOW, exact_numbers=True)

numbers = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), allow_nan=False,
                      allow_infinity=False, places=4)


def literal(d: Decimal) -> str:
    return format(d, "f")


def reference(a: Decimal, op: str, b: Decimal) -> Optional[Decimal]:
    with localcontext(DECIMAL_CONTEXT):
        try:
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            if op == "/":
                return a / b
            return mod(None, a, b)  # type: ignore[arg-type]
        except ArithmeticError:
            return None
        except Exception:  # Fault from mod by zero
            return None


@FAST
@given(numbers, st.sampled_from(["+", "-", "*", "/", "%"]), numbers)
def test_arithmetic_on_literals_agrees_with_decimal(a: Decimal, op: str, b: Decimal) -> None:
    checked = check(f"{literal(a)} {op} ({literal(b)})", resolve)
    assert evaluate(checked, {}, EXACT) == reference(a, op, b)


@FAST
@given(numbers, st.sampled_from(["+", "-", "*", "/", "%"]), numbers)
def test_arithmetic_on_fields_agrees_with_decimal(a: Decimal, op: str, b: Decimal) -> None:
    checked = check(f"{{Likelihood}} {op} {{Impact}}", resolve)
    got = evaluate(checked, {"likelihood": a, "impact": b}, EXACT)
    assert got == reference(a, op, b)
    plain = evaluate(checked, {"likelihood": float(a), "impact": int(b)}, EvalContext(now=NOW))
    expected = reference(Decimal(repr(float(a))), op, Decimal(int(b)))
    assert (plain is None) == (expected is None)
    if expected is not None:
        assert abs(Decimal(repr(plain)) - expected) <= abs(expected) * Decimal("1e-12") + Decimal("1e-12")


# -- precedence: an expression written with minimal parentheses means the explicit tree ------
PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2}
small = st.integers(min_value=-20, max_value=20).map(Decimal)


def trees(depth: int = 3) -> st.SearchStrategy:
    return st.recursive(small, lambda kids: st.tuples(kids, st.sampled_from(list(PREC)), kids), max_leaves=8)


def minimal(tree: Any, parent: int = 0, right: bool = False) -> str:
    if isinstance(tree, Decimal):
        text = literal(tree)
        return f"({text})" if tree < 0 else text
    left, op, rhs = tree
    p = PREC[op]
    text = f"{minimal(left, p)} {op} {minimal(rhs, p, True)}"
    return f"({text})" if p < parent or (right and p == parent) else text


def value_of(tree: Any) -> Optional[Decimal]:
    if isinstance(tree, Decimal):
        return tree
    left, op, rhs = tree
    a, b = value_of(left), value_of(rhs)
    if a is None or b is None:
        return None
    return reference(a, op, b)


@FAST
@given(trees())
def test_precedence_and_associativity(tree: Any) -> None:
    expected = value_of(tree)
    got = evaluate(check(minimal(tree), resolve), {}, EXACT)
    assert got == expected


@FAST
@given(st.lists(st.sampled_from(["1", "2", "+", "-", "*", "&", "=", "<", "'a'"]), min_size=1, max_size=9))
def test_comparison_is_lowest_and_concat_below_arithmetic(tokens: list[str]) -> None:
    text = " ".join(tokens)
    try:
        parse(text)
    except FormulaError:
        pass


# -- robustness ------------------------------------------------------------------------------
FORMULA_CHARS = "{}()\"'\\,+-*/%&=<>!.0123456789eE aIFSUMNOWTRUE\n\t中}（"


@settings(max_examples=150, deadline=None, database=None)
@given(st.one_of(st.text(max_size=40), st.text(alphabet=FORMULA_CHARS, max_size=40)))
def test_parse_raises_only_formula_error(text: str) -> None:
    try:
        parse(text)
    except FormulaError as err:
        assert err.column is None or err.column >= 1
        assert err.line >= 1


LABELS = [escape_ref(f.label) for f in FIELDS]
ATOMS = st.one_of(
    st.integers(min_value=-1000, max_value=1000).map(str),
    numbers.map(literal),
    st.sampled_from(["'abc'", '"x y"', "''", "'2024-03-01'", "'2024-03-01T10:00:00Z'", "'12.5'", "'days'",
                     "'months'", "'hours'", "'YYYY-MM-DD HH:mm'", "'Monday'", "'2024-02-30'", "'1e999999'"]),
    st.sampled_from(["TRUE", "FALSE()", "BLANK()", "TODAY()", "NOW()", "RECORD_ID()", "0", "1e400"]),
    st.sampled_from(LABELS),
)
OPS = ["+", "-", "*", "/", "%", "&", "=", "!=", "<", "<=", ">", ">="]


def _extend(kids: st.SearchStrategy) -> st.SearchStrategy:
    binary = st.tuples(kids, st.sampled_from(OPS), kids).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    calls = st.sampled_from(FUNCTIONS).flatmap(
        lambda f: st.lists(kids, min_size=f.min_args,
                           max_size=f.max_args if f.max_args is not None else f.min_args + 3)
        .map(lambda args, f=f: f"{f.name}({', '.join(args)})"))
    return st.one_of(binary, calls, kids.map(lambda k: f"-({k})"))


FORMULAS = st.recursive(ATOMS, _extend, max_leaves=10)

moments = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))
VALUE_STRATEGIES = {
    "number": st.one_of(st.none(), st.integers(min_value=-10**20, max_value=10**20),
                        st.floats(allow_nan=True, allow_infinity=True),
                        st.decimals(allow_nan=False, allow_infinity=False)),
    "text": st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["12", "2024-03-01", "days", "1,5"])),
    "boolean": st.one_of(st.none(), st.booleans()),
    "date": st.one_of(st.none(), st.dates()),
    "datetime": st.one_of(st.none(), moments,
                          moments.map(lambda d: d.replace(tzinfo=timezone(timedelta(hours=8))))),
    "any": st.one_of(st.none(), st.integers(), st.text(max_size=5), st.dates(), st.booleans()),
}


def values_strategy() -> st.SearchStrategy:
    fields = {}
    for f in FIELDS:
        info = resolve(f.name)
        base = VALUE_STRATEGIES[info.value_type]
        fields[info.name] = st.lists(base, max_size=4) if info.multiple else base
    return st.fixed_dictionaries(fields)


RESULT_CLASSES = {"number": (int, float, Decimal), "text": (str,), "boolean": (bool,), "date": (date,),
                  "datetime": (datetime,)}


def _assert_typed(value: Any, result_type: str) -> None:
    if value is None or result_type == "any":
        return
    assert isinstance(value, RESULT_CLASSES[result_type]), (value, result_type)
    if result_type == "number":
        assert not isinstance(value, bool)
    if result_type == "date":
        assert not isinstance(value, datetime)
    if result_type == "text":
        assert value != ""


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(FORMULAS, values_strategy(), st.sampled_from(["UTC", "Asia/Shanghai", "America/New_York", "Nowhere/Bogus"]))
def test_checked_formulas_evaluate_cleanly(formula: str, values: dict, tz: str) -> None:
    try:
        checked = check(formula, resolve)
    except FormulaError:
        return  # refused formulas are covered elsewhere; about two thirds of these are accepted
    ctx = EvalContext(record_id=7, now=NOW, timezone=tz)
    # the program itself may raise only faults (the evaluator's catch-all must never be needed)
    env = make_env(checked, values, ctx)
    with localcontext(DECIMAL_CONTEXT):
        try:
            checked.program(env)
        except FAULTS as exc:
            assert not isinstance(exc, TypeError), f"a bug, not a fault: {exc!r}"
    _assert_typed(evaluate(checked, values, ctx), checked.result_type)


# -- a few algebraic properties ---------------------------------------------------------------
@FAST
@given(numbers)
def test_value_of_text_round_trips(d: Decimal) -> None:
    checked = check("VALUE(TEXT({Score}))", resolve)
    assert evaluate(checked, {"score": d}, EXACT) == d


@FAST
@given(numbers, st.integers(min_value=-3, max_value=4))
def test_round_is_half_away_from_zero(d: Decimal, places: int) -> None:
    checked = check(f"ROUND({{Score}}, {places})", resolve)
    expected = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    assert evaluate(checked, {"score": d}, EXACT) == expected


@FAST
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)), st.integers(min_value=-5000, max_value=5000))
def test_dateadd_and_datetime_diff_are_inverse_in_days(d: date, n: int) -> None:
    checked = check(f"DATETIME_DIFF(DATEADD({{Due date}}, {n}, 'days'), {{Due date}}, 'days')", resolve)
    assert evaluate(checked, {"due": d}, EXACT) == n


@FAST
@given(st.dictionaries(st.sampled_from("abcdefgh"), st.sets(st.sampled_from("abcdefgh"), max_size=3), max_size=8))
def test_find_cycle_agrees_with_graphlib(graph: dict[str, set[str]]) -> None:
    cycle = find_cycle(graph)
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
        acyclic = True
    except graphlib.CycleError:
        acyclic = False
    assert (cycle is None) == acyclic
    if cycle is not None:
        assert cycle[0] == cycle[-1] and len(cycle) >= 2
        assert all(b in graph.get(a, ()) for a, b in zip(cycle, cycle[1:]))
