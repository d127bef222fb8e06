"""Refused formulas: the message names the problem, and the position is right."""
from __future__ import annotations

import pickle

import pytest
from formula_support import resolve

from recordbase.errors import ValidationError
from recordbase.metamodel.formula import FormulaError, check, parse

# (expression, fragment of the message, column[, line])
REFUSED: list[tuple] = [
    ("{nosuch} + 1", "unknown field {nosuch}", 1),
    ("1 + {nosuch}", "unknown field {nosuch}", 5),
    ("{不存在的字段} * 2", "unknown field {不存在的字段}", 1),
    ("IF(1)", "IF expects 2 or 3 arguments, got 1", 1),
    ("1 + IF(1, 2, 3, 4)", "IF expects 2 or 3 arguments, got 4", 5),
    ("1 +", "unexpected end of formula at column 4", 4),
    ("IF(1", "unexpected end of formula at column 5", 5),
    ("FOO(1)", "unknown function FOO", 1),
    ("foo(1)", "unknown function FOO", 1),
    ("SUMM(1)", "did you mean SUM?", 1),
    ("(1 + 2", "expected an operator or ')'", 7),
    ("((1)", "unexpected end of formula", 5),
    ("1 + 2)", "unexpected ')'", 6),
    ("()", "unexpected ')'", 2),
    ("'abc", "unterminated text", 1),
    ('1 & "abc', "unterminated text", 5),
    ('"abc\\"', "unterminated text", 1),
    ("{Score", "unterminated field reference", 1),
    ("", "the formula is empty", 1),
    ("   ", "the formula is empty", 1),
    ("1 2", "unexpected number '2'", 3),
    ("1 < 2 < 3", "comparisons cannot be chained", 7),
    ("SUM(1,)", "unexpected ')'", 7),
    ("IF(,1)", "unexpected ','", 4),
    ("SUM(1)(2)", "unexpected '('", 7),
    ("{Score}（1）", "write '(' instead", 8),
    ("1 ＋ 2", "write '+' instead", 3),
    ("1 # 2", "unexpected character '#'", 3),
    ("foo + 1", "unknown name 'foo'", 1),
    ("{}", "empty field reference", 1),
    ("{  }", "empty field reference", 1),
    ("1 +\n* 2", "unexpected '*' at line 2, column 1", 1, 2),
    ("IF(TRUE,\n  1,\n  {nosuch})", "unknown field {nosuch} at line 3, column 3", 3, 3),
    ("ROUND()", "ROUND expects 1 or 2 arguments, got 0", 1),
    ("NOT(1, 2)", "NOT expects 1 argument, got 2", 1),
    ("TODAY(1)", "TODAY expects no arguments, got 1", 1),
    ("TRUE(1)", "TRUE expects no arguments, got 1", 1),
    ("SUM()", "SUM expects at least 1 argument, got 0", 1),
    ("MID('a', 1)", "MID expects 3 arguments, got 2", 1),
    ("SWITCH(1, 2)", "SWITCH expects at least 3 arguments, got 2", 1),
    ("YEAR({Score})", "YEAR expects a date as argument 1, got a number ({Score})", 6),
    ("IS_BEFORE({Score}, TODAY())", "IS_BEFORE expects a date as argument 1, got a number", 11),
    ("DATEADD({Due date}, TRUE, 'days') & YEAR(TRUE)", "YEAR expects a date as argument 1, got a true/false", 42),
    ("SUM({Name})", "SUM expects numbers or lists of numbers as argument 1, got text ({Name})", 5),
    ("ROUND({Due date})", "ROUND expects a number as argument 1, got a date", 7),
    ("ROUND(1, 'two')", "ROUND expects a number as argument 2, got text", 10),
    ("{Name} * 2", "'*' needs numbers, got text ({Name})", 1),
    ("{Name} + 1", "use & to join text", 1),
    ("2 - {Due date}", "'-' needs numbers, got a date ({Due date})", 5),
    ("{End} - {Start}", "use DATEADD() or DATETIME_DIFF() for dates", 1),
    ("-'a'", "'-' needs numbers, got text", 2),
    ("{Tags} * 2", "use SUM()", 1),
    ("{Tags} > 1", "cannot order a list", 8),
    ("1 = 'a'", "cannot compare a number with text using '='", 3),
    ("{Score} < {Due date}", "cannot compare a number with a date", 9),
    ("SWITCH({Score}, 'a', 1)", "SWITCH cannot compare a number with text", 17),
    ("DATEADD({Due date}, 1, 'fortnight')", "unknown unit 'fortnight'", 24),
    ("DATETIME_DIFF({End}, {Start}, 'eons')", "unknown unit 'eons'", 31),
    ("WEEKDAY({Due date}, 'Tuesday')", "unknown start of week 'Tuesday'", 21),
    ("YEAR('abc')", "YEAR expects a date, but 'abc' is not one", 6),
    ("DATETIME_FORMAT('2024-13-45')", "is not one", 17),
    ("{Due date} < 'soon'", "'<' expects a date, but 'soon' is not one", 14),
    ("(" * 200 + "1" + ")" * 200, "nested too deeply", 152),
    ("1" + " + 1" * 400, "nested too deeply", 1),
]


def _id(case: tuple) -> str:
    return case[0][:40]


@pytest.mark.parametrize("case", REFUSED, ids=[_id(c) for c in REFUSED])
def test_refused(case: tuple) -> None:
    expression, fragment, column = case[:3]
    line = case[3] if len(case) > 3 else 1
    with pytest.raises(FormulaError) as info:
        check(expression, resolve)
    err = info.value
    assert fragment in err.message
    assert (err.line, err.column) == (line, column), err.message


def test_message_shapes_from_the_issue() -> None:
    cases = {"1 +": "unexpected end of formula at column 4: expected a value",
             "IF(1)": "IF expects 2 or 3 arguments, got 1 at column 1",
             "{nosuch} + 1": "unknown field {nosuch} at column 1"}
    for expression, message in cases.items():
        with pytest.raises(FormulaError) as info:
            check(expression, resolve)
        assert info.value.message == message
        assert str(info.value) == message


def test_error_is_a_validation_error_with_position() -> None:
    with pytest.raises(ValidationError) as info:
        check("IF(1)", resolve)
    err = info.value
    assert err.status == 422
    assert err.position == {"line": 1, "column": 1}
    assert err.reason == "IF expects 2 or 3 arguments, got 1"
    assert err.to_json()["error"]["details"] == {"expression": [err.message]}
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.message, copy.position) == (err.message, err.position)


def test_parse_refuses_non_text() -> None:
    with pytest.raises(FormulaError):
        parse(None)  # type: ignore[arg-type]


def test_columns_count_characters_not_bytes() -> None:
    with pytest.raises(FormulaError) as info:
        check("{得分} + {风险 等级} * 2", resolve)
    assert info.value.column == 8  # the text field in arithmetic, after 7 Chinese-heavy characters
