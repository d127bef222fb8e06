"""Automation rules and runs are for those who may configure the rule's type (issue #15, items 1, 5, 8).

Every rule and run route of ``/api/v1`` and the admin against: a viewer, an editor, a custom role
that configures suppliers within its rows (``region = east``) with a hidden field, a builder's
read-only token and a builder token limited to contracts. Besides the status, no body may hold the
webhook secret, a hidden value or a record outside the caller's rows.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest

from recordbase.auth import create_token, create_user
from support import ok

SECRET = "whsec-Zq81-do-not-show"
PASSWORD = "a long enough password"
HIDDEN_VALUES = ("CC-EAST-HIDDEN", "CC-WEST-HIDDEN")
WEST = "WestCorp-outside"

SUPPLIER = [{"name": "name", "label": "Name", "type": "text", "required": True},
            {"name": "region", "label": "Region", "type": "text"},
            {"name": "credit_code", "label": "Credit code", "type": "text"},
            {"name": "status", "label": "Status", "type": "text"},
            {"name": "rating", "label": "Rating", "type": "number"}]
CONTRACT = [{"name": "title", "label": "Title", "type": "text", "required": True},
            {"name": "status", "label": "Status", "type": "text"}]
EAST = {"field": "region", "op": "eq", "value": "east"}
ROLES = [
    {"name": "supplier_builder", "label": "Supplier builder", "permissions": {"supplier": {
        "actions": ["read", "create", "update", "configure"], "rows": EAST, "hidden_fields": ["credit_code"]}}},
    {"name": "east_editor", "label": "East editor", "permissions": {"supplier": {
        "actions": ["read", "create", "update"], "rows": EAST}}},
]


def status(resp, expected: int) -> str:
    body = resp.get_data(as_text=True)
    assert resp.status_code == expected, (resp.status_code, body[:1500])
    return body


def clean(body: str, *, west: bool = True, hidden: bool = True) -> None:
    """Neither the secret nor (with ``hidden``) a hidden value nor (with ``west``) the record outside the
    rows is in the body."""
    assert SECRET not in body
    for value in HIDDEN_VALUES if hidden else ():
        assert value not in body, value
    if west:
        assert WEST not in body


@dataclass
class World:
    owner: object
    clients: dict
    rules: dict
    ids: dict
    runs: dict


@pytest.fixture
def world(app, sessions, api) -> World:
    for name, fields in (("supplier", SUPPLIER), ("contract", CONTRACT)):
        ok(api.post("/api/v1/types", json={"name": name, "label": name.title()}), 201)
        for f in fields:
            ok(api.post(f"/api/v1/types/{name}/fields", json=f), 201)
    for role in ROLES:
        ok(api.post("/api/v1/roles", json=role), 201)
    rules = {
        "hook": ok(api.post("/api/v1/rules", json={
            "name": "Hook", "type": "supplier", "trigger": {"on": "record_updated"},
            "actions": [{"do": "webhook", "url": "http://127.0.0.1:9/hook", "secret": SECRET}]}), 201)["id"],
        "button": ok(api.post("/api/v1/rules", json={
            "name": "Escalate", "type": "supplier", "trigger": {"on": "button", "label": "Escalate"},
            "actions": [{"do": "update_record", "values": {"status": "escalated"}},
                        {"do": "webhook", "url": "http://127.0.0.1:9/button", "secret": SECRET}]}), 201)["id"],
        "contract": ok(api.post("/api/v1/rules", json={
            "name": "New contract", "type": "contract", "trigger": {"on": "record_created"},
            "actions": [{"do": "update_record", "values": {"status": "new"}}]}), 201)["id"],
    }
    ids = {"east": ok(api.post("/api/v1/records/supplier", json={"fields": {
               "name": "EastCorp", "region": "east", "credit_code": "CC-EAST-HIDDEN", "rating": 1}}), 201)["id"],
           "west": ok(api.post("/api/v1/records/supplier", json={"fields": {
               "name": WEST, "region": "west", "credit_code": "CC-WEST-HIDDEN", "rating": 1}}), 201)["id"],
           "contract": ok(api.post("/api/v1/records/contract", json={"fields": {"title": "C1"}}), 201)["id"]}
    for key in ("east", "west"):
        rec = ok(api.get(f"/api/v1/records/supplier/{ids[key]}"))
        ok(api.patch(f"/api/v1/records/supplier/{ids[key]}", json={"fields": {"rating": 2}, "version": rec["version"]}))
    runs = {}
    for run in ok(api.get("/api/v1/runs"))["runs"]:
        key = "contract" if run["type"] == "contract" else ("east" if run["record_id"] == ids["east"] else "west")
        runs[key] = run["id"]
    assert set(runs) == {"east", "west", "contract"}
    clients = {}
    with sessions.begin() as s:
        for name, role in (("viewer", "viewer"), ("editor", "editor"), ("restricted", "supplier_builder"),
                           ("east", "east_editor"), ("builder", "builder")):
            user = create_user(s, f"{name}@example.com", PASSWORD, role=role)
            clients[name] = create_token(s, user, name="tests")
            if name == "builder":
                clients["read_only"] = create_token(s, user, name="ro", read_only=True)
                clients["contracts_only"] = create_token(s, user, name="typed", types=["contract"])
    clients = {k: type(api)(app.test_client(), v) for k, v in clients.items()}
    return World(api, clients, rules, ids, runs)


def _reads(w: World) -> list[str]:
    r, runs = w.rules, w.runs
    return ["/api/v1/rules", f"/api/v1/rules/{r['hook']}", f"/api/v1/rules/{r['hook']}/runs", "/api/v1/runs",
            f"/api/v1/runs/{runs['east']}"]


@pytest.mark.parametrize("who", ["viewer", "editor"])
def test_users_who_configure_nothing_get_403_everywhere(world, who):
    c, r = world.clients[who], world.rules
    for url in _reads(world):
        clean(status(c.get(url), 403))
    clean(status(c.post("/api/v1/rules", json={"name": "x", "type": "supplier", "trigger": {"on": "button"},
                                               "actions": [{"do": "update_record", "values": {"status": "x"}}]}), 403))
    clean(status(c.patch(f"/api/v1/rules/{r['hook']}", json={"enabled": False}), 403))
    clean(status(c.delete(f"/api/v1/rules/{r['hook']}"), 403))
    clean(status(c.post(f"/api/v1/runs/{world.runs['east']}/retry"), 403))
    assert ok(world.owner.get(f"/api/v1/rules/{r['hook']}"))["enabled"] is True


def test_a_type_configurer_sees_its_types_rules_and_its_rows_runs_without_hidden_fields(world):
    c, r, runs, ids = world.clients["restricted"], world.rules, world.runs, world.ids
    listed = ok(c.get("/api/v1/rules"))["rules"]
    assert sorted(x["id"] for x in listed) == sorted([r["hook"], r["button"]])
    for url in (f"/api/v1/rules/{r['contract']}", f"/api/v1/rules/{r['contract']}/runs",
                f"/api/v1/runs/{runs['contract']}", f"/api/v1/runs/{runs['west']}"):
        clean(status(c.get(url), 404))
    for url in _reads(world):
        clean(status(c.get(url), 200))
    all_runs = ok(c.get("/api/v1/runs"))["runs"]
    assert {x["record_id"] for x in all_runs} == {ids["east"]} and all(x["type"] == "supplier" for x in all_runs)
    [step] = ok(c.get(f"/api/v1/runs/{runs['east']}"))["steps"]
    assert "EastCorp" in step["payload"]["body"] and "credit_code" not in step["payload"]["body"]
    # the owner sees the whole payload (but never the secret)
    owner_body = status(world.owner.get(f"/api/v1/runs/{runs['east']}"), 200)
    assert "CC-EAST-HIDDEN" in owner_body and SECRET not in owner_body
    # writing: its own type, yes; another type, or a rule writing another type, no
    clean(status(c.patch(f"/api/v1/rules/{r['hook']}", json={"name": "Hook 2"}), 200))
    clean(status(c.patch(f"/api/v1/rules/{r['contract']}", json={"name": "x"}), 404))
    clean(status(c.delete(f"/api/v1/rules/{r['contract']}"), 404))
    clean(status(c.post(f"/api/v1/runs/{runs['contract']}/retry"), 404))
    base = {"name": "Mine", "type": "supplier", "trigger": {"on": "record_created"}}
    err = ok(c.post("/api/v1/rules", json={**base, "type": "contract",
                                           "actions": [{"do": "update_record", "values": {"status": "x"}}]}), 422)
    assert err["error"]["details"]["path"] == "$.type"  # a type it cannot read does not exist for it
    status(c.post("/api/v1/rules", json={**base, "actions": [{"do": "create_record", "type": "contract",
                                                              "values": {"title": "t"}}]}), 403)
    status(c.post("/api/v1/rules", json={**base, "actions": [{"do": "update_record", "values": {"status": "x"}}]}),
           201)
    assert len(ok(world.owner.get("/api/v1/rules"))["rules"]) == 4  # only the allowed one was saved


def test_a_read_only_token_reads_rules_but_never_changes_them(world):
    c, r = world.clients["read_only"], world.rules
    for url in _reads(world):
        clean(status(c.get(url), 200), west=False, hidden=False)  # a builder: every row and field, no secret
    status(c.post("/api/v1/rules", json={"name": "x", "type": "supplier", "trigger": {"on": "button"},
                                         "actions": [{"do": "update_record", "values": {"status": "x"}}]}), 403)
    status(c.patch(f"/api/v1/rules/{r['hook']}", json={"enabled": False}), 403)
    status(c.delete(f"/api/v1/rules/{r['hook']}"), 403)
    status(c.post(f"/api/v1/runs/{world.runs['east']}/retry"), 403)
    status(c.post(f"/api/v1/rules/{r['button']}/run", json={"record_id": world.ids["east"]}), 403)
    status(c.post(f"/api/v1/rules/{r['button']}/run", json={"record_id": world.ids["east"], "dry_run": True}), 403)


def test_a_type_limited_token_sees_only_its_types_rules(world):
    c, r, runs = world.clients["contracts_only"], world.rules, world.runs
    assert [x["id"] for x in ok(c.get("/api/v1/rules"))["rules"]] == [r["contract"]]
    assert {x["type"] for x in ok(c.get("/api/v1/runs"))["runs"]} == {"contract"}
    for url in (f"/api/v1/rules/{r['hook']}", f"/api/v1/rules/{r['hook']}/runs", f"/api/v1/runs/{runs['east']}"):
        clean(status(c.get(url), 404))
    status(c.patch(f"/api/v1/rules/{r['hook']}", json={"enabled": False}), 404)
    ok(c.patch(f"/api/v1/rules/{r['contract']}", json={"name": "Renamed"}))


def test_button_runs_need_the_right_to_change_the_record(world):
    c, r, ids = world.clients, world.rules, world.ids
    url = f"/api/v1/rules/{r['button']}/run"
    clean(status(c["viewer"].post(url, json={"record_id": ids["east"]}), 403))
    clean(status(c["east"].post(url, json={"record_id": ids["west"]}), 404))  # outside its rows
    run = ok(c["east"].post(url, json={"record_id": ids["east"]}), 201)
    assert run["status"] == "pending"
    clean(str(run))
    run = ok(c["editor"].post(url, json={"record_id": ids["west"]}), 201)
    assert ok(world.owner.get(f"/api/v1/records/supplier/{ids['west']}"))["fields"]["status"] == "escalated"
    assert SECRET not in str(run)
    # a dry run is for configurers, and shows only what they may see
    status(c["editor"].post(url, json={"record_id": ids["east"], "dry_run": True}), 403)
    status(c["restricted"].post(url, json={"record_id": ids["west"], "dry_run": True}), 404)
    body = status(c["restricted"].post(url, json={"record_id": ids["east"], "dry_run": True}), 200)
    clean(body)
    assert "EastCorp" in body


def test_the_secret_is_in_no_answer(world):
    owner, r = world.owner, world.rules
    bodies = [status(owner.get("/api/v1/rules"), 200), status(owner.get(f"/api/v1/rules/{r['hook']}"), 200),
              status(owner.get("/api/v1/runs"), 200),
              status(owner.patch(f"/api/v1/rules/{r['hook']}", json={"name": "Renamed"}), 200),
              # errors never quote it, even when it is the value at fault
              status(owner.patch(f"/api/v1/rules/{r['hook']}", json={"actions": [
                  {"do": "webhook", "url": "ftp://nope", "secret": SECRET + "x" * 500}]}), 422),
              status(owner.post("/api/v1/packs/export", json={"types": ["supplier"]}), 200),
              status(owner.get("/api/v1/audit"), 200),
              status(owner.get("/api/v1/openapi.json"), 200)]
    for body in bodies:
        assert SECRET not in body
    assert ok(owner.get(f"/api/v1/rules/{r['hook']}"))["actions"][0]["has_secret"] is True
    exported = ok(owner.post("/api/v1/packs/export", json={"types": ["supplier"]}))
    assert any("webhook secret" in x["message"] for x in exported["left_out"])


def test_run_rules_0_on_import_needs_configure(world):
    data = b"name,region\nImported,east\n"

    def imp(client):
        return client.post("/api/v1/records/supplier/import",
                           data={"file": (io.BytesIO(data), "s.csv"), "run_rules": "0"},
                           content_type="multipart/form-data")

    err = ok(imp(world.clients["editor"]), 403)["error"]
    assert "run_rules" in err["message"]
    assert ok(imp(world.clients["builder"]))["created"] == 1
    names = [x["fields"]["name"] for x in ok(world.owner.get("/api/v1/records/supplier"))["records"]]
    assert names.count("Imported") == 1  # the editor's import wrote nothing


# -- the admin ---------------------------------------------------------------------------------
def _sign_in(app, email: str):
    client = app.test_client()
    page = client.get("/admin/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    resp = client.post("/admin/login/", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code in (302, 303)
    return client


def _csrf(client, url: str = "/admin/") -> str:
    html = client.get(url, follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_admin_pages_follow_the_same_rule(app, world):
    r, ids, runs = world.rules, world.ids, world.runs
    viewer = _sign_in(app, "viewer@example.com")
    for url in ("/admin/rules/", f"/admin/rules/{r['hook']}/edit/", "/admin/rules/new/", "/admin/rules/runs/",
                f"/admin/rules/{r['hook']}/runs/"):
        status(viewer.get(url), 403)
    token = _csrf(viewer)
    status(viewer.post(f"/admin/rules/{r['hook']}/edit/", data={"csrf_token": token, "name": "x"}), 403)
    status(viewer.post(f"/admin/rules/runs/{runs['east']}/retry/", data={"csrf_token": token}), 403)
    status(viewer.post(f"/admin/rules/{r['button']}/run/", data={"csrf_token": token, "record_id": ids["east"]}), 403)
    status(viewer.post(f"/admin/rules/{r['button']}/run/", data={"csrf_token": token, "record_id": ids["east"],
                                                                  "dry_run": "1"}), 403)
    details = status(viewer.get(f"/admin/records/supplier/details/?id={ids['east']}"), 200)
    assert "rb-rule-button" not in details and "rb-rule-test" not in details
    editor = _sign_in(app, "editor@example.com")
    assert "rb-rule-button" in status(editor.get(f"/admin/records/supplier/details/?id={ids['east']}"), 200)

    restricted = _sign_in(app, "restricted@example.com")
    listing = status(restricted.get("/admin/rules/"), 200)
    assert "Hook" in listing and "New contract" not in listing
    status(restricted.get(f"/admin/rules/{r['contract']}/edit/"), 404)
    history = status(restricted.get("/admin/rules/runs/"), 200)
    clean(history)
    assert "EastCorp" in history and "WestCorp" not in history  # (runs name their records by title)
    edit = status(restricted.get(f"/admin/rules/{r['hook']}/edit/"), 200)
    clean(edit)
    assert "has_secret" in edit
    # the builder offers only the types it configures, without the fields its role hides
    assert 'value="supplier"' in edit and 'value="contract"' not in edit and "credit_code" not in edit
    dry = status(restricted.post(f"/admin/rules/{r['hook']}/run/", data={
        "csrf_token": _csrf(restricted, "/admin/rules/"), "record_id": ids["east"], "dry_run": "1"}), 200)
    clean(dry)
    assert "EastCorp" in dry
    status(restricted.post(f"/admin/rules/{r['hook']}/run/", data={
        "csrf_token": _csrf(restricted, "/admin/rules/"), "record_id": ids["west"], "dry_run": "1"}), 404)
