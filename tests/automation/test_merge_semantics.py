"""Merged "update a field" rules (automation/merge.py) behave as the same rules fired one by one: each case
runs with merging on and with it off (``UpdateGroup.try_add`` refusing every rule) and must give the same
records and runs, and the semantics of issue 4 deliverable 5."""
from __future__ import annotations

import pytest

from recordbase.automation.merge import UpdateGroup

from .helpers import error

FIELDS = [
    {"name": "total", "label": "Total", "type": "number"},
    {"name": "ratio", "label": "Ratio", "type": "number", "options": {"precision": 2}},
    {"name": "status", "label": "Status", "type": "single_select",
     "options": {"choices": ["draft", "at_risk", "confirmed", "closed"]}},
    {"name": "note", "label": "Note", "type": "text"},
    {"name": "flag", "label": "Flag", "type": "text"},
]


@pytest.fixture(params=["merged", "one_by_one"])
def mode(request, monkeypatch):
    if request.param == "one_by_one":
        monkeypatch.setattr(UpdateGroup, "try_add", lambda self, rule, trigger: False)
    return request.param


@pytest.fixture
def ev(auto, mode):
    auto.make_type("ev", FIELDS)
    return auto


def rule(auto, name, values, on="record_updated", fields=("total",), **extra):
    trigger = {"on": on}
    if on == "record_updated" and fields:
        trigger["fields"] = list(fields)
    return auto.rule(name=name, type="ev", trigger=trigger, actions=[{"do": "update_record", "values": values}],
                     **extra)


def test_a_rule_whose_condition_an_earlier_rule_made_false_does_not_fire(ev):
    auto = ev
    rule(auto, "Close", {"status": "closed"})
    late = rule(auto, "Only drafts", {"flag": "draft seen"}, condition={"field": "status", "op": "eq", "value": "draft"})
    rec = auto.create("ev", total=1, status="draft")
    done = auto.update("ev", rec["id"], total=2)
    assert done["fields"]["status"] == "closed"
    assert done["fields"]["flag"] is None, "the condition no longer held when the rule's turn came"
    assert auto.runs(late["id"]) == []


def test_on_create_a_rule_whose_condition_an_earlier_rule_made_false_does_not_fire(ev):
    auto = ev
    rule(auto, "Close", {"status": "closed"}, on="record_created")
    late = rule(auto, "Only drafts", {"flag": "draft seen"}, on="record_created",
                condition={"field": "status", "op": "eq", "value": "draft"})
    rec = auto.create("ev", total=1, status="draft")
    assert (rec["fields"]["status"], rec["fields"]["flag"]) == ("closed", None)
    assert auto.runs(late["id"]) == []


def test_a_later_rule_sees_an_earlier_rules_number_as_stored(ev):
    auto = ev
    rule(auto, "Ratio", {"ratio": {"formula": "{total} / 3"}})
    rule(auto, "Note", {"note": {"formula": "'r=' & {ratio}"}})
    rec = auto.create("ev", total=1)
    done = auto.update("ev", rec["id"], total=2)
    stored = auto.get("ev", rec["id"])["fields"]
    assert done["fields"]["note"] == f"r={stored['ratio']}" or done["fields"]["note"] == "r=0.67", done["fields"]


def test_changed_to_conditions_and_runs(ev):
    auto = ev
    a = rule(auto, "A", {"note": "a"}, fields=(), condition={"field": "total", "op": "changed_to", "value": 5})
    b = rule(auto, "B", {"flag": {"formula": "{note} & 'b'"}}, fields=("total",),
             condition={"field": "total", "op": "changed"})
    rec = auto.create("ev", total=1)
    done = auto.update("ev", rec["id"], total=5)
    assert (done["fields"]["note"], done["fields"]["flag"]) == ("a", "ab")
    for r, changed in ((a, ["note"]), (b, ["flag"])):
        runs = auto.runs(r["id"])
        assert [x["status"] for x in runs] == ["succeeded"], runs
        assert runs[0]["steps"][0]["result"]["changed"] == changed


def test_failure_of_a_later_rule_leaves_nothing_half_written(ev):
    auto = ev
    rule(auto, "Fine", {"note": "checked"})
    rule(auto, "Bad", {"status": {"formula": "'nope ' & {note}"}})
    rec = auto.create("ev", total=1)
    error(auto.update_resp("ev", rec["id"], total=2), 422)
    now = auto.get("ev", rec["id"])
    assert (now["fields"]["total"], now["fields"]["note"], now["version"]) == (1, None, 1)
