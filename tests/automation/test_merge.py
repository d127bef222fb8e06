"""Several "update a field" rules fired by one write are written with one update (deliverable 10), with the
same outcome as one by one: each sees the values set before it, each has its run and step, a rule that a
merged write would trigger still fires as a cascade, and a failing rule fails the write as before."""
from __future__ import annotations

from .helpers import error


def update_rule(auto, name: str, values: dict, fields=("total",), **extra) -> dict:
    return auto.rule(name=name, type="evaluation", trigger={"on": "record_updated", "fields": list(fields)},
                     actions=[{"do": "update_record", "values": values}], **extra)


def test_rules_updating_fields_are_merged_into_one_write(evaluation):
    auto = evaluation
    a = update_rule(auto, "A", {"note": {"formula": "'total ' & {total}"}})
    b = update_rule(auto, "B", {"period": {"formula": "{note} & '!'"}})  # sees what A set
    c = update_rule(auto, "C", {"status": "at_risk"}, condition={"field": "total", "op": "lt", "value": 60})
    d = update_rule(auto, "D", {"status": "confirmed"}, condition={"field": "total", "op": "gte", "value": 60})
    ev = auto.create("evaluation", period="q1", total=80)
    done = auto.update("evaluation", ev["id"], total=50)
    assert done["fields"] == {**done["fields"], "note": "total 50", "period": "total 50!", "status": "at_risk"}
    assert done["version"] == 3  # the user's write and one write for the three rules (not one each)
    for rule, values in ((a, {"note": "total 50"}), (b, {"period": "total 50!"}), (c, {"status": "at_risk"})):
        [run] = auto.runs(rule["id"])
        assert run["status"] == "succeeded" and run["depth"] == 1 and run["trigger"] == "record_updated"
        [step] = run["steps"]
        assert step["result"] == {"type": "evaluation", "id": ev["id"], "changed": list(values), "values": values}
    assert auto.runs(d["id"]) == []
    # a write that changes nothing of theirs runs none of them
    auto.update("evaluation", ev["id"], owner=None, note="x")
    assert [len(auto.runs(r["id"])) for r in (a, b, c)] == [1, 1, 1]


def test_a_value_equal_to_the_current_one_is_not_written(evaluation):
    auto = evaluation
    rule = update_rule(auto, "Same", {"status": "draft"})
    ev = auto.create("evaluation", period="q1", total=80, status="draft")
    assert auto.update("evaluation", ev["id"], total=70)["version"] == 2
    [run] = auto.runs(rule["id"])
    assert run["steps"][0]["result"]["changed"] == []


def test_a_rule_the_merged_write_would_trigger_still_fires_as_a_cascade(evaluation):
    auto = evaluation
    a = update_rule(auto, "Sets note", {"note": {"formula": "'total ' & {total}"}})
    b = update_rule(auto, "Note changed", {"status": "confirmed"}, fields=("note",))
    ev = auto.create("evaluation", period="q1", total=80)
    done = auto.update("evaluation", ev["id"], total=50)
    assert (done["fields"]["note"], done["fields"]["status"]) == ("total 50", "confirmed")
    [run_a] = auto.runs(a["id"])
    [run_b] = auto.runs(b["id"])
    assert run_a["depth"] == 1 and run_b["depth"] == 2
    assert [c["rule"] for c in run_b["chain"]] == ["Sets note", "Note changed"]


def test_a_failing_rule_after_merged_ones_fails_the_write(evaluation):
    auto = evaluation
    update_rule(auto, "Fine", {"note": "checked"})
    bad = update_rule(auto, "Bad choice", {"status": {"formula": "'no such ' & {period}"}})
    ev = auto.create("evaluation", period="q1", total=80)
    err = error(auto.update_resp("evaluation", ev["id"], total=50), 422)
    assert "Bad choice" in err["message"] and err["details"]["rule"]["id"] == bad["id"]
    record = auto.get("evaluation", ev["id"])
    assert (record["fields"]["total"], record["fields"]["note"], record["version"]) == (80, None, 1)
    [run] = auto.runs(bad["id"])
    assert run["status"] == "failed"
