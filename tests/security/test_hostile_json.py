"""JSON that no field can hold, on both APIs: one body parser, one set of budgets, a clean 4xx.

A lone UTF-16 surrogate (``"\\ud800"``), nesting past the depth budget, a string past the string
budget and a body past the JSON size budget are refused where JSON is read (bodies of
``/api/v1`` and ``/v0``, the ``filter`` and ``cursor`` parameters), before anything stores or
echoes them. Payload attributes of the wrong JSON type (a list for a view's type, ``false``
for an id) are a 422, never a 500. Read-only tokens may use ``POST …/listRecords`` (it reads).
"""
from __future__ import annotations

import base64
from urllib.parse import quote

import pytest

from recordbase.auth import create_token
from recordbase.json_input import MAX_DEPTH, MAX_STRING

from .test_hostile_inputs import snapshot

BASE = "appRecordbase0001"
LONE = '"\\ud800"'  # JSON text of a lone high surrogate
DEEP = "[" * 5000 + "]" * 5000
TOO_DEEP = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)


@pytest.fixture
def thing(api):
    assert api.post("/api/v1/types", json={"name": "thing", "label": "Thing"}).status_code == 201
    assert api.post("/api/v1/types/thing/fields", json={"name": "name", "label": "Name", "type": "text"}).status_code == 201
    rid = api.post("/api/v1/records/thing", json={"fields": {"name": "Kept"}}).get_json()["id"]
    return rid


def _send(api, method: str, url: str, raw: str):
    return api.client.open(url, method=method, data=raw.encode(), headers={
        "Authorization": f"Bearer {api.token}", "Content-Type": "application/json"})


def bodies() -> list[tuple[str, str]]:
    """(JSON text, what the refusal names) of the bodies every JSON endpoint refuses."""
    return [('{"fields": {"name": ' + LONE + '}}', "surrogate"),
            ('{"fields": {' + LONE + ': "x"}}', "surrogate"),
            ('{"fields": {"name": "\\udc00 and more"}}', "surrogate"),
            ('{"fields": {"name": "x"}, "deep": ' + DEEP + '}', "deep"),
            ('{"fields": {"name": "x"}, "deep": ' + TOO_DEEP + '}', "deep"),
            ('{"fields": {"name": "' + "x" * (MAX_STRING + 1) + '"}}', "longer than")]


def test_api_v1_refuses_what_no_field_can_hold(app, api, thing):
    before = snapshot(app)
    for raw, named in bodies():
        for method, url in (("POST", "/api/v1/records/thing"), ("PATCH", f"/api/v1/records/thing/{thing}"),
                            ("POST", "/api/v1/types"), ("POST", "/api/v1/views"), ("POST", "/api/v1/roles")):
            resp = _send(api, method, url, raw)
            assert resp.status_code == 400, (url, raw[:60], resp.status_code, resp.get_data(as_text=True)[:300])
            assert named in resp.get_json()["error"]["message"], resp.get_json()
    assert snapshot(app) == before
    # a surrogate pair is a character like any other
    ok = _send(api, "POST", "/api/v1/records/thing", '{"fields": {"name": "\\ud83d\\ude00"}}')
    assert ok.status_code == 201 and ok.get_json()["fields"]["name"] == "\U0001F600"


def test_filter_and_cursor_parameters_refuse_lone_surrogates(api, thing):
    for flt in ('{"field": "name", "op": "eq", "value": ' + LONE + '}', '{"field": ' + LONE + ', "op": "eq"}'):
        for url in (f"/api/v1/records/thing?filter={quote(flt)}", f"/api/v1/records/thing/export?filter={quote(flt)}"):
            resp = api.get(url)
            assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid_filter", url
            assert "surrogate" in resp.get_json()["error"]["message"]
    cursor = base64.urlsafe_b64encode(('{"k": [' + LONE + '], "id": 1}').encode()).decode().rstrip("=")
    assert api.get(f"/api/v1/records/thing?sort=name&cursor={cursor}").status_code == 400
    # what the URL itself carries is decoded by Werkzeug, which replaces broken UTF-8: no surrogate there
    assert api.get("/api/v1/records/thing?search=%ED%A0%80").status_code == 200


def test_json_bodies_have_a_size_budget(app, api, thing):
    app.config["MAX_JSON_BODY"] = 1000
    resp = api.post("/api/v1/records/thing", json={"fields": {"name": "x" * 2000}})
    assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "payload_too_large"
    resp = api.post(f"/v0/{BASE}/Thing", json={"fields": {"Name": "x" * 2000}})
    assert resp.status_code == 413 and resp.get_json()["error"]["type"] == "REQUEST_TOO_LARGE"


def test_airtable_api_reads_bodies_with_the_same_parser(app, api, thing):
    before = snapshot(app)
    for raw, named in bodies():
        raw = raw.replace('"name"', '"Name"')
        for method, url in (("POST", f"/v0/{BASE}/Thing"), ("PATCH", f"/v0/{BASE}/Thing/rec{thing:014d}"),
                            ("POST", f"/v0/{BASE}/Thing/listRecords")):
            resp = _send(api, method, url, raw)
            assert resp.status_code == 400, (url, raw[:60], resp.status_code, resp.get_data(as_text=True)[:300])
            error = resp.get_json()["error"]
            assert error["type"] == "INVALID_REQUEST_UNKNOWN" and named in error["message"], error
    resp = _send(api, "POST", f"/v0/{BASE}/Thing/listRecords", '{"filterByFormula": "{Name} = ' + LONE[1:-1] + '"}')
    assert resp.status_code == 400 and "surrogate" in resp.get_json()["error"]["message"]
    assert snapshot(app) == before


def test_payloads_of_the_wrong_json_type_are_422(app, api, thing):
    before = snapshot(app)
    for body in ({"name": "0", "type": [None, None]}, {"name": "0", "type": {"a": 1}}, {"name": ["x"], "type": "thing"},
                 {"name": "v", "type": "thing", "position": True}, {"name": "v", "type": "thing", "position": 2**40},
                 {"name": "v", "type": "thing", "description": ["x"]}, {"name": "v", "type": "thing", "columns": "name"},
                 {"name": "v", "type": "thing", "sort": 1}, {"name": "v", "type": "thing", "filter": [1]}):
        resp = api.post("/api/v1/views", json=body)
        assert resp.status_code == 422, (body, resp.status_code, resp.get_data(as_text=True)[:300])
        assert resp.get_json()["error"]["details"]["errors"], resp.get_json()
    for body in ({"ids": [False]}, {"ids": [True, 1]}, {"ids": [2**40]}, {"ids": [0]}, {"ids": "1"}, {"ids": [1.5]}):
        resp = api.post("/api/v1/notifications/read", json=body)
        assert resp.status_code == 422, (body, resp.status_code, resp.get_data(as_text=True)[:300])
        assert "ids" in str(resp.get_json()["error"]["details"])
    assert api.post("/api/v1/notifications/read", json={"ids": [1, 2]}).status_code == 200
    for body in ({"records": [{"fields": {"name": "x"}}], "skip_invalid": [None]},
                 {"records": {"fields": {"name": "x"}}}, {"records": [["x"]]}):
        resp = api.post("/api/v1/records/thing/batch", json=body)
        assert resp.status_code == 422, (body, resp.status_code, resp.get_data(as_text=True)[:300])
    assert snapshot(app) == before


def test_read_only_tokens_may_list_records_by_post(app, api, sessions, owner, thing):
    with sessions.begin() as s:
        ro = create_token(s, s.merge(owner), name="ro", read_only=True)
    client, headers = app.test_client(), {"Authorization": f"Bearer {ro}"}
    resp = client.post(f"/v0/{BASE}/Thing/listRecords", headers=headers,
                       json={"filterByFormula": "{Name} = 'Kept'", "pageSize": 10})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert [r["fields"]["Name"] for r in resp.get_json()["records"]] == ["Kept"]
    # every other POST still needs a token that may write
    resp = client.post(f"/v0/{BASE}/Thing", headers=headers, json={"fields": {"Name": "x"}})
    assert resp.status_code == 403 and resp.get_json()["error"]["type"] == "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND"
    assert client.patch(f"/v0/{BASE}/Thing/rec{thing:014d}", headers=headers,
                        json={"fields": {"Name": "y"}}).status_code == 403
