"""Form layout: fields in position order across sections, section definitions (bilingual titles
and help, one or two columns) through the API and the admin, computed and system fields out of
the create form."""
from __future__ import annotations

import re

from .helpers import csrf_token_from, ok, text

LAYOUT = {"sections": [{"key": "basics", "label": "Basics", "label_zh": "基本信息", "columns": 2,
                        "help": "Who and when", "help_zh": "谁和何时"}]}


def _switch(client, code: str) -> None:
    token = csrf_token_from(text(client.get("/admin/", follow_redirects=True)))
    client.post(f"/admin/lang/{code}", data={"csrf_token": token})


def test_a_field_without_a_section_stays_at_its_position(world, admin_client):
    page = text(admin_client.get("/admin/records/evaluation/new/"))
    basics = page.index('data-section="basics"')
    end_of_basics = page.index("</fieldset>", basics)
    assert basics < page.index('name="evaluation_no"') < page.index('name="period"') < end_of_basics
    assert page.index('name="notes"') > end_of_basics  # the last field, drawn last: not above the section
    # a field without a section placed first stays first
    ok(world.post("/api/v1/types/evaluation/fields/order",
                  json={"order": ["notes", "evaluation_no", "code", "period"]}))
    page = text(admin_client.get("/admin/records/evaluation/new/"))
    assert page.index('name="notes"') < page.index('data-section="basics"') < page.index('name="period"')


def test_sections_have_titles_help_and_columns_in_each_language(world, admin_client):
    assert ok(world.get("/api/v1/types/evaluation/layout")) == {}
    assert ok(world.put("/api/v1/types/evaluation/layout", json=LAYOUT)) == LAYOUT
    assert ok(world.get("/api/v1/types/evaluation/layout")) == LAYOUT
    page = text(admin_client.get("/admin/records/evaluation/new/"))
    assert "<legend>Basics</legend>" in page and "Who and when" in page and "rb-cols-2" in page
    assert "基本信息" not in page and "basics</legend>" not in page
    _switch(admin_client, "zh")
    page = text(admin_client.get("/admin/records/evaluation/new/"))
    assert "<legend>基本信息</legend>" in page and "谁和何时" in page
    assert "Basics" not in page and "Who and when" not in page
    # the details page groups the fields the same way, in the page's language
    rid = ok(world.post("/api/v1/records/evaluation", json={"fields": {"evaluation_no": "EV-1"}}), 201)["id"]
    details = text(admin_client.get(f"/admin/records/evaluation/details/?id={rid}"))
    assert re.search(r'data-section="basics">\s*<h5>基本信息</h5>', details)
    assert 'class="rb-record-title mb-3">EV-1' in details


def test_a_layout_is_checked(world):
    def refused(doc: dict, where: str) -> None:
        resp = world.put("/api/v1/types/evaluation/layout", json=doc)
        assert resp.status_code == 422, text(resp)
        assert any(k.startswith(where) for k in resp.get_json()["error"]["details"]), resp.get_json()

    refused({"sections": [{"key": "a", "label": "A", "columns": 3}]}, "sections[0].columns")
    refused({"sections": [{"key": "a", "label": "A"}, {"key": "a", "label": "B"}]}, "sections[1].key")
    refused({"sections": [{"key": "a"}]}, "sections[0]")
    refused({"related": [{"type": "evaluation_item", "field": "kpi"}]}, "related[0]")  # points at kpi
    refused({"related": [{"type": "evaluation_item", "field": "evaluation", "columns": ["nope"]}]},
            "related[0].columns")
    assert world.put("/api/v1/types/evaluation/layout", json={"colour": 1}).status_code == 422
    assert world.put("/api/v1/types/nothing/layout", json={}).status_code == 404
    ok(world.put("/api/v1/types/evaluation/layout", json={"related": [
        {"type": "evaluation_item", "field": "evaluation", "columns": ["kpi", "score"], "inline": True}]}))


def test_computed_and_system_fields_are_not_on_the_create_form(world, admin_client):
    new = text(admin_client.get("/admin/records/evaluation_item/new/"))
    assert 'name="score"' in new and "Weighted" not in new
    new = text(admin_client.get("/admin/records/evaluation/new/"))
    assert "Code" not in new and "(set automatically)" not in new
    rid = ok(world.post("/api/v1/records/evaluation", json={"fields": {"evaluation_no": "EV-1"}}), 201)["id"]
    edit = text(admin_client.get(f"/admin/records/evaluation/edit/?id={rid}"))
    assert "E-001" in edit and 'name="code"' not in edit  # shown read-only when editing


def test_the_layout_page_edits_sections(world, admin_client):
    url = "/admin/metamodel/types/evaluation/layout/"
    page = text(admin_client.get(url))
    token = csrf_token_from(page)
    form = {"csrf_token": token, "pos_evaluation_no": "1", "pos_code": "2", "pos_period": "3", "pos_notes": "4",
            "section_evaluation_no": "basics", "section_code": "basics", "section_period": "basics",
            "section_notes": "", "sec_key_0": "basics", "sec_label_0": "Basics", "sec_label_zh_0": "基本信息",
            "sec_columns_0": "2", "sec_help_0": "Who and when", "sec_help_zh_0": "谁和何时"}
    resp = admin_client.post(url, data=form)
    assert resp.status_code in (302, 303), text(resp)[-2000:]
    assert ok(world.get("/api/v1/types/evaluation/layout")) == LAYOUT
    bad = dict(form, sec_label_0="")
    resp = admin_client.post(url, data=bad)
    assert resp.status_code == 200 and "is-invalid" in text(resp)
    assert ok(world.get("/api/v1/types/evaluation/layout")) == LAYOUT  # unchanged
