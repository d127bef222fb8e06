"""The run history says what every step did, in words, in the page's language: fields set with their
labels and values shown as the record pages show them, the record created by its title, who was
notified by name, the webhook's status code, the error of a failed step; times in the instance's zone.
The step's result JSON stays behind a "details" disclosure."""
from __future__ import annotations

import re

from .helpers import ok


def _steps(html: str) -> list[str]:
    """The text of each step's sentence on the page (tags dropped)."""
    return [re.sub(r"<[^>]+>", "", s).strip() for s in re.findall(r'<div class="rb-step-words">(.*?)</div>', html, re.S)]


def test_run_history_in_words_in_both_languages(evaluation, admin_client, owner, hook, switch_language):
    auto = evaluation
    rule = auto.rule(name="Low score", type="evaluation", trigger={"on": "record_created"},
                     actions=[{"do": "update_record", "values": {"status": "at_risk", "note": "check the kitchen"}},
                              {"do": "create_record", "type": "corrective_action", "link_back": "evaluation",
                               "values": {"title": {"formula": "\"Improve \" & {period}"}}},
                              {"do": "notify", "user_field": "owner", "message": "Score {total}"},
                              {"do": "webhook", "url": hook.url, "max_attempts": 1}])
    ev = auto.create("evaluation", period="2026-10", total=40, owner="owner@example.com")
    hook.status = 202
    auto.work()
    [run] = auto.runs(rule["id"])
    assert run["steps"][0]["result"]["values"] == {"note": "check the kitchen", "status": "at_risk"}
    [ca] = auto.list("corrective_action")

    html = admin_client.get(f"/admin/rules/{rule['id']}/runs/").get_data(as_text=True)
    said = _steps(html)
    assert said[0] == "Set Note → check the kitchen, Status → at_risk on 2026-10"
    assert said[1] == "Created Corrective Action Improve 2026-10"
    assert said[2] == "Notified Owner"
    assert said[3] == f"Called {hook.url}: HTTP 202"
    assert f'href="/admin/records/corrective_action/details/?id={ca["id"]}"' in html
    assert f'href="/admin/records/evaluation/details/?id={ev["id"]}"' in html
    assert "<details" in html and "\"changed\": [" in html  # the JSON, for experts, one click away
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d (UTC|CST|[A-Z]{3,4}|UTC[+-]\d\d:\d\d)", html)  # with its zone

    switch_language(admin_client, "zh")
    html = admin_client.get(f"/admin/rules/{rule['id']}/runs/").get_data(as_text=True)
    said = _steps(html)
    assert said == ["在 2026-10 上设置 Note → check the kitchen, Status → at_risk", "已新建Corrective Action Improve 2026-10",
                    "已通知 Owner", f"已调用 {hook.url}：HTTP 202"]
    assert "更新本记录" in html and "调用 Webhook" in html


def test_a_failed_step_says_why_and_an_unchanged_record_says_so(evaluation, admin_client, hook):
    auto = evaluation
    rule = auto.rule(name="Same", type="evaluation", trigger={"on": "record_created"},
                     actions=[{"do": "update_record", "values": {"status": "draft"}},
                              {"do": "webhook", "url": hook.url, "max_attempts": 1}])
    hook.status = 404
    auto.create("evaluation", period="q1", total=1, status="draft")
    auto.work()
    html = admin_client.get(f"/admin/rules/{rule['id']}/runs/").get_data(as_text=True)
    said = _steps(html)
    assert said[0] == "Nothing to change on q1: the values were already set"
    assert said[1] == f"Could not call {hook.url} Failed: HTTP 404 from {hook.url}"


def test_the_test_run_page_says_what_would_happen(evaluation, admin_client):
    auto = evaluation
    rule = auto.rule(name="Escalate", type="evaluation", trigger={"on": "button", "label": "Escalate"},
                     actions=[{"do": "update_record", "values": {"status": "at_risk"}}])
    ev = auto.create("evaluation", period="p", total=10)
    details = admin_client.get(f"/admin/records/evaluation/details/?id={ev['id']}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', details).group(1)
    dry = admin_client.post(f"/admin/rules/{rule['id']}/run/", data={"csrf_token": token, "record_id": ev["id"],
                                                                     "dry_run": "1"}).get_data(as_text=True)
    assert _steps(dry) == ["Set Status → at_risk on p"]
    assert ok(auto.api.get(f"/api/v1/records/evaluation/{ev['id']}"))["fields"]["status"] is None


def test_a_step_never_shows_a_hidden_fields_value():
    from recordbase.automation.visibility import AutomationAccess

    class Reader:
        def hidden(self, type_name):
            return frozenset({"salary"}) if type_name == "staff" else frozenset()

    access = AutomationAccess.__new__(AutomationAccess)
    access.reader = Reader()
    shown = access._result({"type": "staff", "id": 1, "changed": ["salary", "title"],
                            "values": {"salary": 9000, "title": "Lead"}})
    assert shown == {"type": "staff", "id": 1, "changed": ["title"], "values": {"title": "Lead"}}
    linked = access._result({"updated": [{"type": "staff", "id": 2, "changed": ["salary"], "values": {"salary": 1}}]})
    assert linked == {"updated": [{"type": "staff", "id": 2, "changed": [], "values": {}}]}
