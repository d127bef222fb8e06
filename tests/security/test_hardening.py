"""Hardening, verified: sign-in throttling, session cookies, CSRF, security headers, attachments,
spreadsheet formula neutralisation on every export surface, and HTML escaping of hostile labels and values."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from recordbase.access.models import AuditEvent, Throttle
from recordbase.auth import create_user
from recordbase.context import platform
from recordbase.models import utcnow
from support import csrf_token_from as csrf, ok

OWNER = "owner@example.com"
PASSWORD = "correct horse battery"



def login(client, email, password, addr="127.0.0.1"):
    page = client.get("/admin/login/", environ_base={"REMOTE_ADDR": addr})
    return client.post("/admin/login/", data={"email": email, "password": password,
                                              "csrf_token": csrf(page.get_data(as_text=True))},
                       environ_base={"REMOTE_ADDR": addr})


# -- sign-in throttling -----------------------------------------------------------------------------
def test_ten_wrong_passwords_throttle_sign_in(app, owner, sessions):
    client = app.test_client()
    for i in range(10):
        resp = login(client, OWNER, f"wrong password {i}")
        assert resp.status_code in (200, 429)
    assert resp.status_code == 429  # the tenth failure locks the account
    locked = login(client, OWNER, PASSWORD)
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.get_data(as_text=True)
    assert app.test_client().get("/admin/").status_code == 302
    # from another address too: the account itself is locked
    assert login(app.test_client(), OWNER, PASSWORD, addr="10.9.9.9").status_code == 429
    with sessions() as s:
        actions = [a for (a,) in s.execute(select(AuditEvent.action).order_by(AuditEvent.id))]
    assert actions.count("sign_in_failed") == 10 and "sign_in_blocked" in actions and "sign_in" not in actions
    # when the lock ends, the right password works again and clears the count
    with sessions.begin() as s:
        s.execute(update(Throttle).values(locked_until=utcnow() - timedelta(seconds=1)))
    assert login(app.test_client(), OWNER, PASSWORD).status_code == 302
    with sessions() as s:
        assert s.get(Throttle, "signin:account:owner@example.com") is None


def test_fewer_failures_do_not_lock(app, owner):
    client = app.test_client()
    for i in range(9):
        assert login(client, OWNER, "nope nope").status_code == 200
    assert login(client, OWNER, PASSWORD).status_code == 302


def test_throttle_per_address(app, owner, sessions):
    app.config["RECORDBASE_SIGNIN_MAX_FAILURES_PER_ADDRESS"] = 5
    with sessions.begin() as s:
        create_user(s, "other@example.com", PASSWORD, role="viewer")
    for i in range(5):
        login(app.test_client(), f"nobody{i}@example.com", "whatever1", addr="192.0.2.7")
    assert login(app.test_client(), "other@example.com", PASSWORD, addr="192.0.2.7").status_code == 429
    assert login(app.test_client(), "other@example.com", PASSWORD, addr="192.0.2.8").status_code == 302


def test_unknown_accounts_are_throttled_the_same_way(app, owner):
    client = app.test_client()
    for _ in range(10):
        login(client, "ghost@example.com", "whatever1")
    resp = login(client, "ghost@example.com", "whatever1")
    assert resp.status_code == 429


# -- session cookie, CSRF, headers ------------------------------------------------------------------
def test_session_cookie_flags(app, owner):
    resp = login(app.test_client(), OWNER, PASSWORD)
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "recordbase_session=" in cookie
    assert "Expires" not in cookie  # a browser-session cookie
    app.config["SESSION_COOKIE_SECURE"] = True
    assert "Secure" in login(app.test_client(), OWNER, PASSWORD).headers["Set-Cookie"]


def test_secure_cookies_from_the_environment(monkeypatch, database_url, tmp_path):
    from recordbase import create_app

    monkeypatch.setenv("RECORDBASE_SECURE_COOKIES", "1")
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / "i")})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    platform(app).engine.dispose()


def test_csrf_on_every_state_changing_admin_request(app, admin_client, api):
    """Every rule that accepts POST outside the bearer-token API refuses a POST without the CSRF token."""
    ok(api.post("/api/v1/types", json={"name": "thing", "label": "Thing"}), 201)
    ok(api.post("/api/v1/types/thing/fields", json={"name": "name", "label": "Name", "type": "text"}), 201)
    rid = ok(api.post("/api/v1/records/thing", json={"fields": {"name": "keep"}}), 201)["id"]
    values = {"type_name": "thing", "field_name": "name", "code": "en", "token": "x" * 43, "pack_id": "x"}
    tried = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()) or rule.rule.startswith("/api/") or rule.rule.startswith("/v0"):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(r"<(?:[a-z]+:)?%s>" % arg, str(values.get(arg, rid)), url)
        resp = admin_client.post(url, data={"id": str(rid), "name": "changed", "email": OWNER, "password": PASSWORD})
        assert resp.status_code == 400, (url, resp.status_code)
        tried += 1
    assert tried >= 15
    bad = admin_client.post(f"/admin/records/thing/edit/?id={rid}", data={"name": "changed", "RB_VERSION": "1",
                                                                          "csrf_token": "forged"})
    assert bad.status_code == 400
    assert ok(api.get(f"/api/v1/records/thing/{rid}"))["fields"]["name"] == "keep"
    assert admin_client.get("/admin/").status_code == 200  # still signed in: the logout was refused


def test_security_headers_everywhere(app, admin_client, api):
    for resp in (admin_client.get("/admin/"), app.test_client().get("/admin/login/"), api.get("/api/v1/types"),
                 app.test_client().get("/api/v1/types")):
        h = resp.headers
        assert h["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
        assert "object-src 'none'" in h["Content-Security-Policy"] and "default-src 'self'" in h["Content-Security-Policy"]
        assert h["X-Frame-Options"] == "DENY"
        assert h["Referrer-Policy"]


# -- attachments --------------------------------------------------------------------------------------
@pytest.fixture
def docs(api):
    ok(api.post("/api/v1/types", json={"name": "doc", "label": "Doc"}), 201)
    ok(api.post("/api/v1/types/doc/fields", json={"name": "name", "label": "Name", "type": "text"}), 201)
    ok(api.post("/api/v1/types/doc/fields", json={"name": "file", "label": "File", "type": "attachment",
                                                  "options": {"max_size_mb": 1, "allowed_types": [".pdf", ".png"]}}), 201)
    return api


def upload(api, name, data, ctype="application/pdf"):
    return api.client.post("/api/v1/attachments", data={"type": "doc", "field": "file",
                                                         "file": (io.BytesIO(data), name, ctype)},
                           headers={"Authorization": f"Bearer {api.token}"}, content_type="multipart/form-data")


def test_attachments_checked_and_served_as_attachment(app, docs):
    api = docs
    made = ok(upload(api, "../../etc/passwd.pdf", b"%PDF-1.4 hello"), 201)["attachments"][0]
    assert made["name"] == "passwd.pdf" and re.fullmatch(r"[0-9a-f]{32}", made["key"])
    resp = api.get(made["url"])
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    assert ok(upload(api, "page.html", b"<script>alert(1)</script>", "text/html"), 422)
    assert upload(api, "big.pdf", b"0" * (1024 * 1024 + 10)).status_code == 413
    assert api.get("/api/v1/attachments/..%2F..%2Fsecret_key").status_code == 404
    assert api.get("/api/v1/attachments/" + "0" * 32).status_code == 404


# -- export neutralisation -------------------------------------------------------------------------------
HOSTILE_CELLS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "=HYPERLINK(\"http://x\")", "\t=1", "\r=1"]


def test_every_export_neutralises_formulas(app, api, admin_client):
    ok(api.post("/api/v1/types", json={"name": "row", "label": "Row"}), 201)
    ok(api.post("/api/v1/types/row/fields", json={"name": "name", "label": "=Label", "type": "text"}), 201)
    ok(api.post("/api/v1/types/row/fields", json={"name": "n", "label": "N", "type": "number"}), 201)
    for v in HOSTILE_CELLS:
        ok(api.post("/api/v1/records/row", json={"fields": {"name": v, "n": -5}}), 201)

    def check_cells(cells):
        for v in HOSTILE_CELLS:
            assert v not in cells, v
        assert all(not str(c).startswith(("=", "+", "@")) for c in cells if c is not None)

    api_csv = api.get("/api/v1/records/row/export?format=csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(api_csv)))
    check_cells([c for r in rows for c in r[:1]])
    assert rows[0][0] == "'=Label"
    wb = load_workbook(io.BytesIO(api.get("/api/v1/records/row/export?format=xlsx").data))
    xlsx_cells = [c.value for row in wb.active.iter_rows() for c in row]
    check_cells([c for c in xlsx_cells if isinstance(c, str)])
    assert -5 in xlsx_cells  # numbers stay numbers
    admin_csv = admin_client.get("/admin/records/row/export/csv/").get_data(as_text=True).lstrip("\ufeff")
    check_cells([c for r in csv.reader(io.StringIO(admin_csv)) for c in r])
    from click.testing import CliRunner

    from recordbase.cli import cli

    out = app.instance_path + "/rows.csv"
    r = CliRunner().invoke(cli, ["--database-url", app.config["DATABASE_URL"], "export", "row", "-o", out])
    assert r.exit_code == 0, r.output
    with open(out, encoding="utf-8-sig") as f:
        check_cells([c for row in csv.reader(f) for c in row])


# -- HTML escaping ------------------------------------------------------------------------------------------
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_hostile_labels_and_values_are_escaped(app, api, admin_client):
    ok(api.post("/api/v1/types", json={"name": "evil", "label": XSS, "label_zh": XSS, "app": XSS}), 201)
    ok(api.post("/api/v1/types/evil/fields", json={"name": "name", "label": XSS, "type": "text", "help_text": XSS}), 201)
    ok(api.post("/api/v1/types/evil/fields", json={"name": "pick", "label": "Pick", "type": "single_select",
                                                   "options": {"choices": [{"value": "v", "label": XSS}]}}), 201)
    rid = ok(api.post("/api/v1/records/evil", json={"fields": {"name": XSS, "pick": "v"}}), 201)["id"]
    ok(api.post("/api/v1/roles", json={"name": "evil_role", "label": XSS, "description": XSS,
                                       "permissions": {"evil": {"actions": ["read"]}}}), 201)
    ok(api.post("/api/v1/users", json={"email": "x@example.com", "password": "long enough!", "display_name": XSS}), 201)
    form = ok(api.post("/api/v1/types/evil/forms", json={"title": XSS, "description": XSS, "thank_you": XSS,
                                                         "fields": ["name"]}), 201)
    pages = [admin_client.get(u) for u in (
        "/admin/", "/admin/records/evil/", f"/admin/records/evil/details/?id={rid}",
        f"/admin/records/evil/edit/?id={rid}", "/admin/records/evil/new/", "/admin/metamodel/",
        "/admin/users/", "/admin/roles/", "/admin/roles/edit/?name=evil_role", "/admin/audit/")]
    pages.append(app.test_client().get(form["url"]))
    for resp in pages:
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200, resp.request.path
        assert "<script>alert" not in html and "<img src=x" not in html, resp.request.path


def test_filters_and_formulas_never_reach_eval_or_sql_text():
    """The filter language binds every value; the formula language is parsed by lark, never eval'd."""
    import ast
    import pathlib

    import recordbase

    root = pathlib.Path(recordbase.__file__).parent
    for path in list((root / "metamodel").rglob("*.py")) + list((root / "storage").rglob("*.py")) + \
            list((root / "access").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("eval", "exec", "compile"), f"{path}:{node.lineno}"
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "text" and node.args and \
                    isinstance(node.args[0], ast.JoinedStr):
                pytest.fail(f"string-built SQL at {path}:{node.lineno}")
