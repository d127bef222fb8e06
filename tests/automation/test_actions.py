"""Each action: update_record, create_record (formulas, link back), update_linked, notify (inbox,
e-mail outbox step), assign."""
from __future__ import annotations

from datetime import date, timedelta

from recordbase.auth import create_user

from .helpers import ok


def test_update_record_with_formulas(evaluation):
    auto = evaluation
    auto.rule(type="evaluation", trigger={"on": "record_created"},
              actions=[{"do": "update_record", "values": {"note": {"formula": "UPPER({period}) & ' #' & RECORD_ID()"},
                                                          "status": "confirmed"}},
                       {"do": "update_record", "values": {"total": {"formula": "LEN({note})"}}}])
    ev = auto.create("evaluation", period="q3")
    fields = auto.get("evaluation", ev["id"])["fields"]
    assert fields["note"] == f"Q3 #{ev['id']}" and fields["status"] == "confirmed"
    assert fields["total"] == len(fields["note"])  # the second action sees the first one's result


def test_create_record_links_back_with_formula_values(evaluation, owner):
    auto = evaluation
    rule = auto.rule(type="evaluation", trigger={"on": "record_matches"},
                     condition={"field": "total", "op": "lt", "value": 60},
                     actions=[{"do": "create_record", "type": "corrective_action",
                               "values": {"title": {"formula": "\"Improve \" & {period}"},
                                          "evaluation": {"formula": "RECORD_ID()"},
                                          "owner": {"formula": "{owner}"},
                                          "due_date": {"formula": "DATEADD(TODAY(), 7, 'days')"}}}])
    ev = auto.create("evaluation", period="2026-10", total=50, owner="owner@example.com")
    [ca] = auto.list("corrective_action")
    assert ca["fields"] == {"title": "Improve 2026-10", "evaluation": ev["id"], "owner": "owner@example.com",
                            "due_date": (date.today() + timedelta(days=7)).isoformat()}
    [run] = auto.runs(rule["id"])
    assert run["steps"][0]["result"] == {"type": "corrective_action", "id": ca["id"]}
    backlinks = auto.get("evaluation", ev["id"])["backlinks"]
    assert {"type": "corrective_action", "field": "evaluation", "ids": [ca["id"]]} in backlinks


def test_update_linked_forward_and_reverse(auto):
    auto.make_type("supplier", [{"name": "name", "label": "Name", "type": "text"},
                                {"name": "status", "label": "Status", "type": "single_select",
                                 "options": {"choices": ["approved", "under_review"]}},
                                {"name": "last_grade", "label": "Last grade", "type": "text"}])
    auto.make_type("evaluation", [{"name": "grade", "label": "Grade", "type": "text"},
                                  {"name": "supplier", "label": "Supplier", "type": "link",
                                   "options": {"target": "supplier"}}])
    auto.make_type("contract", [{"name": "title", "label": "Title", "type": "text"},
                                {"name": "suppliers", "label": "Suppliers", "type": "link",
                                 "options": {"target": "supplier", "many": True}},
                                {"name": "flag", "label": "Flag", "type": "text"}])
    auto.rule(type="evaluation", trigger={"on": "record_matches"},
              condition={"field": "grade", "op": "eq", "value": "D"},
              actions=[{"do": "update_linked", "link": "supplier",
                        "values": {"status": "under_review", "last_grade": {"formula": "{grade}"}}}])
    auto.rule(type="supplier", trigger={"on": "record_updated", "fields": ["status"]},
              condition={"field": "status", "op": "eq", "value": "under_review"},
              actions=[{"do": "update_linked", "link": "contract.suppliers",
                        "values": {"flag": {"formula": "'review ' & {name}"}}}])
    acme = auto.create("supplier", name="Acme", status="approved")
    other = auto.create("supplier", name="Other", status="approved")
    c1 = auto.create("contract", title="c1", suppliers=[acme["id"], other["id"]])
    c2 = auto.create("contract", title="c2", suppliers=[other["id"]])
    auto.create("evaluation", grade="B", supplier=acme["id"])
    assert auto.get("supplier", acme["id"])["fields"]["status"] == "approved"
    auto.create("evaluation", grade="D", supplier=acme["id"])
    fields = auto.get("supplier", acme["id"])["fields"]
    assert (fields["status"], fields["last_grade"]) == ("under_review", "D")
    assert auto.get("supplier", other["id"])["fields"]["status"] == "approved"
    # the cascade: supplier under review flags its contracts (the reverse side of contract.suppliers)
    assert auto.get("contract", c1["id"])["fields"]["flag"] == "review Acme"
    assert auto.get("contract", c2["id"])["fields"]["flag"] is None


def test_notify_users_and_user_field_in_both_languages(evaluation, owner, sessions):
    auto = evaluation
    with sessions.begin() as s:
        create_user(s, "zhang@example.com", "another good password", role="editor", locale="zh")
    rule = auto.rule(type="evaluation", trigger={"on": "record_created"},
                     actions=[{"do": "notify", "users": ["zhang@example.com", "ghost@example.com"], "user_field": "owner",
                               "message": "Score {total} for {Period} ({status})",
                               "message_zh": "{期间} 得分 {total}"}])
    ev = auto.create("evaluation", period="2026-10", total=55.5, owner="owner@example.com", status="at_risk")
    inbox = auto.inbox()
    assert inbox["unread"] == 1
    [n] = inbox["notifications"]
    assert n["message"] == "Score 55.5 for 2026-10 (at_risk)" and n["message_zh"] == "2026-10 得分 55.5"
    assert (n["type"], n["record_id"], n["rule_id"], n["read"]) == ("evaluation", ev["id"], rule["id"], False)
    rows = auto.notifications()
    assert len(rows) == 2  # the owner and zhang; the unknown address is reported in the step
    [run] = auto.runs(rule["id"])
    assert run["steps"][0]["result"] == {"notified": ["zhang@example.com", "owner@example.com"],
                                         "not_found": ["ghost@example.com"]}
    # no SMTP configured: no e-mail steps
    assert [s["action"] for s in run["steps"]] == ["notify"]
    # mark read
    read = ok(auto.api.post(f"/api/v1/notifications/{n['id']}/read"))
    assert read["read"] is True and read["unread"] == 0
    assert auto.inbox(unread=1)["notifications"] == []
    ok(auto.api.patch(f"/api/v1/notifications/{n['id']}", json={"read": False}))
    assert auto.inbox()["unread"] == 1
    assert ok(auto.api.post("/api/v1/notifications/read"))["unread"] == 0


def test_notify_writes_an_email_step_when_smtp_is_configured(evaluation, owner, monkeypatch):
    monkeypatch.setenv("RECORDBASE_SMTP_HOST", "127.0.0.1")
    auto = evaluation
    rule = auto.rule(type="evaluation", trigger={"on": "record_created"},
                     actions=[{"do": "notify", "user_field": "owner", "message": "Score {total}",
                               "subject": "Evaluation {period}"}])
    auto.create("evaluation", period="2026-10", total=5, owner="owner@example.com")
    [run] = auto.runs(rule["id"])
    assert run["status"] == "pending"
    email = run["steps"][1]
    assert (email["action"], email["kind"], email["status"]) == ("email", "external", "pending")
    assert email["payload"] == {"to": "owner@example.com", "subject": "Evaluation 2026-10", "body": "Score 5"}


def test_assign_sets_the_user_and_tells_them(evaluation, owner, sessions):
    auto = evaluation
    with sessions.begin() as s:
        create_user(s, "lead@example.com", "another good password", role="editor")
    auto.rule(type="evaluation", trigger={"on": "record_matches"},
              condition={"field": "total", "op": "lt", "value": 60},
              actions=[{"do": "assign", "field": "owner", "user": "lead@example.com"}])
    auto.rule(type="evaluation", trigger={"on": "record_created"},
              condition={"field": "period", "op": "eq", "value": "mine"},
              actions=[{"do": "assign", "field": "owner", "user": "@actor", "notify": False}])
    ev = auto.create("evaluation", period="p", total=10)
    assert auto.get("evaluation", ev["id"])["fields"]["owner"] == "lead@example.com"
    lead = [n for n in auto.notifications() if n.record_id == ev["id"]]
    assert len(lead) == 1 and "assigned" in lead[0].message
    mine = auto.create("evaluation", period="mine", total=99)
    assert auto.get("evaluation", mine["id"])["fields"]["owner"] == "owner@example.com"
    assert auto.inbox()["notifications"] == []
