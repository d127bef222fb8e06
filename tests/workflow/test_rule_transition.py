"""The automation builder's "start a transition" action: the page offers the chosen type's workflow
transitions by their labels (in the page's language), and the server refuses a transition the workflow
does not have (or a type without a workflow), with the problem at the action's input."""
from __future__ import annotations

import json
import re

from .helpers import error, ok


def _types(html: str) -> dict:
    m = re.search(r'data-types="([^"]*)"', html)
    return json.loads(m.group(1).replace("&#34;", '"').replace("&quot;", '"').replace("&#39;", "'")
                      .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


def test_the_builder_offers_the_workflow_transitions(flow, admin_client, switch_language):
    ok(flow.api.post("/api/v1/types", json={"name": "memo", "label": "Memo"}), 201)
    html = admin_client.get("/admin/rules/new/?type=contract").get_data(as_text=True)
    types = _types(html)
    assert types["contract"]["transitions"] == [["submit", "Submit"], ["withdraw", "Withdraw"],
                                                ["terminate", "Terminate"]]
    assert types["memo"]["transitions"] == []  # no workflow: the builder says so
    actions = json.loads(re.search(r'data-actions="([^"]*)"', html).group(1).replace("&#34;", '"'))
    assert {"name": "transition", "label": "Transition", "kind": "transition", "required": True} in \
        actions["transition"]["inputs"]
    switch_language(admin_client, "zh")
    types = _types(admin_client.get("/admin/rules/new/?type=contract").get_data(as_text=True))
    assert types["contract"]["transitions"][0] == ["submit", "提交"]


def test_an_unknown_transition_is_refused_on_save(flow, api, admin_client):
    rule = {"name": "Auto submit", "type": "contract", "trigger": {"on": "record_created"},
            "actions": [{"do": "transition", "transition": "publish"}]}
    problem = error(api.post("/api/v1/rules", json=rule), 422)
    [p] = problem["details"]["errors"]
    assert p["path"] == "$.actions[0].transition"
    assert "no transition “publish”" in p["message"] and "Submit, Withdraw, Terminate" in p["message"]
    ok(api.post("/api/v1/types", json={"name": "memo", "label": "Memo"}), 201)
    problem = error(api.post("/api/v1/rules", json={**rule, "type": "memo"}), 422)
    assert problem["details"]["errors"][0]["message"] == "Memo has no workflow: there is no transition to start"
    # the builder shows it beside the action (the page hands the problems to the actions builder)
    page = admin_client.get("/admin/rules/new/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    resp = admin_client.post("/admin/rules/new/", data={
        "csrf_token": token, "name": "Auto submit", "type": "contract", "enabled": "on", "on": "record_created",
        "match": "all", "condition_json": "", "actions_json": json.dumps(rule["actions"])})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "The rule was not saved" in text and "$.actions[0].transition" in text
    assert re.search(r'data-errors="[^"]*actions\[0\]\.transition', text)
    # a transition the workflow has is saved
    ok(api.post("/api/v1/rules", json={**rule, "actions": [{"do": "transition", "transition": "submit"}]}), 201)
