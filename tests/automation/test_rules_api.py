"""Rules over the API: the §9 JSON shape round-trips; bad rules are refused with a 4xx naming the path."""
from __future__ import annotations

import pytest

from recordbase.auth import create_token, create_user

from .helpers import error, ok

LOW_SCORE = {"name": "Low score opens a corrective action", "name_zh": "低分自动整改", "type": "evaluation",
             "enabled": True,
             "trigger": {"on": "record_updated", "fields": ["total"]},
             "condition": {"field": "total", "op": "lt", "value": 60},
             "actions": [
                 {"do": "update_record", "values": {"status": "at_risk"}},
                 {"do": "create_record", "type": "corrective_action",
                  "values": {"title": {"formula": "\"Improve \" & {period}"},
                             "evaluation": {"formula": "RECORD_ID()"}}},
                 {"do": "notify", "user_field": "owner", "message": "Score {total} for {period}",
                  "message_zh": "{period} 得分 {total}"},
                 {"do": "webhook", "url": "https://example.com/hook", "secret": "s3cret"}]}


def test_rule_round_trip(evaluation):
    api = evaluation.api
    created = ok(api.post("/api/v1/rules", json=LOW_SCORE), 201)
    shown = {**LOW_SCORE, "actions": LOW_SCORE["actions"][:3] + [
        {"do": "webhook", "url": "https://example.com/hook", "has_secret": True}]}  # the secret is write-only
    for key, value in shown.items():
        assert created[key] == value, key
    assert "s3cret" not in str(created)
    assert isinstance(created["id"], int)
    listed = ok(api.get("/api/v1/rules"))["rules"]
    assert [r["id"] for r in listed] == [created["id"]]
    assert ok(api.get("/api/v1/rules", query_string={"type": "corrective_action"}))["rules"] == []
    assert ok(api.get(f"/api/v1/rules/{created['id']}")) == created
    patched = ok(api.patch(f"/api/v1/rules/{created['id']}", json={"enabled": False, "name": "Renamed"}))
    assert patched["enabled"] is False and patched["name"] == "Renamed" and patched["actions"] == shown["actions"]
    # a client may send back what it read
    again = ok(api.patch(f"/api/v1/rules/{created['id']}", json=patched))
    assert again["name"] == "Renamed" and again["actions"][3] == shown["actions"][3]  # the secret was kept
    ok(api.delete(f"/api/v1/rules/{created['id']}"))
    error(api.get(f"/api/v1/rules/{created['id']}"), 404)
    error(api.delete(f"/api/v1/rules/{created['id']}"), 404)


def _bad(evaluation, path: str, **changes):
    rule = {**LOW_SCORE, **changes}
    err = error(evaluation.api.post("/api/v1/rules", json=rule), 422)
    paths = [p["path"] for p in err["details"]["errors"]]
    assert path in paths, err
    assert path in err["message"] or err["details"]["path"] in err["message"], err
    return err


@pytest.mark.parametrize("changes, path", [
    ({"trigger": {"on": "whenever"}}, "$.trigger.on"),
    ({"trigger": {"on": "record_updated", "fields": ["nope"]}}, "$.trigger.fields[0]"),
    ({"trigger": {"on": "schedule", "cron": "61 * * * *"}}, "$.trigger.cron"),
    ({"trigger": {"on": "schedule", "cron": "0 9 * * 1", "timezone": "Mars/Olympus"}}, "$.trigger.timezone"),
    ({"trigger": {"on": "date_relative", "date_field": "period", "offset_days": -30}}, "$.trigger.date_field"),
    ({"trigger": {"on": "record_created", "extra": 1}}, "$.trigger"),
    ({"condition": {"field": "nope", "op": "eq", "value": 1}}, "$.condition.field"),
    ({"condition": {"and": [{"field": "total", "op": "lt", "value": 60}, {"field": "total", "op": "contains",
                                                                           "value": "x"}]}}, "$.condition.and[1].op"),
    ({"trigger": {"on": "record_created"}, "condition": {"field": "status", "op": "changed"}}, "$.condition.op"),
    ({"trigger": {"on": "record_matches"}, "condition": None}, "$.condition"),
    ({"type": "nope"}, "$.type"),
    ({"actions": []}, "$.actions"),
    ({"actions": [{"do": "explode"}]}, "$.actions[0].do"),
    ({"actions": [{"do": "update_record", "values": {"nope": 1}}]}, "$.actions[0].values.nope"),
    ({"actions": [{"do": "update_record", "values": {"status": "unheard_of"}}]}, "$.actions[0].values.status"),
    ({"actions": [{"do": "update_record", "values": {"total": {"formula": "{period} & 'x'"}}}]},
     "$.actions[0].values.total.formula"),
    ({"actions": [{"do": "update_record", "values": {"total": {"formula": "{nope} + 1"}}}]},
     "$.actions[0].values.total.formula"),
    ({"actions": [{"do": "create_record", "type": "nope", "values": {}}]}, "$.actions[0].type"),
    ({"actions": [{"do": "create_record", "type": "corrective_action", "values": {"due_date": "2026-01-01"}}]},
     "$.actions[0].values"),
    ({"actions": [{"do": "update_linked", "link": "nope", "values": {"title": "x"}}]}, "$.actions[0].link"),
    ({"actions": [{"do": "notify", "users": ["a@example.com"], "message": "Hi {Nobody}"}]}, "$.actions[0].message"),
    ({"actions": [{"do": "notify", "user_field": "period", "message": "Hi"}]}, "$.actions[0].user_field"),
    ({"actions": [{"do": "notify", "message": "Hi"}]}, "$.actions[0]"),
    ({"actions": [{"do": "webhook", "url": "ftp://example.com"}]}, "$.actions[0].url"),
    ({"actions": [{"do": "assign", "field": "period", "user": "owner@example.com"}]}, "$.actions[0].field"),
    ({"trigger": {"on": "record_deleted"}, "actions": [{"do": "update_record", "values": {"total": 1}}]},
     "$.actions[0].do"),
])
def test_bad_rules_are_refused_naming_the_path(evaluation, changes, path):
    _bad(evaluation, path, **changes)
    assert ok(evaluation.api.get("/api/v1/rules"))["rules"] == []


def test_not_json_and_not_an_object(evaluation):
    api = evaluation.api
    error(api.post("/api/v1/rules", data="{nope", headers={"Content-Type": "application/json"}), 400)
    err = error(api.post("/api/v1/rules", json={"name": "x"}), 422)
    assert err["details"]["path"] == "$"


def test_patch_is_validated_too(evaluation):
    api = evaluation.api
    rule = ok(api.post("/api/v1/rules", json=LOW_SCORE), 201)
    err = error(api.patch(f"/api/v1/rules/{rule['id']}", json={"condition": {"field": "x", "op": "eq", "value": 1}}), 422)
    assert err["details"]["path"] == "$.condition.field"
    assert ok(api.get(f"/api/v1/rules/{rule['id']}"))["condition"] == LOW_SCORE["condition"]


def test_only_owners_and_builders_change_rules(evaluation, app, sessions):
    with sessions.begin() as s:
        user = create_user(s, "editor@example.com", "another good password", role="editor")
        token = create_token(s, user)
    editor = type(evaluation.api)(app.test_client(), token)
    error(editor.post("/api/v1/rules", json=LOW_SCORE), 403)
    rule = ok(evaluation.api.post("/api/v1/rules", json=LOW_SCORE), 201)
    # rules are not an editor's matter at all (they used to be readable by anyone signed in)
    error(editor.get(f"/api/v1/rules/{rule['id']}"), 403)
    error(editor.patch(f"/api/v1/rules/{rule['id']}", json={"enabled": False}), 403)
    error(editor.delete(f"/api/v1/rules/{rule['id']}"), 403)
    error(type(evaluation.api)(app.test_client(), None).get("/api/v1/rules"), 401)


def test_deleting_a_rule_removes_its_runs_and_pending_steps(evaluation, owner):
    auto = evaluation
    rule = auto.rule(type="evaluation", trigger={"on": "record_created"},
                     actions=[{"do": "notify", "users": ["owner@example.com"], "message": "new {period}"},
                              {"do": "webhook", "url": "http://127.0.0.1:9/x"}])
    auto.create("evaluation", period="p")
    assert len(auto.all_runs()) == 1 and len(auto.steps()) == 2
    ok(auto.api.delete(f"/api/v1/rules/{rule['id']}"))
    assert auto.all_runs() == [] and auto.steps() == []
    [n] = auto.inbox()["notifications"]  # the notification stays in the inbox
    assert n["message"] == "new p" and n["rule_id"] is None
    assert auto.work()["steps"] == {}
