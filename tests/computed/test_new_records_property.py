"""Property test: a new record's own computed values, computed before its INSERT (storage/new_records.py),
are what the recompute engine gives from the stored row, whether the records come one by one
(``create``) or in a batch (``create_many``).

Two identical pairs of types (``grp_b``/``item_b`` written with ``create_many``, ``grp_s``/``item_s``
with ``create``) get the same random records. Checked:

- the stored rows of both pairs are the same (computed values, version), field by field;
- recomputing everything from the stored rows (a backfill) changes nothing: ``RECORD_ID()``, the
  autonumber, the creator, lookups of what the batch itself changes (a group's sum over its new items);
- each record's ``RecordCreated`` event carries its values as reading the record back gives them at
  that point (right after its create; after the whole batch for ``create_many``), and its history
  entry shows the values stored.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete, select

from recordbase.access.history import _create_changes
from recordbase.access.models import RecordHistory

ITEM_FORMULAS = {
    "prod": "{a} * {b}",
    "label": 'UPPER({t}) & "-" & ROUND({a}, 1)',
    "later": "DATEADD({d}, 3, 'days')",
    "tagged": 'IF(IS_BLANK({tags}), "none", "some")',
    "twice": "{price} * 2",
    "tag_code": '{code} & "/" & LOWER({author})',
    "rid": "RECORD_ID() * 10",
    "rid_plus": "{rid} + 1",
    "big": "AND({flag}, {a} > 1)",
}
#: fields whose value depends on the record's id (the two pairs' ids need not be the same)
BY_ID = {"rid", "rid_plus", "gid"}

numbers = st.one_of(st.none(), st.sampled_from([0, 1, 2, 3, -1, 0.5, 2.5, 1.25, 10]))
texts = st.one_of(st.none(), st.sampled_from(["", "a", "ab", "B", "x y", "Hi-3"]))
days = st.one_of(st.none(), st.integers(-5, 5).map(lambda n: (date(2025, 1, 1) + timedelta(days=n)).isoformat()))
items = st.lists(st.fixed_dictionaries({
    "a": numbers, "b": numbers, "t": texts, "d": days,
    "at": st.one_of(st.none(), st.sampled_from(["2025-03-01T10:00:00Z", "2025-03-02T23:30:15.25Z"])),
    "flag": st.one_of(st.none(), st.booleans()),
    "tags": st.one_of(st.none(), st.lists(st.sampled_from(["x", "y", "z"]), unique=True, max_size=3)),
    "price": st.one_of(st.none(), st.sampled_from(["1.25", "3", "0.10", "19.99"])),
    "grp": st.one_of(st.none(), st.integers(0, 2))}), max_size=10)


def _pair(svc, side: str) -> None:
    grp, item = f"grp_{side}", f"item_{side}"
    svc.create_type(grp, [{"name": "name", "label": "Name", "type": "text"}])
    svc.create_type(item, [
        {"name": "a", "label": "A", "type": "number"}, {"name": "b", "label": "B", "type": "number"},
        {"name": "t", "label": "T", "type": "text"}, {"name": "d", "label": "D", "type": "date"},
        {"name": "at", "label": "At", "type": "datetime"}, {"name": "flag", "label": "Flag", "type": "boolean"},
        {"name": "tags", "label": "Tags", "type": "multi_select", "options": {"choices": ["x", "y", "z"]}},
        {"name": "price", "label": "Price", "type": "currency"},
        {"name": "code", "label": "Code", "type": "autonumber", "options": {"pattern": "N-{000}"}},
        {"name": "author", "label": "Author", "type": "created_by"},
        {"name": "grp", "label": "Group", "type": "link", "options": {"target": grp}}])
    for name, expr in ITEM_FORMULAS.items():
        svc.add_field(item, {"name": name, "label": name, "type": "formula", "options": {"expression": expr}})
    svc.add_field(grp, {"name": "sum_a", "label": "Sum", "type": "rollup",
                        "options": {"link": f"{item}.grp", "target_field": "a", "function": "sum"}})
    svc.add_field(grp, {"name": "n", "label": "N", "type": "count", "options": {"link": f"{item}.grp"}})
    svc.add_field(grp, {"name": "band", "label": "Band", "type": "formula",
                        "options": {"expression": 'IF({sum_a} > 5, "big", "small")'}})
    svc.add_field(grp, {"name": "gid", "label": "Gid", "type": "formula", "options": {"expression": "RECORD_ID() + {n}"}})
    svc.add_field(item, {"name": "gname", "label": "Group name", "type": "lookup",
                         "options": {"link": "grp", "target_field": "name"}})
    svc.add_field(item, {"name": "gsum", "label": "Group sum", "type": "lookup",  # what the batch changes
                         "options": {"link": "grp", "target_field": "sum_a"}})
    svc.add_field(item, {"name": "gsum_next", "label": "Next", "type": "formula", "options": {"expression": "{gsum} + 1"}})


@pytest.fixture
def pairs(svc):
    _pair(svc, "b")
    _pair(svc, "s")
    return svc


def _values(st_, type_name: str) -> list[tuple[int, int, dict]]:
    return [(r.id, r.version, r.values) for r in st_.list(type_name, limit=1000).records]


def _created(st_, start: int) -> dict[tuple[str, int], dict]:
    return {(e.type_name, e.record_id): e.after for e in st_.events[start:] if e.action == "create"}


def _write(svc, side: str, groups: list[str], data: list[dict]) -> None:
    grp, item = f"grp_{side}", f"item_{side}"
    with svc.store() as st_:
        for name in (item, grp):
            st_.session.execute(delete(st_.type(name).table))
        mark = len(st_.events)
        if side == "b":
            gids = st_.create_many(grp, [{"name": g} for g in groups]).ids
            rows = [dict(row, grp=None if row["grp"] is None else gids[row["grp"] % len(gids)]) for row in data]
            for type_name in (grp, item):  # each event: the record as read back after its batch
                if type_name == item:
                    mark = len(st_.events)
                    made = st_.create_many(item, rows)
                    assert made.created == len(rows) and not made.errors
                events = _created(st_, mark)
                for rid, _version, values in _values(st_, type_name):
                    assert events[(type_name, rid)] == values, (type_name, rid)
        else:
            gids = []
            for g in groups:
                gids.append(st_.create(grp, {"name": g}).id)
                assert _created(st_, len(st_.events) - 1)[(grp, gids[-1])] == st_.get(grp, gids[-1]).values
            for row in data:
                record = st_.create(item, dict(row, grp=None if row["grp"] is None else gids[row["grp"] % len(gids)]))
                read = st_.get(item, record.id)
                assert record.values == read.values
                assert _created(st_, len(st_.events) - 1)[(item, record.id)] == read.values


def _comparable(rows: list[tuple[int, int, dict]]) -> list[tuple[int, dict]]:
    return [(version, {k: v for k, v in values.items() if k not in BY_ID and k != "grp"}) for _rid, version, values in rows]


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(groups=st.lists(st.sampled_from(["g", "H", "ü"]), min_size=1, max_size=3), data=items)
def test_new_records_store_what_the_engine_computes_one_by_one_or_in_a_batch(pairs, groups, data):
    svc = pairs
    _write(svc, "b", groups, data)
    _write(svc, "s", groups, data)
    with svc.store() as st_:
        stored = {side: {t: _values(st_, f"{t}_{side}") for t in ("grp", "item")} for side in ("b", "s")}
        for t in ("grp", "item"):
            assert _comparable(stored["b"][t]) == _comparable(stored["s"][t]), t
        for side in ("b", "s"):
            for rid, _version, values in stored[side]["item"]:
                assert values["rid"] == 10 * rid and values["rid_plus"] == 10 * rid + 1
            for rid, _version, values in stored[side]["grp"]:
                assert values["gid"] == rid + values["n"]
        engine = st_.recomputer
        for side in ("b", "s"):
            for t in ("grp", "item"):
                engine.backfill(f"{t}_{side}")
        assert engine.written == 0  # nothing stored differs from what recomputing the rows gives
        typedef = st_.type("item_b")
        history = {h.record_id: h.changes for h in st_.session.scalars(
            select(RecordHistory).where(RecordHistory.type_name == "item_b", RecordHistory.action == "create"))}
        for rid, _version, values in stored["b"]["item"]:
            assert history[rid] == json.loads(json.dumps(_create_changes(st_, typedef, values), default=str)), rid


def test_a_created_datetime_formula_keeps_what_the_row_keeps(svc):
    """A formula's datetime is stored to the millisecond (as every datetime value is): the value a
    create computes before its INSERT is the value read back, not the clock's microseconds."""
    svc.create_type("stamp", [{"name": "at", "label": "At", "type": "datetime"}])
    svc.add_field("stamp", {"name": "later", "label": "Later", "type": "formula",
                            "options": {"expression": "DATEADD({at}, 90, 'minutes')"}})
    with svc.store() as st_:
        one = st_.create("stamp", {"at": "2025-03-02T23:30:15.123456Z"})
        many = st_.create_many("stamp", [{"at": "2025-03-02T23:30:15.123456Z"}] * 3).ids
        for rid in [one.id, *many]:
            assert st_.get("stamp", rid).values["later"] == datetime(2025, 3, 3, 1, 0, 15, 123000)
        assert one.values == st_.get("stamp", one.id).values


def test_a_batch_whose_rule_writes_gives_each_event_the_values_of_that_moment(svc, owner):
    """A rule on create renames the project the batch's tasks look up. The events of the first 500
    tasks carry the name they had when the batch was written (its records are taken 500 at a time, as
    when they were read back after the INSERT), the later ones the name after the rule wrote it; every
    task stores the final name."""
    from recordbase.automation.rules import RuleService

    svc.create_type("proj", [{"name": "name", "label": "Name", "type": "text"}])
    svc.create_type("task", [{"name": "name", "label": "Name", "type": "text"},
                             {"name": "proj", "label": "Project", "type": "link", "options": {"target": "proj"}}])
    svc.add_field("task", {"name": "pname", "label": "Project name", "type": "lookup",
                           "options": {"link": "proj", "target_field": "name"}})
    svc.add_field("task", {"name": "label", "label": "Label", "type": "formula",
                           "options": {"expression": '{pname} & "/" & {name}'}})
    with svc.store() as st_:
        RuleService(st_.session, st_.schema).create(
            {"name": "rename", "type": "task", "enabled": True, "trigger": {"on": "record_created"},
             "condition": {"field": "name", "op": "eq", "value": "t0"},
             "actions": [{"do": "update_linked", "link": "proj", "values": {"name": "renamed"}}]}, owner.id)
    with svc.store() as st_:
        pid = st_.create("proj", {"name": "p"}).id
    with svc.store() as st_:
        mark = len(st_.events)
        ids = st_.create_many("task", [{"name": f"t{i}", "proj": pid} for i in range(600)]).ids
        events = _created(st_, mark)
        seen = [events[("task", rid)]["label"] for rid in ids]
        assert seen == [f"p/t{i}" for i in range(500)] + [f"renamed/t{i}" for i in range(500, 600)]
        assert all(r.values["label"] == f"renamed/{r.values['name']}" for r in st_.list("task", limit=1000).records)
