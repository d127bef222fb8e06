"""The formula budget, limit by limit, in the evaluator (no database): source length, nesting depth,
the text any function or operator builds (refused before it is built), evaluation time, and the
settings that change them. A stored formula over budget is blank; a request's raises."""
from __future__ import annotations

import time
import tracemalloc
from datetime import date

import pytest
from formula_support import NOW, resolve, run
from hypothesis import HealthCheck, given, settings, strategies as st

from recordbase.metamodel.formula import EvalContext, FormulaError, check, evaluate, parse
from recordbase.metamodel.formula.budget import DEFAULT, SETTINGS, BudgetExceeded, FormulaBudget, current
from recordbase.metamodel.formula.evaluator import request_deadline

SMALL = FormulaBudget(max_text=1000)
STRICT = EvalContext(record_id=1, now=NOW, strict_budget=True)


def nested_substitute(levels: int, seed: str = "'xxxxxxxxxx'") -> str:
    """The probe's formula: each level multiplies the text by ten (8 levels: a billion characters)."""
    return "SUBSTITUTE(" * levels + seed + ",'x','xxxxxxxxxx')" * levels


def concatenate_chain(levels: int) -> str:
    """CONCATENATE and & around SUBSTITUTE: each level multiplies the text by ten as well."""
    inner = "{Name}"
    for _ in range(levels):
        inner = f"SUBSTITUTE(CONCATENATE({inner},'x'),'x',CONCATENATE('xxxxx','xxx')&'xx')"
    return inner


def strict(expression: str, values: dict | None = None, budget: FormulaBudget | None = None, **ctx):
    checked = check(expression, resolve)
    return evaluate(checked, values or {"name": "Acme Ltd"}, EvalContext(record_id=1, now=NOW, budget=budget,
                                                                         strict_budget=True, **ctx))


def over_text(expression: str, budget: FormulaBudget = SMALL, values: dict | None = None) -> BudgetExceeded:
    with pytest.raises(BudgetExceeded) as info:
        strict(expression, values, budget)
    assert info.value.limit == "max_text" and f"{budget.max_text} characters" in info.value.message
    return info.value


# -- the probe ---------------------------------------------------------------------------------

@pytest.mark.parametrize("expression", [nested_substitute(8), concatenate_chain(9),
                                        "SUBSTITUTE(" * 8 + "{Name}" + ",'A','AAAAAAAAAA')" * 8])
def test_the_probes_formulas_stop_at_the_text_budget_quickly_and_small(expression: str) -> None:
    assert len(expression) < DEFAULT.max_length
    checked = check(expression, resolve)
    tracemalloc.start()
    started = time.monotonic()
    try:
        assert evaluate(checked, {"name": "Acme Ltd"}, EvalContext(now=NOW)) is None  # a stored formula: blank
        with pytest.raises(BudgetExceeded):
            evaluate(checked, {"name": "Acme Ltd"}, STRICT)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 1
    assert peak < 5 * DEFAULT.max_text * 4 + 2_000_000  # a few of the largest texts allowed, not a billion


# -- (a) source length and depth ---------------------------------------------------------------

def test_length_is_refused_only_with_a_budget() -> None:
    long = "1" + " + 1" * 60 + " & '" + "y" * 2000 + "'"
    with pytest.raises(FormulaError) as info:
        check(long, resolve, DEFAULT)
    assert info.value.message == f"the formula is too long: {len(long)} characters, the limit is 2000"
    assert check(long, resolve).result_type == "text"  # a stored formula (saved under a larger limit) still runs
    assert check("'" + "y" * 1990 + "'", resolve, DEFAULT).result_type == "text"
    with pytest.raises(FormulaError, match="the limit is 50"):
        parse("1" + " + 1" * 20, FormulaBudget(max_length=50))


def test_depth_follows_the_budget_but_never_passes_the_ceiling() -> None:
    deep = "(" * 40 + "1" + ")" * 40
    assert check(deep, resolve, DEFAULT)
    with pytest.raises(FormulaError, match=r"nested too deeply \(more than 30 levels\)"):
        check(deep, resolve, FormulaBudget(max_depth=30))
    with pytest.raises(FormulaError, match="more than 150 levels"):
        check("(" * 160 + "1" + ")" * 160, resolve, FormulaBudget(max_depth=10_000, max_length=10_000))


# -- (b) text built by each function and operator ----------------------------------------------

@pytest.mark.parametrize("expression", [
    "{Name} & " + "'" + "z" * 995 + "'",                            # &
    "CONCATENATE({Name}, '" + "z" * 995 + "')",                      # CONCATENATE
    "CONCATENATE({Tags}, '" + "z" * 995 + "')",                      # CONCATENATE of a list
    "SUBSTITUTE('" + "x" * 200 + "', 'x', 'xxxxxx')",                # SUBSTITUTE, every occurrence
    "SUBSTITUTE('" + "x" * 999 + "', 'x', 'xyz', 1)",                # SUBSTITUTE, one occurrence
    "UPPER('" + "ß" * 600 + "')",                                    # UPPER grows 'ß' to 'SS'
    "LOWER('" + "Z" * 1001 + "')",
    "TEXT({Tags})",                                                  # a list as text
    "DATETIME_FORMAT({Due date}, '" + "D-" * 400 + "')",             # each 'D' writes '15'
])
def test_every_text_building_function_is_held_to_the_budget(expression: str) -> None:
    over_text(expression, values={"name": "Acme Ltd", "tags": ["a" * 600, "b" * 600], "due": date(2024, 3, 15)})


def test_substitute_refuses_before_building() -> None:
    """The whole result would be 10 MB; the refusal allocates almost nothing."""
    seed = "'" + "x" * 1000 + "'"
    checked = check(f"SUBSTITUTE({seed}, 'x', '" + "y" * 10_000 + "')", resolve)
    tracemalloc.start()
    try:
        with pytest.raises(BudgetExceeded):
            evaluate(checked, {}, EvalContext(budget=DEFAULT, strict_budget=True))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200_000


def test_slices_and_big_counts_build_nothing_big() -> None:
    text = "'" + "x" * 900 + "'"
    for expression in (f"LEFT({text}, 1000000000)", f"RIGHT({text}, 1000000000)", f"MID({text}, 1, 1000000000)",
                       f"MID({text}, 1000000000, 5)", f"TRIM({text})", f"SUBSTITUTE({text}, 'x', '', 2)"):
        value = strict(expression, budget=SMALL)
        assert value is None or len(value) <= 900


def test_at_the_limit_is_allowed() -> None:
    assert strict("'" + "a" * 500 + "' & '" + "b" * 500 + "'", budget=SMALL) == "a" * 500 + "b" * 500
    assert strict("SUBSTITUTE('" + "x" * 100 + "', 'x', '" + "y" * 10 + "')", budget=SMALL) == "y" * 1000


def test_long_text_fields_still_read_at_the_default_budget() -> None:
    note = "n" * 100_000  # the longest long text
    assert strict("{Note}", {"note": note}) == note
    assert strict("LEFT({Note}, 3) & '…'", {"note": note}) == "nnn…"
    assert strict("LEN({Note})", {"note": note}) == 100_000
    with pytest.raises(BudgetExceeded):
        strict("{Note} & '!'", {"note": note})


def test_huge_numbers_are_cheap() -> None:
    """int() of such numbers alone once took half a minute (DATEADD in seconds)."""
    started = time.monotonic()
    for expression in ("DATEADD({Due date}, 1E999990, 'seconds')", "DATEADD({Due date}, -1E99999, 'ms')",
                       "DATEADD({Due date}, 1E999990, 'days')", "POWER(1.0000000001, 1E999990)",
                       "LEN(TEXT(1E999999))", "ROUND(1E999990, -1000)"):
        run(expression)
    assert time.monotonic() - started < 0.5
    assert run("DATEADD({Due date}, 86400, 'seconds')").isoformat() == "2024-03-16T00:00:00"


# -- (c) time ------------------------------------------------------------------------------------

def test_a_passed_request_deadline_stops_the_next_evaluation() -> None:
    checked = check("{Score} + 1", resolve)
    spent = EvalContext(deadline=time.monotonic() - 1, strict_budget=True, budget=FormulaBudget(request_seconds=2))
    with pytest.raises(BudgetExceeded) as info:
        evaluate(checked, {"score": 1}, spent)
    assert info.value.limit == "seconds" and "2 seconds" in info.value.message
    assert evaluate(checked, {"score": 1}, EvalContext(deadline=time.monotonic() - 1)) is None  # stored: blank
    assert evaluate(checked, {"score": 1}, EvalContext(deadline=request_deadline(DEFAULT), strict_budget=True)) == 2


def test_one_long_evaluation_is_stopped_inside_by_its_big_texts() -> None:
    """Many SUBSTITUTEs of a text near the limit: each under budget, together over the time."""
    big = "SUBSTITUTE(" * 6 + "'xxxxxxxxxx'" + ",'x','xxxxxxxxxx')" * 4 + ",'x','x')" * 2  # 100,000 characters
    expression = "LEN(CONCATENATE(" + ", ".join([f"LEFT({big}, 10)"] * 200) + "))"
    checked = check(expression, resolve)
    assert evaluate(checked, {}, EvalContext(budget=FormulaBudget(evaluation_seconds=60))) == 2000
    tight = FormulaBudget(evaluation_seconds=0.001)
    started = time.monotonic()
    with pytest.raises(BudgetExceeded) as info:
        evaluate(checked, {}, EvalContext(budget=tight, strict_budget=True))
    assert info.value.limit == "seconds" and time.monotonic() - started < 0.5
    assert evaluate(checked, {}, EvalContext(budget=tight)) is None


# -- settings ----------------------------------------------------------------------------------------

def test_settings_come_from_the_app_config_then_the_environment(app, monkeypatch) -> None:
    assert SETTINGS["max_text"] == "RECORDBASE_FORMULA_MAX_TEXT"
    assert current() == DEFAULT
    with app.app_context():
        app.config.update(RECORDBASE_FORMULA_MAX_LENGTH=500, RECORDBASE_FORMULA_REQUEST_SECONDS="0.5",
                          RECORDBASE_FORMULA_MAX_TEXT="junk")
        got = current()
    assert (got.max_length, got.request_seconds, got.max_text) == (500, 0.5, DEFAULT.max_text)


# -- random nestings stay bounded ------------------------------------------------------------------

_LEAVES = st.sampled_from(["{Name}", "'xxxxxxxxxx'", "{Note}", "TEXT({Score})"])


def _grow(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.tuples(children, children).map(lambda p: f"{p[0]} & {p[1]}"),
        st.lists(children, min_size=1, max_size=5).map(lambda a: "CONCATENATE(" + ",".join(a) + ")"),
        children.map(lambda c: f"SUBSTITUTE({c}, 'x', 'xxxxxxxxxx')"),
        children.map(lambda c: f"SUBSTITUTE({c}, 'x', 'xxxxxxxx', 2)"),
        children.map(lambda c: f"UPPER({c})"),
        children.map(lambda c: f"IF(LEN({c}) > 3, {c}, 'short')"),
    )


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(_LEAVES, _grow, max_leaves=12))
def test_random_nestings_never_build_more_than_the_budget(expression: str) -> None:
    checked = check(expression, resolve)
    values = {"name": "xax", "note": "x" * 300, "score": 12}
    try:
        value = evaluate(checked, values, EvalContext(budget=SMALL, strict_budget=True))
    except BudgetExceeded as exc:
        assert exc.limit == "max_text"
    else:
        assert value is None or len(value) <= SMALL.max_text
