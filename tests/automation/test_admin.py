"""The admin side: the rule list and builder (with validation errors), run history with retry, a rule
run from a record's page (and its dry run), and the inbox with its unread count in the menu."""
from __future__ import annotations

import json
import re

from .helpers import ok
from support import csrf_token_from



ACTIONS = [{"do": "update_record", "values": {"status": "at_risk"}},
           {"do": "notify", "user_field": "owner", "message": "Score {total} for {period}"}]


def _csrf(client, url="/admin/rules/new/"):
    return csrf_token_from(client.get(url).get_data(as_text=True))


def builder_form(token, **over):
    form = {"csrf_token": token, "name": "Low score", "name_zh": "低分", "type": "evaluation", "enabled": "on",
            "on": "record_updated", "fields": "total", "match": "all",
            "cond_field": ["total", ""], "cond_op": ["lt", "eq"], "cond_value": ["60", ""],
            "condition_json": "", "actions_json": json.dumps(ACTIONS)}
    form.update(over)
    return form


def test_rule_builder_creates_a_working_rule(evaluation, admin_client, owner):
    auto = evaluation
    page = admin_client.get("/admin/rules/")
    assert page.status_code == 200 and "Automation rules" in page.get_data(as_text=True)
    resp = admin_client.post("/admin/rules/new/", data=builder_form(_csrf(admin_client)))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    [rule] = ok(auto.api.get("/api/v1/rules"))["rules"]
    assert rule["trigger"] == {"on": "record_updated", "fields": ["total"]}
    assert rule["condition"] == {"field": "total", "op": "lt", "value": 60} and rule["actions"] == ACTIONS
    assert rule["name_zh"] == "低分" and rule["enabled"] is True
    listing = admin_client.get("/admin/rules/").get_data(as_text=True)
    assert "Low score" in listing and "When a record is changed: Total" in listing  # (in words)
    assert "Update this record" in listing and "Notify users" in listing
    # the edit page gives the condition to the condition builder (its tree in the builder's textarea)
    edit = admin_client.get(f"/admin/rules/{rule['id']}/edit/").get_data(as_text=True)
    assert 'name="condition_json"' in edit and "&#34;value&#34;: 60" in edit
    # it works, and the inbox in the menu counts the notification
    ev = auto.create("evaluation", period="2026-10", total=90, owner="owner@example.com")
    auto.update("evaluation", ev["id"], total=40)
    home = admin_client.get("/admin/rules/").get_data(as_text=True)
    assert "Inbox (1)" in home
    inbox = admin_client.get("/admin/inbox/").get_data(as_text=True)
    assert "Score 40 for 2026-10" in inbox and "rb-unread-item" in inbox
    admin_client.post("/admin/inbox/read/", data={"csrf_token": csrf_token_from(inbox)})
    assert "Inbox (1)" not in admin_client.get("/admin/inbox/").get_data(as_text=True)
    # toggle off
    admin_client.post(f"/admin/rules/{rule['id']}/toggle/", data={"csrf_token": _csrf(admin_client)})
    assert ok(auto.api.get(f"/api/v1/rules/{rule['id']}"))["enabled"] is False


def test_builder_shows_validation_errors_with_paths(evaluation, admin_client):
    form = builder_form(_csrf(admin_client), cond_field=["nope"], cond_op=["eq"], cond_value=["1"],
                        actions_json=json.dumps([{"do": "update_record", "values": {"status": "bogus"}}]))
    resp = admin_client.post("/admin/rules/new/", data=form)
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "The rule was not saved" in text
    assert "$.condition.field" in text and "$.actions[0].values.status" in text
    resp = admin_client.post("/admin/rules/new/", data=builder_form(_csrf(admin_client), actions_json="[nope"))
    assert "not valid JSON" in resp.get_data(as_text=True)
    assert ok(evaluation.api.get("/api/v1/rules"))["rules"] == []


def test_run_history_retry_and_the_record_page(evaluation, admin_client, hook):
    auto = evaluation
    rule = auto.rule(name="Escalate", type="evaluation", trigger={"on": "button", "label": "Escalate now"},
                     actions=[{"do": "update_record", "values": {"status": "at_risk"}},
                              {"do": "webhook", "url": hook.url, "max_attempts": 1}])
    ev = auto.create("evaluation", period="p", total=10)
    details = admin_client.get(f"/admin/records/evaluation/details/?id={ev['id']}").get_data(as_text=True)
    assert "Escalate now" in details and "rb-record-automation" in details
    token = csrf_token_from(details)
    # a test run changes nothing
    dry = admin_client.post(f"/admin/rules/{rule['id']}/run/", data={"csrf_token": token, "record_id": ev["id"],
                                                                     "dry_run": "1"})
    assert dry.status_code == 200 and "Nothing was changed" in dry.get_data(as_text=True)
    assert auto.get("evaluation", ev["id"])["fields"]["status"] is None
    # the button runs it
    resp = admin_client.post(f"/admin/rules/{rule['id']}/run/", data={"csrf_token": token, "record_id": ev["id"]})
    assert resp.status_code == 302
    assert auto.get("evaluation", ev["id"])["fields"]["status"] == "at_risk"
    hook.fail_next = 1
    auto.work()
    runs = admin_client.get(f"/admin/rules/{rule['id']}/runs/").get_data(as_text=True)
    assert "rb-run-failed" in runs and "HTTP 503" in runs and "rb-retry" in runs
    [run_id] = re.findall(r'/admin/rules/runs/(\d+)/retry/', runs)
    admin_client.post(f"/admin/rules/runs/{run_id}/retry/", data={"csrf_token": csrf_token_from(runs)})
    auto.work()
    assert len(hook.delivered) == 1
    history = admin_client.get("/admin/rules/runs/", query_string={"type": "evaluation", "record_id": ev["id"],
                                                                    "status": "succeeded"}).get_data(as_text=True)
    assert "rb-run-succeeded" in history and "rb-run-failed" not in history
    details = admin_client.get(f"/admin/records/evaluation/details/?id={ev['id']}").get_data(as_text=True)
    assert "rb-record-runs" in details
