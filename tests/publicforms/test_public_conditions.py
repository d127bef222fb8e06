"""Conditional fields on a public form: the page carries the conditions its script evaluates live, the
server refuses what they refuse, and a URL cannot prefill a field the prefilled record hides or locks."""
from __future__ import annotations

import html
import json
import re

import pytest

from support import csrf_token_from

FIELDS = [
    {"name": "summary", "label": "Summary", "label_zh": "摘要", "type": "text", "required": True},
    {"name": "kind", "label": "Kind", "label_zh": "类型", "type": "single_select",
     "options": {"choices": [{"value": "incident", "label": "Incident", "label_zh": "事故"},
                             {"value": "question", "label": "Question", "label_zh": "咨询"}]}},
    {"name": "injured", "label": "Anyone injured", "label_zh": "有人受伤", "type": "boolean"},
    {"name": "details", "label": "What happened", "label_zh": "经过", "type": "long_text",
     "conditions": {"show_when": {"field": "kind", "op": "eq", "value": "incident"},
                    "required_when": {"field": "injured", "op": "is_true"}}},
    {"name": "reference", "label": "Reference", "type": "text",
     "conditions": {"readonly_when": {"field": "kind", "op": "eq", "value": "question"}}},
    {"name": "internal", "label": "Internal", "type": "text"},
    {"name": "triage", "label": "Triage", "type": "text",  # reads a field the form does not show
     "conditions": {"required_when": {"field": "internal", "op": "is_not_empty"}}},
    {"name": "people", "label": "People hurt", "label_zh": "受伤人数", "type": "number"},
    {"name": "names", "label": "Their names", "label_zh": "姓名", "type": "text",
     "conditions": {"required_when": {"field": "people", "op": "gt", "value": 0}}},
]


def _ok(resp, status=200):
    assert resp.status_code == status, resp.get_data(as_text=True)[:800]
    return resp.get_json()


@pytest.fixture
def form(api):
    _ok(api.post("/api/v1/types", json={"name": "report", "label": "Report", "primary_field": "summary",
                                        "fields": [{k: v for k, v in f.items() if k != "conditions"}
                                                   for f in FIELDS]}), 201)
    for f in FIELDS:
        if "conditions" in f:
            _ok(api.patch(f"/api/v1/types/report/fields/{f['name']}", json={"conditions": f["conditions"]}))
    return _ok(api.post("/api/v1/types/report/forms", json={
        "title": "Report it", "fields": ["summary", "kind", "injured", "details", "reference", "triage", "people",
                                        "names"],
        "settings": {"prefill": True}}), 201)


def _spec(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="rb-form-conditions">(.*?)</script>', page, re.S)
    assert found, "the page carries its conditions"
    return json.loads(found.group(1))


def test_the_page_carries_the_conditions_and_their_scripts(app, form):
    resp = app.test_client().get(form["url"])
    page = resp.get_data(as_text=True)
    spec = _spec(page)
    assert spec["conditions"]["details"] == {"show_when": {"field": "kind", "op": "eq", "value": "incident"},
                                             "required_when": {"field": "injured", "op": "is_true"}}
    assert spec["conditions"]["reference"] == {"readonly_when": {"field": "kind", "op": "eq", "value": "question"}}
    assert "triage" not in spec["conditions"]  # it reads a field off the form: neither shown nor enforced here
    assert spec["inputs"]["details"] == "f_details" and spec["types"]["kind"] == "single_select"
    assert "internal" not in spec["types"]  # (a field off the form is not even named)
    assert "condition_builder.js" in page and "conditional_form.js" in page
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]  # our own scripts only


def test_a_form_without_conditions_runs_no_condition_script(app, api, form):
    plain = _ok(api.post("/api/v1/types/report/forms", json={"title": "Plain", "fields": ["summary", "internal"]}),
                201)
    resp = app.test_client().get(plain["url"])
    assert "rb-form-conditions" not in resp.get_data(as_text=True)
    assert "script-src" not in resp.headers["Content-Security-Policy"]


def _submit(client, url, data):
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_a_submission_is_held_to_the_conditions(app, api, form):
    client = app.test_client()
    resp = _submit(client, form["url"], {"f_summary": "Fall", "f_kind": "incident", "f_injured": "y"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "is required when Anyone injured" in page, page[-2000:]
    resp = _submit(client, form["url"], {"f_summary": "Fall", "f_kind": "question", "f_injured": "y"})
    assert resp.status_code == 200  # hidden: not required
    resp = _submit(client, form["url"], {"f_summary": "Q", "f_kind": "question", "f_reference": "R-1"})
    assert resp.status_code == 422 and "cannot be changed when" in resp.get_data(as_text=True)
    resp = _submit(client, form["url"], {"f_summary": "Fall", "f_kind": "incident", "f_injured": "y",
                                         "f_details": "Slipped on the stairs"})
    assert resp.status_code == 200
    records = _ok(api.get("/api/v1/records/report?sort=id"))["records"]
    assert [r["fields"]["summary"] for r in records] == ["Fall", "Fall"]


def _field_errors(page: str) -> dict[str, list[str]]:
    """The messages shown beside each input of the page, by input name."""
    out = {}
    for group in page.split('<div class="form-group">')[1:]:
        name = re.search(r'name="(f_[a-z_]+)"', group)
        if name:
            out[name.group(1)] = [html.unescape(m) for m in
                                  re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', group)]
    return out


@pytest.mark.parametrize("lang,required_when", [("en", "is required when Anyone injured"), ("zh", "时必填")])
def test_the_fields_and_the_conditions_problems_show_in_one_round(app, api, form, lang, required_when):
    client = app.test_client()
    url = form["url"] + f"?lang={lang}"
    resp = _submit(client, url, {"f_summary": "", "f_kind": "incident", "f_injured": "y", "f_people": "many",
                                 "f_reference": "R-1"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422, page[-2000:]
    errors = _field_errors(page)
    assert errors["f_summary"] and errors["f_people"]  # the form fields' own problems (required, a bad number)
    assert len(errors["f_details"]) == 1 and required_when in errors["f_details"][0]  # and the condition's
    assert errors["f_names"] == []  # its condition reads a number refused above: not known, not claimed
    assert errors["f_reference"] == [] and errors["f_kind"] == [] and errors["f_injured"] == []
    assert "rb-form-errors" not in page  # each problem beside its field, none at the top
    # the same answers with the fields put right: only the condition's problem is left, the same one
    resp = _submit(client, url, {"f_summary": "Fall", "f_kind": "incident", "f_injured": "y", "f_people": "2",
                                 "f_reference": "R-1"})
    errors = _field_errors(resp.get_data(as_text=True))
    assert resp.status_code == 422
    assert len(errors["f_details"]) == 1 and required_when in errors["f_details"][0]
    assert len(errors["f_names"]) == 1 and errors["f_summary"] == [] and errors["f_people"] == []
    resp = _submit(client, url, {"f_summary": "Fall", "f_kind": "incident", "f_injured": "y", "f_people": "2",
                                 "f_details": "Slipped", "f_names": "Ann, Bo", "f_reference": "R-1"})
    assert resp.status_code == 200
    assert _ok(api.get("/api/v1/records/report"))["records"][0]["fields"]["names"] == "Ann, Bo"


def test_a_hidden_field_has_no_condition_problem_when_the_form_is_refused(app, form):
    client = app.test_client()
    resp = _submit(client, form["url"], {"f_summary": "", "f_kind": "question", "f_injured": "y"})
    errors = _field_errors(resp.get_data(as_text=True))
    assert resp.status_code == 422 and errors["f_summary"]
    assert errors["f_details"] == []  # hidden by its show-when: not required, as on a valid submission


def test_prefill_of_a_hidden_or_locked_field_is_ignored(app, form):
    client = app.test_client()
    page = client.get(form["url"] + "?summary=Door&kind=question&details=SNEAKY&reference=LOCKED").get_data(
        as_text=True)
    assert 'value="Door"' in page and "SNEAKY" not in page and "LOCKED" not in page
    page = client.get(form["url"] + "?summary=Door&kind=incident&details=Shown+now&reference=R-2").get_data(
        as_text=True)
    assert "Shown now" in page and 'value="R-2"' in page
    page = client.get(form["url"] + "?details=NO+KIND").get_data(as_text=True)
    assert "NO KIND" not in page  # no kind given: the field is hidden


def test_a_condition_on_a_field_off_the_form_never_breaks_the_page(app, api, form):
    """A field the form does not show may still be required by its condition (the form's builder left it
    out): a refused submission is a 422 page with the form fields' problems (never a 500), and the off-form
    field's refusal is told above the fields, as the record store's own refusal is."""
    _ok(api.post("/api/v1/types/report/fields", json={
        "name": "escalation", "label": "Escalation", "label_zh": "升级说明", "type": "text"}), 201)
    _ok(api.patch("/api/v1/types/report/fields/escalation",
                  json={"conditions": {"required_when": {"field": "people", "op": "gt", "value": 5}}}))
    client = app.test_client()
    resp = _submit(client, form["url"], {"f_summary": "", "f_kind": "question", "f_people": "9"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422, page[-2000:]
    assert _field_errors(page)["f_summary"]  # the form field's own problem, beside it
    resp = _submit(client, form["url"], {"f_summary": "Fall", "f_kind": "question", "f_people": "9",
                                         "f_names": "Ann"})
    page = html.unescape(resp.get_data(as_text=True))
    assert resp.status_code == 422 and "is required when People hurt > 5" in page
    assert _ok(api.get("/api/v1/records/report"))["records"] == []
