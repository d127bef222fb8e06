"""The admin side of conditional fields: the field form builds conditions with pickers (a textarea
of the tree behind them), saves them checked; record forms carry the conditions for the live script."""
from __future__ import annotations

import html
import json
import re

from .helpers import CONDITIONS, ok, page_text


def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _catalog(page: str) -> dict:
    m = re.search(r'class="rb-condition-builder" data-catalog="([^"]*)"', page)
    return json.loads(html.unescape(m.group(1)))


def test_field_form_offers_the_types_fields_with_operators_in_words(admin_client, report_type, switch_language):
    url = "/admin/metamodel/types/report/fields/root_cause/edit/"
    page = page_text(admin_client.get(url))
    assert page.count('class="rb-condition-builder"') == 3 and "condition_builder.js" in page
    catalog = _catalog(page)
    fields = {f["name"]: f for f in catalog["fields"]}
    assert "root_cause" not in fields  # not its own condition
    assert fields["severity"]["input"] == "choice" and ["high", "High"] in fields["severity"]["choices"]
    assert fields["closed"]["ops"] == ["eq", "is_true", "is_false"] and fields["closed"]["input"] == "boolean"
    assert catalog["ops"]["within_next_days"]["label"] == "is within the next N days"
    # the stored trees are in the textareas, as JSON
    m = re.search(r'<textarea[^>]*name="cond_show_when"[^>]*>(.*?)</textarea>', page, re.S)
    assert json.loads(html.unescape(m.group(1))) == CONDITIONS["root_cause"]["show_when"]
    switch_language(admin_client, "zh")
    catalog = _catalog(page_text(admin_client.get(url)))
    fields = {f["name"]: f for f in catalog["fields"]}
    assert fields["severity"]["label"] == "严重程度" and ["high", "高"] in fields["severity"]["choices"]
    assert catalog["ops"]["before"]["label"] == "早于" and catalog["ops"]["in"]["label"] == "属于"


def test_field_form_saves_conditions_and_refuses_a_bad_one_beside_it(admin_client, api, report_type):
    url = "/admin/metamodel/types/report/fields/resolution/edit/"
    page = page_text(admin_client.get(url))
    form = {"csrf_token": _token(page), "label": "Resolution", "type": "text", "show_in_list": "y",
            "cond_show_when": json.dumps({"field": "kind", "op": "eq", "value": "incident"}),
            "cond_required_when": "", "cond_readonly_when": json.dumps({"field": "closed", "op": "is_true"}),
            "options_json": ""}
    resp = admin_client.post(url, data=form)
    assert resp.status_code == 302, page_text(resp)[:2000]
    field = [f for f in ok(api.get("/api/v1/types/report"))["fields"] if f["name"] == "resolution"][0]
    assert field["conditions"] == {"show_when": {"field": "kind", "op": "eq", "value": "incident"},
                                   "readonly_when": {"field": "closed", "op": "is_true"}}
    form["cond_required_when"] = json.dumps({"field": "closed", "op": "lt", "value": 3})
    resp = admin_client.post(url, data=form)
    assert resp.status_code == 200
    assert "does not apply to boolean field" in page_text(resp)
    form["cond_required_when"] = "{not json"
    assert "Not valid JSON." in page_text(admin_client.post(url, data=form))


def test_record_forms_carry_the_conditions_and_the_script(admin_client, api, report_type, order_type):
    page = page_text(admin_client.get("/admin/records/report/new/"))
    m = re.search(r'<script type="application/json" id="rb-form-conditions">(.*?)</script>', page, re.S)
    spec = json.loads(m.group(1))
    assert spec["conditions"]["root_cause"] == CONDITIONS["root_cause"] and "conditional_form.js" in page
    # a condition through a lookup: the edit form has the record's looked-up value
    s = ok(api.post("/api/v1/records/supplier", json={"fields": {"name": "B", "status": "blacklisted"}}), 201)
    o = ok(api.post("/api/v1/records/purchase", json={"fields": {"title": "o", "supplier": s["id"],
                                                                 "approval": "yes"}}), 201)
    page = page_text(admin_client.get(f"/admin/records/purchase/edit/?id={o['id']}"))
    spec = json.loads(re.search(r'id="rb-form-conditions">(.*?)</script>', page, re.S).group(1))
    assert spec["values"] == {"supplier_status": "blacklisted"}
    # a type without conditions gets nothing
    assert "rb-form-conditions" not in page_text(admin_client.get("/admin/records/supplier/new/"))
