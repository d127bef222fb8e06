"""The formula library's public surface: result types, dependencies, the function table,
canonical references, resolvers, cycles, and evaluation edge cases."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from formula_support import FIELDS, NOW, resolve, run

from recordbase.metamodel.formula import (FUNCTIONS, EvalContext, FieldInfo, FormulaError, canonicalize, check,
                                          cycle_message, describe_functions, evaluate, find_cycle, get_function,
                                          make_resolver, parse)

ISSUE_FUNCTIONS = """IF SWITCH AND OR NOT BLANK IS_BLANK ISBLANK ROUND ROUNDUP ROUNDDOWN ABS MOD POWER SQRT INT SUM
AVERAGE MIN MAX CONCATENATE LEN LOWER UPPER TRIM LEFT RIGHT MID FIND SUBSTITUTE VALUE TEXT TODAY NOW DATEADD
DATETIME_DIFF DATETIME_FORMAT WEEKDAY YEAR MONTH DAY IS_BEFORE IS_AFTER RECORD_ID""".split()


@pytest.mark.parametrize("expression, result_type", [
    ("1 + 1", "number"),
    ("'a' & 1", "text"),
    ("1 < 2", "boolean"),
    ("TODAY()", "date"),
    ("NOW()", "datetime"),
    ("IF({Done}, 1, 2)", "number"),
    ("IF({Done}, 1)", "number"),
    ("IF({Done}, 1, 'x')", "text"),
    ("IF({Done}, {Due date}, {Start})", "datetime"),
    ("IF({Done}, BLANK(), {Due date})", "date"),
    ("SWITCH({Status}, 'a', 1, 'b', 2)", "number"),
    ("SWITCH({Status}, 'a', 1, 'none')", "text"),
    ("DATEADD({Due date}, 1, 'days')", "date"),
    ("DATEADD({Due date}, 1, 'hours')", "datetime"),
    ("DATEADD({Due date}, 1, {Status})", "datetime"),
    ("DATEADD({Start}, 1, 'days')", "datetime"),
    ("{Tags}", "text"),
    ("BLANK()", "text"),
    ("{Anything}", "any"),
    ("RECORD_ID()", "number"),
])
def test_result_types(expression: str, result_type: str) -> None:
    assert check(expression, resolve).result_type == result_type


def test_dependencies_functions_and_volatility() -> None:
    checked = check("IF({Score} > {得分}, {Name}, DATETIME_DIFF({Due date}, TODAY(), 'days'))", resolve)
    assert checked.fields == {"score", "name", "due"}
    assert checked.functions == {"IF", "DATETIME_DIFF", "TODAY"}
    assert checked.volatile
    assert not check("{Likelihood} * {Impact}", resolve).volatile
    assert check("1 + 2", resolve).fields == frozenset()


def test_check_accepts_a_parsed_tree_and_evaluate_is_also_a_method() -> None:
    checked = check(parse("{Likelihood} * {Impact}"), resolve)
    assert checked.expression is None
    assert checked.evaluate({"likelihood": 3, "impact": 4}) == 12


def test_function_table_covers_the_issue_and_is_documented() -> None:
    names = {f.name for f in FUNCTIONS}
    assert set(ISSUE_FUNCTIONS) <= names
    assert len(names) == len(FUNCTIONS)
    for lang in ("en", "zh-CN"):
        docs = describe_functions(lang)
        assert [d["name"] for d in docs] == [f.name for f in FUNCTIONS]
        for d in docs:
            assert d["description"] and d["signature"].startswith(d["name"] + "(")
    zh = {d["name"]: d["description"] for d in describe_functions("zh")}
    assert zh["SUM"] != describe_functions("en")[[f.name for f in FUNCTIONS].index("SUM")]["description"]
    assert get_function("round") is get_function("ROUND")
    assert get_function("nope") is None


def test_canonicalize_rewrites_references_only() -> None:
    text = "IF({得分} >= 90, '{Score}', { unit PRICE } * {Price\\}x})"
    to_api = canonicalize(text, lambda ref: resolve(ref).name)
    assert to_api == "IF({score} >= 90, '{Score}', {unit_price} * {price_x})"
    labels = {f.name: f.label for f in FIELDS}
    assert canonicalize(to_api, lambda ref: labels.get(ref)) == \
        "IF({Score} >= 90, '{Score}', {Unit price} * {Price\\}x})"
    assert canonicalize(text, lambda ref: None) == text


def test_make_resolver_prefers_api_names_then_labels() -> None:
    class F:  # any object with name/label/label_zh/field_type works
        def __init__(self, name: str, label: str, field_type: str = "number", label_zh: str | None = None):
            self.name, self.label, self.field_type, self.label_zh, self.options = name, label, field_type, label_zh, {}

    fields = [F("total", "amount"), F("amount", "Total"), F("owner", "Owner", "user", "负责人"),
              F("kids", "Kids", "link"), F("grade", "Grade", "formula"), F("n", "N", "count"),
              F("due", "Due", "rollup")]
    fields[-1].options = {"result_type": "date"}
    res = make_resolver(fields)
    assert res("amount").name == "amount"  # an API name wins over another field's label
    assert res("Total").name == "amount"
    assert res("  负责人 ").name == "owner"
    assert res("kids") == FieldInfo("kids", "number", False)
    assert res("grade") == FieldInfo("grade", "text") and res("n").value_type == "number"
    assert res("Due").value_type == "date"
    assert res("nothing") is None


def test_find_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]
    assert find_cycle({"x": {"y"}, "y": {"z"}, "z": {"y"}}) == ["y", "z", "y"]
    long_chain = {f"n{i}": {f"n{i + 1}"} for i in range(5000)}
    assert find_cycle(long_chain) is None
    long_chain["n5000"] = {"n0"}
    assert len(find_cycle(long_chain)) == 5002
    assert cycle_message(["a", "b", "a"]) == "reference cycle: a → b → a"


def test_exact_numbers_and_plain_numbers() -> None:
    checked = check("{Score} / 3", resolve)
    exact = evaluate(checked, {"score": 1}, EvalContext(exact_numbers=True))
    assert isinstance(exact, Decimal) and str(exact) == "0.3333333333333333333333333333"
    assert evaluate(check("2 * 3", resolve), {}) == 6 and isinstance(evaluate(check("2 * 3", resolve), {}), int)
    assert evaluate(check("POWER(10, 20)", resolve), {}) == 1e20


@pytest.mark.parametrize("value", [object(), {"a": 1}, float("nan"), float("inf"), Decimal("NaN"), "x" * 10,
                                   [object()], datetime(2024, 1, 1, tzinfo=timezone.utc), b"bytes"])
def test_evaluate_never_raises_on_odd_values(value) -> None:
    formulas = ["{Score} * 2", "YEAR({Due date}) + DAY({Start})", "LEN({Name}) & {Tags}", "SUM({Amounts})",
                "IF({Done}, 1, 2)", "{Anything} < 3", "{Anything} = 'x'", "DATETIME_FORMAT({Anything})"]
    fields = ["score", "due", "start", "name", "tags", "amounts", "done", "anything"]
    for f in formulas:
        checked = check(f, resolve)
        evaluate(checked, {k: value for k in fields}, EvalContext(now=NOW))


def test_bad_time_zone_falls_back_to_utc_and_now_defaults_to_the_clock() -> None:
    assert run("TODAY()", timezone="No/Such_Zone") == date(2024, 3, 1)
    today = evaluate(check("TODAY()", resolve), {})
    assert abs((today - datetime.now(timezone.utc).date()).days) <= 1
    naive_now = run("NOW()", now=datetime(2024, 5, 1, 9, 30))
    assert naive_now == datetime(2024, 5, 1, 9, 30)


def test_aware_datetimes_in_values_are_read_as_instants() -> None:
    shanghai = datetime(2024, 3, 1, 8, 0, tzinfo=timezone.utc).astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert run("DATETIME_FORMAT({Start}, 'HH:mm')", {"start": shanghai}) == "08:00"


def test_text_dates_without_offset_are_local_time() -> None:
    assert run("DATEADD('2024-03-01T09:00:00', 0, 'hours')", timezone="Asia/Shanghai") == datetime(2024, 3, 1, 1, 0)
    assert run("DATEADD('2024-03-01T09:00:00Z', 0, 'hours')", timezone="Asia/Shanghai") == datetime(2024, 3, 1, 9, 0)


def test_formula_error_for_unresolvable_reference_mentions_escaped_text() -> None:
    with pytest.raises(FormulaError) as info:
        check("{Bad\\}name}", resolve)
    assert "unknown field {Bad\\}name}" in info.value.message
