"""Issue #15 item 15: numbers in admin URLs that no row can have are a 4xx (or a clamped page), never a 5xx.

``?page=99999999999999999999``, ``?page=-1`` (PostgreSQL refuses a negative OFFSET),
``details/?id=2147483648``, ``edit/?id=-99999999999999999999``, number filters such as
``1e400``, page sizes and sort columns out of range, cursors, and ids in the path of the
metamodel pages (rules, runs) were 500s. Every admin URL rule is enumerated from
``app.url_map``, so a new page with an id or a page number is tried too.
"""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from support import csrf_token_from, ok

HOSTILE = ["99999999999999999999", "-99999999999999999999", "2147483648", "-1", "1e400", "²", "0"]
PARAMS = ["id", "page", "page_size", "sort", "desc", "cursor", "rule_id", "record_id", "limit", "offset"]
#: the string parts of admin URLs, filled with names that exist
NAMES = {"type_name": "thing", "field_name": "name", "code": "en", "token": "x" * 43, "pack_id": "x",
         "export_type": "csv", "key": "x", "filename": "x"}



@pytest.fixture
def thing(api):
    ok(api.post("/api/v1/types", json={"name": "thing", "label": "Thing"}), 201)
    for f in ({"name": "name", "label": "Name", "type": "text", "required": True},
              {"name": "score", "label": "Score", "type": "number"},
              {"name": "stars", "label": "Stars", "type": "rating"},
              {"name": "who", "label": "Who", "type": "user"},
              {"name": "due", "label": "Due", "type": "date"},
              {"name": "took", "label": "Took", "type": "duration"},
              {"name": "price", "label": "Price", "type": "currency"}):
        ok(api.post("/api/v1/types/thing/fields", json=f), 201)
    rid = ok(api.post("/api/v1/records/thing", json={"fields": {"name": "Kept", "score": 1}}), 201)["id"]
    gone = ok(api.post("/api/v1/records/thing", json={"fields": {"name": "Trashed"}}), 201)["id"]
    assert api.delete(f"/api/v1/records/thing/{gone}").status_code in (200, 204)
    return rid


def admin_rules(app) -> list:
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin/")
            and not r.rule.startswith(("/admin/static", "/admin/logout", "/admin/lang", "/admin/login"))]


def fill(rule, rid: int, number: str = "") -> str:
    url = rule.rule
    for arg in rule.arguments:
        value = number if f"<int:{arg}>" in rule.rule else NAMES.get(arg, rid)
        url = re.sub(r"<(?:[a-z]+:)?%s>" % arg, quote(str(value)), url)
    return url


def no_server_error(resp, what) -> None:
    assert resp.status_code < 500, (what, resp.status_code, resp.get_data(as_text=True)[:300])


def test_every_admin_url_takes_hostile_numbers(app, admin_client, thing):
    token = csrf_token_from(admin_client.get("/admin/").get_data(as_text=True))
    tried = 0
    for rule in admin_rules(app):
        ints = [a for a in rule.arguments if f"<int:{a}>" in rule.rule]
        for number in HOSTILE if ints else [""]:
            url = fill(rule, thing, number)
            if ints and re.fullmatch(r"[0-9]+", number) and "GET" in rule.methods:
                assert admin_client.get(url).status_code == 404, url  # an id no row can have
            for param in PARAMS:
                for value in HOSTILE:
                    full = f"{url}?{param}={quote(value)}"
                    if "GET" in rule.methods:
                        no_server_error(admin_client.get(full), full)
                    if "POST" in rule.methods:
                        form = {"csrf_token": token, param: value, "id": value, "rowid": value, "action": "delete",
                                "record_id": value}
                        no_server_error(admin_client.post(full, data=form), ("POST", full))
                    tried += 1
    assert tried > 1000


def test_every_list_filter_takes_hostile_numbers(app, admin_client, thing):
    page = admin_client.get("/admin/records/thing/").get_data(as_text=True)
    count = len(set(re.findall(r"flt\d*_(\d+)", page))) or 60
    assert count >= 20
    for i in range(max(count, 60)):
        for value in HOSTILE + ["1e308", "-1e400", "9" * 400, "nan", "inf"]:
            url = f"/admin/records/thing/?flt0_{i}={quote(value)}"
            no_server_error(admin_client.get(url), url)
            no_server_error(admin_client.get(f"/admin/records/thing/export/csv/?flt0_{i}={quote(value)}"), url)


def test_what_the_pages_answer(admin_client, thing):
    base = "/admin/records/thing"
    # a page past the end is an empty page, a negative page the first
    for page in ("99999999999999999999", "10000001", "-1", "-99999999999999999999"):
        resp = admin_client.get(f"{base}/?page={page}")
        assert resp.status_code == 200, page
        assert ("Kept" in resp.get_data(as_text=True)) is page.startswith("-"), page
    for size in ("99999999999999999999", "-1", "0", "1000000"):
        assert "Kept" in admin_client.get(f"{base}/?page_size={size}").get_data(as_text=True)
    for sort in ("99999999999999999999", "-1", "2147483648", "100"):
        assert "Kept" in admin_client.get(f"{base}/?sort={sort}&desc=99999999999999999999").get_data(as_text=True)
    # no such record: Flask-Admin's "record does not exist" (a redirect) or a 404, as for any unknown id
    for rid in ("2147483648", "-99999999999999999999", "99999999999999999999", "²", "0"):
        for page in ("details", "edit"):
            assert admin_client.get(f"{base}/{page}/?id={quote(rid)}").status_code in (302, 404), (page, rid)
    # a trash cursor of no page: the first page, said so
    trash = admin_client.get(f"{base}/trash/?cursor=eyJrIjpbXSwiaWQiOjk5OTk5OTk5OTk5OTl9")
    assert trash.status_code == 200 and "Trashed" in trash.get_data(as_text=True)
    # ids in the path of the metamodel pages: 404
    for path in ("/admin/rules/2147483648/edit/", "/admin/rules/99999999999999999999/runs/", "/admin/rules/7/edit/"):
        assert admin_client.get(path).status_code == 404, path
    assert admin_client.get("/admin/audit/?cursor=99999999999999999999").status_code == 200
