"""``GET /api/v1/records/<type>/aggregate``: parameters, errors, the reader's limits, OpenAPI."""
from __future__ import annotations

import pytest

from recordbase.auth import create_token, create_user
from support import ok

FIELDS = [
    {"name": "title", "label": "Title", "type": "text"},
    {"name": "status", "label": "Status", "type": "single_select",
     "options": {"choices": [{"value": "open", "label": "Open", "label_zh": "打开"}, {"value": "done", "label": "Done"}]}},
    {"name": "amount", "label": "Amount", "type": "currency"},
    {"name": "opened", "label": "Opened", "type": "datetime"},
    {"name": "region", "label": "Region", "type": "single_select", "options": {"choices": ["east", "west"]}},
    {"name": "secret", "label": "Secret", "type": "number"},
]


@pytest.fixture
def world(api):
    ok(api.post("/api/v1/types", json={"name": "ticket", "label": "Ticket"}), 201)
    for f in FIELDS:
        ok(api.post("/api/v1/types/ticket/fields", json=f), 201)
    for status, amount, opened, region in [("open", 10, "2026-01-05T10:00:00Z", "east"),
                                           ("open", 5, "2026-02-05T10:00:00Z", "west"),
                                           ("done", 7.5, "2026-02-06T10:00:00Z", "east")]:
        ok(api.post("/api/v1/records/ticket", json={"fields": {"status": status, "amount": amount, "opened": opened,
                                                                "region": region, "secret": 1}}), 201)
    return api


def test_aggregate(world):
    body = ok(world.get("/api/v1/records/ticket/aggregate?group_by=status,opened:month&metrics=count,sum:amount"))
    assert body["group_by"] == [{"field": "status", "bucket": None, "key": "status"},
                                {"field": "opened", "bucket": "month", "key": "opened:month"}]
    assert [(r["keys"], r["labels"], r["values"]) for r in body["rows"]] == [
        (["open", "2026-01-01"], ["Open", "2026-01"], {"count": 1, "sum:amount": 10}),
        (["open", "2026-02-01"], ["Open", "2026-02"], {"count": 1, "sum:amount": 5}),
        (["done", "2026-02-01"], ["Done", "2026-02"], {"count": 1, "sum:amount": 7.5})]
    assert body["truncated"] is False
    flt = '{"field": "region", "op": "eq", "value": "east"}'
    body = ok(world.get("/api/v1/records/ticket/aggregate", query_string={"filter": flt, "metrics": "avg:amount"}))
    assert body["rows"] == [{"keys": [], "labels": [], "values": {"avg:amount": 8.75}}]
    top = ok(world.get("/api/v1/records/ticket/aggregate?group_by=status&order=-count&limit=1"))
    assert [r["keys"] for r in top["rows"]] == [["open"]] and top["truncated"] is True


@pytest.mark.parametrize("query, status, code", [
    ("group_by=nope", 400, "invalid_aggregate"),
    ("group_by=title", 400, "invalid_aggregate"),
    ("metrics=sum:title", 400, "invalid_aggregate"),
    ("metrics=median:amount", 400, "invalid_aggregate"),
    ("group_by=status&order=-sum:amount", 400, "invalid_aggregate"),
    ("group_by=a,b,c", 422, "validation_error"),
    ("limit=0", 422, "validation_error"),
    ("limit=x", 422, "validation_error"),
    ("colour=red", 422, "validation_error"),
    ("metrics=", 422, "validation_error"),
    ("filter={bad", 400, "invalid_filter"),
    ("filter=" + '{"field":"nope","op":"eq","value":1}', 400, "invalid_filter"),
])
def test_errors(world, query, status, code):
    resp = world.get(f"/api/v1/records/ticket/aggregate?{query}")
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.get_json()["error"]["code"] == code and resp.get_json()["error"]["message"]


def test_unknown_type(world):
    assert world.get("/api/v1/records/nope/aggregate").status_code == 404


def test_reader_limits_and_hidden_fields(world, sessions, app):
    ok(world.post("/api/v1/roles", json={"name": "east_reader", "label": "East reader", "permissions": {
        "ticket": {"actions": ["read"], "rows": {"field": "region", "op": "eq", "value": "east"},
                   "hidden_fields": ["secret"]}}}), 201)
    with sessions.begin() as s:
        user = create_user(s, "east@example.com", "a long enough password", role="east_reader")
        token = create_token(s, user, name="tests")
    east = type(world)(app.test_client(), token)
    mine = ok(east.get("/api/v1/records/ticket/aggregate?group_by=status&metrics=count,sum:amount"))
    assert [(r["keys"], r["values"]) for r in mine["rows"]] == [
        (["open"], {"count": 1, "sum:amount": 10}), (["done"], {"count": 1, "sum:amount": 7.5})]
    hidden = east.get("/api/v1/records/ticket/aggregate?metrics=sum:secret").get_json()["error"]
    unknown = east.get("/api/v1/records/ticket/aggregate?metrics=sum:secreu").get_json()["error"]
    assert hidden["code"] == unknown["code"] == "invalid_aggregate"
    assert hidden["message"].replace("secret", "X") == unknown["message"].replace("secreu", "X")
    doc = ok(east.get("/api/v1/openapi.json"))
    described = " ".join(p["description"] for p in doc["paths"]["/api/v1/records/ticket/aggregate"]["get"]["parameters"])
    assert "amount" in described and "secret" not in described


def test_openapi(world):
    doc = ok(world.get("/api/v1/openapi.json"))
    op = doc["paths"]["/api/v1/records/ticket/aggregate"]["get"]
    assert op["operationId"] == "aggregate_ticket"
    assert {p["name"] for p in op["parameters"]} == {"group_by", "metrics", "filter", "order", "limit"}
    assert {"200", "400", "422"} <= set(op["responses"])
    from openapi_spec_validator import validate
    validate(doc)


def test_labels_in_chinese(world, sessions, app):
    with sessions.begin() as s:
        user = create_user(s, "zh@example.com", "a long enough password", role="viewer", locale="zh")
        token = create_token(s, user, name="tests")
    zh = type(world)(app.test_client(), token)
    body = ok(zh.get("/api/v1/records/ticket/aggregate?group_by=status,opened:quarter"))
    assert body["rows"][0]["labels"] == ["打开", "2026年第1季度"]
