"""Issue #15 item 6: text that looks like a number is matched against record ids only when it is one.

A search for an 11-digit mobile number was a 400 on the PostgreSQL API and a 500 in the admin
(``id == 13800138000`` overflows PostgreSQL's ``integer``), and ``search=²`` a 500 everywhere
(``'²'.isdigit()`` is true, ``int('²')`` fails). Now only ASCII digits whose value fits the id
column are compared with ids (``recordbase.metamodel.ids.as_id``); anything else is searched as
text: on both databases, through the API, the admin, /v0, link filters, saved views and import.
"""
from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

import pytest
from support import ok

BASE = "appRecordbase0001"
MOBILE = "13800138000"


@pytest.fixture
def contacts(api):
    ok(api.post("/api/v1/types", json={"name": "contact", "label": "Contact"}), 201)
    for f in ({"name": "name", "label": "Name", "type": "text", "required": True},
              {"name": "mobile", "label": "Mobile", "type": "text"}):
        ok(api.post("/api/v1/types/contact/fields", json=f), 201)
    ok(api.post("/api/v1/types", json={"name": "deal", "label": "Deal"}), 201)
    for f in ({"name": "title", "label": "Title", "type": "text", "required": True},
              {"name": "contact", "label": "Contact", "type": "link", "options": {"target": "contact"}},
              {"name": "others", "label": "Others", "type": "link", "options": {"target": "contact", "many": True}}):
        ok(api.post("/api/v1/types/deal/fields", json=f), 201)
    ids = {}
    for key, name, mobile in (("zhang", "Zhang Wei", MOBILE), ("square", "Square ² metre", None),
                              ("arabic", "Arabic ١٢٣", None)):
        ids[key] = ok(api.post("/api/v1/records/contact", json={"fields": {"name": name, "mobile": mobile}}), 201)["id"]
    ok(api.post("/api/v1/records/deal", json={"fields": {"title": "First deal", "contact": ids["zhang"],
                                                         "others": [ids["square"]]}}), 201)
    assert ids == {"zhang": 1, "square": 2, "arabic": 3}  # (the cases below rely on these ids)
    return ids


#: search text -> the contacts it finds (by text, or "2" by id: no text holds a 2)
CASES = {MOBILE: {"Zhang Wei"}, "²": {"Square ² metre"}, "١٢٣": {"Arabic ١٢٣"},
         "١": {"Arabic ١٢٣"},  # an Arabic-Indic one is not record 1
         "99999999999999999999999": set(), "2147483648": set(), "2": {"Square ² metre"}}
NAMES = {"Zhang Wei", "Square ² metre", "Arabic ١٢٣"}


@pytest.mark.parametrize("text", list(CASES))
def test_api_search(api, contacts, text):
    body = ok(api.get(f"/api/v1/records/contact?search={quote(text)}&count=1"))
    assert {r["fields"]["name"] for r in body["records"]} == CASES[text]
    assert body["count"] == len(CASES[text])
    export = api.get(f"/api/v1/records/contact/export?format=csv&search={quote(text)}")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert {r[0] for r in rows[1:]} == CASES[text], rows


@pytest.mark.parametrize("text", list(CASES))
def test_admin_search(admin_client, contacts, text):
    page = admin_client.get(f"/admin/records/contact/?search={quote(text)}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for name in NAMES:
        assert (name in body) is (name in CASES[text]), (text, name)
    export = admin_client.get(f"/admin/records/contact/export/csv/?search={quote(text)}")
    assert export.status_code == 200
    found = {n for n in NAMES if n in export.get_data(as_text=True)}
    assert found == CASES[text]


@pytest.mark.parametrize("text", [MOBILE, "²", "١٢٣", "99999999999999999999999"])
def test_link_filters_pickers_views_and_v0(api, admin_client, contacts, text):
    # the API's link filters: not a record id (400, the filter's own error), never the database's
    for field, op in (("contact", "eq"), ("others", "contains")):
        resp = api.get("/api/v1/records/deal?filter=" + quote(json.dumps({"field": field, "op": op, "value": text})))
        assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid_filter", resp.get_json()
    # a link's value is not a record id either (the field's 422)
    resp = api.post("/api/v1/records/deal", json={"fields": {"title": "x", "contact": text}})
    assert resp.status_code == 422 and "contact" in resp.get_json()["error"]["details"]
    resp = api.post("/api/v1/records/deal/batch", json={"records": [{"fields": {"title": "x", "others": [text]}}]})
    assert resp.status_code == 422
    # a saved view by that "id" or name does not exist
    assert api.get(f"/api/v1/records/deal?view={quote(text)}").status_code == 404
    # the admin's link filters (every filter of the deal list) take the text as a title: no such contact
    page = admin_client.get("/admin/records/deal/")
    assert page.status_code == 200
    for i in range(40):
        resp = admin_client.get(f"/admin/records/deal/?flt0_{i}={quote(text)}")
        assert resp.status_code == 200, (i, resp.status_code)
    # /v0: a record id that cannot exist matches nothing; a text search finds the mobile number
    for formula in (f"RECORD_ID()={text}" if text.isascii() else "RECORD_ID()=0", f"RECORD_ID()='rec{text}'",
                    f"SEARCH('{text}', {{Mobile}})"):
        resp = api.get(f"/v0/{BASE}/Contact?filterByFormula={quote(formula)}")
        assert resp.status_code in (200, 422), (formula, resp.status_code, resp.get_data(as_text=True)[:300])
        if resp.status_code == 200:
            names = {r["fields"].get("Name") for r in resp.get_json()["records"]}
            assert names == ({"Zhang Wei"} if text == MOBILE and formula.startswith("SEARCH") else set()), formula
    assert api.get(f"/v0/{BASE}/Contact/rec{quote(text)}").status_code == 404


def test_admin_rule_runs_and_details_take_no_foreign_digits(admin_client, contacts):
    for text in (MOBILE, "²", "١٢٣"):
        assert admin_client.get(f"/admin/rules/runs/?rule_id={quote(text)}&record_id={quote(text)}").status_code == 200
        assert admin_client.get(f"/admin/records/contact/details/?id={quote(text)}").status_code in (302, 404)
    # '٢' (Arabic-Indic 2) is not record 2
    assert admin_client.get(f"/admin/records/contact/details/?id={quote('٢')}").status_code in (302, 404)
    assert api_get_ok(admin_client, "/admin/records/contact/details/?id=2")


def api_get_ok(client, url: str) -> bool:
    return client.get(url).status_code == 200


def test_import_link_values_and_column_numbers(api, contacts):
    data = "title,contact\nBy mobile,13800138000\nBy square,²\nBy id,1\n".encode()
    resp = api.post("/api/v1/records/deal/import", data={"file": (io.BytesIO(data), "deals.csv")},
                    content_type="multipart/form-data")
    assert resp.status_code == 422, resp.get_data(as_text=True)[:500]
    body = resp.get_json()
    assert not body["committed"] and {e["row"] for e in body["errors"]} == {2, 3}, body["errors"]
    resp = api.post("/api/v1/records/deal/import?skip_bad_rows=1",
                    data={"file": (io.BytesIO(data), "deals.csv"), "mapping": json.dumps({"²": "title"})},
                    content_type="multipart/form-data")
    assert resp.status_code < 500, resp.get_data(as_text=True)[:500]
