"""Choice field types: boolean, single_select, multi_select."""
from __future__ import annotations

import pytest

from recordbase.metamodel.fieldtypes import ValueContext

from .helpers import clean, fd

CHOICES = {"choices": ["low", {"value": "mid", "label": "Medium", "label_zh": "中", "color": "#ffaa00"},
                       {"value": "high", "label": "High", "label_zh": "高", "color": "red"}]}
ZH = ValueContext(lang="zh_Hans")


@pytest.mark.parametrize("raw,expected", [
    (True, True), (False, False), (1, True), (0, False),
    ("yes", True), ("YES", True), ("no", False), ("No", False), ("true", True), ("false", False),
    ("是", True), ("否", False), ("对", True), ("✓", True), ("✔", True), ("√", True), ("✗", False), ("×", False),
    ("on", True), ("off", False), ("1", True), ("0", False), (" Y ", True),
    (None, False), ("", False),
])
def test_boolean_words(raw, expected):
    got = clean("boolean", raw)
    assert got is expected


@pytest.mark.parametrize("raw", ["maybe", "2", 2, -1, "好", [True], {"v": 1}, 0.5])
def test_boolean_refuses(raw):
    with pytest.raises(ValueError) as exc:
        clean("boolean", raw)
    assert "true or false" in str(exc.value)


def test_boolean_format_round_trip():
    f = fd("boolean")
    for lang in ("en", "zh_Hans"):
        ctx = ValueContext(lang=lang)
        for v in (True, False):
            assert f.ftype.parse_text(f.ftype.format(v, f, ctx), f, ctx) is v
            assert f.ftype.clean(f.ftype.to_json(v, f, ctx), f, ctx) is v
    assert f.ftype.format(True, f, ZH) == "是" and f.ftype.format(False, f, ZH) == "否"


@pytest.mark.parametrize("raw,expected", [
    ("low", "low"), ("mid", "mid"), ("Medium", "mid"), ("medium", "mid"), ("中", "mid"), ("高", "high"),
    ("HIGH", "high"), ("  high ", "high"), ("", None), (None, None),
])
def test_single_select_by_value_label_or_chinese_label(raw, expected):
    assert clean("single_select", raw, CHOICES) == expected


@pytest.mark.parametrize("raw", ["urgent", "Med", "低", 1, True, ["low"], {"value": "low"}])
def test_single_select_refuses_unknown(raw):
    with pytest.raises(ValueError) as exc:
        clean("single_select", raw, CHOICES)
    assert "choices" in str(exc.value)


def test_unknown_choice_message_lists_the_choices():
    with pytest.raises(ValueError) as exc:
        clean("single_select", "urgent", CHOICES)
    assert "'urgent'" in str(exc.value) and "low, mid, high" in str(exc.value)


@pytest.mark.parametrize("raw,expected", [
    (["high", "low"], ["low", "high"]),                # choice order, not input order
    ("high, low, low, High", ["low", "high"]),         # duplicates in text (also by label) dropped
    ("高, low，中", ["low", "mid", "high"]),           # text with ASCII and full-width commas, labels
    ("low; high", ["low", "high"]),
    (("mid",), ["mid"]),
    ([], []), (None, []), ("", []),
])
def test_multi_select_order_and_dedupe(raw, expected):
    assert clean("multi_select", raw, CHOICES) == expected


@pytest.mark.parametrize("raw", [["nope"], ["low", "nope"], [None], [""], [" "], 5, {"a": 1}, "low, ,nope",
                                 ["low", "low"], ["high", "High"]])  # a list is uniqueItems, as documented
def test_multi_select_refuses(raw):
    with pytest.raises(ValueError):
        clean("multi_select", raw, CHOICES)


def test_empty_text_never_matches_a_choice():
    """A choice without a Chinese label must not be picked by an empty string."""
    f = fd("single_select", CHOICES)
    with pytest.raises(ValueError):
        f.ftype.match_choice("", f)
    with pytest.raises(ValueError):
        f.ftype.match_choice("  ", f)


def test_select_round_trips():
    s, m = fd("single_select", CHOICES), fd("multi_select", CHOICES)
    for ctx in (ValueContext(), ZH):
        for v in ("low", "mid", "high"):
            assert s.ftype.clean(s.ftype.to_json(v, s, ctx), s, ctx) == v
            assert s.ftype.parse_text(s.ftype.format(v, s, ctx), s, ctx) == v
        for v in (["low"], ["mid", "high"], ["low", "mid", "high"]):
            assert m.ftype.clean(m.ftype.to_json(v, m, ctx), m, ctx) == v
            assert m.ftype.parse_text(m.ftype.format(v, m, ctx), m, ctx) == v
            assert m.ftype.from_db(m.ftype.to_db(v, m), m) == v
    assert s.ftype.format("mid", s, ZH) == "中"
    assert s.ftype.format("mid", s, ValueContext()) == "Medium"
    assert m.ftype.format(["mid", "high"], m, ZH) == "中, 高"
    assert m.ftype.to_db([], m) is None and m.ftype.from_db(None, m) == []
    assert m.ftype.to_db(["low", "high"], m) == "|low|high|"


@pytest.mark.parametrize("ftype", ["single_select", "multi_select"])
@pytest.mark.parametrize("options,problem", [
    ({}, "choices"),
    ({"choices": []}, "options.choices"),
    ({"choices": "a,b"}, "options.choices"),
    ({"choices": ["a", "a"]}, "duplicate value 'a'"),
    ({"choices": ["a", {"value": "a", "label": "A"}]}, "duplicate value 'a'"),
    ({"choices": [{"value": "a", "color": "red!"}]}, "options.choices[0]"),
    ({"choices": [{"value": "a", "color": "#12345"}]}, "options.choices[0]"),
    ({"choices": [{"value": "a", "color": "#GGGGGG"}]}, "options.choices[0]"),
    ({"choices": [{"label": "no value"}]}, "options.choices[0]"),
    ({"choices": [{"value": "a", "emoji": "x"}]}, "options.choices[0]"),
    ({"choices": ["a|b"]}, "options.choices[0]"),     # '|' is the multi-select separator
    ({"choices": [""]}, "options.choices[0]"),
    ({"choices": ["a"], "other": 1}, "other"),
])
def test_choice_options_refused(ftype, options, problem):
    problems = fd(ftype).ftype.validate_options(options)
    assert problems and any(problem in p for p in problems), problems


@pytest.mark.parametrize("ftype", ["single_select", "multi_select"])
def test_choice_options_accepted(ftype):
    assert fd(ftype).ftype.validate_options(CHOICES) == []
    assert fd(ftype).ftype.validate_options({"choices": [{"value": "进行中", "label_zh": "进行中", "color": "#00FF00"}]}) == []


def test_choice_json_schemas():
    s, m = fd("single_select", CHOICES), fd("multi_select", CHOICES)
    assert s.ftype.json_schema(s)["enum"] == ["low", "mid", "high"]
    assert m.ftype.json_schema(m)["items"]["enum"] == ["low", "mid", "high"]
