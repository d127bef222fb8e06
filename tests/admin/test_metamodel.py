"""Metamodel pages: types and fields are created and changed through forms (with CSRF)."""
from __future__ import annotations

import re
from decimal import Decimal

from admin_helpers import create_record, create_type, field_errors, page_text, post_form

from recordbase.context import platform
from recordbase.metamodel.runtime import load_schema, read_version


def schema(app):
    with platform(app).sessions() as s:
        return load_schema(s, read_version(s))


def new_field(client, type_name: str, data: dict):
    url = f"/admin/metamodel/types/{type_name}/fields/new/?type={data['type']}"
    return post_form(client, url, data)


def test_create_a_type_and_fields_through_the_forms(app, admin_client):
    resp = post_form(admin_client, "/admin/metamodel/types/new/",
                     {"name": "supplier", "label": "Supplier", "label_zh": "供应商", "app": "Procurement"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/admin/metamodel/types/supplier/"
    assert new_field(admin_client, "supplier", {"name": "name", "label": "Name", "type": "text", "required": "y",
                                                "show_in_list": "y"}).status_code == 302
    assert new_field(admin_client, "supplier", {"name": "score", "label": "Score", "type": "number",
                                                "opt_precision": "1", "section": "Rating",
                                                "help_text": "0 to 100", "help_text_zh": "0 到 100 分",
                                                "show_in_list": "y"}).status_code == 302
    resp = new_field(admin_client, "supplier", {
        "name": "status", "label": "Status", "type": "single_select", "show_in_list": "y", "default": "active",
        "opt_choices": "active | Active | 合作中 | #00aa00\npaused"})
    assert resp.status_code == 302, page_text(resp)[-1500:]
    t = schema(app).get("supplier")
    assert (t.label_zh, t.app) == ("供应商", "Procurement")
    assert [f.name for f in t.fields] == ["name", "score", "status"]
    assert t.field("name").required and t.field("score").options == {"precision": 1}
    assert t.field("score").section == "Rating" and t.field("score").help_text == "0 to 100"
    assert t.field("score").help_text_zh == "0 到 100 分"
    assert t.field("status").options == {"choices": [
        {"value": "active", "label": "Active", "label_zh": "合作中", "color": "#00aa00"}, "paused"]}
    assert t.field("status").default == "active"
    # the new type works at once in the record pages, with its sections and help text
    page = page_text(admin_client.get("/admin/records/supplier/new/"))
    assert "<legend>Rating</legend>" in page and "0 to 100" in page and "0 到 100 分" not in page
    edit = page_text(admin_client.get("/admin/metamodel/types/supplier/fields/score/edit/"))
    assert "0 到 100 分" in edit  # (the field form shows what was saved)
    assert '<option selected value="active">Active</option>' in page
    assert create_record(admin_client, "supplier", {"name": "Acme", "score": "12.34"}).status_code == 302
    fields_page = page_text(admin_client.get("/admin/metamodel/types/supplier/"))
    assert fields_page.index("Name") < fields_page.index("Score") < fields_page.index("Status")


def test_field_form_needs_csrf(app, admin_client, sessions):
    create_type(sessions, {"name": "supplier", "label": "Supplier"})
    resp = admin_client.post("/admin/metamodel/types/supplier/fields/new/?type=text",
                             data={"name": "x", "label": "X", "type": "text"})
    assert resp.status_code == 400
    assert schema(app).get("supplier").fields == ()


def test_errors_show_beside_the_inputs(app, admin_client, sessions):
    resp = post_form(admin_client, "/admin/metamodel/types/new/", {"name": "Bad Name", "label": "Bad"})
    assert resp.status_code == 200 and field_errors(page_text(resp), "name")
    create_type(sessions, {"name": "supplier", "label": "Supplier"})
    resp = post_form(admin_client, "/admin/metamodel/types/new/", {"name": "supplier", "label": "Again"})
    assert resp.status_code == 200 and field_errors(page_text(resp), "name")

    resp = new_field(admin_client, "supplier", {"name": "score", "label": "Score", "type": "number",
                                                "opt_precision": "99"})
    assert resp.status_code == 200
    assert any("10" in e for e in field_errors(page_text(resp), "opt_precision"))
    resp = new_field(admin_client, "supplier", {"name": "status", "label": "Status", "type": "single_select",
                                                "opt_choices": "a\na"})
    assert any("duplicate" in e for e in field_errors(page_text(resp), "opt_choices"))
    resp = new_field(admin_client, "supplier", {"name": "status", "label": "Status", "type": "single_select",
                                                "opt_choices": ""})
    assert field_errors(page_text(resp), "opt_choices")
    resp = new_field(admin_client, "supplier", {"name": "n", "label": "N", "type": "number",
                                                "options_json": "{not json"})
    assert field_errors(page_text(resp), "options_json")
    resp = new_field(admin_client, "supplier", {"name": "n", "label": "N", "type": "number",
                                                "options_json": '{"colour": "red"}'})
    assert field_errors(page_text(resp), "options_json")
    resp = new_field(admin_client, "supplier", {"name": "id", "label": "Id", "type": "text"})
    assert field_errors(page_text(resp), "name")
    resp = new_field(admin_client, "supplier", {"name": "flag", "label": "Flag", "type": "boolean", "unique": "y"})
    assert field_errors(page_text(resp), "unique")
    resp = new_field(admin_client, "supplier", {"name": "n", "label": "N", "type": "number", "default": "abc"})
    assert field_errors(page_text(resp), "default")
    assert schema(app).get("supplier").fields == ()  # nothing half-written


def test_the_api_name_is_judged_with_the_other_inputs(app, admin_client, sessions, switch_language):
    """A bad API name is shown in the same submit as an empty label, not after it is fixed."""
    resp = post_form(admin_client, "/admin/metamodel/types/new/", {"name": "Bad Name", "label": ""})
    page = page_text(resp)
    assert field_errors(page, "label") and field_errors(page, "name") == [
        "Use lowercase letters, digits and _, starting with a letter."]
    create_type(sessions, {"name": "supplier", "label": "Supplier"})
    switch_language(admin_client, "zh")
    resp = new_field(admin_client, "supplier", {"name": "version", "label": "", "type": "text"})
    page = page_text(resp)
    assert field_errors(page, "label") and field_errors(page, "name") == ["“version”是保留名称。"]
    assert schema(app).get("supplier").fields == ()


def test_options_follow_the_field_type(app, admin_client, sessions):
    create_type(sessions, {"name": "supplier", "label": "Supplier"})
    page = page_text(admin_client.get("/admin/metamodel/types/supplier/fields/new/?type=currency"))
    assert 'name="opt_code"' in page and 'name="opt_precision"' in page and 'name="opt_choices"' not in page
    # changing the type redraws the form (nothing is saved) with that type's options, keeping the input
    resp = post_form(admin_client, "/admin/metamodel/types/supplier/fields/new/",
                     {"name": "kind", "label": "Kind", "type": "link", "_refresh": "1"},
                     token_url="/admin/metamodel/types/supplier/fields/new/")
    page = page_text(resp)
    assert resp.status_code == 200 and 'name="opt_target"' in page and 'name="opt_many"' in page
    assert 'value="Kind"' in page and field_errors(page, "name") == []
    assert '<option value="supplier">' in page
    assert schema(app).get("supplier").fields == ()
    resp = new_field(admin_client, "supplier", {"name": "parent", "label": "Parent", "type": "link",
                                                "opt_target": "supplier", "opt_on_delete": "unlink"})
    assert resp.status_code == 302, page_text(resp)[-1500:]
    assert schema(app).get("supplier").field("parent").options == {"target": "supplier", "on_delete": "unlink"}


def test_edit_a_field_and_change_its_type(app, admin_client, sessions):
    create_type(sessions, {"name": "supplier", "label": "Supplier",
                           "fields": [{"name": "code", "label": "Code", "type": "text"}]})
    create_record(admin_client, "supplier", {"code": "12"})
    create_record(admin_client, "supplier", {"code": "twelve"})
    url = "/admin/metamodel/types/supplier/fields/code/edit/"
    page = page_text(admin_client.get(url))
    assert 'value="Code"' in page and 'name="name"' not in page  # the API name cannot change
    resp = post_form(admin_client, url, {"label": "Number", "label_zh": "编号", "type": "number", "show_in_list": "y"})
    assert resp.status_code == 200
    [message] = field_errors(page_text(resp), "type")
    assert "1 value cannot be converted (#2: twelve)" in message and "tick “Apply the change" in message
    assert '"force"' not in message  # (the API's word; here it is a checkbox)
    assert schema(app).get("supplier").field("code").field_type == "text"
    resp = post_form(admin_client, url, {"label": "Number", "label_zh": "编号", "type": "number", "show_in_list": "y",
                                         "force": "y"})
    assert resp.status_code == 302
    f = schema(app).get("supplier").field("code")
    assert (f.field_type, f.label, f.label_zh) == ("number", "Number", "编号")


def test_layout_orders_fields_and_sets_sections(app, admin_client, sessions):
    create_type(sessions, {"name": "supplier", "label": "Supplier", "fields": [
        {"name": "a", "label": "Alpha", "type": "text"}, {"name": "b", "label": "Bravo", "type": "text"},
        {"name": "c", "label": "Charlie", "type": "text"}]})
    url = "/admin/metamodel/types/supplier/layout/"
    resp = post_form(admin_client, url, {"pos_a": "3", "pos_b": "x", "pos_c": "1"})
    assert resp.status_code == 200 and "Enter a whole number." in page_text(resp)
    assert [f.name for f in schema(app).get("supplier").fields] == ["a", "b", "c"]
    resp = post_form(admin_client, url, {"pos_a": "3", "pos_b": "2", "pos_c": "1", "section_a": "Details",
                                         "section_b": "", "section_c": ""})
    assert resp.status_code == 302
    t = schema(app).get("supplier")
    assert [f.name for f in t.fields] == ["c", "b", "a"] and t.field("a").section == "Details"
    page = page_text(admin_client.get("/admin/records/supplier/new/"))
    assert page.index('name="c"') < page.index('name="b"') < page.index("<legend>Details</legend>") < page.index('name="a"')


def test_preview_renders_the_form_and_never_saves(app, admin_client, sessions):
    create_type(sessions, {"name": "supplier", "label": "Supplier", "fields": [
        {"name": "name", "label": "Name", "type": "text", "required": True},
        {"name": "mail", "label": "Mail", "type": "email", "section": "Contact"}]})
    url = "/admin/metamodel/types/supplier/preview/"
    page = page_text(admin_client.get(url))
    assert 'name="name"' in page and "<legend>Contact</legend>" in page
    resp = post_form(admin_client, url, {"name": "Acme", "mail": "nope"})
    assert resp.status_code == 200 and field_errors(page_text(resp), "mail")
    resp = post_form(admin_client, url, {"name": "Acme", "mail": "a@b.example"})
    assert "Nothing was saved" in page_text(resp)
    assert "Acme" not in page_text(admin_client.get("/admin/records/supplier/"))


def test_types_and_fields_go_to_the_trash_and_come_back(app, admin_client, sessions):
    create_type(sessions, {"name": "supplier", "label": "Supplier", "app": "Procurement",
                           "fields": [{"name": "name", "label": "Name", "type": "text"},
                                      {"name": "note", "label": "Note", "type": "long_text"}]})
    resp = post_form(admin_client, "/admin/metamodel/types/supplier/fields/note/delete/", {},
                     token_url="/admin/metamodel/types/supplier/")
    assert resp.status_code == 302
    assert schema(app).get("supplier").field("note") is None
    assert 'name="note"' not in page_text(admin_client.get("/admin/records/supplier/new/"))
    fields_page = page_text(admin_client.get("/admin/metamodel/types/supplier/"))
    assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d</td>", fields_page)  # when, as times are shown
    assert "+00:00" not in fields_page
    post_form(admin_client, "/admin/metamodel/types/supplier/fields/note/restore/", {},
              token_url="/admin/metamodel/types/supplier/")
    assert schema(app).get("supplier").field("note") is not None

    post_form(admin_client, "/admin/metamodel/types/supplier/delete/", {}, token_url="/admin/metamodel/")
    assert "supplier" not in schema(app).types
    assert admin_client.get("/admin/records/supplier/").status_code == 404
    types_page = page_text(admin_client.get("/admin/metamodel/"))
    assert "/admin/metamodel/types/supplier/restore/" in types_page and "+00:00" not in types_page
    post_form(admin_client, "/admin/metamodel/types/supplier/restore/", {}, token_url="/admin/metamodel/")
    assert admin_client.get("/admin/records/supplier/").status_code == 200


def test_edit_a_type(app, admin_client, sessions):
    create_type(sessions, {"name": "supplier", "label": "Supplier",
                           "fields": [{"name": "name", "label": "Name", "type": "text"}]})
    url = "/admin/metamodel/types/supplier/edit/"
    page = page_text(admin_client.get(url))
    assert re.search(r'<option value="name">Name</option>', page)
    resp = post_form(admin_client, url, {"label": "Vendor", "label_zh": "供应商", "app": "Buying",
                                         "description": "Who we buy from", "primary_field": "name"})
    assert resp.status_code == 302
    t = schema(app).get("supplier")
    assert (t.label, t.label_zh, t.app, t.description, t.primary_field) == (
        "Vendor", "供应商", "Buying", "Who we buy from", "name")


def test_making_a_field_required_tells_how_many_records_lack_a_value(app, admin_client, sessions):
    create_type(sessions, {"name": "supplier", "label": "Supplier",
                           "fields": [{"name": "name", "label": "Name", "type": "text"}]})
    for name in ("Acme", "", ""):
        create_record(admin_client, "supplier", {"name": name})
    resp = new_field(admin_client, "supplier", {"name": "code", "label": "Code", "type": "text", "required": "y"})
    assert resp.status_code == 302
    page = page_text(admin_client.get(resp.headers["Location"]))
    assert "“Code” is empty in 3 existing records" in page
    resp = post_form(admin_client, "/admin/metamodel/types/supplier/fields/name/edit/",
                     {"label": "Name", "type": "text", "required": "y"})
    assert resp.status_code == 302
    assert "“Name” is empty in 2 existing records" in page_text(admin_client.get(resp.headers["Location"]))
    # nothing to tell when every record has a value, or the field is not required
    resp = post_form(admin_client, "/admin/metamodel/types/supplier/fields/name/edit/", {"label": "Name", "type": "text"})
    assert "is empty in" not in page_text(admin_client.get(resp.headers["Location"]))


def test_fewer_decimal_places_round_only_when_asked(app, admin_client, sessions):
    create_type(sessions, {"name": "contract", "label": "Contract",
                           "fields": [{"name": "rate", "label": "Rate", "type": "decimal", "options": {"precision": 3}}]})
    for rate in ("1.235", "2.5", ""):
        create_record(admin_client, "contract", {"rate": rate})
    url = "/admin/metamodel/types/contract/fields/rate/edit/"
    resp = post_form(admin_client, url, {"label": "Rate", "type": "decimal", "opt_precision": "1"})
    assert resp.status_code == 200
    [message] = field_errors(page_text(resp), "type")
    assert "1 value would not be kept as it is (#1: 1.235 → 1.2)" in message
    assert schema(app).get("contract").field("rate").options == {"precision": 3}
    with platform(app).sessions() as s:
        from recordbase.storage import RecordStore
        store = RecordStore(s, load_schema(s, read_version(s)))
        assert [r.values["rate"] for r in store.list("contract").records][:2] == [Decimal("1.235"), Decimal("2.500")]
    resp = post_form(admin_client, url, {"label": "Rate", "type": "decimal", "opt_precision": "1", "force": "y"})
    assert resp.status_code == 302
    with platform(app).sessions() as s:
        from recordbase.storage import RecordStore
        store = RecordStore(s, load_schema(s, read_version(s)))
        assert [r.values["rate"] for r in store.list("contract").records] == [Decimal("1.2"), Decimal("2.5"), None]
    # more places keep every value: nothing to ask
    resp = post_form(admin_client, url, {"label": "Rate", "type": "decimal", "opt_precision": "4"})
    assert resp.status_code == 302


def test_option_problems_are_worded_for_people(app, admin_client, sessions, switch_language):
    """Not jsonschema's words ("does not match '^[A-Z]{3}$'"): what is expected, beside the option."""
    create_type(sessions, {"name": "supplier", "label": "Supplier"})
    resp = new_field(admin_client, "supplier", {"name": "fee", "label": "Fee", "type": "currency",
                                                "opt_code": "XXXX"})
    assert field_errors(page_text(resp), "opt_code") == [
        "options.code: 'XXXX' is not in the expected form (three capital letters, such as CNY)"]
    switch_language(admin_client, "zh")
    resp = new_field(admin_client, "supplier", {"name": "fee", "label": "Fee", "type": "currency",
                                                "opt_code": "XXXX"})
    assert field_errors(page_text(resp), "opt_code") == ["options.code: “XXXX”格式不正确 (三个大写字母，例如 CNY)"]
    resp = new_field(admin_client, "supplier", {"name": "status", "label": "Status", "type": "single_select",
                                                "opt_choices": ""})
    assert any("为必填项" in e for e in field_errors(page_text(resp), "opt_choices"))
