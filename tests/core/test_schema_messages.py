"""Field options' problems, worded for people (recordbase.metamodel.schema_messages)."""
from __future__ import annotations

import pytest

from recordbase.metamodel.fieldtypes import field_types

CASES = [
    ("currency", {"code": "XXXX"}, "options.code: 'XXXX' is not in the expected form (three capital letters, such as CNY)"),
    ("currency", {"precision": 9}, "options.precision: must be at most 4"),
    ("decimal", {"precision": -1}, "options.precision: must be at least 0"),
    ("decimal", {"precision": "2"}, "options.precision: must be a whole number"),
    ("number", {"colour": "red"}, "options: unknown option(s): colour"),
    ("single_select", {}, "options.choices: is required"),
    ("single_select", {"choices": []}, "options.choices: needs at least 1 item(s)"),
    ("single_select", {"choices": [{"value": "a", "color": "zz1"}]},
     "options.choices[0].color: 'zz1' is not in the expected form (a colour such as #00aa00)"),
    ("single_select", {"choices": ["a|b"]}, "options.choices[0]: 'a|b' is not in the expected form (without the | character)"),
    ("link", {"target": "Bad Name"}, "options.target: 'Bad Name' is not in the expected form "
                                     "(an API name: lowercase letters, digits and _, starting with a letter)"),
    ("rollup", {"link": "tasks", "target_field": "hours", "function": "median"}, "options.function: 'median' is not one of"),
]


@pytest.mark.parametrize("ftype,options,expected", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_option_problems_say_what_is_expected(ftype, options, expected):
    problems = field_types()[ftype].validate_options(options)
    assert any(p.startswith(expected) for p in problems), problems
    assert not any("required property" in p or "does not match" in p or "is not valid under" in p for p in problems)
