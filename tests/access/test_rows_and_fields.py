"""Row-level and field-level permissions, tried as the issue's acceptance check does.

An owner makes ``supplier_viewer``: suppliers whose manager is the user, the credit code and
the contract price hidden. Alice (a supplier viewer) sees only her suppliers in the admin,
the API and the CSV export, never sees the hidden fields anywhere (list, form, details,
API, OpenAPI, export, history, search, filters), and gets a 403 when she tries to edit.
"""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from recordbase.auth import create_token, create_user

from .helpers import PASSWORD, err, ok, page_csrf, sign_in, strip_tags, text

SECRETS = ("91310000", "123456.78", "123,456.78", "123456")


def no_secret(blob: str) -> None:
    for s in SECRETS:
        assert s not in blob, f"{s!r} leaked"


def test_api_lists_only_own_rows_without_hidden_fields(people, records):
    alice = people["alice"].api
    page = ok(alice.get("/api/v1/records/supplier?count=1"))
    assert sorted(r["fields"]["name"] for r in page["records"]) == ["Acme", "Anchor"] and page["count"] == 2
    for r in page["records"]:
        assert "unified_social_credit_code" not in r["fields"]
    one = ok(alice.get(f"/api/v1/records/supplier/{records['a1']}"))
    assert one["fields"]["name"] == "Acme" and "unified_social_credit_code" not in one["fields"]
    err(alice.get(f"/api/v1/records/supplier/{records['b1']}"), 404)  # outside her rows: as if it did not exist
    err(alice.get(f"/api/v1/records/supplier/{records['b1']}/history"), 404)
    contracts = ok(alice.get("/api/v1/records/contract"))["records"]
    assert contracts and all("value" not in c["fields"] for c in contracts)
    no_secret(str(page) + str(one) + str(contracts))
    bob = ok(people["bob"].api.get("/api/v1/records/supplier"))["records"]
    assert [r["fields"]["name"] for r in bob] == ["Bolt"]


def test_hidden_fields_cannot_be_filtered_sorted_searched_or_selected(people, records):
    alice = people["alice"].api
    err(alice.get('/api/v1/records/supplier?filter={"field":"unified_social_credit_code","op":"contains","value":"9131"}'),
        400, "invalid_filter")
    err(alice.get("/api/v1/records/supplier?sort=unified_social_credit_code"), 400, "invalid_sort")
    assert ok(alice.get("/api/v1/records/supplier?search=91310000ACME"))["records"] == []
    err(alice.get('/api/v1/records/contract?filter={"field":"value","op":"gt","value":1}'), 400, "invalid_filter")
    assert "unified_social_credit_code" not in ok(alice.get(
        f"/api/v1/records/supplier/{records['a1']}?fields=name,unified_social_credit_code"))["fields"]
    # the owner still can
    owner = people["owner"].api
    assert len(ok(owner.get("/api/v1/records/supplier?search=91310000ACME"))["records"]) == 1


def test_writes_are_forbidden_with_the_error_body(people, records):
    alice = people["alice"].api
    err(alice.patch(f"/api/v1/records/supplier/{records['a1']}", json={"fields": {"name": "X"}, "version": 1}),
        403, "forbidden")
    err(alice.post("/api/v1/records/supplier", json={"fields": {"name": "New"}}), 403, "forbidden")
    err(alice.delete(f"/api/v1/records/supplier/{records['a1']}"), 403, "forbidden")
    err(alice.post("/api/v1/types", json={"name": "x", "label": "X"}), 403, "forbidden")
    err(alice.post("/api/v1/types/supplier/fields", json={"name": "x", "label": "X", "type": "text"}), 403)
    err(alice.get("/api/v1/users"), 403, "forbidden")
    err(alice.get("/api/v1/audit"), 403, "forbidden")
    err(alice.post("/api/v1/roles", json={"name": "mine", "label": "Mine"}), 403, "forbidden")
    assert ok(people["owner"].api.get(f"/api/v1/records/supplier/{records['a1']}"))["version"] == 1


def test_openapi_shows_only_what_the_token_may(people, records):
    doc = ok(people["alice"].api.get("/api/v1/openapi.json"))
    props = doc["components"]["schemas"]["supplier_record"]["properties"]["fields"]["properties"]
    assert "unified_social_credit_code" not in props and "name" in props
    assert "value" not in doc["components"]["schemas"]["contract_record"]["properties"]["fields"]["properties"]
    assert set(doc["paths"]["/api/v1/records/supplier"]) == {"get"}
    assert set(doc["paths"]["/api/v1/records/supplier/{id}"]) - {"parameters"} == {"get"}
    assert "/api/v1/users" not in doc["paths"] and "/api/v1/audit" not in doc["paths"]
    assert "post" not in doc["paths"]["/api/v1/types"]
    no_secret(str(doc))
    full = ok(people["owner"].api.get("/api/v1/openapi.json"))
    assert "unified_social_credit_code" in full["components"]["schemas"]["supplier_record"]["properties"]["fields"]["properties"]
    assert "/api/v1/users" in full["paths"]


def test_export_has_own_rows_without_hidden_columns(people, records):
    alice = people["alice"].api
    resp = alice.get("/api/v1/records/supplier/export?format=csv")
    assert resp.status_code == 200
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:]] == ["Acme", "Anchor"] and "Credit code" not in rows[0]
    no_secret(resp.get_data(as_text=True))
    resp = alice.get("/api/v1/records/supplier/export?format=xlsx")
    cells = [str(c.value) for row in load_workbook(io.BytesIO(resp.data)).active.iter_rows() for c in row]
    assert "Bolt" not in cells and "Acme" in cells
    no_secret(" ".join(cells))
    err(alice.get("/api/v1/records/contract/export"), 403, "forbidden")  # reads contracts, may not export them
    asked = alice.get("/api/v1/records/supplier/export?fields=name,unified_social_credit_code")
    assert asked.status_code in (200, 400) and "Credit code" not in asked.get_data(as_text=True)
    no_secret(asked.get_data(as_text=True))


def test_history_hides_hidden_fields(people, records):
    owner = people["owner"].api
    ok(owner.patch(f"/api/v1/records/supplier/{records['a1']}",
                   json={"fields": {"unified_social_credit_code": "91310000NEW1", "rating": 5}, "version": 1}))
    ok(owner.patch(f"/api/v1/records/supplier/{records['a1']}",
                   json={"fields": {"unified_social_credit_code": "91310000NEW2"}, "version": 2}))
    mine = ok(people["alice"].api.get(f"/api/v1/records/supplier/{records['a1']}/history"))["history"]
    assert [h["action"] for h in mine] == ["create", "update"]  # the update of the hidden field alone is left out
    assert mine[1]["changes"] == {"rating": [4, 5]}
    no_secret(str(mine))
    full = ok(owner.get(f"/api/v1/records/supplier/{records['a1']}/history"))["history"]
    assert full[2]["changes"] == {"unified_social_credit_code": ["91310000NEW1", "91310000NEW2"]}
    contract = ok(people["alice"].api.get(f"/api/v1/records/contract/{records['c_a1']}/history"))["history"]
    assert "value" not in contract[0]["changes"] and contract[0]["changes"]["title"] == [None, "Contract of a1"]


def test_admin_shows_own_rows_without_hidden_fields(app, people, records):
    client = sign_in(app, "alice@example.com")
    listing = text(client.get("/admin/records/supplier/"))
    assert "Acme" in listing and "Anchor" in listing and "Bolt" not in listing
    assert "Credit code" not in listing
    no_secret(listing)
    details = client.get(f"/admin/records/supplier/details/?id={records['a1']}")
    assert details.status_code == 200 and "Acme" in text(details)
    assert "History" in text(details) and "Credit code" not in text(details)
    no_secret(text(details))
    other = client.get(f"/admin/records/supplier/details/?id={records['b1']}")
    assert other.status_code in (302, 404) and "Bolt" not in text(other)
    contract = text(client.get(f"/admin/records/contract/details/?id={records['c_a1']}"))
    assert "Contract price" not in contract
    no_secret(contract)
    # search results, filters and the export follow the rows and fields too
    assert "Bolt" not in text(client.get("/admin/records/supplier/?search=Bol"))
    assert "Acme" not in text(client.get("/admin/records/supplier/?search=91310000ACME"))
    export = client.get("/admin/records/supplier/export/csv/")
    assert export.status_code == 200 and "Acme" in text(export) and "Bolt" not in text(export)
    no_secret(text(export))
    assert client.get("/admin/records/contract/export/csv/").status_code == 403


def test_admin_edit_is_403(app, people, records):
    client = sign_in(app, "alice@example.com")
    assert client.get(f"/admin/records/supplier/edit/?id={records['a1']}").status_code == 403
    assert client.get("/admin/records/supplier/new/").status_code == 403
    token = page_csrf(client, "/admin/records/supplier/")
    assert client.post(f"/admin/records/supplier/edit/?id={records['a1']}",
                       data={"name": "X", "RB_VERSION": "1", "csrf_token": token}).status_code == 403
    assert client.post("/admin/records/supplier/delete/", data={"id": records["a1"], "csrf_token": token}).status_code == 403
    assert ok(people["owner"].api.get(f"/api/v1/records/supplier/{records['a1']}"))["fields"]["name"] == "Acme"
    listing = text(client.get("/admin/records/supplier/"))
    assert "/admin/records/supplier/new/" not in listing and "/admin/records/supplier/edit/" not in listing


@pytest.fixture
def managers(app, sessions, world, records):
    """supplier_manager: manages their own suppliers; the rating is read-only, the credit code hidden."""
    ok(world.post("/api/v1/roles", json={"name": "supplier_manager", "label": "Supplier manager", "permissions": {
        "supplier": {"actions": ["read", "create", "update", "delete"],
                     "rows": {"field": "manager", "op": "eq", "value": "@me"},
                     "hidden_fields": ["unified_social_credit_code"], "readonly_fields": ["rating"]}}}), 201)
    with sessions.begin() as s:
        u = create_user(s, "carol@example.com", PASSWORD, role="supplier_manager")
        token = create_token(s, u)
    ok(world.patch(f"/api/v1/records/supplier/{records['b1']}",
                   json={"fields": {"manager": "carol@example.com"}, "version": 1}))
    return type(world)(app.test_client(), token)


def test_row_limits_and_read_only_fields_on_writes(app, managers, records, people):
    carol = managers
    assert [r["fields"]["name"] for r in ok(carol.get("/api/v1/records/supplier"))["records"]] == ["Bolt"]
    # backlinks only from types she may read (contracts: no)
    assert ok(carol.get(f"/api/v1/records/supplier/{records['b1']}"))["backlinks"] == []
    assert ok(people["alice"].api.get(f"/api/v1/records/supplier/{records['a1']}"))["backlinks"] == [
        {"type": "contract", "field": "supplier", "ids": [records["c_a1"]]}]
    b1 = ok(carol.patch(f"/api/v1/records/supplier/{records['b1']}", json={"fields": {"name": "Bolt 2"}, "version": 2}))
    assert b1["fields"]["name"] == "Bolt 2"
    e = err(carol.patch(f"/api/v1/records/supplier/{records['b1']}", json={"fields": {"rating": 1}, "version": 3}), 403)
    assert "rating" in e["details"]["fields"]
    err(carol.patch(f"/api/v1/records/supplier/{records['b1']}",
                    json={"fields": {"unified_social_credit_code": "x"}, "version": 3}), 422)
    err(carol.patch(f"/api/v1/records/supplier/{records['a1']}", json={"fields": {"name": "Mine"}, "version": 1}), 404)
    err(carol.delete(f"/api/v1/records/supplier/{records['a1']}"), 404)
    # she creates suppliers she manages, not someone else's
    mine = ok(carol.post("/api/v1/records/supplier", json={"fields": {"name": "Cobalt", "manager": "@me"}}), 201)
    assert mine["fields"]["manager"] == "carol@example.com" and "unified_social_credit_code" not in mine["fields"]
    err(carol.post("/api/v1/records/supplier", json={"fields": {"name": "Sneaky", "manager": "alice@example.com"}}),
        403, "forbidden")
    assert "Sneaky" not in str(ok(people["owner"].api.get("/api/v1/records/supplier"))["records"])
    # the admin edit form shows the read-only field as text, and saving keeps it
    client = sign_in(app, "carol@example.com")
    page = text(client.get(f"/admin/records/supplier/edit/?id={records['b1']}"))
    assert 'name="rating"' not in page and "rb-read-only" in page and "Credit code" not in page
    token = page_csrf(client, f"/admin/records/supplier/edit/?id={records['b1']}")
    resp = client.post(f"/admin/records/supplier/edit/?id={records['b1']}",
                       data={"name": "Bolt 3", "manager": str(b1["fields"] and ""), "rating": "1", "RB_VERSION": "3",
                             "unified_social_credit_code": "HACK", "csrf_token": token})
    assert resp.status_code in (200, 302)
    after = ok(people["owner"].api.get(f"/api/v1/records/supplier/{records['b1']}"))
    assert after["fields"]["rating"] == 4 and after["fields"]["unified_social_credit_code"] == "91310000BOLT"
    assert client.get(f"/admin/records/supplier/edit/?id={records['a1']}").status_code in (302, 404)


def test_records_i_created(app, sessions, world):
    ok(world.post("/api/v1/roles", json={"name": "contributor", "label": "Contributor", "permissions": {
        "supplier": {"actions": ["read", "create", "update"],
                     "rows": {"field": "created_by", "op": "eq", "value": "@me"}}}}), 201)
    ok(world.post("/api/v1/records/supplier", json={"fields": {"name": "Owner's"}}), 201)
    with sessions.begin() as s:
        u = create_user(s, "dan@example.com", PASSWORD, role="contributor")
        token = create_token(s, u)
    dan = type(world)(app.test_client(), token)
    ok(dan.post("/api/v1/records/supplier", json={"fields": {"name": "Dan's"}}), 201)
    assert [r["fields"]["name"] for r in ok(dan.get("/api/v1/records/supplier"))["records"]] == ["Dan's"]
    assert len(ok(world.get("/api/v1/records/supplier"))["records"]) == 2


def test_read_only_and_type_scoped_tokens(app, sessions, world, records):
    with sessions.begin() as s:
        from recordbase.auth import find_user

        owner = find_user(s, "owner@example.com")
        ro = create_token(s, owner, read_only=True)
        scoped = create_token(s, owner, types=["contract"])
    ro_api = type(world)(app.test_client(), ro)
    assert ok(ro_api.get("/api/v1/records/supplier"))["records"]
    err(ro_api.post("/api/v1/records/supplier", json={"fields": {"name": "x"}}), 403, "forbidden")
    err(ro_api.patch(f"/api/v1/records/supplier/{records['a1']}", json={"fields": {"name": "x"}, "version": 1}), 403)
    doc = ok(ro_api.get("/api/v1/openapi.json"))
    assert set(doc["paths"]["/api/v1/records/supplier"]) == {"get"}
    sc = type(world)(app.test_client(), scoped)
    assert [t["name"] for t in ok(sc.get("/api/v1/types"))["types"]] == ["contract"]
    err(sc.get("/api/v1/records/supplier"), 403, "forbidden")
    ok(sc.post("/api/v1/records/contract", json={"fields": {"title": "Scoped"}}), 201)
    err(sc.post("/api/v1/types", json={"name": "x", "label": "X"}), 403)
    err(sc.get("/api/v1/users"), 403)
    me = ok(sc.get("/api/v1/me"))
    assert me["token"]["types"] == ["contract"] and me["roles"] == ["owner"]


def test_deactivated_user_loses_token_and_session(app, people, records):
    client = sign_in(app, "alice@example.com")
    assert client.get("/admin/records/supplier/").status_code == 200
    ok(people["owner"].api.patch("/api/v1/users/alice@example.com", json={"active": False}))
    err(people["alice"].api.get("/api/v1/records/supplier"), 401)
    assert client.get("/admin/records/supplier/").status_code == 302


def test_automation_actions_run_with_the_rule_owners_rights(app, people, records):
    """An editor whose role hides the contract price creates a contract; the owner's rule still sets the price."""
    owner = people["owner"].api
    ok(owner.post("/api/v1/roles", json={"name": "clerk", "label": "Clerk", "permissions": {
        "contract": {"actions": ["read", "create"], "hidden_fields": ["value"]}}}), 201)
    ok(owner.patch("/api/v1/users/editor@example.com", json={"roles": ["clerk"]}))
    rule = owner.post("/api/v1/rules", json={
        "name": "Default price", "type": "contract", "enabled": True, "trigger": {"on": "record_created"},
        "actions": [{"do": "update_record", "values": {"value": 99}}]})
    if rule.status_code == 404:
        pytest.skip("automation rules are not available")
    ok(rule, 201)
    made = ok(people["editor"].api.post("/api/v1/records/contract", json={"fields": {"title": "By clerk"}}), 201)
    assert "value" not in made["fields"]
    assert ok(owner.get(f"/api/v1/records/contract/{made['id']}"))["fields"]["value"] in (99, "99", "99.00", 99.0)
    # the hidden value shows nowhere in the answer (its times are left out: "…:12.699000" is not a leak)
    shown = {k: v for k, v in made.items() if k not in ("created_at", "updated_at")}
    assert "99" not in strip_tags(str(shown))


def test_a_file_key_is_no_right_to_the_file(app, people, records):
    """Alice may create suppliers and read those she manages. A file on Bob's supplier stays hers
    to neither download nor claim: putting its key on a record of her own is refused (a known key
    made any readable record a way in), and a file merely named after the key counts for nothing."""
    import io

    owner, alice = people["owner"].api, people["alice"].api
    ok(owner.post("/api/v1/types/supplier/fields", json={"name": "files", "label": "Files", "type": "attachment"}), 201)
    ok(owner.post("/api/v1/roles", json={"name": "own_suppliers", "label": "Own suppliers", "permissions": {
        "supplier": {"actions": ["read", "create", "update"], "rows": {"field": "manager", "op": "eq", "value": "@me"}}}}),
       201)
    ok(owner.patch("/api/v1/users/alice@example.com", json={"roles": ["own_suppliers"]}))

    def upload(client, url, name, **form):
        return client.client.post(url, data=dict(form, file=[(io.BytesIO(b"SECRET"), name, "application/pdf")]),
                                  content_type="multipart/form-data", headers={"Authorization": f"Bearer {client.token}"})

    body = ok(upload(owner, f"/api/v1/records/supplier/{records['b1']}/attachments/files", "bob.pdf", version="1"), 201)
    key, url = body["attachments"][0]["key"], body["attachments"][0]["url"]
    err(alice.get(url), 404, "not_found")
    e = err(alice.post("/api/v1/records/supplier", json={"fields": {
        "name": "Mine", "manager": "alice@example.com", "files": [{"key": key}]}}), 422, "validation_error")
    assert "files" in e["details"]
    mine = ok(upload(alice, "/api/v1/attachments", f"{key}.pdf", type="supplier", field="files"), 201)
    ok(alice.post("/api/v1/records/supplier", json={"fields": {
        "name": "Mine", "manager": "alice@example.com", "files": [{"key": mine["attachments"][0]["key"]}]}}), 201)
    err(alice.get(url), 404, "not_found")
    assert owner.get(url).status_code == 200  # its readers still can
