"""Each trigger, and conditions in the filter language plus changed / changed_to / changed_from."""
from __future__ import annotations

from .helpers import error, ok

MARK = {"do": "update_record", "values": {"note": {"formula": "{note} & 'x'"}}}


def notes(auto, rid):
    return auto.get("evaluation", rid)["fields"]["note"]


def test_record_created_with_condition(evaluation):
    auto = evaluation
    rule = auto.rule(type="evaluation", trigger={"on": "record_created"},
                     condition={"field": "total", "op": "gte", "value": 90}, actions=[MARK])
    high = auto.create("evaluation", period="p", total=95)
    low = auto.create("evaluation", period="p", total=10)
    assert notes(auto, high["id"]) == "x" and notes(auto, low["id"]) is None
    auto.update("evaluation", high["id"], total=96)  # an update is no creation
    assert notes(auto, high["id"]) == "x"
    assert [(r["record_id"], r["trigger"], r["status"]) for r in auto.runs(rule["id"])] == \
        [(high["id"], "record_created", "succeeded")]


def test_record_updated_only_when_named_fields_change(evaluation):
    auto = evaluation
    auto.rule(type="evaluation", trigger={"on": "record_updated", "fields": ["total"]}, actions=[MARK])
    ev = auto.create("evaluation", period="p", total=1)
    auto.update("evaluation", ev["id"], period="q")
    assert notes(auto, ev["id"]) is None
    auto.update("evaluation", ev["id"], total=1)  # the same value: no change
    assert notes(auto, ev["id"]) is None
    auto.update("evaluation", ev["id"], total=2)
    assert notes(auto, ev["id"]) == "x"


def test_record_updated_any_field_and_changed_to(evaluation):
    auto = evaluation
    auto.rule(type="evaluation", trigger={"on": "record_updated"},
              condition={"field": "status", "op": "changed_to", "value": "closed"}, actions=[MARK])
    ev = auto.create("evaluation", period="p", status="draft")
    auto.update("evaluation", ev["id"], period="q")
    assert notes(auto, ev["id"]) is None
    auto.update("evaluation", ev["id"], status="closed")
    assert notes(auto, ev["id"]) == "x"
    auto.update("evaluation", ev["id"], period="r")  # still closed, but it did not change to closed now
    assert notes(auto, ev["id"]) == "x"


def test_changed_and_changed_from_combine_with_filters(evaluation):
    auto = evaluation
    auto.rule(type="evaluation", trigger={"on": "record_updated"},
              condition={"and": [{"field": "status", "op": "changed_from", "value": "draft"},
                                 {"field": "total", "op": "gt", "value": 50}]}, actions=[MARK])
    auto.rule(type="evaluation", trigger={"on": "record_updated"},
              condition={"and": [{"not": {"field": "period", "op": "changed"}},
                                 {"field": "status", "op": "changed"}]},
              actions=[{"do": "update_record", "values": {"total": {"formula": "{total} + 1000"}}}])
    a = auto.create("evaluation", period="p", status="draft", total=60)
    b = auto.create("evaluation", period="p", status="draft", total=10)
    auto.update("evaluation", a["id"], status="confirmed")
    auto.update("evaluation", b["id"], status="confirmed")
    assert notes(auto, a["id"]) == "x" and notes(auto, b["id"]) is None
    assert auto.get("evaluation", a["id"])["fields"]["total"] == 1060  # the second rule fired (period unchanged)
    c = auto.create("evaluation", period="p", total=1, status="draft")
    auto.update("evaluation", c["id"], period="changed", status="closed")
    assert auto.get("evaluation", c["id"])["fields"]["total"] == 1


def test_record_matches_fires_on_the_transition_only(evaluation):
    auto = evaluation
    rule = auto.rule(type="evaluation", trigger={"on": "record_matches"},
                     condition={"field": "total", "op": "lt", "value": 60}, actions=[MARK])
    ev = auto.create("evaluation", period="p", total=80)
    assert notes(auto, ev["id"]) is None
    auto.update("evaluation", ev["id"], total=50)          # starts matching
    assert notes(auto, ev["id"]) == "x"
    auto.update("evaluation", ev["id"], total=40)          # still matching: no second firing
    auto.update("evaluation", ev["id"], period="other")
    assert notes(auto, ev["id"]) == "x"
    auto.update("evaluation", ev["id"], total=70)          # stops matching
    auto.update("evaluation", ev["id"], total=30)          # and starts again
    assert notes(auto, ev["id"]) == "xx"
    born = auto.create("evaluation", period="p", total=10)  # matching from its creation
    assert notes(auto, born["id"]) == "x"
    assert len(auto.runs(rule["id"])) == 3


def test_record_deleted_sees_the_values_it_had(evaluation, owner):
    auto = evaluation
    auto.rule(type="evaluation", trigger={"on": "record_deleted"},
              condition={"field": "status", "op": "eq", "value": "confirmed"},
              actions=[{"do": "notify", "users": ["owner@example.com"], "message": "{period} was deleted"}])
    keep = auto.create("evaluation", period="draft one", status="draft")
    gone = auto.create("evaluation", period="2026-10", status="confirmed")
    auto.delete("evaluation", keep["id"])
    auto.delete("evaluation", gone["id"])
    assert [n["message"] for n in auto.inbox()["notifications"]] == ["2026-10 was deleted"]


def test_button_runs_on_one_record(evaluation):
    auto = evaluation
    rule = auto.rule(type="evaluation", trigger={"on": "button", "label": "Escalate"},
                     condition={"field": "status", "op": "neq", "value": "closed"}, actions=[MARK])
    ev = auto.create("evaluation", period="p")
    auto.update("evaluation", ev["id"], total=3)  # a button rule never fires on events
    assert notes(auto, ev["id"]) is None
    run = ok(auto.api.post(f"/api/v1/rules/{rule['id']}/run", json={"record_id": ev["id"]}), 201)
    assert run["status"] == "succeeded" and run["record_id"] == ev["id"] and run["trigger"] == "button"
    assert run["steps"][0]["action"] == "update_record" and run["steps"][0]["result"]["changed"] == ["note"]
    assert notes(auto, ev["id"]) == "x"
    closed = auto.create("evaluation", period="p", status="closed")
    err = error(auto.api.post(f"/api/v1/rules/{rule['id']}/run", json={"record_id": closed["id"]}), 409)
    assert err["details"] == {"condition_matched": False}
    error(auto.api.post(f"/api/v1/rules/{rule['id']}/run", json={"record_id": 999}), 404)
    error(auto.api.post(f"/api/v1/rules/{rule['id']}/run", json={}), 422)
    error(auto.api.post("/api/v1/rules/999/run", json={"record_id": ev["id"]}), 404)


def test_dry_run_shows_what_would_happen_and_does_nothing(evaluation, owner):
    auto = evaluation
    rule = auto.rule(type="evaluation", trigger={"on": "button"},
                     actions=[MARK, {"do": "create_record", "type": "corrective_action", "link_back": "evaluation",
                                     "values": {"title": {"formula": "'Fix ' & {period}"}}},
                              {"do": "notify", "users": ["owner@example.com"], "message": "About {period}"},
                              {"do": "webhook", "url": "http://127.0.0.1:9/never"}])
    ev = auto.create("evaluation", period="2026-10")
    body = ok(auto.api.post(f"/api/v1/rules/{rule['id']}/run", json={"record_id": ev["id"], "dry_run": True}))
    assert body["dry_run"] is True and body["condition_matched"] is True
    steps = body["run"]["steps"]
    assert [s["action"] for s in steps] == ["update_record", "create_record", "notify", "webhook"]
    assert steps[1]["result"]["type"] == "corrective_action"
    assert steps[2]["result"] == {"notified": ["owner@example.com"]}
    assert steps[3]["status"] == "pending" and steps[3]["payload"]["url"] == "http://127.0.0.1:9/never"
    assert notes(auto, ev["id"]) is None and auto.list("corrective_action") == []
    assert auto.inbox()["notifications"] == [] and auto.steps() == [] and auto.runs(rule["id"]) == []


def test_a_write_that_fails_validation_runs_no_rule(evaluation):
    auto = evaluation
    auto.rule(type="evaluation", trigger={"on": "record_created"}, actions=[MARK])
    auto.rule(type="evaluation", trigger={"on": "record_updated", "fields": ["status"]}, actions=[MARK])
    error(auto.api.post("/api/v1/records/evaluation", json={"fields": {"total": "lots"}}), 422)
    ev = auto.create("evaluation", period="p")
    error(auto.update_resp("evaluation", ev["id"], status="no_such_choice"), 422)
    assert len(auto.all_runs()) == 1 and notes(auto, ev["id"]) == "x"


def test_disabled_rules_do_not_fire(evaluation):
    auto = evaluation
    rule = auto.rule(type="evaluation", trigger={"on": "record_created"}, actions=[MARK], enabled=False)
    ev = auto.create("evaluation", period="p")
    assert notes(auto, ev["id"]) is None
    ok(auto.api.patch(f"/api/v1/rules/{rule['id']}", json={"enabled": True}))
    ev = auto.create("evaluation", period="p")
    assert notes(auto, ev["id"]) == "x"


def test_a_dry_run_that_fails_reports_without_recording(evaluation):
    auto = evaluation
    rule = auto.rule(type="evaluation", trigger={"on": "button"},
                     actions=[{"do": "create_record", "type": "corrective_action",
                               "values": {"title": {"formula": "BLANK()"}}}])
    ev = auto.create("evaluation", period="p")
    err = error(auto.api.post(f"/api/v1/rules/{rule['id']}/run", json={"record_id": ev["id"], "dry_run": True}), 422)
    assert "title" in err["message"]
    assert auto.all_runs() == []
    err = error(auto.api.post(f"/api/v1/rules/{rule['id']}/run", json={"record_id": ev["id"]}), 422)
    assert [r.status for r in auto.all_runs()] == ["failed"]
