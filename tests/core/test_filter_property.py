"""The filter language's two evaluations agree: SQL (lists, API) and Python (event-triggered rules).

Hypothesis generates records of a type with a field of every filterable family (empty values
included) and random filter trees (and/or/not nesting, every operator each field type allows,
values drawn from the same pools as the data so that matches happen). For every tree the set of
ids the SQL condition selects must equal the set for which ``matches()`` is true. Runs on SQLite,
and on PostgreSQL when RECORDBASE_TEST_DATABASE_URL is set.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete, update

from recordbase.metamodel.filters import Clock, compile_filter
from recordbase.metamodel.operators import OPERATORS

from services import add_user

from .helpers import fd

CLOCK = Clock(now=datetime(2026, 3, 10, 12, 0), today=date(2026, 3, 10))
OTHER_EMAIL = "other@example.com"

FIELDS = [
    {"name": "t", "label": "Text", "label_zh": "文本", "type": "text"},
    {"name": "n", "label": "Number", "type": "number"},
    {"name": "d", "label": "Decimal", "type": "decimal", "options": {"precision": 2}},
    {"name": "b", "label": "Flag", "type": "boolean"},
    {"name": "dt", "label": "Day", "type": "date"},
    {"name": "ts", "label": "At", "type": "datetime"},
    {"name": "s", "label": "Status", "type": "single_select", "options": {"choices": ["a", "b", "50%"]}},
    {"name": "m", "label": "Tags", "type": "multi_select", "options": {"choices": ["x", "y", "5_0", "500"]}},
    {"name": "l", "label": "Link", "type": "link", "options": {"target": "target"}},
    {"name": "ml", "label": "Links", "type": "link", "options": {"target": "target", "many": True}},
    {"name": "r", "label": "Rating", "type": "rating"},
    {"name": "u", "label": "Owner", "type": "user"},
]
TARGETS = [1, 2, 3, 4]

_days = [-40, -31, -30, -29, -1, 0, 1, 29, 30, 31, 400]
DATES = [(CLOCK.today + timedelta(days=k)).isoformat() for k in _days]
DATETIMES = [(CLOCK.now + timedelta(days=k, hours=h)).isoformat() + "+00:00"
             for k in (-31, -30, -1, 0, 1, 30) for h in (-13, 0, 1)]
TEXTS = ["alpha", "Alpha", "alphabet", "beta", "x' OR 1=1 --", "100%", "a_b", "axb", "back\\slash",
         "ÄBC", "äbc", "Straße", "北京供应商"]
NUMBERS = [-1.5, 0, 2, 2.5, 10, 1000000]
DECIMALS = ["0.10", "-3", "12.35", "12.345", "0"]
USERS = ["owner@example.com", OTHER_EMAIL]


def subsets(pool):
    return st.lists(st.sampled_from(pool), max_size=3, unique=True)


# what a record may hold, per field (None = empty)
DATA = {
    "t": st.sampled_from([None, *TEXTS]),
    "n": st.sampled_from([None, *NUMBERS]),
    "d": st.sampled_from([None, *DECIMALS]),
    "b": st.sampled_from([None, True, False]),      # None: a NULL cell (the field added after the record)
    "dt": st.sampled_from([None, *DATES]),
    "ts": st.sampled_from([None, *DATETIMES]),
    "s": st.sampled_from([None, "a", "b", "50%"]),
    "m": subsets(["x", "y", "5_0", "500"]),
    "l": st.sampled_from([None, *TARGETS]),
    "ml": subsets(TARGETS),
    "r": st.sampled_from([None, 0, 1, 3, 5]),
    "u": st.sampled_from([None, *USERS]),
}
RECORD = st.fixed_dictionaries(DATA)

# what a filter may compare with, per field
VALUES = {
    "t": st.sampled_from(TEXTS),
    "n": st.sampled_from([*NUMBERS, 3, "1,000,000"]),
    "d": st.sampled_from(["0.1", "12.35", "-3", "5", 0, "12.345"]),
    "b": st.sampled_from([True, False, "yes", "否"]),
    "dt": st.sampled_from(DATES),
    "ts": st.sampled_from([*DATETIMES, "2026-03-10", "2026-03-10T20:00:00+08:00"]),
    "s": st.sampled_from(["a", "b", "50%", "A"]),
    "m": st.sampled_from(["x", "y", "5_0", "500"]),
    "l": st.sampled_from([*TARGETS, 999]),
    "ml": st.sampled_from([*TARGETS, 999]),
    "r": st.sampled_from([0, 1, 3, 5]),
    "u": st.sampled_from([*USERS, "@me"]),
    "id": st.integers(1, 40),
    "created_at": st.sampled_from(["2020-01-01", "2100-01-01T00:00:00+00:00"]),
}
SUBSTRINGS = st.sampled_from(["a", "AL", "alpha", "%", "_", "\\", "' OR", "北京", "ä", "ss", "x", "a_b", "0%"])
DEFS = {f["name"]: fd(f["type"], f.get("options"), name=f["name"]) for f in FIELDS}
ID_OPS = ("eq", "neq", "lt", "lte", "gt", "gte", "in", "not_in")


def operators(name):
    if name == "id":
        return ID_OPS
    f = DEFS[name] if name in DEFS else fd(name, name=name)
    return tuple(getattr(f.ftype, "operators_for", lambda _f: f.ftype.operators)(f))


def value_for(name, op):
    arity = OPERATORS[op].arity
    if arity == "none":
        return st.none()
    if arity == "days":
        return st.sampled_from([0, 1, 29, 30, 31, 365])
    if name == "m" and op in ("eq", "in", "not_in"):
        return subsets(["x", "y", "5_0", "500"])
    if arity == "list":
        return st.lists(VALUES[name], max_size=3)
    if name == "t" and op in ("contains", "not_contains", "starts_with"):
        return SUBSTRINGS
    return VALUES[name]


def condition(name):
    return st.sampled_from(operators(name)).flatmap(
        lambda op: value_for(name, op).map(
            lambda v: {"field": name, "op": op} if OPERATORS[op].arity == "none" else {"field": name, "op": op, "value": v}))


LEAF = st.sampled_from([*DEFS, "id", "created_at"]).flatmap(condition)
TREE = st.recursive(
    LEAF,
    lambda kids: st.one_of(st.lists(kids, max_size=3).map(lambda c: {"and": c}),
                           st.lists(kids, max_size=3).map(lambda c: {"or": c}),
                           kids.map(lambda c: {"not": c})),
    max_leaves=8)


@pytest.fixture
def world(core):
    add_user(core.sessions, OTHER_EMAIL)
    core.create_type("target", [{"name": "name", "label": "Name", "type": "text"}])
    for i in TARGETS:
        assert core.create("target", {"name": f"t{i}"}).id == i
    core.create_type("rec", FIELDS)
    return core


def replace_records(core, rows):
    schema = core.schema()
    t = schema.get("rec")
    with core.sessions.begin() as s:
        for j in t.junctions.values():
            s.execute(delete(j))
        s.execute(delete(t.table))
    with core.store() as st_:
        ids = [st_.create("rec", row).id for row in rows]
        bcol = t.table.c[t.field("b").column_name]
        nulls = [i for i, row in zip(ids, rows) if row["b"] is None]
        if nulls:
            st_.session.execute(update(t.table).where(t.table.c.id.in_(nulls)).values({bcol: None}))
    return ids


def assert_agree(core, trees):
    with core.store() as store:
        typedef = store.type("rec")
        records = store.list("rec", limit=1000).records
        for tree in trees:
            compiled = compile_filter(tree, typedef, store.ctx, CLOCK)
            if compiled is None:
                continue
            in_sql = {r.id for r in store.list("rec", filter=compiled, limit=1000).records}
            in_py = {r.id for r in records if compiled.matches(r.filter_values())}
            if in_sql != in_py:
                diff = sorted(in_sql ^ in_py)
                shown = {r.id: r.filter_values() for r in records if r.id in diff}
                pytest.fail(f"SQL and Python disagree on {tree}\nonly SQL: {sorted(in_sql - in_py)} "
                            f"only Python: {sorted(in_py - in_sql)}\nrecords: {shown}")


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(rows=st.lists(RECORD, min_size=1, max_size=12), trees=st.lists(TREE, min_size=1, max_size=8))
def test_sql_and_python_agree(world, rows, trees):
    replace_records(world, rows)
    assert_agree(world, trees)


def _every_value(name, op):
    """Every value of a condition's pool, for the exhaustive test."""
    arity = OPERATORS[op].arity
    if arity == "none":
        return [None]
    if arity == "days":
        return [0, 1, 30, 31]
    if name == "m" and op in ("eq", "in", "not_in"):
        return [[], ["x"], ["5_0", "500"], ["x", "y", "5_0", "500"]]
    pool = {"t": TEXTS, "n": [*NUMBERS, 3], "d": ["0.1", "12.35", "-3", "5"], "b": [True, False],
            "dt": DATES, "ts": [*DATETIMES, "2026-03-10"], "s": ["a", "b", "50%"], "m": ["x", "y", "5_0", "500"],
            "l": [*TARGETS, 999], "ml": [*TARGETS, 999], "r": [0, 1, 3, 5], "u": [*USERS, "@me"],
            "id": [1, 5, 9], "created_at": ["2020-01-01"]}[name]
    if name == "t" and op in ("contains", "not_contains", "starts_with"):
        pool = ["a", "AL", "%", "_", "\\", "' OR", "北京", "ä", "ss", "a_b", "0%"]
    if arity == "list":
        return [[], pool[:1], pool[1:4], pool]
    return pool


def test_every_operator_on_every_value(world):
    """Each (field, operator, value) alone and negated, on records holding every value of every pool."""
    rows = []
    for i in range(14):
        rows.append({k: (None if i == 0 else _nth(k, i)) for k in DATA})
    replace_records(world, rows)
    trees = []
    for name in [*DEFS, "id", "created_at"]:
        for op in operators(name):
            for v in _every_value(name, op):
                leaf = {"field": name, "op": op} if v is None and OPERATORS[op].arity == "none" else \
                    {"field": name, "op": op, "value": v}
                trees += [leaf, {"not": leaf}]
    assert len(trees) > 400
    assert_agree(world, trees)


def _nth(key, i):
    pools = {"t": TEXTS, "n": NUMBERS, "d": DECIMALS, "b": [True, False, None], "dt": DATES, "ts": DATETIMES,
             "s": ["a", "b", "50%"], "l": TARGETS, "r": [0, 1, 3, 5], "u": USERS}
    if key == "m":
        return [["x"], ["y", "5_0"], ["500"], ["x", "y", "5_0", "500"], []][i % 5]
    if key == "ml":
        return [[1], [2, 3], [], [1, 2, 3, 4]][i % 4]
    pool = pools[key]
    return pool[i % len(pool)]
