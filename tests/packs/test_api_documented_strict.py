"""The document checks of test_api_documented.py are not trivially true: a wrong answer is refused."""
from __future__ import annotations

import copy

import jsonschema

from .packdata import mini_pack
from .test_api_documented import _checker, _ok, _response_schema


def _refused(check, schema, value) -> bool:
    try:
        check(schema, value)
    except jsonschema.ValidationError:
        return True
    return False


def test_wrong_answers_are_refused(api):
    installed = _ok(api.post("/api/v1/packs/install", {"manifest": mini_pack(), "sample_data": True}), 201)
    doc = _ok(api.get("/api/v1/openapi.json"))
    check = _checker(doc)
    report = _response_schema(doc, "/api/v1/packs/install", "post", "201")
    check(report, installed)
    for mutate in (lambda r: r.update(mode="sideways"), lambda r: r.pop("created"),
                   lambda r: r["created"].update(types="company"), lambda r: r["records"].update(deal="two")):
        bad = copy.deepcopy(installed)
        mutate(bad)
        assert _refused(check, report, bad), bad
    packs = _ok(api.get("/api/v1/packs"))
    listing = _response_schema(doc, "/api/v1/packs", "get", "200")
    check(listing, packs)
    bad = copy.deepcopy(packs)
    first = bad[next(iter(bad))] if isinstance(bad, dict) else bad[0]
    if isinstance(first, list):
        first = first[0]
    first["sample_data"] = "yes"
    assert _refused(check, listing, bad)
    runs = _ok(api.get("/api/v1/runs"))
    schema = _response_schema(doc, "/api/v1/runs", "get", "200")
    assert runs["runs"]
    bad = copy.deepcopy(runs)
    bad["runs"][0]["status"] = 3
    assert _refused(check, schema, bad)
    bad = copy.deepcopy(runs)
    bad["runs"][0]["steps"] = [{"position": "first"}]
    assert _refused(check, schema, bad)
    rules = _ok(api.get("/api/v1/rules"))
    schema = _response_schema(doc, "/api/v1/rules", "get", "200")
    bad = copy.deepcopy(rules)
    bad["rules"][0]["enabled"] = "on"
    assert _refused(check, schema, bad)


def test_a_webhook_step_being_delivered_and_a_dry_run_match_the_document(api, sessions):
    from recordbase.automation.models import RuleStep

    _ok(api.post("/api/v1/packs/install", {"manifest": mini_pack()}), 201)
    rule = _ok(api.post("/api/v1/rules", {"name": "Hook", "type": "deal", "trigger": {"on": "record_created"},
                                          "actions": [{"do": "webhook", "url": "http://127.0.0.1:9/hook",
                                                       "secret": "s"}]}), 201)
    deal = _ok(api.post("/api/v1/records/deal", {"fields": {"title": "D"}}), 201)
    doc = _ok(api.get("/api/v1/openapi.json"))
    check = _checker(doc)
    dry = _ok(api.post(f"/api/v1/rules/{rule['id']}/run", {"record_id": deal["id"], "dry_run": True}))
    check(_response_schema(doc, "/api/v1/rules/{rule_id}/run", "post", "200"), dry)
    [run] = _ok(api.get(f"/api/v1/rules/{rule['id']}/runs"))["runs"]
    with sessions.begin() as s:  # what a worker's claim leaves while it delivers
        step = s.get(RuleStep, run["steps"][0]["id"])
        step.status = "running"
    answer = _ok(api.get(f"/api/v1/runs/{run['id']}"))
    assert answer["steps"][0]["status"] == "running"
    check(_response_schema(doc, "/api/v1/runs/{run_id}", "get", "200"), answer)
