"""The usual hostile inputs on every input surface: a clean 4xx (never a 5xx) and an untouched database.

Script tags, SQL fragments, path traversal (attachment names and keys, type names, URLs),
oversized bodies and deeply nested JSON and filters, against the REST API (types, fields,
records, filters, sorts, cursors, batch, import, export, attachments, users, roles, tokens,
forms, audit), the admin (sign-in, lists, search, pages, forms) and public forms.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
from urllib.parse import quote

import pytest
from sqlalchemy import inspect, select, text

from recordbase.context import platform

SCRIPT = "<script>alert(1)</script>"
SQL = "1' OR '1'='1'; DROP TABLE rb_user; --"
TRAVERSAL = "../../../../etc/passwd"
DEEP_FILTER = json.dumps(json.loads("{\"not\": " * 200 + '{"field": "name", "op": "eq", "value": "x"}' + "}" * 200))
DEEPER_JSON = "[" * 50_000 + "]" * 50_000
#: tables whose rows legitimately change on a refused request (sign-in counters and their audit trail,
#: a token's last-used time)
VOLATILE = {"rb_audit_event", "rb_throttle", "rb_api_token"}


def snapshot(app) -> dict:
    """Every table's rows (as a digest), and the attachment files."""
    engine = platform(app).engine
    out = {}
    with engine.connect() as c:
        for name in sorted(inspect(c).get_table_names()):
            if name in VOLATILE or name.startswith("alembic"):
                continue
            rows = c.execute(text(f'SELECT * FROM "{name}" ORDER BY 1')).all()  # noqa: S608 - our own table names
            out[name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    folder = app.config["ATTACHMENTS_DIR"]
    out["files"] = sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder) for f in fs) \
        if os.path.isdir(folder) else []
    return out


@pytest.fixture
def target(app, api, admin_client):
    def ok(resp, status):
        assert resp.status_code == status, resp.get_data(as_text=True)[:500]
        return resp.get_json()

    ok(api.post("/api/v1/types", json={"name": "thing", "label": "Thing"}), 201)
    for f in ({"name": "name", "label": "Name", "type": "text", "required": True},
              {"name": "score", "label": "Score", "type": "number"},
              {"name": "due", "label": "Due", "type": "date"},
              {"name": "file", "label": "File", "type": "attachment",
               "options": {"max_size_mb": 1, "allowed_types": [".pdf"]}}):
        ok(api.post("/api/v1/types/thing/fields", json=f), 201)
    rid = ok(api.post("/api/v1/records/thing", json={"fields": {"name": "Kept", "score": 1}}), 201)["id"]
    form = ok(api.post("/api/v1/types/thing/forms", json={"title": "Public", "fields": ["name", "score"]}), 201)
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    return {"rid": rid, "form": form["url"]}


def api_cases(rid: int) -> list:
    big = {"fields": {"name": "x" * (3 * 1024 * 1024)}}
    return [
        # filters, sorts, cursors, paging
        ("GET", f"/api/v1/records/thing?filter={quote(DEEP_FILTER)}", None),
        ("GET", f"/api/v1/records/thing?filter={quote(DEEPER_JSON)}", None),
        ("GET", "/api/v1/records/thing?filter=" + quote(json.dumps({"field": SQL, "op": "eq", "value": 1})), None),
        ("GET", "/api/v1/records/thing?filter=" + quote(json.dumps({"field": "score", "op": "eq", "value": SQL})), None),
        ("GET", "/api/v1/records/thing?filter=" + quote(json.dumps({"field": "name", "op": SQL, "value": 1})), None),
        ("GET", "/api/v1/records/thing?filter=" + quote("{\"and\": [" + ",".join(['{"field":"name","op":"eq","value":"a"}'] * 600) + "]}"), None),
        ("GET", f"/api/v1/records/thing?sort={quote(SQL)}", None),
        ("GET", f"/api/v1/records/thing?cursor={quote(SQL)}", None),
        ("GET", f"/api/v1/records/thing?limit={quote(SQL)}", None),
        ("GET", f"/api/v1/records/thing?fields={quote(SCRIPT)}", None),
        ("GET", f"/api/v1/records/thing/export?filter={quote(DEEP_FILTER)}", None),
        ("GET", f"/api/v1/records/thing/export?format={quote(TRAVERSAL)}", None),
        ("GET", f"/api/v1/records/{quote(SQL)}", None),
        ("GET", f"/api/v1/records/thing/{quote(SQL)}", None),
        ("GET", f"/api/v1/records/{quote(TRAVERSAL, safe='')}/1", None),
        ("GET", "/api/v1/records/thing/99999999999999999999", None),
        ("GET", f"/api/v1/audit?since={quote(SQL)}", None),
        ("GET", f"/api/v1/types/{quote(SCRIPT, safe='')}", None),
        # metamodel
        ("POST", "/api/v1/types", {"name": SCRIPT, "label": "x"}),
        ("POST", "/api/v1/types", {"name": "a; DROP TABLE rb_user", "label": "x"}),
        ("POST", "/api/v1/types", {"name": TRAVERSAL, "label": "x"}),
        ("POST", "/api/v1/types/thing/fields", {"name": "x", "label": "x", "type": SQL}),
        ("POST", "/api/v1/types/thing/fields", {"name": "../x", "label": "x", "type": "text"}),
        ("POST", "/api/v1/types/thing/fields", {"name": "f", "label": "F", "type": "formula",
                                                "options": {"expression": "__import__('os').system('id')"}}),
        ("PATCH", "/api/v1/types/thing", {"name": SCRIPT}),
        # records
        ("POST", "/api/v1/records/thing", {"fields": {"name": "x", "score": SQL}}),
        ("POST", "/api/v1/records/thing", {"fields": {"name": "x", "due": SQL}}),
        ("POST", "/api/v1/records/thing", {"fields": {"name": "x", "file": [{"key": TRAVERSAL}]}}),
        ("POST", "/api/v1/records/thing", {"fields": {SCRIPT: "x"}}),
        ("POST", "/api/v1/records/thing", DEEPER_JSON),
        ("POST", "/api/v1/records/thing", big),
        ("POST", "/api/v1/records/thing", "{not json"),
        ("PATCH", f"/api/v1/records/thing/{rid}", {"fields": {"name": "x"}, "version": SQL}),
        ("POST", "/api/v1/records/thing/batch", {"records": [{"fields": {"name": "ok"}}, {"fields": {"score": SQL}}]}),
        ("DELETE", f"/api/v1/records/thing/{rid}?version={quote(SQL)}", None),
        # access control
        ("POST", "/api/v1/users", {"email": SCRIPT + "@example.com", "password": "long enough!"}),
        ("POST", "/api/v1/users", {"email": "a@example.com", "password": "long enough!", "roles": [SQL]}),
        ("PATCH", f"/api/v1/users/{quote(SQL)}", {"active": False}),
        ("POST", "/api/v1/roles", {"name": SCRIPT, "label": "x"}),
        ("POST", "/api/v1/roles", {"name": "r", "label": "x",
                                   "permissions": {"thing": {"rows": json.loads(DEEP_FILTER)}}}),
        ("POST", "/api/v1/roles", {"name": "r", "label": "x",
                                   "permissions": {"thing": {"rows": {"field": SQL, "op": "eq", "value": 1}}}}),
        ("POST", "/api/v1/tokens", {"types": [TRAVERSAL]}),
        ("POST", "/api/v1/types/thing/forms", {"title": SCRIPT, "fields": [SQL]}),
        ("PATCH", "/api/v1/forms/1", {"fields": [TRAVERSAL]}),
    ]


def test_api_refuses_hostile_inputs_cleanly(app, api, target):
    before = snapshot(app)
    for method, url, body in api_cases(target["rid"]):
        headers = {"Authorization": f"Bearer {api.token}"}
        if isinstance(body, str):
            resp = api.client.open(url, method=method, data=body, headers=dict(headers, **{"Content-Type": "application/json"}))
        else:
            resp = api.client.open(url, method=method, json=body, headers=headers)
        assert 400 <= resp.status_code < 500, (method, url[:120], resp.status_code, resp.get_data(as_text=True)[:300])
        err = resp.get_json()
        assert set(err) == {"error"} and err["error"]["code"] and err["error"]["message"], (url[:120], err)
    assert snapshot(app) == before


def test_attachment_names_and_keys(app, api, target):
    before = snapshot(app)
    h = {"Authorization": f"Bearer {api.token}"}
    uploads = [
        (TRAVERSAL, b"root:x:0:0", "text/plain"),  # not an allowed type
        ("..\\..\\windows\\win.ini.exe", b"MZ", "application/octet-stream"),
        ("big.pdf", b"%PDF" + b"0" * (1024 * 1024 + 1), "application/pdf"),  # over the field's limit
        (SCRIPT + ".html", b"<script>", "text/html"),
    ]
    for name, data, ctype in uploads:
        resp = api.client.post("/api/v1/attachments", headers=h, content_type="multipart/form-data",
                               data={"type": "thing", "field": "file", "file": (io.BytesIO(data), name, ctype)})
        assert resp.status_code in (413, 422), (name, resp.status_code)
    resp = api.client.post("/api/v1/attachments", headers=h, content_type="multipart/form-data",
                           data={"type": TRAVERSAL, "field": "file", "file": (io.BytesIO(b"%PDF"), "a.pdf")})
    assert resp.status_code == 404
    for key in (TRAVERSAL, quote(TRAVERSAL, safe=""), "..%2f..%2fsecret_key", "0" * 31 + "/", SQL):
        assert 400 <= api.get(f"/api/v1/attachments/{key}").status_code < 500
    assert snapshot(app) == before


def test_import_refuses_hostile_files(app, api, target):
    before = snapshot(app)
    h = {"Authorization": f"Bearer {api.token}"}
    for name, data in ((TRAVERSAL + ".xlsx", b"PK\x03\x04 not really a zip"),
                       ("x.csv", b"name,score\nok," + SQL.encode() + b"\n"),
                       ("x.csv", b"\x00\xff\xfe" * 100)):
        resp = api.client.post("/api/v1/records/thing/import", headers=h, content_type="multipart/form-data",
                               data={"file": (io.BytesIO(data), name)})
        assert 400 <= resp.status_code < 500, (name, resp.status_code, resp.get_data(as_text=True)[:300])
    assert snapshot(app) == before


def test_admin_refuses_hostile_inputs_cleanly(app, admin_client, target):
    before = snapshot(app)
    rid = target["rid"]
    for url in (f"/admin/records/thing/?search={quote(SQL)}", f"/admin/records/thing/?search={quote(SCRIPT)}",
                f"/admin/records/thing/?sort={quote(SQL)}", f"/admin/records/thing/?page={quote(SQL)}",
                f"/admin/records/thing/details/?id={quote(SQL)}", f"/admin/records/thing/edit/?id={quote(TRAVERSAL)}",
                f"/admin/records/{quote(TRAVERSAL)}/", f"/admin/records/{quote(SCRIPT, safe='')}/",
                f"/admin/records/thing/?flt0_0={quote(SQL)}", f"/admin/audit/?since={quote(SQL)}&cursor={quote(SQL)}",
                f"/admin/users/edit/?email={quote(SQL)}", f"/admin/roles/edit/?name={quote(SCRIPT)}",
                f"/admin/login/?next={quote('//evil.example.com/')}"):
        resp = admin_client.get(url)
        assert resp.status_code < 500, (url, resp.status_code)
        html = resp.get_data(as_text=True)
        assert SCRIPT not in html, url
    page = admin_client.get(f"/admin/records/thing/edit/?id={rid}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    resp = admin_client.post(f"/admin/records/thing/edit/?id={rid}",
                             data={"name": "", "score": SQL, "due": SQL, "RB_VERSION": "1", "csrf_token": token})
    assert resp.status_code == 200 and SCRIPT not in resp.get_data(as_text=True)  # the form again, with errors
    resp = admin_client.post("/admin/roles/edit/", data={"name": "r", "label": "R", "p[thing][read]": "1",
                                                         "p[thing][rows]": "custom", "csrf_token": token,
                                                         "p[thing][rows_json]": DEEP_FILTER})
    assert resp.status_code == 422
    resp = admin_client.post("/admin/users/new/", data={"email": SCRIPT, "csrf_token": token})
    assert resp.status_code == 302
    anonymous = app.test_client()
    page = anonymous.get("/admin/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    resp = anonymous.post("/admin/login/", data={"email": SQL, "password": SQL, "csrf_token": token})
    assert resp.status_code == 200
    assert snapshot(app) == before


def test_public_form_refuses_hostile_inputs_cleanly(app, target):
    before = snapshot(app)
    client = app.test_client()
    url = target["form"]
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    resp = client.post(url, data={"f_name": "x", "f_score": SQL, "csrf_token": token})
    assert resp.status_code == 422 and SCRIPT not in resp.get_data(as_text=True)
    resp = client.post(url, data={"f_name": "x" * (1024 * 1024 + 10), "csrf_token": token})
    assert resp.status_code == 413
    for bad in (url + quote(SQL), "/f/" + quote(TRAVERSAL, safe=""), "/f/" + "a" * 5000):
        assert 400 <= client.get(bad).status_code < 500
    assert snapshot(app) == before
    with platform(app).sessions() as s:  # and every table is still there
        assert s.execute(select(text("count(*)")).select_from(text("rb_user"))).scalar() >= 1
