"""Formula fields over the REST API: the issue's acceptance for a single record type."""
from __future__ import annotations

import pytest

from .helpers import error, ok

RISK_FIELDS = [
    {"name": "title", "label": "Title", "type": "text"},
    {"name": "likelihood", "label": "Likelihood", "label_zh": "可能性", "type": "number"},
    {"name": "impact", "label": "Impact", "label_zh": "影响", "type": "number"},
]
LEVEL = 'IF({score} >= 15, "high", IF({score} >= 8, "medium", "low"))'


@pytest.fixture
def risk(rest):
    rest.make_type("risk", RISK_FIELDS)
    rest.add_field("risk", {"name": "score", "label": "Score", "type": "formula",
                            "options": {"expression": "{likelihood} * {impact}"}})
    rest.add_field("risk", {"name": "level", "label": "Level", "type": "formula", "options": {"expression": LEVEL}})
    return rest


def test_product_and_level(risk):
    f = risk.field("risk", "score")
    assert f["read_only"] is True
    assert f["options"]["result_type"] == "number" and f["options"]["depends_on"] == ["impact", "likelihood"]
    assert risk.field("risk", "level")["options"]["result_type"] == "text"
    r = risk.create("risk", title="Flood", likelihood=3, impact=4)
    assert r["fields"]["score"] == 12 and r["fields"]["level"] == "medium"
    r = risk.update("risk", r["id"], impact=5)
    assert r["fields"]["score"] == 15 and r["fields"]["level"] == "high"
    r = risk.update("risk", r["id"], likelihood=None)
    assert r["fields"]["score"] == 0 and r["fields"]["level"] == "low"  # blank counts as 0 in arithmetic
    assert risk.values("risk", r["id"])["score"] == 0
    # a write of an unrelated field keeps the computed values
    r = risk.update("risk", r["id"], title="Flood 2")
    assert r["fields"]["score"] == 0 and r["fields"]["level"] == "low"


def test_formula_by_label_is_stored_with_api_names(risk):
    f = risk.add_field("risk", {"name": "half", "label": "Half", "type": "formula",
                                "options": {"expression": "{Likelihood} / 2"}})
    assert f["options"]["expression"] == "{likelihood} / 2"
    zh = risk.add_field("risk", {"name": "double", "label": "Double", "type": "formula",
                                 "options": {"expression": "{影响} * 2"}})
    assert zh["options"]["expression"] == "{impact} * 2"
    r = risk.create("risk", likelihood=3, impact=4)
    assert r["fields"]["half"] == 1.5 and r["fields"]["double"] == 8


def test_division_by_zero_is_empty_and_the_record_saves(risk):
    risk.add_field("risk", {"name": "ratio", "label": "Ratio", "type": "formula",
                            "options": {"expression": "{likelihood} / {impact}"}})
    r = risk.create("risk", title="x", likelihood=3, impact=0)
    assert r["fields"]["ratio"] is None and r["fields"]["score"] == 0
    r = risk.update("risk", r["id"], impact=2)
    assert r["fields"]["ratio"] == 1.5
    r = risk.update("risk", r["id"], impact=0)
    assert r["fields"]["ratio"] is None


@pytest.mark.parametrize("expression, words", [
    ("{nosuch} + 1", ["nosuch"]),
    ("IF(1)", ["IF"]),
    ("1 +", ["end"]),
    ("NOSUCHFN(1)", ["NOSUCHFN"]),
    ("{title} * 2", ["title"]),
])
def test_bad_formulas_are_refused_naming_the_problem(risk, expression, words):
    before = risk.field_names("risk")
    err = error(risk.api.post("/api/v1/types/risk/fields", json={
        "name": "bad", "label": "Bad", "type": "formula", "options": {"expression": expression}}), 422)
    for w in words:
        assert w.lower() in err["message"].lower(), err
    assert "column" in err["message"], err
    assert risk.field_names("risk") == before
    error(risk.api.get("/api/v1/types/risk/fields/bad"), 404)


def test_two_field_cycle_is_refused_and_nothing_is_created(risk):
    risk.add_field("risk", {"name": "a", "label": "A", "type": "formula", "options": {"expression": "{likelihood} + 1"}})
    risk.add_field("risk", {"name": "b", "label": "B", "type": "formula", "options": {"expression": "{a} + 1"}})
    r = risk.create("risk", likelihood=1)
    err = error(risk.api.patch("/api/v1/types/risk/fields/a", json={"options": {"expression": "{b} + 1"}}))
    assert "cycle" in err["message"].lower() and "risk.a" in err["message"] and "risk.b" in err["message"], err
    # the refused change left everything as it was
    assert risk.field("risk", "a")["options"]["expression"] == "{likelihood} + 1"
    assert risk.values("risk", r["id"])["b"] == 3
    # a formula that refers to itself is refused too
    err = error(risk.api.post("/api/v1/types/risk/fields", json={
        "name": "me", "label": "Me", "type": "formula", "options": {"expression": "{me} + 1"}}))
    assert "me" in err["message"], err
    assert "me" not in risk.field_names("risk")


def test_cycle_through_a_rollup_and_a_lookup_is_refused(rest):
    rest.make_type("parent", [{"name": "name", "label": "Name", "type": "text"}])
    rest.make_type("child", [{"name": "x", "label": "X", "type": "number"},
                             {"name": "parent", "label": "Parent", "type": "link", "options": {"target": "parent"}}])
    rest.add_field("parent", {"name": "total", "label": "Total", "type": "rollup",
                              "options": {"link": "child.parent", "target_field": "x", "function": "sum"}})
    rest.add_field("child", {"name": "ptotal", "label": "Parent total", "type": "lookup",
                             "options": {"link": "parent", "target_field": "total"}})
    rest.add_field("child", {"name": "y", "label": "Y", "type": "formula", "options": {"expression": "{ptotal} + 1"}})
    # total sums y, which reads ptotal, which looks up total: refused
    err = error(rest.api.patch("/api/v1/types/parent/fields/total", json={
        "options": {"link": "child.parent", "target_field": "y", "function": "sum"}}))
    assert "cycle" in err["message"].lower(), err
    assert rest.field("parent", "total")["options"]["target_field"] == "x"


def test_computed_fields_are_read_only_in_the_api(risk):
    err = error(risk.api.post("/api/v1/records/risk", json={"fields": {"likelihood": 1, "score": 99}}), 422)
    assert "score" in err["message"] or "score" in (err.get("details") or {}), err
    r = risk.create("risk", likelihood=2, impact=2)
    err = error(risk.api.patch(f"/api/v1/records/risk/{r['id']}", json={"fields": {"level": "low"},
                                                                        "version": r["version"]}), 422)
    assert "level" in err["message"] or "level" in (err.get("details") or {}), err
    assert risk.values("risk", r["id"])["score"] == 4
    assert [x["id"] for x in risk.list("risk")] == [r["id"]]


def test_relabelling_a_referenced_field_keeps_the_formula_working(risk):
    risk.add_field("risk", {"name": "by_label", "label": "By label", "type": "formula",
                            "options": {"expression": "{Likelihood} + {Impact}"}})
    ok(risk.api.patch("/api/v1/types/risk/fields/likelihood", json={"label": "Probability", "label_zh": "概率"}))
    r = risk.create("risk", likelihood=2, impact=5)
    assert r["fields"]["by_label"] == 7 and r["fields"]["score"] == 10
    assert risk.field("risk", "by_label")["options"]["expression"] == "{likelihood} + {impact}"
    # the new label works in new formulas, the old one is gone
    risk.add_field("risk", {"name": "p2", "label": "P2", "type": "formula", "options": {"expression": "{Probability} * 2"}})
    assert risk.values("risk", r["id"])["p2"] == 4
    err = error(risk.api.post("/api/v1/types/risk/fields", json={
        "name": "p3", "label": "P3", "type": "formula", "options": {"expression": "{Likelihood} * 3"}}))
    assert "Likelihood" in err["message"]


def test_deleting_a_field_used_by_a_formula_is_refused(risk):
    err = error(risk.api.delete("/api/v1/types/risk/fields/impact"), 409)
    assert "risk.score" in err["message"], err
    err = error(risk.api.delete("/api/v1/types/risk/fields/score"), 409)  # level reads score
    assert "risk.level" in err["message"], err
    assert "impact" in risk.field_names("risk") and "score" in risk.field_names("risk")
    # once nothing reads it, it can go
    ok(risk.api.delete("/api/v1/types/risk/fields/level"))
    ok(risk.api.delete("/api/v1/types/risk/fields/score"))
    ok(risk.api.delete("/api/v1/types/risk/fields/impact"))


def test_changing_a_referenced_fields_type_so_the_formula_breaks_is_refused(risk):
    r = risk.create("risk", title="t", likelihood=2, impact=3)
    err = error(risk.api.patch("/api/v1/types/risk/fields/impact", json={"type": "text"}))
    assert "risk.score" in err["message"], err
    assert risk.field("risk", "impact")["type"] == "number"
    assert risk.values("risk", r["id"])["impact"] == 3 and risk.values("risk", r["id"])["score"] == 6
    # a change the formula survives is allowed, and the values are recomputed
    ok(risk.api.patch("/api/v1/types/risk/fields/impact", json={"type": "decimal", "options": {"precision": 1}}))
    assert risk.values("risk", r["id"])["score"] == 6
    r2 = risk.create("risk", likelihood=2, impact=1.5)
    assert risk.values("risk", r2["id"])["score"] == 3


def test_changing_a_formula_recomputes_every_record(risk):
    ids = [risk.create("risk", likelihood=i, impact=2)["id"] for i in range(1, 6)]
    ok(risk.api.patch("/api/v1/types/risk/fields/score", json={"options": {"expression": "{likelihood} + {impact}"}}))
    assert [risk.values("risk", i)["score"] for i in ids] == [3, 4, 5, 6, 7]
    assert [risk.values("risk", i)["level"] for i in ids] == ["low"] * 5
    # result type change: number -> text
    ok(risk.api.patch("/api/v1/types/risk/fields/level", json={"options": {"expression": "LEN({title}) > 2"}}))
    assert risk.field("risk", "level")["options"]["result_type"] == "boolean"
    assert risk.values("risk", ids[0])["level"] is False


def test_adding_a_formula_fills_existing_records_and_restoring_it_refills(risk):
    r = risk.create("risk", likelihood=2, impact=3)
    risk.add_field("risk", {"name": "plus", "label": "Plus", "type": "formula",
                            "options": {"expression": "{likelihood} + {impact}"}})
    assert risk.values("risk", r["id"])["plus"] == 5
    ok(risk.api.delete("/api/v1/types/risk/fields/plus"))
    risk.update("risk", r["id"], impact=10)
    ok(risk.api.post("/api/v1/types/risk/fields/plus/restore"))
    assert risk.values("risk", r["id"])["plus"] == 12


def test_functions_and_result_types_end_to_end(rest):
    rest.make_type("contract", [
        {"name": "name", "label": "Name", "type": "text"},
        {"name": "start", "label": "Start", "type": "date"},
        {"name": "end", "label": "End", "type": "date"},
        {"name": "active", "label": "Active", "type": "boolean"},
        {"name": "status", "label": "Status", "type": "single_select", "options": {"choices": ["draft", "signed"]}},
        {"name": "owner", "label": "Owner", "type": "user"},
    ])
    for name, expr in [("days", "DATETIME_DIFF({end}, {start}, 'days')"),
                       ("renewal", "DATEADD({end}, 1, 'months')"),
                       ("code", 'UPPER(LEFT({name}, 3)) & "-" & RECORD_ID()'),
                       ("live", 'AND({active}, {status} = "signed")'),
                       ("who", "LOWER({owner})")]:
        rest.add_field("contract", {"name": name, "label": name.title(), "type": "formula",
                                    "options": {"expression": expr}})
    types = {n: rest.field("contract", n)["options"]["result_type"] for n in ("days", "renewal", "code", "live", "who")}
    assert types == {"days": "number", "renewal": "date", "code": "text", "live": "boolean", "who": "text"}
    r = rest.create("contract", name="acme supply", start="2025-01-31", end="2025-03-02", active=True,
                    status="signed", owner="owner@example.com")
    v = r["fields"]
    assert v["days"] == 30 and v["renewal"] == "2025-04-02" and v["code"] == f"ACM-{r['id']}"
    assert v["live"] is True and v["who"] == "owner@example.com"
    v = rest.update("contract", r["id"], status="draft", end=None)["fields"]
    assert v["live"] is False and v["days"] is None and v["renewal"] is None


def test_changing_a_type_under_a_rollup_or_a_formulas_result_type_is_refused(rest):
    rest.make_type("proj", [{"name": "name", "label": "Name", "type": "text"}])
    rest.make_type("task", [{"name": "hours", "label": "Hours", "type": "number"},
                            {"name": "code", "label": "Code", "type": "number"},
                            {"name": "proj", "label": "Project", "type": "link", "options": {"target": "proj"}}])
    rest.add_field("proj", {"name": "total", "label": "Total", "type": "rollup",
                            "options": {"link": "task.proj", "target_field": "hours", "function": "sum"}})
    rest.add_field("task", {"name": "same", "label": "Same", "type": "formula", "options": {"expression": "{code}"}})
    p = rest.create("proj", name="P")["id"]
    t = rest.create("task", hours=3, code=5, proj=p)["id"]
    err = error(rest.api.patch("/api/v1/types/task/fields/hours", json={"type": "text"}), 422)
    assert "proj.total" in err["message"] and "sum" in err["message"], err
    err = error(rest.api.patch("/api/v1/types/task/fields/code", json={"type": "text"}), 422)
    assert "task.same" in err["message"] and "number to text" in err["message"], err
    assert rest.field("task", "hours")["type"] == "number" and rest.field("task", "code")["type"] == "number"
    assert rest.values("proj", p)["total"] == 3 and rest.values("task", t)["same"] == 5
    # the link a rollup aggregates through cannot be deleted either
    err = error(rest.api.delete("/api/v1/types/task/fields/proj"), 409)
    assert "proj.total" in err["message"], err


def test_backfill_and_writes_use_the_instance_time_zone(app, rest):
    app.config["TIMEZONE"] = "Asia/Shanghai"
    rest.make_type("shift", [{"name": "at", "label": "At", "type": "datetime"}])
    s1 = rest.create("shift", at="2025-01-01T20:30:00Z")["id"]
    # backfilled when the field is added, computed on write afterwards: the same zone
    rest.add_field("shift", {"name": "local", "label": "Local", "type": "formula",
                             "options": {"expression": 'DATETIME_FORMAT({at}, "YYYY-MM-DD HH:mm")'}})
    assert rest.values("shift", s1)["local"] == "2025-01-02 04:30"
    s2 = rest.create("shift", at="2025-01-01T20:30:00Z")["id"]
    assert rest.values("shift", s2)["local"] == "2025-01-02 04:30"


def test_formulas_over_last_modified_fields_follow_every_update(app, rest, sessions):
    from recordbase.auth import create_token, create_user

    from .helpers import Rest

    with sessions.begin() as s:
        other = create_user(s, "editor@example.com", "correct horse battery", role="editor")
        token = create_token(s, other, name="editor")
    rest.make_type("note", [{"name": "body", "label": "Body", "type": "text"},
                            {"name": "editor", "label": "Last modified by", "type": "updated_by"},
                            {"name": "author", "label": "Created by", "type": "created_by"}])
    rest.add_field("note", {"name": "who", "label": "Who", "type": "formula",
                            "options": {"expression": 'LOWER({editor}) & " / " & {author}'}})
    n = rest.create("note", body="x")["id"]
    assert rest.values("note", n)["who"] == "owner@example.com / owner@example.com"
    other_api = Rest(type(rest.api)(app.test_client(), token))  # the API client, as the other user
    other_api.update("note", n, body="y")
    assert rest.values("note", n)["who"] == "editor@example.com / owner@example.com"


def test_a_parents_latest_activity_follows_child_updates(rest):
    rest.make_type("board", [{"name": "name", "label": "Name", "type": "text"}])
    rest.make_type("card", [{"name": "title", "label": "Title", "type": "text"},
                            {"name": "modified", "label": "Modified", "type": "updated_at"},
                            {"name": "board", "label": "Board", "type": "link", "options": {"target": "board"}}])
    rest.add_field("board", {"name": "last_activity", "label": "Last activity", "type": "rollup",
                             "options": {"link": "card.board", "target_field": "modified", "function": "latest"}})
    b = rest.create("board", name="B")["id"]
    c1 = rest.create("card", title="one", board=b)
    c2 = rest.create("card", title="two", board=b)
    ms = lambda iso: iso[:23]  # datetime fields keep milliseconds; system times keep microseconds  # noqa: E731
    assert ms(rest.values("board", b)["last_activity"]) == ms(c2["fields"]["modified"])
    c1 = rest.update("card", c1["id"], title="one!")
    assert c1["fields"]["modified"] > c2["fields"]["modified"]
    assert ms(rest.values("board", b)["last_activity"]) == ms(c1["fields"]["modified"])


def test_a_type_created_with_its_formulas_in_one_request(rest):
    fields = [{"name": "price", "label": "Unit price", "type": "decimal", "options": {"precision": 2}},
              {"name": "qty", "label": "Quantity", "type": "number"},
              {"name": "total", "label": "Total", "type": "formula", "options": {"expression": "{Unit price} * {Quantity}"}}]
    ok(rest.api.post("/api/v1/types", json={"name": "order_line", "label": "Order line", "fields": fields}), 201)
    assert rest.create("order_line", price="2.50", qty=4)["fields"]["total"] == 10
    bad = fields[:2] + [{"name": "total", "label": "Total", "type": "formula", "options": {"expression": "{Unit prise} * 2"}}]
    err = error(rest.api.post("/api/v1/types", json={"name": "bad_line", "label": "Bad line", "fields": bad}))
    assert "Unit prise" in err["message"], err
    error(rest.api.get("/api/v1/types/bad_line"), 404)
