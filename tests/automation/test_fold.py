"""Merged "update a field" rules folded into the user's own UPDATE (``RuleEngine.fold_update``): each case
runs folded, merged (a second write, folding off) and one by one (merging off) and must give the same
record values, version, runs and steps, computed fields (here and through links) and final history."""
from __future__ import annotations

import pytest

from recordbase.automation import merge
from recordbase.automation.merge import UpdateGroup

from .helpers import error, ok
from .test_merge_semantics import rule  # the same 'update_record' rule on type ev

FIELDS = [
    {"name": "total", "label": "Total", "type": "number"},
    {"name": "status", "label": "Status", "type": "single_select",
     "options": {"choices": ["draft", "at_risk", "confirmed", "closed"]}},
    {"name": "note", "label": "Note", "type": "text"},
    {"name": "flag", "label": "Flag", "type": "text"},
]


@pytest.fixture(params=["folded", "merged", "one_by_one"])
def mode(request, monkeypatch):
    folds = []
    real = merge.fold_group

    def spy(*args, **kwargs):
        group = real(*args, **kwargs)
        folds.append(group is not None)
        return group

    if request.param == "folded":
        monkeypatch.setattr(merge, "fold_group", spy)
    elif request.param == "merged":
        monkeypatch.setattr(merge, "fold_group", lambda *a, **k: folds.append(False))
    else:
        monkeypatch.setattr(merge, "fold_group", lambda *a, **k: folds.append(False))
        monkeypatch.setattr(UpdateGroup, "try_add", lambda self, rule, trigger: False)
    return request.param, folds


@pytest.fixture
def ev(auto, mode):
    auto.make_type("ev", FIELDS)
    auto.api.post("/api/v1/types/ev/fields", json={"name": "summary", "label": "Summary", "type": "formula",
                                                   "options": {"expression": "{note} & '/' & {flag}"}})
    auto.mode, auto.folds = mode
    return auto


def history(auto, rid):
    return ok(auto.api.get(f"/api/v1/records/ev/{rid}/history"))["history"]


def final_changes(entries):
    """The history's update entries composed: field -> (first old value, last new value)."""
    out = {}
    for e in entries:
        if e["action"] != "update":
            continue
        for k, (old, new) in e["changes"].items():
            out[k] = (out[k][0] if k in out else old, new)
    return out


def test_folded_rules_give_the_merged_outcome(ev):
    auto = ev
    a = rule(auto, "A", {"note": {"formula": "'total ' & {total}"}})
    b = rule(auto, "B", {"flag": {"formula": "{note} & '!'"}})  # sees what A set
    c = rule(auto, "C", {"status": "at_risk"}, condition={"field": "total", "op": "lt", "value": 60})
    d = rule(auto, "D", {"status": "confirmed"}, condition={"field": "total", "op": "gte", "value": 60})
    rec = auto.create("ev", total=80)
    done = auto.update("ev", rec["id"], total=50)
    if auto.mode == "folded":
        assert auto.folds[-1] is True, "the rules' values joined the user's write"
    expected = {"total": 50, "note": "total 50", "flag": "total 50!", "status": "at_risk",
                "summary": "total 50/total 50!"}
    assert {k: done["fields"][k] for k in expected} == expected
    stored = auto.get("ev", rec["id"])
    assert {k: stored["fields"][k] for k in expected} == expected
    assert (done["version"], stored["version"]) == ((3, 3) if auto.mode != "one_by_one" else (5, 5))
    for r, values in ((a, {"note": "total 50"}), (b, {"flag": "total 50!"}), (c, {"status": "at_risk"})):
        [run] = auto.runs(r["id"])
        assert (run["status"], run["depth"], run["trigger"]) == ("succeeded", 1, "record_updated")
        assert [s["result"] for s in run["steps"]] == [{"type": "ev", "id": rec["id"], "changed": list(values),
                                                        "values": values}]
    assert auto.runs(d["id"]) == []
    changes = final_changes(history(auto, rec["id"]))
    assert {k: changes[k] for k in ("total", "note", "flag", "status")} == {
        "total": (80, 50), "note": (None, "total 50"), "flag": (None, "total 50!"),
        "status": (None, "at_risk")}
    # a second write folds again; a write the rules do not fire on runs none of them
    auto.update("ev", rec["id"], total=40)
    assert auto.get("ev", rec["id"])["fields"]["note"] == "total 40"
    assert [len(auto.runs(r["id"])) for r in (a, b, c)] == [2, 2, 2]
    auto.update("ev", rec["id"], flag="x")
    assert [len(auto.runs(r["id"])) for r in (a, b, c)] == [2, 2, 2]


def test_a_rule_that_sets_nothing_new_folds_without_a_second_version(ev):
    auto = ev
    r = rule(auto, "Same", {"status": "draft"})
    rec = auto.create("ev", total=1, status="draft")
    assert auto.update("ev", rec["id"], total=2)["version"] == 2
    [run] = auto.runs(r["id"])
    assert run["steps"][0]["result"]["changed"] == []


def test_a_rule_the_folded_values_would_trigger_still_cascades(ev):
    auto = ev
    a = rule(auto, "Sets note", {"note": {"formula": "'total ' & {total}"}})
    b = rule(auto, "Note changed", {"status": "confirmed"}, fields=("note",))
    rec = auto.create("ev", total=1)
    done = auto.update("ev", rec["id"], total=2)
    assert auto.folds == [] or auto.folds[-1] is False, "not folded: the rules' write must be its own event"
    assert (done["fields"]["note"], done["fields"]["status"]) == ("total 2", "confirmed")
    [run_a], [run_b] = auto.runs(a["id"]), auto.runs(b["id"])
    assert (run_a["depth"], run_b["depth"]) == (1, 2)


def test_a_rule_reading_what_an_earlier_one_set_is_not_folded_and_does_not_fire(ev):
    auto = ev
    rule(auto, "Close", {"status": "closed"})
    late = rule(auto, "Only drafts", {"flag": "seen"}, condition={"field": "status", "op": "eq", "value": "draft"})
    rec = auto.create("ev", total=1, status="draft")
    done = auto.update("ev", rec["id"], total=2)
    assert (done["fields"]["status"], done["fields"]["flag"]) == ("closed", None)
    assert auto.runs(late["id"]) == []
    assert not any(auto.folds)


def test_a_user_write_of_the_same_field_is_overridden_by_the_rule(ev):
    auto = ev
    rule(auto, "Note", {"note": {"formula": "'t' & {total}"}})
    rec = auto.create("ev", total=1)
    done = auto.update("ev", rec["id"], total=2, note="mine")
    assert done["fields"]["note"] == auto.get("ev", rec["id"])["fields"]["note"] == "t2"


def test_a_failing_rule_fails_the_write_and_is_recorded(ev):
    auto = ev
    rule(auto, "Fine", {"note": "checked"})
    bad = rule(auto, "Bad", {"status": {"formula": "'nope ' & {note}"}})
    rec = auto.create("ev", total=1)
    err = error(auto.update_resp("ev", rec["id"], total=2), 422)
    assert err["details"]["rule"]["id"] == bad["id"]
    now = auto.get("ev", rec["id"])
    assert (now["fields"]["total"], now["fields"]["note"], now["version"]) == (1, None, 1)
    assert [r["status"] for r in auto.runs(bad["id"])] == ["failed"]


def test_a_rollup_over_folded_values_is_recomputed(ev):
    auto = ev
    ok(auto.api.post("/api/v1/types", json={"name": "box", "label": "Box"}), 201)
    ok(auto.api.post("/api/v1/types/ev/fields", json={"name": "box", "label": "Box", "type": "link",
                                                      "options": {"target": "box"}}), 201)
    ok(auto.api.post("/api/v1/types/ev/fields", json={"name": "double", "label": "Double", "type": "number"}), 201)
    ok(auto.api.post("/api/v1/types/box/fields", json={
        "name": "sum", "label": "Sum", "type": "rollup",
        "options": {"link": "ev.box", "target_field": "double", "function": "sum"}}), 201)
    rule(auto, "Double", {"double": {"formula": "{total} * 2"}})
    box = auto.create("box")
    rec = auto.create("ev", total=1, box=box["id"])
    auto.update("ev", rec["id"], total=5)
    if auto.mode == "folded":
        assert auto.folds[-1] is True
    assert auto.get("ev", rec["id"])["fields"]["double"] == 10
    assert auto.get("box", box["id"])["fields"]["sum"] == 10
