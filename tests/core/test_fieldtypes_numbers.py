"""Numeric field types: number, decimal, currency, percent, rating, duration."""
from __future__ import annotations

from decimal import Decimal

import pytest

from recordbase.metamodel.fieldtypes import ValueContext

from .helpers import clean, fd

D = Decimal

ACCEPT = [
    ("number", 3, {}, 3.0),
    ("number", -2.5, {}, -2.5),
    ("number", "1,234.5", {}, 1234.5),
    ("number", " 1 234 ", {}, 1234.0),
    ("number", "１２３", {}, 123.0),            # full-width digits
    ("number", "１，２３４．５", {}, 1234.5),      # full-width separators
    ("number", "¥1,200", {}, 1200.0),
    ("number", "￥1,200", {}, 1200.0),           # full-width yen sign
    ("number", "$3.50", {}, 3.5),
    ("number", "-7", {}, -7.0),
    ("number", "+7", {}, 7.0),
    ("number", ".5", {}, 0.5),
    ("number", "1e3", {}, 1000.0),
    ("number", D("2.25"), {}, 2.25),
    ("number", "", {}, None),
    ("number", None, {}, None),
    ("decimal", "1.005", {}, D("1.01")),         # half-up, not banker's rounding
    ("decimal", "2.675", {}, D("2.68")),         # 2.675 is 2.67499... as a float; parsed exactly
    ("decimal", 2.675, {}, D("2.68")),
    ("decimal", "1,234.5", {"precision": 3}, D("1234.500")),
    ("decimal", "7.5", {"precision": 0}, D("8")),
    ("decimal", "-7.5", {"precision": 0}, D("-8")),
    ("decimal", "0.123456789", {"precision": 8}, D("0.12345679")),
    ("decimal", "9999999.99999999", {"precision": 8}, D("9999999.99999999")),
    ("currency", "9,999,999,999,999.99", {}, D("9999999999999.99")),
    ("currency", "¥1,234.567", {"code": "CNY"}, D("1234.57")),
    ("currency", "CNY 1,234.57", {"code": "CNY"}, D("1234.57")),   # its own formatted text
    ("currency", "12.3456", {"code": "USD", "precision": 4}, D("12.3456")),
    ("currency", 10, {}, D("10.00")),
    ("percent", "85%", {}, 85.0),
    ("percent", "85％", {}, 85.0),
    ("percent", 12.5, {}, 12.5),
    ("rating", 0, {}, 0),
    ("rating", 5, {}, 5),
    ("rating", "3", {}, 3),
    ("rating", 3.0, {}, 3),
    ("rating", 10, {"max": 10}, 10),
    ("rating", "★★★☆☆", {}, 3),                 # its own formatted text
    ("duration", 90, {}, 90),
    ("duration", "90", {}, 90),
    ("duration", "1:30", {}, 5400),
    ("duration", "1:30:15", {}, 5415),
    ("duration", "1h 30m", {}, 5400),
    ("duration", "1h30m", {}, 5400),
    ("duration", "2 hours", {}, 7200),
    ("duration", "45 min", {}, 2700),
    ("duration", "1d 2h", {}, 93600),
    ("duration", "１:３０", {}, 5400),
    ("duration", "", {}, None),
]

REFUSE = [
    ("number", "abc", {}, "not a number"),
    ("number", "1.2.3", {}, "not a number"),
    ("number", "-", {}, "not a number"),
    ("number", "12abc", {}, "not a number"),
    ("number", True, {}, "not true/false"),
    ("number", float("nan"), {}, "finite"),
    ("number", float("inf"), {}, "finite"),
    ("number", "NaN", {}, "not a number"),
    ("number", "1e20", {}, "smaller than"),
    ("number", [1], {}, "must be a number"),
    ("decimal", "x", {}, "not a number"),
    ("decimal", "1e16", {}, "smaller than"),
    ("decimal", "10000000", {"precision": 8}, "smaller than 10,000,000"),   # 15 significant digits at most
    ("currency", "1" * 14, {}, "smaller than"),
    ("currency", "¥", {}, "not a number"),
    ("percent", "85%%", {}, "not a number"),
    ("rating", 6, {}, "from 0 to 5"),
    ("rating", -1, {}, "from 0 to 5"),
    ("rating", 2.5, {}, "whole number"),
    ("rating", 11, {"max": 10}, "from 0 to 10"),
    ("rating", True, {}, "not true/false"),
    ("duration", "-5", {}, "not a duration"),
    ("duration", -5, {}, "negative"),
    ("duration", "abc", {}, "not a duration"),
    ("duration", "1:75", {}, "not a duration"),
    ("duration", True, {}, "must be a duration"),
    ("duration", float("inf"), {}, "duration"),
    ("duration", float("nan"), {}, "duration"),
    ("duration", 10 ** 20, {}, "duration"),
]


@pytest.mark.parametrize("ftype,raw,options,expected", ACCEPT)
def test_clean_accepts(ftype, raw, options, expected):
    got = clean(ftype, raw, options)
    assert got == expected
    assert type(got) is type(expected)
    if isinstance(expected, Decimal):
        assert got.as_tuple().exponent == expected.as_tuple().exponent   # precision, not only value


@pytest.mark.parametrize("ftype,raw,options,message", REFUSE)
def test_clean_refuses(ftype, raw, options, message):
    with pytest.raises(ValueError) as exc:
        clean(ftype, raw, options)
    assert message in str(exc.value)


ROUND_TRIPS = [
    ("number", {}, 1234.5),
    ("number", {}, -3.0),
    ("number", {}, 0.1),
    ("decimal", {}, D("1234.57")),
    ("decimal", {"precision": 4}, D("-0.0001")),
    ("decimal", {"precision": 0}, D("42")),
    ("currency", {"code": "CNY"}, D("1234567.89")),
    ("currency", {}, D("0.50")),
    ("percent", {}, 85.0),
    ("percent", {}, 12.5),
    ("rating", {}, 0),
    ("rating", {}, 4),
    ("rating", {"max": 10}, 10),
    ("duration", {}, 5400),
    ("duration", {}, 5415),
    ("duration", {}, 59),
]


@pytest.mark.parametrize("ftype,options,value", ROUND_TRIPS)
def test_json_round_trip(ftype, options, value):
    f = fd(ftype, options)
    ctx = ValueContext()
    out = f.ftype.to_json(value, f, ctx)
    assert isinstance(out, (int, float)) and not isinstance(out, bool)
    assert f.ftype.clean(out, f, ctx) == value


@pytest.mark.parametrize("ftype,options,value", ROUND_TRIPS)
def test_text_round_trip(ftype, options, value):
    """What a list or an export shows can be imported back (parse_text)."""
    f = fd(ftype, options)
    ctx = ValueContext()
    text = f.ftype.format(value, f, ctx)
    assert isinstance(text, str) and text
    assert f.ftype.parse_text(text, f, ctx) == value
    assert f.ftype.format(None, f, ctx) == ""


@pytest.mark.parametrize("ftype,options,value,text", [
    ("decimal", {}, D("1234.5"), "1,234.50"),
    ("currency", {"code": "CNY"}, D("1234.5"), "¥1,234.50"),
    ("currency", {"code": "CNY"}, D("420000"), "¥420,000.00"),
    ("currency", {"code": "USD"}, D("-5"), "-$5.00"),
    ("currency", {"code": "HKD"}, D("12.5"), "HK$12.50"),
    ("currency", {"code": "CHF"}, D("1234.5"), "CHF 1,234.50"),  # no symbol here: the code
    ("currency", {"precision": 0}, D("7"), "7"),
    ("number", {"precision": 2}, 3.14159, "3.14"),
    ("number", {}, 3.0, "3"),
    ("percent", {}, 85.0, "85%"),
    ("rating", {}, 3, "★★★☆☆"),
    ("duration", {}, 5400, "1:30"),
    ("duration", {}, 5415, "1:30:15"),
])
def test_format(ftype, options, value, text):
    f = fd(ftype, options)
    assert f.ftype.format(value, f, ValueContext()) == text


@pytest.mark.parametrize("code", ["CNY", "USD", "EUR", "JPY", "HKD", "KRW", "CHF"])
@pytest.mark.parametrize("amount", [D("420000"), D("-1234.56"), D("0.5")])
def test_currency_text_reads_back_as_the_amount(code, amount):
    """What the lists and exports show ('¥420,000.00', '-HK$1,234.56', 'CHF 0.50') imports as the amount."""
    f = fd("currency", {"code": code})
    text = f.ftype.format(amount, f, ValueContext())
    assert f.ftype.clean(text, f, ValueContext()) == amount
    assert f.ftype.cleaner(f, ValueContext())(text) == amount


@pytest.mark.parametrize("ftype,options,problem", [
    ("number", {"precision": 11}, "options.precision"),
    ("number", {"precision": -1}, "options.precision"),
    ("decimal", {"precision": 9}, "options.precision"),
    ("decimal", {"precision": "2"}, "options.precision"),
    ("currency", {"code": "cny"}, "options.code"),
    ("currency", {"code": "YUAN"}, "options.code"),
    ("currency", {"precision": 5}, "options.precision"),
    ("rating", {"max": 0}, "options.max"),
    ("rating", {"max": 11}, "options.max"),
    ("rating", {"icon": "skull"}, "options.icon"),
    ("percent", {"unknown": True}, "unknown"),
    ("duration", {"format": "h:mm"}, "format"),
])
def test_bad_options_refused(ftype, options, problem):
    problems = fd(ftype).ftype.validate_options(options)
    assert problems and any(problem in p for p in problems), problems


@pytest.mark.parametrize("ftype,options", [
    ("number", {"precision": 2}), ("decimal", {"precision": 8}), ("currency", {"code": "CNY", "precision": 2}),
    ("rating", {"max": 10, "icon": "heart"}), ("percent", {}), ("duration", {}),
])
def test_good_options_accepted(ftype, options):
    assert fd(ftype).ftype.validate_options(options) == []


def test_decimal_json_schema_states_precision():
    f = fd("decimal", {"precision": 3})
    assert f.ftype.json_schema(f)["multipleOf"] == 0.001
    r = fd("rating", {"max": 7})
    assert r.ftype.json_schema(r) == {"type": "integer", "minimum": 0, "maximum": 7}
