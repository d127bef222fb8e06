"""Issue #15, items 7 and 19: row limits hold on every update path; import maps against the visible type.

``east_editor`` reads, creates, updates and imports ``account`` records whose region is east,
with ``credit_code`` hidden. An update that would move a record to the west is refused on
every surface that updates through the record store (API, /v0, admin form, API and CLI
import), and nothing is written; a hidden field's column is an unknown column everywhere.
"""
from __future__ import annotations

import io

import pytest
from click.testing import CliRunner

from recordbase.auth import create_token, create_user
from recordbase.cli import cli

from .helpers import PASSWORD, err, make_type, ok, page_csrf, sign_in, text

ACCOUNT_FIELDS = [
    {"name": "name", "label": "Name", "type": "text", "required": True},
    {"name": "region", "label": "Region", "type": "text"},
    {"name": "credit_code", "label": "Credit code", "label_zh": "信用代码", "type": "text"},
]
EAST_EDITOR = {"name": "east_editor", "label": "East editor", "permissions": {"account": {
    "actions": ["read", "create", "update", "import", "export"],
    "rows": {"field": "region", "op": "eq", "value": "east"}, "hidden_fields": ["credit_code"]}}}


@pytest.fixture
def east(app, api, sessions):
    """The type, the role, erin (an east editor) with an API client, and two accounts (ids)."""
    make_type(api, "account", ACCOUNT_FIELDS)
    ok(api.post("/api/v1/roles", json=EAST_EDITOR), 201)
    with sessions.begin() as s:
        erin = create_user(s, "erin@example.com", PASSWORD, role="east_editor")
        token = create_token(s, erin, name="tests")
    ids = {key: ok(api.post("/api/v1/records/account", json={"fields": {
        "name": key.upper(), "region": region, "credit_code": f"CC-{key}"}}), 201)["id"]
        for key, region in (("e1", "east"), ("w1", "west"))}
    return type(api)(app.test_client(), token), ids


def account(api, rid: int) -> dict:
    return ok(api.get(f"/api/v1/records/account/{rid}"))


def unchanged(api, rid: int) -> None:
    rec = account(api, rid)
    assert rec["fields"]["region"] == "east" and rec["version"] == 1, rec
    history = ok(api.get(f"/api/v1/records/account/{rid}/history"))
    assert [h["action"] for h in history["history"]] == ["create"], history


# -- item 7: an update may not move a record out of the user's rows -------------------------------
def test_api_patch_out_of_rows_is_refused_and_writes_nothing(api, east):
    erin, ids = east
    e = err(erin.patch(f"/api/v1/records/account/{ids['e1']}", json={"fields": {"region": "west"}, "version": 1}),
            403, "forbidden")
    assert "within your rows" in e["message"] and e["details"]["action"] == "update"
    unchanged(api, ids["e1"])
    moved = ok(erin.patch(f"/api/v1/records/account/{ids['e1']}",
                          json={"fields": {"name": "E1 renamed", "region": "east"}, "version": 1}))
    assert moved["fields"]["name"] == "E1 renamed" and moved["version"] == 2
    err(erin.patch(f"/api/v1/records/account/{ids['w1']}", json={"fields": {"region": "east"}, "version": 1}), 404)


def test_v0_updates_out_of_rows_are_refused_whole(api, east):
    erin, ids = east
    rec = f"rec{ids['e1']:014d}"
    resp = erin.patch(f"/v0/appRecordbase0001/account/{rec}", json={"fields": {"region": "west"}})
    assert resp.status_code == 403, resp.get_data(as_text=True)
    assert "within your rows" in resp.get_json()["error"]["message"]
    both = {"records": [{"id": rec, "fields": {"name": "first"}}, {"id": rec, "fields": {"region": "west"}}]}
    assert erin.patch("/v0/appRecordbase0001/account", json=both).status_code == 403
    unchanged(api, ids["e1"])
    assert account(api, ids["e1"])["fields"]["name"] == "E1"


def test_admin_edit_form_out_of_rows_is_refused(app, api, east):
    _erin, ids = east
    client = sign_in(app, "erin@example.com")
    url = f"/admin/records/account/edit/?id={ids['e1']}"
    token = page_csrf(client, url)
    resp = client.post(url, data={"name": "E1", "region": "west", "RB_VERSION": "1", "csrf_token": token},
                       follow_redirects=True)
    assert resp.status_code == 200 and "within your rows" in text(resp)
    unchanged(api, ids["e1"])


def _csv(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode("utf-8")


def _import(client, data: bytes, **params):
    form = {"file": (io.BytesIO(data), "accounts.csv"), **params}
    return client.client.post("/api/v1/records/account/import", data=form,
                              headers={"Authorization": f"Bearer {client.token}"}, content_type="multipart/form-data")


def test_import_upsert_out_of_rows_is_a_row_error(api, east):
    erin, ids = east
    report = _import(erin, _csv("name,region", "E1,west"), key="name")
    assert report.status_code == 422, report.get_data(as_text=True)
    body = report.get_json()
    assert body["committed"] is False and body["updated"] == 0
    assert body["errors"][0]["row"] == 2 and "within your rows" in body["errors"][0]["reason"]
    unchanged(api, ids["e1"])
    # a record outside her rows does not exist for the import either: the row makes a new (east) record
    body = ok(_import(erin, _csv("name,region", "W1,east"), key="name"))
    assert body["created"] == 1 and body["updated"] == 0
    assert account(api, ids["w1"])["fields"]["region"] == "west"


def run_cli(database_url: str, *args: str):
    return CliRunner().invoke(cli, ["--database-url", database_url, *args], catch_exceptions=False)


def test_cli_import_as_a_user_applies_their_rows_and_hidden_fields(api, east, database_url, tmp_path):
    _erin, ids = east
    path = tmp_path / "a.csv"
    path.write_bytes(_csv("name,region", "E1,west"))
    result = run_cli(database_url, "import", "account", str(path), "--key", "name", "--user", "erin@example.com")
    assert result.exit_code == 1 and "within your rows" in result.output, result.output
    unchanged(api, ids["e1"])
    path.write_bytes(_csv("name,region,credit_code,bogus", "E2,east,SECRET,x"))
    result = run_cli(database_url, "import", "account", str(path), "--user", "erin@example.com")
    assert result.exit_code == 0, result.output
    assert "column 'credit_code' not imported: no field with this name" in result.output
    assert "column 'bogus' not imported: no field with this name" in result.output
    mine = [r for r in ok(api.get("/api/v1/records/account"))["records"] if r["fields"]["name"] == "E2"]
    assert mine and mine[0]["fields"].get("credit_code") is None


# -- item 19: a hidden field's column is an unknown column ---------------------------------------------
def test_api_import_maps_a_hidden_column_as_an_unknown_one(api, east):
    erin, _ids = east
    body = ok(_import(erin, _csv("name,region,credit_code,Credit code,信用代码,bogus", "E3,east,a,b,c,d"),
                      dry_run="1"))
    reasons = {m["header"]: (m["field"], m["reason"]) for m in body["mapping"]}
    for header in ("credit_code", "Credit code", "信用代码"):
        assert reasons[header] == reasons["bogus"] == (None, "no field with this name"), reasons
    hidden = err(_import(erin, _csv("name,x", "E3,a"), mapping='{"x": "credit_code"}'), 422)
    unknown = err(_import(erin, _csv("name,x", "E3,a"), mapping='{"x": "nosuch"}'), 422)
    assert hidden["message"].replace("credit_code", "nosuch") == unknown["message"]
    assert str(hidden["details"]).replace("credit_code", "nosuch") == str(unknown["details"])
    assert err(_import(erin, _csv("name", "E3"), key="credit_code"), 422)["message"] == \
        err(_import(erin, _csv("name", "E3"), key="nosuch"), 422)["message"].replace("nosuch", "credit_code")
    # the owner still maps it
    owner = ok(_import(api, _csv("name,credit_code", "E4,z"), dry_run="1"))
    assert [m["field"] for m in owner["mapping"]] == ["name", "credit_code"]


def test_admin_import_pages_and_export_never_name_the_hidden_field(app, east):
    _erin, _ids = east
    client = sign_in(app, "erin@example.com")
    page = text(client.get("/admin/import/?type=account"))
    assert "credit_code" not in page and "Credit code" not in page
    token = page_csrf(client, "/admin/import/?type=account")
    resp = client.post("/admin/import/upload/", data={
        "type": "account", "csrf_token": token, "mode": "all",
        "file": (io.BytesIO(_csv("name,credit_code", "E5,x")), "a.csv")}, content_type="multipart/form-data")
    mapping = text(resp)
    assert resp.status_code == 200 and "no field with this name" in mapping
    assert 'value="credit_code"' not in mapping and "Credit code" not in mapping
    export = client.get("/admin/records/account/export/csv/")
    assert export.status_code == 200 and "Credit code" not in text(export) and "CC-" not in text(export)
    api_export = _erin.get("/api/v1/records/account/export")
    assert "Credit code" not in text(api_export) and "credit_code" not in text(api_export)
