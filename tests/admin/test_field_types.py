"""Every writable field type works through the record form: create, show, edit back unchanged."""
from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal

from admin_helpers import create_type, field_errors, page_text, post_form

from recordbase.context import platform
from recordbase.metamodel.runtime import load_schema, read_version
from recordbase.storage import RecordStore

ALL_TYPES = {"name": "thing", "label": "Thing", "fields": [
    {"name": "title", "label": "Title", "type": "text"},
    {"name": "body", "label": "Body", "type": "long_text"},
    {"name": "qty", "label": "Qty", "type": "number"},
    {"name": "price", "label": "Price", "type": "decimal", "options": {"precision": 2}},
    {"name": "cost", "label": "Cost", "type": "currency", "options": {"code": "CNY"}},
    {"name": "share", "label": "Share", "type": "percent"},
    {"name": "done", "label": "Done", "type": "boolean"},
    {"name": "due", "label": "Due", "type": "date"},
    {"name": "at", "label": "At", "type": "datetime"},
    {"name": "spent", "label": "Spent", "type": "duration"},
    {"name": "kind", "label": "Kind", "type": "single_select", "options": {"choices": ["a", "b"]}},
    {"name": "tags", "label": "Tags", "type": "multi_select", "options": {"choices": ["x", "y", "z"]}},
    {"name": "mail", "label": "Mail", "type": "email"},
    {"name": "site", "label": "Site", "type": "url"},
    {"name": "tel", "label": "Tel", "type": "phone"},
    {"name": "stars", "label": "Stars", "type": "rating"},
    {"name": "friends", "label": "Friends", "type": "link", "options": {"target": "thing", "many": True}},
    {"name": "who", "label": "Who", "type": "user"},
    {"name": "files", "label": "Files", "type": "attachment"},
    {"name": "made", "label": "Made", "type": "created_at"},
    {"name": "maker", "label": "Maker", "type": "created_by"},
]}


def records(app):
    with platform(app).sessions() as s:
        store = RecordStore(s, load_schema(s, read_version(s)))
        return {r.values["title"]: r for r in store.list("thing", limit=50).records}


def test_every_field_type_round_trips(app, admin_client, sessions, owner):
    create_type(sessions, ALL_TYPES)
    assert post_form(admin_client, "/admin/records/thing/new/", {"title": "first"}).status_code == 302
    first = records(app)["first"]
    data = {"title": "second", "body": "line 1\nline 2", "qty": "3", "price": "1.005", "cost": "1200",
            "share": "12.5", "done": "y", "due": "2024-03-01", "at": "2024-03-01T09:30", "spent": "1:30",
            "kind": "b", "tags": ["z", "x"], "mail": "a@b.example", "site": "https://example.com",
            "tel": "+86 10 1234 5678", "stars": "4", "friends": [str(first.id)], "who": str(owner.id),
            "files": (io.BytesIO(b"hello"), "hello.txt")}
    resp = post_form(admin_client, "/admin/records/thing/new/", data, content_type="multipart/form-data")
    assert resp.status_code == 302, page_text(resp)[-3000:]
    rec = records(app)["second"]
    v = rec.values
    assert v["body"] == "line 1\nline 2" and v["qty"] == 3 and v["price"] == Decimal("1.01")
    assert v["cost"] == Decimal("1200.00") and v["share"] == 12.5 and v["done"] is True
    assert v["due"] == date(2024, 3, 1) and v["at"] == datetime(2024, 3, 1, 9, 30) and v["spent"] == 5400
    assert v["kind"] == "b" and v["tags"] == ["x", "z"] and v["stars"] == 4
    assert v["friends"] == [first.id] and v["who"] == owner.id and v["maker"] == owner.id
    assert [f["name"] for f in v["files"]] == ["hello.txt"]

    details = page_text(admin_client.get(f"/admin/records/thing/details/?id={rec.id}"))
    for text in ("¥1,200.00", "12.5%", "1:30", "x, z", "★★★★☆", "hello.txt", "first", "owner@example.com",
                 "2024-03-01 09:30"):
        assert text in details, text

    # the edit form shows the stored values; saving it unchanged changes nothing but the version
    edit_url = f"/admin/records/thing/edit/?id={rec.id}"
    edit = page_text(admin_client.get(edit_url))
    assert 'value="2024-03-01T09:30"' in edit and 'value="1:30"' in edit
    assert re.search(r'<option selected value="z">z</option>', edit)
    assert 'name="made"' not in edit and 'name="maker"' not in edit
    form = {"title": "second", "body": "line 1\nline 2", "qty": "3", "price": "1.01", "cost": "1200.00",
            "share": "12.5", "done": "y", "due": "2024-03-01", "at": "2024-03-01T09:30", "spent": "1:30",
            "kind": "b", "tags": ["x", "z"], "mail": "a@b.example", "site": "https://example.com",
            "tel": "+86 10 1234 5678", "stars": "4", "friends": [str(first.id)], "who": str(owner.id),
            "RB_VERSION": "1"}
    resp = post_form(admin_client, edit_url, form)
    assert resp.status_code == 302, page_text(resp)[-3000:]
    again = records(app)["second"]
    assert again.version == 2 and again.values == rec.values | {"files": again.values["files"]}
    assert [f["name"] for f in again.values["files"]] == ["hello.txt"]  # kept: no new upload

    # clearing optional inputs stores empty values
    resp = post_form(admin_client, edit_url, {"title": "second", "qty": "", "due": "", "kind": "", "tags": [],
                                              "friends": [], "who": "", "RB_VERSION": "2"})
    assert resp.status_code == 302, page_text(resp)[-3000:]
    v = records(app)["second"].values
    assert (v["qty"], v["due"], v["kind"], v["tags"], v["friends"], v["who"]) == (None, None, None, [], [], None)
    assert v["done"] is False  # an unticked checkbox is not posted: false


def test_rejected_upload_is_not_kept(app, admin_client, sessions):
    create_type(sessions, {"name": "doc", "label": "Doc", "fields": [
        {"name": "title", "label": "Title", "type": "text", "required": True},
        {"name": "mail", "label": "Mail", "type": "email"},
        {"name": "scan", "label": "Scan", "type": "attachment", "options": {"allowed_types": [".pdf"]}}]})
    resp = post_form(admin_client, "/admin/records/doc/new/", {"title": "x", "scan": (io.BytesIO(b"x"), "a.exe")},
                     content_type="multipart/form-data")
    assert resp.status_code == 200 and "not an allowed file type" in page_text(resp)
    # with an empty required title too: both in the same submit
    resp = post_form(admin_client, "/admin/records/doc/new/", {"title": "", "scan": (io.BytesIO(b"x"), "a.exe")},
                     content_type="multipart/form-data")
    page = page_text(resp)
    assert field_errors(page, "title") and field_errors(page, "scan") == ["'a.exe' is not an allowed file type"]
    # the file is fine but another field is not: the file written for this request is removed
    resp = post_form(admin_client, "/admin/records/doc/new/",
                     {"title": "x", "mail": "not-an-email", "scan": (io.BytesIO(b"%PDF"), "a.pdf")},
                     content_type="multipart/form-data")
    assert resp.status_code == 200 and "not a valid email" in page_text(resp)
    from pathlib import Path

    stored = [p for p in Path(app.config["ATTACHMENTS_DIR"]).rglob("*") if p.is_file()]
    assert stored == []  # the files of refused saves were removed again


def test_computed_fields_are_shown_read_only_and_made_in_the_field_form(app, admin_client, sessions):
    create_type(sessions, {"name": "line", "label": "Line", "fields": [
        {"name": "price", "label": "Price", "type": "number"}, {"name": "qty", "label": "Qty", "type": "number"}]})
    page = page_text(admin_client.get("/admin/metamodel/types/line/fields/new/?type=formula"))
    assert 'name="opt_expression"' in page
    resp = post_form(admin_client, "/admin/metamodel/types/line/fields/new/?type=formula",
                     {"name": "total", "label": "Total", "type": "formula", "show_in_list": "y",
                      "opt_expression": "{price} * {qty}"})
    assert resp.status_code == 302, page_text(resp)[-2000:]
    resp = post_form(admin_client, "/admin/metamodel/types/line/fields/new/?type=formula",
                     {"name": "bad", "label": "Bad", "type": "formula", "opt_expression": "{nope} * 2"})
    assert resp.status_code == 200
    assert any("unknown field {nope}" in e for e in field_errors(page_text(resp), "opt_expression"))
    new = page_text(admin_client.get("/admin/records/line/new/"))
    assert 'name="total"' not in new and "Total" not in new  # computed: not on the create form
    assert post_form(admin_client, "/admin/records/line/new/", {"price": "2.5", "qty": "4"}).status_code == 302
    with platform(app).sessions() as s:
        [line] = RecordStore(s, load_schema(s, read_version(s))).list("line").records
    edit = page_text(admin_client.get(f"/admin/records/line/edit/?id={line.id}"))
    assert 'name="total"' not in edit and "Total" in edit  # read-only: shown, not an input
    listing = page_text(admin_client.get("/admin/records/line/"))
    assert re.search(r'<td class="col-total">\s*10\s*</td>', listing), listing[listing.find("col-total"):][:300]
    preview = page_text(admin_client.get("/admin/metamodel/types/line/preview/"))
    assert "Price" in preview and "Total" not in preview  # the create form as users see it


def test_editing_a_formula_keeps_it_working(app, admin_client, sessions):
    create_type(sessions, {"name": "line", "label": "Line", "fields": [
        {"name": "price", "label": "Price", "type": "number"}, {"name": "qty", "label": "Qty", "type": "number"},
        {"name": "total", "label": "Total", "type": "formula", "options": {"expression": "{price} * {qty}"}}]})
    url = "/admin/metamodel/types/line/fields/total/edit/"
    page = page_text(admin_client.get(url))
    assert "{price} * {qty}" in page and "depends_on" not in page and 'name="opt_volatile"' not in page
    resp = post_form(admin_client, url, {"label": "Line total", "type": "formula", "show_in_list": "y",
                                         "opt_expression": "{price} * {qty} * 2"})
    assert resp.status_code == 302, page_text(resp)[-2000:]
    assert post_form(admin_client, "/admin/records/line/new/", {"price": "1", "qty": "3"}).status_code == 302
    assert re.search(r'<td class="col-total">\s*6\s*</td>', page_text(admin_client.get("/admin/records/line/")))


def test_fields_named_like_form_attributes(app, admin_client, sessions):
    create_type(sessions, {"name": "odd", "label": "Odd", "fields": [
        {"name": name, "label": name.capitalize(), "type": "text", "required": name == "data"}
        for name in ("data", "errors", "validate", "meta", "process", "populate_obj", "url", "csrf_token")]})
    page = page_text(admin_client.get("/admin/records/odd/new/"))
    assert 'name="F_data"' in page and 'name="F_errors"' in page
    resp = post_form(admin_client, "/admin/records/odd/new/", {"F_data": ""})
    assert resp.status_code == 200 and field_errors(page_text(resp), "F_data")
    resp = post_form(admin_client, "/admin/records/odd/new/", {"F_data": "d", "F_errors": "e", "F_validate": "v",
                                                             "F_meta": "m", "F_process": "p", "F_populate_obj": "o",
                                                             "F_url": "/admin/metamodel/", "F_csrf_token": "c"})
    assert resp.status_code == 302, page_text(resp)[-2000:]
    assert resp.headers["Location"] == "/admin/records/odd/"  # a field's value is never the return address
    listing = page_text(admin_client.get("/admin/records/odd/"))
    assert all(f">{v}<" in listing.replace("\n", "").replace(" ", "") for v in "demvpoc")
    edit = page_text(admin_client.get("/admin/records/odd/edit/?id=1"))
    assert 'id="F_errors" name="F_errors" type="text" value="e"' in edit


def test_formula_live_check_shows_the_error_or_the_type_and_a_sample(app, admin_client, sessions):
    create_type(sessions, {"name": "line", "label": "Line", "fields": [
        {"name": "name", "label": "Name", "type": "text"},
        {"name": "price", "label": "Price", "type": "number"}, {"name": "qty", "label": "Qty", "type": "number"}]})
    new_field = "/admin/metamodel/types/line/fields/new/?type=formula"
    check_url = "/admin/metamodel/types/line/formula-check/"
    first = post_form(admin_client, check_url, {"expression": "{price} * {qty}"}, token_url=new_field).get_json()
    assert first["ok"] and first["result_type"] == "number" and first["sample"] is None  # no record yet
    assert "no record yet" in first["text"]
    for values in ({"name": "Old", "price": "1", "qty": "1"}, {"name": "Bolts", "price": "2.5", "qty": "4"}):
        assert post_form(admin_client, "/admin/records/line/new/", values).status_code == 302
    got = post_form(admin_client, check_url, {"expression": "{Price} * {qty}"}, token_url=new_field).get_json()
    assert got["ok"] and got["result_type"] == "number" and got["sample"]["value"] == 10  # the newest record
    assert got["text"] == "Result: number · on Bolts: 10"
    text = post_form(admin_client, check_url, {"expression": 'IF({qty} > 3, "many", "few")'},
                     token_url=new_field).get_json()
    assert text["result_type"] == "text" and text["sample"]["value"] == "many"
    blank = post_form(admin_client, check_url, {"expression": "{price} / 0"}, token_url=new_field).get_json()
    assert blank["ok"] and blank["sample"]["value"] is None and "(empty)" in blank["text"]
    for expression, needle, column in (("{nope} * 2", "unknown field {nope}", 1), ("1 +", "column 4", 4),
                                       ("IF(1)", "IF", None), ("{name} * 2", "text", None)):
        bad = post_form(admin_client, check_url, {"expression": expression}, token_url=new_field).get_json()
        assert not bad["ok"] and needle in bad["error"] and bad["text"] == bad["error"], (expression, bad)
        if column is not None:
            assert bad["position"]["column"] == column
    # without script: the "Check formula" button redraws the form with the result and saves nothing
    resp = post_form(admin_client, new_field, {"name": "total", "label": "Total", "type": "formula",
                                               "opt_expression": "{price} * {qty}", "_check": "1"})
    page = page_text(resp)
    assert resp.status_code == 200 and "Result: number · on Bolts: 10" in page and "{price} * {qty}" in page
    assert "total" not in [f.name for f in load_schema_for(app).types["line"].fields]
    # a CSRF token is required, as for every state-changing admin request
    assert admin_client.post(check_url, data={"expression": "1"}).status_code == 400


def load_schema_for(app):
    with platform(app).sessions() as s:
        return load_schema(s, read_version(s))


def test_the_edit_form_shows_every_digit_so_saving_it_unchanged_changes_no_number(app, admin_client, sessions):
    """WTForms' DecimalField shows two places unless told: 1.235 was shown (and saved back) as 1.24."""
    create_type(sessions, {"name": "rate", "label": "Rate", "fields": [
        {"name": "title", "label": "Title", "type": "text"},
        {"name": "qty", "label": "Qty", "type": "number"},
        {"name": "rate", "label": "Rate", "type": "decimal", "options": {"precision": 3}},
        {"name": "share", "label": "Share", "type": "percent"},
        {"name": "cost", "label": "Cost", "type": "currency", "options": {"code": "CNY", "precision": 0}}]})
    with platform(app).sessions.begin() as s:
        rid = RecordStore(s, load_schema(s, read_version(s))).create("rate", {
            "title": "t", "qty": 3.14159, "rate": "0.125", "share": 12.345, "cost": 1200}).id
    edit_url = f"/admin/records/rate/edit/?id={rid}"
    edit = page_text(admin_client.get(edit_url))
    shown = {name: re.search(r'name="%s"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="%s"' % (name, name), edit)
             for name in ("qty", "rate", "share", "cost")}
    values = {name: (m.group(1) or m.group(2)) for name, m in shown.items()}
    assert values == {"qty": "3.14159", "rate": "0.125", "share": "12.345", "cost": "1200"}
    resp = post_form(admin_client, edit_url, dict(values, title="t", RB_VERSION="1"))
    assert resp.status_code == 302, page_text(resp)[-2000:]
    with platform(app).sessions() as s:
        v = RecordStore(s, load_schema(s, read_version(s))).get("rate", rid).values
    assert (v["qty"], v["rate"], v["share"], v["cost"]) == (3.14159, Decimal("0.125"), 12.345, Decimal("1200"))


def test_files_are_links_the_signed_in_user_can_download(app, admin_client, sessions):
    """The list, the details page and the edit form link each file to a download that needs the
    admin's sign-in (the API's download needs a token), with the API's checks and headers."""
    create_type(sessions, {"name": "doc", "label": "Doc", "fields": [
        {"name": "title", "label": "Title", "type": "text"},
        {"name": "files", "label": "Files", "type": "attachment", "help_text": "PDF only, please"}]})
    resp = post_form(admin_client, "/admin/records/doc/new/",
                     {"title": "Contract", "files": (io.BytesIO(b"%PDF-1.4 signed"), "说明 <1>.pdf")},
                     content_type="multipart/form-data")
    assert resp.status_code == 302, page_text(resp)[-2000:]
    [rec] = records_of(app, "doc")
    key = rec.values["files"][0]["key"]
    link = f'<a href="/admin/records/doc/file/{key}">说明 &lt;1&gt;.pdf</a>'
    for url in ("/admin/records/doc/", f"/admin/records/doc/details/?id={rec.id}"):
        assert link in page_text(admin_client.get(url)), url
    edit = page_text(admin_client.get(f"/admin/records/doc/edit/?id={rec.id}"))
    assert link in edit and "PDF only, please" in edit
    resp = admin_client.get(f"/admin/records/doc/file/{key}")
    assert resp.status_code == 200 and resp.data == b"%PDF-1.4 signed"
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert admin_client.get("/admin/records/doc/file/" + "0" * 32).status_code == 404
    assert admin_client.get("/admin/records/doc/file/nonsense").status_code == 404
    anonymous = app.test_client().get(f"/admin/records/doc/file/{key}")
    assert anonymous.status_code in (302, 303) and "/admin/login/" in anonymous.headers["Location"]


def records_of(app, type_name: str):
    with platform(app).sessions() as s:
        return RecordStore(s, load_schema(s, read_version(s))).list(type_name, limit=50).records
