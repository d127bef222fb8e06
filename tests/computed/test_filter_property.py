"""Property test: the SQL filter on computed fields (``store.list(filter=...)``) finds exactly the
records the filter's Python evaluation accepts (``compiled.matches(record.filter_values())``)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete

ITEM_FORMULAS = {
    "prod": "{a} * {b}",
    "ratio": "{a} / {b}",  # blank when b is 0
    "cmp": 'IF({a} > {b}, "hi", IF({a} = {b}, "eq", "lo"))',
    "label": 'UPPER({t}) & "-" & ROUND({a}, 1)',
    "big": "{a} > 2",
    "both": "AND({flag}, {a} > 0)",
    "later": "DATEADD({d}, 3, 'days')",
    "age": "DATETIME_DIFF({d}, \"2025-01-01\", 'days')",
    "maybe": 'IF({b} = 0, BLANK(), {t})',
}
GROUP_ROLLUPS = {  # on grp, over item.grp
    "sum_a": ("rollup", {"target_field": "a", "function": "sum"}),
    "avg_b": ("rollup", {"target_field": "b", "function": "avg"}),
    "max_d": ("rollup", {"target_field": "d", "function": "latest"}),
    "all_flag": ("rollup", {"target_field": "flag", "function": "and"}),
    "names": ("rollup", {"target_field": "t", "function": "concat"}),
    "n_big": ("count", {"filter": {"field": "big", "op": "is_true"}}),
    "sum_prod": ("rollup", {"target_field": "prod", "function": "sum"}),
}
KINDS = {"prod": "number", "ratio": "number", "cmp": "text", "label": "text", "big": "boolean", "both": "boolean",
         "later": "date", "age": "number", "maybe": "text",
         "sum_a": "number", "avg_b": "number", "max_d": "date", "all_flag": "boolean", "names": "text",
         "n_big": "number", "sum_prod": "number"}
OPS = {
    "number": ["eq", "neq", "lt", "lte", "gt", "gte", "in", "not_in", "is_empty", "is_not_empty"],
    "text": ["eq", "neq", "contains", "not_contains", "starts_with", "in", "not_in", "is_empty", "is_not_empty"],
    "boolean": ["eq", "is_true", "is_false"],
    "date": ["eq", "neq", "lt", "lte", "gt", "gte", "before", "after", "is_empty", "is_not_empty"],
}
BASE = date(2025, 1, 1)
numbers = st.one_of(st.none(), st.sampled_from([0, 1, 2, 3, -1, 0.5, 2.5, 1.25, 10]))
texts = st.one_of(st.none(), st.sampled_from(["", "a", "ab", "B", "x y", "lo", "hi", "Hi-3"]))
dates = st.one_of(st.none(), st.integers(-5, 5).map(lambda n: BASE + timedelta(days=n)))
values_for = {
    "number": st.sampled_from([0, 1, 2, 3, -1, 0.5, 2.5, 4, 7.5, 12, 100]),
    "text": st.sampled_from(["a", "b", "hi", "lo", "eq", "A-", "-1", "x", "A, B", "HI-3"]),
    "boolean": st.booleans(),
    "date": st.integers(-6, 9).map(lambda n: (BASE + timedelta(days=n)).isoformat()),
}

rows = st.lists(st.fixed_dictionaries({"a": numbers, "b": numbers, "t": texts, "d": dates,
                                       "flag": st.one_of(st.none(), st.booleans()),
                                       "grp": st.one_of(st.none(), st.integers(0, 2))}), max_size=12)


@st.composite
def condition(draw, fields):
    name = draw(st.sampled_from(sorted(fields)))
    kind = KINDS[name]
    op = draw(st.sampled_from(OPS[kind]))
    node = {"field": name, "op": op}
    if op in ("in", "not_in"):
        node["value"] = draw(st.lists(values_for[kind], min_size=1, max_size=3))
    elif op not in ("is_empty", "is_not_empty", "is_true", "is_false"):
        node["value"] = draw(values_for[kind])
    return node


def tree(fields):
    leaf = condition(fields)
    return st.recursive(leaf, lambda kids: st.one_of(
        st.lists(kids, min_size=1, max_size=3).map(lambda xs: {"and": xs}),
        st.lists(kids, min_size=1, max_size=3).map(lambda xs: {"or": xs}),
        kids.map(lambda x: {"not": x})), max_leaves=4)


item_filters = st.lists(tree(ITEM_FORMULAS), min_size=1, max_size=6)
group_filters = st.lists(tree(GROUP_ROLLUPS), min_size=1, max_size=6)


@pytest.fixture
def schema(svc):
    svc.create_type("grp", [{"name": "name", "label": "Name", "type": "text"}])
    svc.create_type("item", [{"name": "a", "label": "A", "type": "number"},
                             {"name": "b", "label": "B", "type": "number"},
                             {"name": "t", "label": "T", "type": "text"},
                             {"name": "d", "label": "D", "type": "date"},
                             {"name": "flag", "label": "Flag", "type": "boolean"},
                             {"name": "grp", "label": "Group", "type": "link", "options": {"target": "grp"}}])
    for name, expr in ITEM_FORMULAS.items():
        svc.add_field("item", {"name": name, "label": name, "type": "formula", "options": {"expression": expr}})
    for name, (ftype, opts) in GROUP_ROLLUPS.items():
        svc.add_field("grp", {"name": name, "label": name, "type": ftype, "options": {"link": "item.grp", **opts}})
    schema = svc.schema()
    for name in ITEM_FORMULAS:
        assert schema.get("item").field(name).options["result_type"] == KINDS[name], name
    for name in GROUP_ROLLUPS:
        assert schema.get("grp").field(name).options["result_type"] == KINDS[name], name
    return svc


def agree(st_, type_name: str, filters: list) -> None:
    everything = st_.list(type_name, limit=1000).records
    for f in filters:
        compiled = st_.compile(st_.type(type_name), f)
        by_sql = sorted(r.id for r in st_.list(type_name, filter=compiled, limit=1000).records)
        by_python = sorted(r.id for r in everything if compiled.matches(r.filter_values()))
        assert by_sql == by_python, (f, [(r.id, r.values) for r in everything])


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=rows, ifilters=item_filters, gfilters=group_filters)
def test_sql_filter_on_computed_fields_agrees_with_python(schema, data, ifilters, gfilters):
    svc = schema
    with svc.store() as st_:
        for name in ("item", "grp"):
            st_.session.execute(delete(st_.type(name).table))
        groups = [st_.create("grp", {"name": f"g{i}"}).id for i in range(3)]
        for row in data:
            values = dict(row, grp=None if row["grp"] is None else groups[row["grp"]])
            values["d"] = values["d"].isoformat() if values["d"] else None
            st_.create("item", values)
    with svc.store() as st_:
        agree(st_, "item", ifilters)
        agree(st_, "grp", gfilters)
