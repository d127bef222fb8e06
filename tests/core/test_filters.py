"""The filter language: validation errors with paths, literal values, describe(), system fields."""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from recordbase.errors import FilterError
from recordbase.metamodel.filters import FILTER_SCHEMA, Clock, compile_filter, parse_filter_param

CLOCK = Clock(now=datetime(2026, 3, 10, 12, 0), today=date(2026, 3, 10))


DEAL_FIELDS = [
    {"name": "name", "label": "Name", "label_zh": "名称", "type": "text"},
    {"name": "status", "label": "Status", "label_zh": "状态", "type": "single_select",
     "options": {"choices": ["active", "closed"]}},
    {"name": "score", "label": "Score", "label_zh": "得分", "type": "number"},
    {"name": "end_date", "label": "End date", "label_zh": "结束日期", "type": "date"},
    {"name": "won", "label": "Won", "label_zh": "赢单", "type": "boolean"},
    {"name": "tags", "label": "Tags", "type": "multi_select", "options": {"choices": ["x", "50%", "5_0", "500"]}},
    {"name": "owner", "label": "Owner", "type": "user"},
    {"name": "files", "label": "Files", "type": "attachment"},
]


@pytest.fixture
def deal(core):
    core.create_type("deal", DEAL_FIELDS)
    return core.schema().get("deal")


@pytest.fixture(scope="module")
def deal_def(module_core):
    """The deal type on a database shared by the module's read-only tests."""
    module_core.create_type("deal", DEAL_FIELDS)
    return module_core.schema().get("deal")


def error(tree, typedef, **kw):
    with pytest.raises(FilterError) as exc:
        compile_filter(tree, typedef, clock=CLOCK, **kw)
    assert exc.value.code == "invalid_filter" and exc.value.status == 400
    return exc.value


@pytest.mark.parametrize("tree,path,words", [
    ({"field": "ghost", "op": "eq", "value": 1}, "$.field", "no field 'ghost'"),
    ({"and": [{"field": "name", "op": "eq", "value": "a"}, {"field": "ghost", "op": "eq", "value": 1}]},
     "$.and[1].field", "no field 'ghost'"),
    ({"or": [{"not": {"field": "Name", "op": "eq", "value": 1}}]}, "$.or[0].not.field", "no field 'Name'"),
    ({"field": "won", "op": "contains", "value": "x"}, "$.op", "does not apply to boolean"),
    ({"field": "name", "op": "lt", "value": "x"}, "$.op", "does not apply to text"),
    ({"field": "status", "op": "within_last_days", "value": 3}, "$.op", "does not apply"),
    ({"field": "files", "op": "eq", "value": "x"}, "$.op", "does not apply"),
    ({"field": "score", "op": "eq", "value": "abc"}, "$.value", "not a number"),
    ({"field": "score", "op": "gt"}, "$.value", "needs a value"),
    ({"field": "score", "op": "eq", "value": None}, "$.value", "needs a value"),
    ({"field": "score", "op": "eq", "value": [1]}, "$.value", "single value"),
    ({"field": "score", "op": "in", "value": 1}, "$.value", "list"),
    ({"field": "score", "op": "in", "value": [1, "x"]}, "$.value", "not a number"),
    ({"field": "score", "op": "in", "value": [1, None]}, "$.value", "empty"),
    ({"field": "end_date", "op": "before", "value": "2026-02-30"}, "$.value", "not a real date"),
    ({"field": "end_date", "op": "within_next_days", "value": -1}, "$.value", "whole number of days"),
    ({"field": "end_date", "op": "within_next_days", "value": "30"}, "$.value", "whole number of days"),
    ({"field": "end_date", "op": "within_next_days", "value": 36501}, "$.value", "whole number of days"),
    ({"field": "end_date", "op": "within_next_days", "value": True}, "$.value", "whole number of days"),
    ({"field": "status", "op": "eq", "value": "paused"}, "$.value", "not one of the choices"),
    ({"field": "tags", "op": "contains", "value": "nope"}, "$.value", "not one of the choices"),
    ({"field": "owner", "op": "eq", "value": "nobody@example.com"}, "$.value", "no user"),
    ({"field": "id", "op": "eq", "value": "1"}, "$.value", "whole numbers"),
    ({"field": "id", "op": "contains", "value": 1}, "$.op", "does not apply"),
    ({"field": "name", "op": "contains", "value": {"a": 1}}, "$.value", "single value"),
    ({"and": [{"field": "name", "op": "like", "value": "a"}]}, "$.and[0].op", "unknown operator"),
    ({"and": "name"}, "$.and", "list"),
    ({"and": [{"field": "name"}]}, "$.and[0]", "expected"),
    ({"and": [{"field": "name", "op": "eq", "value": "a", "extra": 1}]}, "$.and[0]", "expected"),
    ({"field": 3, "op": "eq", "value": "a"}, "$.field", "field name"),
    ({"xor": []}, "$", "expected"),
    ([{"field": "name", "op": "eq", "value": "a"}], "$", "must be an object"),
    ("name = 'a'", "$", "must be an object"),
])
def test_errors_name_the_path(deal_def, tree, path, words):
    err = error(tree, deal_def)
    assert err.details["path"] == path, err.details
    assert words in err.message, err.message
    assert path in err.message or path == "$"


@pytest.mark.parametrize("depth", [13, 50, 100, 5000])
def test_too_deep_nesting(deal_def, depth):
    tree = {"field": "name", "op": "is_empty"}
    for i in range(depth):
        tree = {"not": tree} if i % 2 else {"and": [tree]}
    err = error(tree, deal_def)
    assert "nested too deeply" in err.message and err.details["path"] == "$"


def test_moderate_nesting_is_fine(deal_def):
    tree = {"field": "name", "op": "is_empty"}
    for i in range(10):
        tree = {"not": tree} if i % 2 else {"or": [tree]}
    assert compile_filter(tree, deal_def, clock=CLOCK) is not None


def test_too_many_conditions(deal_def):
    err = error({"or": [{"field": "score", "op": "eq", "value": i} for i in range(501)]}, deal_def)
    assert "more than 500 conditions" in err.message


def test_empty_filter_is_no_filter(deal_def):
    assert compile_filter(None, deal_def) is None
    assert compile_filter({}, deal_def) is None
    assert parse_filter_param(None) is None and parse_filter_param("  ") is None
    assert parse_filter_param('{"field": "name", "op": "is_empty"}') == {"field": "name", "op": "is_empty"}
    with pytest.raises(FilterError) as exc:
        parse_filter_param("{not json")
    assert exc.value.details == {"path": "filter"}


def test_filter_schema_is_a_valid_json_schema():
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(FILTER_SCHEMA)
    v = jsonschema.Draft202012Validator(FILTER_SCHEMA)
    assert v.is_valid({"and": [{"field": "a", "op": "eq", "value": 1}, {"not": {"field": "b", "op": "is_empty"}}]})
    assert not v.is_valid({"field": "a", "op": "similar_to", "value": 1})


SQLISH = ["x' OR 1=1 --", "%", "_", "\\", "a%b", "a_b", "a\\b", "'; DROP TABLE rb_user; --", "\"", "[a-z]", "*"]


def test_sql_in_values_matches_literally(core, deal):
    names = SQLISH + ["x", "ab", "aXb", "a\\\\b", "plain"]
    ids = {n: core.create("deal", {"name": n}).id for n in names}
    for value in SQLISH:
        assert core.ids("deal", filter={"field": "name", "op": "eq", "value": value}) == [ids[value]], value
        expected_contains = sorted(ids[n] for n in names if value.lower() in n.lower())
        assert core.ids("deal", filter={"field": "name", "op": "contains", "value": value}) == expected_contains, value
        expected_starts = sorted(ids[n] for n in names if n.lower().startswith(value.lower()))
        assert core.ids("deal", filter={"field": "name", "op": "starts_with", "value": value}) == expected_starts, value
        expected_not = sorted(ids[n] for n in names if value.lower() not in n.lower())
        assert core.ids("deal", filter={"field": "name", "op": "not_contains", "value": value}) == expected_not, value
        assert core.ids("deal", filter={"field": "name", "op": "in", "value": [value]}) == [ids[value]]
    assert len(core.ids("deal")) == len(names)   # nothing was dropped


def test_choice_values_with_wildcards_match_literally(core, deal):
    a = core.create("deal", {"tags": ["50%"]}).id
    b = core.create("deal", {"tags": ["500"]}).id
    c = core.create("deal", {"tags": ["5_0"]}).id
    d = core.create("deal", {"tags": ["x", "500"]}).id
    assert core.ids("deal", filter={"field": "tags", "op": "contains", "value": "50%"}) == [a]
    assert core.ids("deal", filter={"field": "tags", "op": "contains", "value": "5_0"}) == [c]
    assert core.ids("deal", filter={"field": "tags", "op": "in", "value": ["50%", "5_0"]}) == [a, c]
    assert core.ids("deal", filter={"field": "tags", "op": "not_contains", "value": "50%"}) == [b, c, d]
    assert core.ids("deal", filter={"field": "tags", "op": "not_in", "value": ["5_0"]}) == [a, b, d]


def test_describe_in_english_and_chinese(deal_def):
    tree = {"and": [{"field": "status", "op": "eq", "value": "active"},
                    {"or": [{"field": "score", "op": "lt", "value": 60},
                            {"field": "end_date", "op": "within_next_days", "value": 30}]},
                    {"not": {"field": "won", "op": "is_true"}},
                    {"field": "name", "op": "in", "value": ["a", "b"]}]}
    f = compile_filter(tree, deal_def, clock=CLOCK)
    en = f.describe("en")
    zh = f.describe("zh_Hans")
    assert en == ("Status = active and (Score < 60 or End date is within the next 30 days) and "
                  "(not (Won is checked)) and Name is any of a, b")
    assert zh == ("状态 等于 active 且 (得分 小于 60 或 结束日期 在未来 30 天内) 且 "
                  "(非 (赢单 已勾选)) 且 名称 属于 a, b")
    one = compile_filter({"field": "end_date", "op": "before", "value": "2026-04-01"}, deal_def, clock=CLOCK)
    assert one.describe() == "End date is before 2026-04-01"
    assert one.describe("zh") == "结束日期 早于 2026-04-01"
    # a field without a Chinese label falls back to its label
    assert compile_filter({"field": "tags", "op": "is_empty"}, deal_def).describe("zh") == "Tags 为空"


def test_system_fields_and_me(core, deal, owner):
    a = core.create("deal", {"name": "a", "owner": owner.email}).id
    b = core.create("deal", {"name": "b"}).id
    assert core.ids("deal", filter={"field": "id", "op": "gt", "value": a}) == [b]
    assert core.ids("deal", filter={"field": "id", "op": "in", "value": [b, 999]}) == [b]
    assert core.ids("deal", filter={"field": "created_by", "op": "eq", "value": owner.email}) == [a, b]
    assert core.ids("deal", filter={"field": "created_at", "op": "within_last_days", "value": 1}) == [a, b]
    assert core.ids("deal", filter={"field": "updated_at", "op": "after", "value": "2000-01-01"}) == [a, b]
    assert core.ids("deal", filter={"field": "owner", "op": "eq", "value": "@me"}) == [a]
    assert core.ids("deal", filter={"field": "owner", "op": "is_empty"}) == [b]
    with core.store(user_id=None) as st:
        with pytest.raises(FilterError):
            st.list("deal", filter={"field": "owner", "op": "eq", "value": "@me"})


def test_date_windows_use_the_clock(core, deal):
    # today is 2026-03-10; windows include both ends: [today - N, today] and [today, today + N]
    days = ["2026-02-07", "2026-02-08", "2026-03-10", "2026-04-09", "2026-04-10", None]
    ids = [core.create("deal", {"end_date": d}).id for d in days]
    with core.store() as st:
        def run(tree):
            f = compile_filter(tree, st.type("deal"), st.ctx, CLOCK)
            recs = st.list("deal", limit=1000).records
            py = [r.id for r in recs if f.matches(r.filter_values())]
            sql = [r.id for r in st.list("deal", filter=f, limit=1000).records]
            assert py == sql
            return sql
        assert run({"field": "end_date", "op": "within_last_days", "value": 30}) == [ids[1], ids[2]]
        assert run({"field": "end_date", "op": "within_next_days", "value": 30}) == [ids[2], ids[3]]
        assert run({"field": "end_date", "op": "within_next_days", "value": 0}) == [ids[2]]
        assert run({"not": {"field": "end_date", "op": "within_next_days", "value": 30}}) == [ids[0], ids[1], ids[4], ids[5]]


def test_negation_includes_empty_values(core, deal):
    """not (score < 60) is every record whose score is not below 60, the empty ones included — in SQL too."""
    a = core.create("deal", {"score": 10}).id
    b = core.create("deal", {"score": 90}).id
    c = core.create("deal", {}).id
    assert core.ids("deal", filter={"field": "score", "op": "lt", "value": 60}) == [a]
    assert core.ids("deal", filter={"not": {"field": "score", "op": "lt", "value": 60}}) == [b, c]
    assert core.ids("deal", filter={"not": {"field": "name", "op": "contains", "value": "x"}}) == [a, b, c]
    assert core.ids("deal", filter={"not": {"not": {"field": "score", "op": "lt", "value": 60}}}) == [a]
    assert core.ids("deal", filter={"field": "score", "op": "neq", "value": 10}) == [b, c]


def test_filter_json_round_trip_through_api_param(core, deal):
    core.create("deal", {"name": "x' OR 1=1 --"})
    core.create("deal", {"name": "other"})
    tree = parse_filter_param(json.dumps({"field": "name", "op": "eq", "value": "x' OR 1=1 --"}))
    assert core.ids("deal", filter=tree) == [1]
