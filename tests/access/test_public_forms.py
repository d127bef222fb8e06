"""Public forms: published at an unguessable URL, submitted without an account, validated, rate-limited, closable."""
from __future__ import annotations

import re

import pytest

from .helpers import csrf_token_from, err, make_type, ok, text

FEEDBACK_FIELDS = [
    {"name": "supplier_name", "label": "Supplier", "label_zh": "供应商", "type": "text", "required": True},
    {"name": "score", "label": "Score", "label_zh": "评分", "type": "rating"},
    {"name": "comment", "label": "Comment", "label_zh": "意见", "type": "long_text", "help_text": "<i>Be kind</i>"},
    {"name": "kind", "label": "Kind", "type": "single_select", "options": {"choices": ["praise", "complaint"]}},
    {"name": "internal_note", "label": "Internal note", "type": "text"},
    {"name": "handled", "label": "Handled", "type": "boolean", "default": False},
]


@pytest.fixture
def form(api):
    make_type(api, "feedback", FEEDBACK_FIELDS)
    make_type(api, "supplier", [{"name": "name", "label": "Name", "type": "text"}])
    api.post("/api/v1/types/feedback/fields", json={"name": "supplier", "label": "Supplier link", "type": "link",
                                                    "options": {"target": "supplier"}})
    made = ok(api.post("/api/v1/types/feedback/forms", json={
        "title": "Supplier feedback <script>alert(1)</script>", "title_zh": "供应商反馈",
        "description": "Tell us how we did", "fields": ["supplier_name", "score", "comment", "kind"],
        "thank_you": "Thanks!", "thank_you_zh": "谢谢！"}), 201)
    assert re.fullmatch(r"/f/[A-Za-z0-9_-]{40,}", made["url"]) and made["enabled"]
    return made


def submit(client, url, data, **kw):
    page = client.get(url)
    assert page.status_code == 200, text(page)[:500]
    body = dict(data)
    body["csrf_token"] = csrf_token_from(text(page))
    return client.post(url, data=body, **kw)


def test_anyone_submits_one_record(app, api, form):
    client = app.test_client()  # no account, no token
    page = client.get(form["url"])
    html = text(page)
    assert page.status_code == 200 and 'name="csrf_token"' in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "&lt;i&gt;Be kind&lt;/i&gt;" in html
    assert "Internal note" not in html and "Supplier link" not in html
    assert "script-src" not in page.headers["Content-Security-Policy"] and "default-src 'none'" in \
        page.headers["Content-Security-Policy"]
    assert "<script" not in html
    resp = submit(client, form["url"], {"f_supplier_name": "Acme", "f_score": "4", "f_comment": "Fine",
                                        "f_kind": "praise", "f_internal_note": "sneaky", "f_handled": "y"})
    assert resp.status_code == 200 and "Thanks!" in text(resp)
    records = ok(api.get("/api/v1/records/feedback"))["records"]
    assert len(records) == 1
    rec = records[0]["fields"]
    assert rec["supplier_name"] == "Acme" and rec["score"] == 4 and rec["kind"] == "praise"
    assert rec["internal_note"] is None and rec["handled"] is False
    assert records[0]["created_by"] is None
    history = ok(api.get(f"/api/v1/records/feedback/{records[0]['id']}/history"))["history"]
    assert history[0]["user"].startswith("public form #")
    assert ok(api.get(f"/api/v1/forms/{form['id']}"))["submissions"] == 1


def test_chinese_page(app, form):
    html = text(app.test_client().get(form["url"] + "?lang=zh"))
    assert "供应商反馈" in html and "评分" in html and 'lang="zh-CN"' in html


def test_invalid_submission_is_refused_like_any_write(app, api, form):
    client = app.test_client()
    resp = submit(client, form["url"], {"f_score": "9", "f_kind": "nonsense"})
    assert resp.status_code == 422
    assert ok(api.get("/api/v1/records/feedback?count=1"))["count"] == 0
    no_csrf = client.post(form["url"], data={"f_supplier_name": "Acme"})
    assert no_csrf.status_code == 400
    assert ok(api.get("/api/v1/records/feedback?count=1"))["count"] == 0


def test_rate_limited_per_address(app, api, form):
    app.config["RECORDBASE_FORM_MAX_PER_HOUR"] = 3
    client = app.test_client()
    for i in range(3):
        assert submit(client, form["url"], {"f_supplier_name": f"S{i}"}).status_code == 200
    resp = submit(client, form["url"], {"f_supplier_name": "one too many"})
    assert resp.status_code == 429
    assert ok(api.get("/api/v1/records/feedback?count=1"))["count"] == 3
    other = app.test_client()
    page = other.get(form["url"], environ_base={"REMOTE_ADDR": "10.1.2.3"})
    token = csrf_token_from(text(page))
    assert other.post(form["url"], data={"f_supplier_name": "elsewhere", "csrf_token": token},
                      environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200


def test_closing_a_form(app, api, form):
    ok(api.patch(f"/api/v1/forms/{form['id']}", json={"enabled": False}))
    client = app.test_client()
    assert client.get(form["url"]).status_code == 410
    assert client.post(form["url"], data={"f_supplier_name": "late"}).status_code in (400, 410)
    assert client.get("/f/not-a-real-token").status_code == 404
    assert ok(api.get("/api/v1/records/feedback?count=1"))["count"] == 0
    ok(api.patch(f"/api/v1/forms/{form['id']}", json={"enabled": True, "title": "Again"}))
    assert "Again" in text(client.get(form["url"]))
    ok(api.delete(f"/api/v1/forms/{form['id']}"))
    assert client.get(form["url"]).status_code == 404


def test_form_definitions_are_checked(api, form):
    bad = [
        {"fields": ["supplier_name"]},
        {"title": "x", "fields": []},
        {"title": "x", "fields": ["nope"]},
        {"title": "x", "fields": ["supplier"]},  # a link would show other records to strangers
        {"title": "x", "fields": ["score"]},  # the required supplier_name is missing
        {"title": "x" * 300, "fields": ["supplier_name"]},
        {"title": "x", "fields": ["supplier_name"], "unknown": 1},
    ]
    for body in bad:
        err(api.post("/api/v1/types/feedback/forms", json=body), 422)
    err(api.post("/api/v1/types/nope/forms", json={"title": "x", "fields": ["a"]}), 404)
    err(api.patch(f"/api/v1/forms/{form['id']}", json={"enabled": "no"}), 422)
    err(api.get("/api/v1/forms/99999"), 404)
    assert [f["id"] for f in ok(api.get("/api/v1/types/feedback/forms"))["forms"]] == [form["id"]]
