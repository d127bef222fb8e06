"""Issue 2's acceptance, tried as a new user would: over HTTP against `recordbase serve --workers 2`.

Everything through the REST API with a token made by the CLI, and the admin through its sign-in
form with a cookie jar — no test client, no direct database access for what is checked. Runs on
SQLite and, with RECORDBASE_TEST_DATABASE_URL, on PostgreSQL.
"""
from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from test_multiprocess_serve import _token_through_the_cli, server  # noqa: F401 - the fixture

pytestmark = pytest.mark.multiprocess

FIELDS = [
    {"name": "name", "label": "Name", "label_zh": "名称", "type": "text", "required": True},
    {"name": "score", "label": "Score", "label_zh": "得分", "type": "number"},
    {"name": "status", "label": "Status", "label_zh": "状态", "type": "single_select",
     "options": {"choices": ["active", "paused", "closed"]}},
    {"name": "since", "label": "Since", "label_zh": "合作开始", "type": "date"},
    {"name": "email", "label": "E-mail", "label_zh": "邮箱", "type": "email"},
]


def _error(status: int, body: dict, expected: int) -> dict:
    assert status == expected, (status, body)
    assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"], body
    return body["error"]


def _names(server, query: str = "") -> list[str]:
    status, body = server.request("GET", "/api/v1/records/supplier?limit=200" + query)
    assert status == 200, body
    return [r["fields"]["name"] for r in body["records"]]


class Browser:
    """A cookie-keeping HTTP client for the admin pages (urllib, like a browser without script)."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=15) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def post(self, path: str, form: dict) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=data), timeout=15) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert m, html[:500]
    return m.group(1)


def test_a_new_user_over_http(server, database_url, tmp_path):  # noqa: F811 - the fixture
    # the API without a token is a 401
    server.token = ""
    _error(*server.request("GET", "/api/v1/types"), 401)
    server.token = _token_through_the_cli(database_url, tmp_path)

    # a type with a Chinese label, and fields of five types
    status, body = server.request("POST", "/api/v1/types", {"name": "supplier", "label": "Supplier", "label_zh": "供应商"})
    assert status == 201 and body["label_zh"] == "供应商", body
    for f in FIELDS:
        status, body = server.request("POST", "/api/v1/types/supplier/fields", f)
        assert status == 201, body

    rows = [("Acme", 90, "active", "2024-03-01", "a@acme.example"), ("Bolt", 70, "paused", "2023-01-15", None),
            ("Cobalt", 85, "active", "2025-07-30", "c@cobalt.example"), ("Delta", 60, "closed", None, None)]
    ids = {}
    for name, score, st, since, email in rows:
        status, body = server.request("POST", "/api/v1/records/supplier", {"fields": {
            "name": name, "score": score, "status": st, "since": since, "email": email}})
        assert status == 201, body
        ids[name] = (body["id"], body["version"])

    # bad input is refused with a 4xx and the error body, and nothing is stored
    bad_inputs = [
        ({"score": 1}, "name"),                                  # a required field missing
        ({"name": "X", "score": "ninety"}, "score"),             # text in a number
        ({"name": "X", "status": "sleeping"}, "status"),         # an unknown choice
        ({"name": "X", "email": "not an email"}, "email"),       # a bad e-mail
        ({"name": "X", "since": "2026-02-30"}, "since"),         # an impossible date
        ({"name": "X", "nosuch": 1}, "nosuch"),                  # an unknown field
    ]
    for fields, culprit in bad_inputs:
        status, body = server.request("POST", "/api/v1/records/supplier", {"fields": fields})
        error = _error(status, body, 422)
        assert culprit in json.dumps(error), (fields, error)
    assert sorted(_names(server)) == ["Acme", "Bolt", "Cobalt", "Delta"]

    # filter and sort give the right records in the right order
    active = urllib.parse.quote(json.dumps({"field": "status", "op": "eq", "value": "active"}))
    assert _names(server, f"&filter={active}&sort=-score") == ["Acme", "Cobalt"]
    since = urllib.parse.quote(json.dumps({"and": [{"field": "since", "op": "after", "value": "2023-12-31"},
                                                   {"field": "score", "op": "gte", "value": 80}]}))
    assert _names(server, f"&filter={since}&sort=since") == ["Acme", "Cobalt"]
    assert _names(server, "&sort=-score") == ["Acme", "Cobalt", "Bolt", "Delta"]
    assert _names(server, "&sort=status,name") == ["Acme", "Cobalt", "Bolt", "Delta"]  # choices sort in their order
    # a filter value carrying SQL is just a value; a filter on an unknown field is a 4xx
    sql = urllib.parse.quote(json.dumps({"field": "name", "op": "eq", "value": "x' OR '1'='1"}))
    assert _names(server, f"&filter={sql}") == []
    unknown = urllib.parse.quote(json.dumps({"field": "nosuch", "op": "eq", "value": 1}))
    status, body = server.request("GET", f"/api/v1/records/supplier?filter={unknown}")
    assert 400 <= status < 500 and "nosuch" in body["error"]["message"]

    # a PATCH with a stale version is a 409, and the other write survives
    rid, version = ids["Acme"]
    status, body = server.request("PATCH", f"/api/v1/records/supplier/{rid}",
                                  {"fields": {"score": 95}, "version": version})
    assert status == 200 and body["version"] == version + 1, body
    _error(*server.request("PATCH", f"/api/v1/records/supplier/{rid}", {"fields": {"score": 10}, "version": version}),
           409)
    status, body = server.request("GET", f"/api/v1/records/supplier/{rid}")
    assert body["fields"]["score"] == 95

    # relabelling a field keeps its API name and its data
    status, body = server.request("PATCH", "/api/v1/types/supplier/fields/score",
                                  {"label": "Rating", "label_zh": "评分"})
    assert status == 200 and body["name"] == "score" and body["label"] == "Rating", body
    status, body = server.request("GET", f"/api/v1/records/supplier/{rid}")
    assert body["fields"]["score"] == 95

    # the OpenAPI document lists the type
    status, doc = server.request("GET", "/api/v1/openapi.json")
    assert status == 200 and "/api/v1/records/supplier" in doc["paths"]

    # HTML in a type's label and in a value is shown escaped by the admin
    status, body = server.request("POST", "/api/v1/types", {"name": "note", "label": "<script>alert('t')</script>"})
    assert status == 201, body
    status, body = server.request("POST", "/api/v1/types/note/fields",
                                  {"name": "body", "label": "Body <b>", "type": "text"})
    assert status == 201, body
    status, body = server.request("POST", "/api/v1/records/note", {"fields": {"body": "<img src=x onerror=alert(1)>"}})
    assert status == 201, body

    # the admin: sign in through the form, then the list and create pages of runtime types
    browser = Browser(server.base)
    status, page = browser.get("/admin/login/")
    assert status == 200
    status, page = browser.post("/admin/login/", {"email": "builder@example.com", "password": "long-enough-pw",
                                                  "csrf_token": _csrf(page)})
    assert status == 200 and "builder@example.com" in page, page[:500]
    status, listing = browser.get("/admin/records/supplier/")
    assert status == 200 and all(n in listing for n in ("Acme", "Bolt", "Cobalt", "Delta"))
    status, form = browser.get("/admin/records/supplier/new/")
    assert status == 200 and 'name="name"' in form and "Rating" in form
    status, created = browser.post("/admin/records/supplier/new/", {"csrf_token": _csrf(form), "name": "Echo",
                                                                    "score": "77", "status": "active"})
    assert status == 200 and "Echo" in created
    assert "Echo" in _names(server)
    status, notes = browser.get("/admin/records/note/")
    assert status == 200
    assert "<script>alert('t')</script>" not in notes and "&lt;script&gt;" in notes
    assert "<img src=x onerror=alert(1)>" not in notes and "&lt;img src=x onerror=alert(1)&gt;" in notes
