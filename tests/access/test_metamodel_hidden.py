"""Issue #15, item 17: a hidden field does not exist in the metamodel either.

``vendor`` hides ``credit_code`` (a default, a help text, a section of its own) and ``tier``
(a single select) from ``vendor_reader``; a formula reads the credit code, a contract's lookup
and a vendor's rollup are built on hidden fields; ``ledger`` is a type the reader may not read.
The reader's metamodel endpoints, saved views and OpenAPI never name any of it; the owner
(who configures) still sees the whole definition.
"""
from __future__ import annotations

import json

import pytest

from recordbase.auth import create_token, create_user

from .helpers import PASSWORD, err, make_type, ok, sign_in

SECRETS = ("credit_code", "Credit code", "DEFAULT-SECRET", "Platinum-secret", "tier", "Confidential", "ledger",
           "secret help")
VENDOR_FIELDS = [
    {"name": "name", "label": "Name", "type": "text", "required": True},
    {"name": "credit_code", "label": "Credit code", "type": "text", "default": "DEFAULT-SECRET",
     "help_text": "secret help", "section": "Confidential"},
    {"name": "tier", "label": "Level", "type": "single_select", "options": {"choices": ["Platinum-secret", "Gold"]}},
    {"name": "shout", "label": "Shout", "type": "formula", "options": {"expression": "UPPER({name})"}},
    {"name": "code_tag", "label": "Code tag", "type": "formula", "options": {"expression": "\"#\" & {credit_code}"}},
]
DEAL_FIELDS = [
    {"name": "title", "label": "Title", "type": "text", "required": True},
    {"name": "vendor", "label": "Vendor", "type": "link", "options": {"target": "vendor"}},
    {"name": "amount", "label": "Amount", "type": "number"},
    {"name": "vendor_name", "label": "Vendor name", "type": "lookup", "options": {"link": "vendor", "target_field": "name"}},
    {"name": "vendor_code", "label": "Vendor code", "type": "lookup",
     "options": {"link": "vendor", "target_field": "credit_code"}},
]
READER = {"name": "vendor_reader", "label": "Vendor reader", "permissions": {
    "vendor": {"actions": ["read"], "hidden_fields": ["credit_code", "tier"]},
    "deal": {"actions": ["read"], "hidden_fields": ["amount"]}}}


@pytest.fixture
def reader(app, api, sessions):
    make_type(api, "vendor", VENDOR_FIELDS)
    make_type(api, "deal", DEAL_FIELDS)
    make_type(api, "ledger", [{"name": "entry", "label": "Entry", "type": "text"}])
    ok(api.post("/api/v1/types/vendor/fields", json={
        "name": "big_deals", "label": "Big deals", "type": "count",
        "options": {"link": "deal.vendor", "filter": {"field": "amount", "op": "gt", "value": 100}}}), 201)
    ok(api.post("/api/v1/types/vendor/fields", json={
        "name": "levels", "label": "Levels", "type": "rollup",
        "options": {"link": "deal.vendor", "target_field": "vendor_code", "function": "concat"}}), 201)
    ok(api.patch("/api/v1/types/vendor", json={"primary_field": "credit_code"}))
    ok(api.post("/api/v1/roles", json=READER), 201)
    views = {"open": {"type": "vendor", "name": "By name", "sort": "name", "columns": ["name", "shout"]},
             "by_code": {"type": "vendor", "name": "Coded", "filter": {"field": "credit_code", "op": "contains",
                                                                        "value": "91"}},
             "by_tier": {"type": "vendor", "name": "Tiered", "sort": "-tier"},
             "col": {"type": "vendor", "name": "Wide", "columns": ["name", "tier"]},
             "ledger": {"type": "ledger", "name": "Ledger entries"}}
    ids = {k: ok(api.post("/api/v1/views", json=v), 201)["id"] for k, v in views.items()}
    with sessions.begin() as s:
        u = create_user(s, "rita@example.com", PASSWORD, role="vendor_reader")
        u.role = "editor"  # the legacy column the views endpoints still read: let her reach their checks
        token = create_token(s, u, name="tests")
    return type(api)(app.test_client(), token), ids


def no_secret(blob) -> None:
    text = blob if isinstance(blob, str) else json.dumps(blob, ensure_ascii=False)
    for s in SECRETS:
        assert s not in text, f"{s!r} leaked in {text[:2000]}"


def test_types_and_fields_leave_hidden_fields_out(api, reader):
    rita, _ = reader
    types = ok(rita.get("/api/v1/types"))["types"]
    assert sorted(t["name"] for t in types) == ["deal", "vendor"]
    vendor = ok(rita.get("/api/v1/types/vendor"))
    names = [f["name"] for f in vendor["fields"]]
    assert names == ["name", "shout", "code_tag", "big_deals", "levels"] and vendor["primary_field"] is None
    by_name = {f["name"]: f for f in vendor["fields"]}
    assert by_name["shout"]["options"]["expression"] == "UPPER({name})"  # naming nothing hidden: as it is
    assert by_name["code_tag"]["options"] == {"result_type": "text"}
    assert by_name["big_deals"]["options"] == {"result_type": "number"}  # its filter names deal.amount
    assert by_name["levels"]["options"]["target_field"] == "vendor_code"  # a field she sees (its definition not)
    deal = ok(rita.get("/api/v1/types/deal"))
    deal_fields = {f["name"]: f for f in deal["fields"]}
    assert deal_fields["vendor_name"]["options"]["target_field"] == "name"
    assert deal_fields["vendor_code"]["options"] == {"result_type": "text"}
    assert ok(rita.get("/api/v1/types/vendor/fields"))["fields"] == vendor["fields"]
    assert ok(rita.get("/api/v1/types/deal/fields/vendor_code"))["options"] == {"result_type": "text"}
    hidden = err(rita.get("/api/v1/types/vendor/fields/credit_code"), 404)
    unknown = err(rita.get("/api/v1/types/vendor/fields/nosuch"), 404)
    assert hidden["message"].replace("credit_code", "nosuch") == unknown["message"]
    err(rita.get("/api/v1/types/ledger"), 404)
    no_secret([types, vendor, deal, ok(rita.get("/api/v1/types/vendor/fields"))])
    doc = ok(rita.get("/api/v1/openapi.json"))
    no_secret(doc)
    # the owner configures: the whole definition
    full = ok(api.get("/api/v1/types/vendor"))
    assert "credit_code" in [f["name"] for f in full["fields"]] and full["primary_field"] == "credit_code"
    assert {f["name"]: f for f in full["fields"]}["code_tag"]["options"]["expression"] == '"#" & {credit_code}'


def test_views_naming_hidden_fields_or_of_unreadable_types_do_not_exist(api, reader):
    rita, ids = reader
    listed = ok(rita.get("/api/v1/views"))["views"]
    assert [v["id"] for v in listed] == [ids["open"]]
    no_secret(listed)
    assert [v["id"] for v in ok(rita.get("/api/v1/views?type=vendor"))["views"]] == [ids["open"]]
    for key in ("by_code", "by_tier", "col", "ledger"):
        e = err(rita.get(f"/api/v1/views/{ids[key]}"), 404)
        assert e["message"] == f"No saved view with id {ids[key]}"
        err(rita.patch(f"/api/v1/views/{ids[key]}", json={"name": "x"}), 404)
        err(rita.delete(f"/api/v1/views/{ids[key]}"), 404)
    for ref in (ids["by_code"], "Coded"):
        e = err(rita.get(f"/api/v1/records/vendor?view={ref}"), 404)
        no_secret(e)
    ok(rita.get(f"/api/v1/records/vendor?view={ids['open']}"))
    # a view cannot be built on what the reader cannot see (no oracle on the hidden field)
    e = err(rita.post("/api/v1/views", json={"type": "vendor", "name": "Probe",
                                             "filter": {"field": "credit_code", "op": "contains", "value": "9"}}), 422)
    e2 = err(rita.post("/api/v1/views", json={"type": "vendor", "name": "Probe",
                                              "filter": {"field": "nosuch", "op": "contains", "value": "9"}}), 422)
    assert e["message"].replace("credit_code", "nosuch") == e2["message"]
    err(rita.post("/api/v1/views", json={"type": "ledger", "name": "Probe"}), 422)
    assert len(ok(api.get("/api/v1/views"))["views"]) == 5  # the owner sees them all


def test_admin_metamodel_and_pack_export_are_for_configurers(app, sessions, reader):
    rita, _ = reader
    client = sign_in(app, "rita@example.com")
    for url in ("/admin/metamodel/", "/admin/metamodel/type/vendor/"):
        resp = client.get(url)
        assert resp.status_code in (302, 403, 404), (url, resp.status_code)
        no_secret(resp.get_data(as_text=True))
    err(rita.post("/api/v1/packs/export", json={"types": ["vendor"]}), 403)
    with sessions.begin() as s:  # a builder's token limited to deals: not the structure of every type
        builder = create_user(s, "bea@example.com", PASSWORD, role="builder")
        narrowed = type(rita)(app.test_client(), create_token(s, builder, name="deals", types=["deal"]))
    err(narrowed.post("/api/v1/packs/export", json={"types": ["vendor"], "records": True}), 403)
