"""Users, roles and tokens over the API and the admin (design §10), and the CLI's users/tokens commands."""
from __future__ import annotations

import re

from click.testing import CliRunner

from recordbase.cli import cli

from .helpers import PASSWORD, SUPPLIER_VIEWER, err, ok, page_csrf, sign_in, text


# -- roles ------------------------------------------------------------------------------------------
def test_builtin_roles_are_listed_and_fixed(api):
    roles = {r["name"]: r for r in ok(api.get("/api/v1/roles"))["roles"]}
    assert list(roles)[:4] == ["owner", "builder", "editor", "viewer"]
    assert roles["viewer"]["permissions"] == {"*": {"actions": ["read", "export"]}} and roles["viewer"]["builtin"]
    assert roles["owner"]["users"] == 1
    err(api.patch("/api/v1/roles/viewer", json={"permissions": {}}), 409, "conflict")
    err(api.delete("/api/v1/roles/owner"), 409)
    assert ok(api.patch("/api/v1/roles/viewer", json={"label_zh": "只读"}))["label_zh"] == "只读"


def test_custom_role_round_trip(world):
    api = world
    role = ok(api.get("/api/v1/roles/supplier_viewer"))
    wanted = dict(SUPPLIER_VIEWER["permissions"]["supplier"])
    wanted.pop("readonly_fields")  # an empty list is left out
    assert role["permissions"]["supplier"] == wanted
    changed = ok(api.patch("/api/v1/roles/supplier_viewer", json={"permissions": {
        "supplier": {"actions": ["read"], "readonly_fields": ["rating"]}}}))
    assert changed["permissions"] == {"supplier": {"actions": ["read"], "readonly_fields": ["rating"]}}
    renamed = ok(api.patch("/api/v1/roles/supplier_viewer", json={"name": "supplier_reader"}))
    assert renamed["name"] == "supplier_reader"
    err(api.get("/api/v1/roles/supplier_viewer"), 404)
    err(api.post("/api/v1/roles", json={"name": "supplier_reader", "label": "Again"}), 409)
    assert ok(api.delete("/api/v1/roles/supplier_reader"))["name"] == "supplier_reader"


def test_role_validation(world):
    api = world
    cases = [
        {"name": "Bad Name", "label": "x"},
        {"name": "r1"},
        {"name": "r1", "label": "x", "permissions": {"nope": {"actions": ["read"]}}},
        {"name": "r1", "label": "x", "permissions": {"supplier": {"actions": ["fly"]}}},
        {"name": "r1", "label": "x", "permissions": {"supplier": {"hidden_fields": ["nope"]}}},
        {"name": "r1", "label": "x", "permissions": {"supplier": {"rows": {"field": "nope", "op": "eq", "value": 1}}}},
        {"name": "r1", "label": "x", "permissions": {"supplier": {"rows": {"field": "rating", "op": "eq", "value": "x"}}}},
        {"name": "r1", "label": "x", "permissions": {"*": {"hidden_fields": ["name"]}}},
        {"name": "r1", "label": "x", "permissions": {"*": {"rows": {"field": "manager", "op": "eq", "value": "@me"}}}},
        {"name": "r1", "label": "x", "extra": True},
        {"name": "r1", "label": "x", "permissions": {"supplier": {"rows": _deep(40)}}},
    ]
    for body in cases:
        e = err(api.post("/api/v1/roles", json=body), 422, "validation_error")
        assert e["details"], body
    assert [r["name"] for r in ok(api.get("/api/v1/roles"))["roles"]] == ["owner", "builder", "editor", "viewer",
                                                                         "supplier_viewer"]


def _deep(n: int) -> dict:
    node: dict = {"field": "name", "op": "eq", "value": "x"}
    for _ in range(n):
        node = {"not": node}
    return node


def test_role_in_use_cannot_be_deleted(people):
    err(people["owner"].api.delete("/api/v1/roles/supplier_viewer"), 409, "restricted")


# -- users ------------------------------------------------------------------------------------------
def test_create_user_with_roles_and_sign_in(app, world):
    api = world
    made = ok(api.post("/api/v1/users", json={"email": "eve@example.com", "password": PASSWORD,
                                               "roles": ["supplier_viewer", "viewer"], "display_name": "Eve"}), 201)
    assert made["roles"] == ["viewer", "supplier_viewer"] and made["active"] and "invite_url" not in made
    assert ok(api.get("/api/v1/users/EVE@example.com"))["display_name"] == "Eve"
    assert "eve@example.com" in [u["email"] for u in ok(api.get("/api/v1/users"))["users"]]
    err(api.post("/api/v1/users", json={"email": "eve@example.com", "password": PASSWORD}), 422)
    err(api.post("/api/v1/users", json={"email": "x@example.com", "password": PASSWORD, "roles": ["god"]}), 422)
    err(api.post("/api/v1/users", json={"email": "not-an-email", "password": PASSWORD}), 422)
    err(api.post("/api/v1/users", json={"email": "y@example.com", "password": "short"}), 422)
    err(api.post("/api/v1/users", json={"email": "z@example.com", "password": PASSWORD, "roles": []}), 422)
    sign_in(app, "eve@example.com")


def test_invite_with_a_one_time_link(app, world):
    made = ok(world.post("/api/v1/users", json={"email": "new@example.com", "roles": ["editor"], "invite": True}), 201)
    link = made["invite_url"]
    assert re.fullmatch(r"/admin/account/[A-Za-z0-9_-]{40,}", link) and not made["has_password"]
    client = app.test_client()
    page = client.get(link)
    assert page.status_code == 200 and "new@example.com" in text(page)
    token = page_csrf(client, link)
    bad = client.post(link, data={"password": PASSWORD, "password2": "different!", "csrf_token": token})
    assert bad.status_code == 422
    resp = client.post(link, data={"password": PASSWORD, "password2": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302
    assert client.get("/admin/").status_code == 200  # signed in
    assert app.test_client().get(link).status_code == 404  # used: gone
    sign_in(app, "new@example.com")
    events = ok(world.get("/api/v1/audit?action=user."))["events"]
    assert {"user.create", "user.password_set"} <= {e["action"] for e in events}


def test_deactivate_reset_and_last_owner(app, people):
    owner = people["owner"].api
    done = ok(owner.patch("/api/v1/users/bob@example.com", json={"active": False}))
    assert not done["active"]
    err(people["bob"].api.get("/api/v1/me"), 401)
    assert ok(owner.patch("/api/v1/users/bob@example.com", json={"active": True}))["active"]
    reset = ok(owner.patch("/api/v1/users/bob@example.com", json={"reset_password": True}))
    assert reset["reset_url"].startswith("/admin/account/")
    client = app.test_client()
    token = page_csrf(client, reset["reset_url"])
    client.post(reset["reset_url"], data={"password": "brand new password", "password2": "brand new password",
                                          "csrf_token": token})
    sign_in(app, "bob@example.com", "brand new password")
    ok(owner.patch("/api/v1/users/bob@example.com", json={"password": "set by owner 123"}))
    sign_in(app, "bob@example.com", "set by owner 123")
    err(owner.patch("/api/v1/users/owner@example.com", json={"active": False}), 409)
    err(owner.patch("/api/v1/users/owner@example.com", json={"roles": ["viewer"]}), 409)
    ok(owner.patch("/api/v1/users/builder@example.com", json={"roles": ["owner"]}))
    assert ok(owner.patch("/api/v1/users/owner@example.com", json={"roles": ["owner", "editor"]}))["roles"] == \
        ["owner", "editor"]
    err(owner.patch("/api/v1/users/bob@example.com", json={"bogus": 1}), 422)
    err(owner.get("/api/v1/users/nobody@example.com"), 404)


def test_users_manage_only_themselves(people):
    alice = people["alice"].api
    me = ok(alice.get("/api/v1/users/alice@example.com"))
    assert me["roles"] == ["supplier_viewer"]
    err(alice.get("/api/v1/users/bob@example.com"), 403, "forbidden")
    ok(alice.patch("/api/v1/users/alice@example.com", json={"display_name": "Alice A.", "locale": "zh"}))
    err(alice.patch("/api/v1/users/alice@example.com", json={"roles": ["owner"]}), 403, "forbidden")
    err(alice.patch("/api/v1/users/alice@example.com", json={"active": False}), 403)
    err(alice.post("/api/v1/users", json={"email": "x@example.com", "password": PASSWORD}), 403)
    err(people["builder"].api.post("/api/v1/roles", json={"name": "r", "label": "R"}), 403)
    assert ok(people["builder"].api.get("/api/v1/roles"))["roles"]


def test_admin_users_and_roles_pages(app, people, admin_client):
    page = text(admin_client.get("/admin/users/"))
    assert "alice@example.com" in page and "supplier_viewer" in page
    token = page_csrf(admin_client, "/admin/users/")
    resp = admin_client.post("/admin/users/new/", data={"email": "frank@example.com", "roles": ["editor"],
                                                        "invite": "1", "csrf_token": token})
    assert resp.status_code == 302
    edit = admin_client.get("/admin/users/edit/?email=frank@example.com", follow_redirects=True)
    assert "/admin/account/" in text(edit)  # the invitation link is shown once
    token = page_csrf(admin_client, "/admin/users/edit/?email=frank@example.com")
    admin_client.post("/admin/users/edit/?email=frank@example.com",
                      data={"display_name": "Frank", "roles": ["viewer", "supplier_viewer"], "csrf_token": token})
    user = ok(people["owner"].api.get("/api/v1/users/frank@example.com"))
    assert user["roles"] == ["viewer", "supplier_viewer"] and user["active"] is False  # the box was left unticked
    # a role made in the admin: read suppliers where the manager is the user, credit code hidden
    token = page_csrf(admin_client, "/admin/roles/edit/")
    resp = admin_client.post("/admin/roles/edit/", data={
        "name": "mgr", "label": "Managers", "label_zh": "经理", "p[supplier][read]": "1", "p[supplier][export]": "1",
        "p[supplier][rows]": "user:manager", "p[supplier][hidden]": ["unified_social_credit_code"],
        "p[contract][read]": "1", "p[contract][hidden]": ["value"], "p[contract][rows]": "all", "csrf_token": token})
    assert resp.status_code == 302, text(resp)[:2000]
    role = ok(people["owner"].api.get("/api/v1/roles/mgr"))
    assert role["permissions"] == {
        "supplier": {"actions": ["read", "export"], "rows": {"field": "manager", "op": "eq", "value": "@me"},
                     "hidden_fields": ["unified_social_credit_code"]},
        "contract": {"actions": ["read"], "hidden_fields": ["value"]}}
    form = text(admin_client.get("/admin/roles/edit/?name=mgr"))
    assert 'value="user:manager" selected' in form
    token = page_csrf(admin_client, "/admin/roles/edit/")
    bad = admin_client.post("/admin/roles/edit/", data={"name": "bad", "label": "Bad", "p[supplier][read]": "1",
                                                        "p[supplier][rows]": "custom",
                                                        "p[supplier][rows_json]": "{not json", "csrf_token": token})
    assert bad.status_code == 422 and "not valid JSON" in text(bad)
    client = sign_in(app, "alice@example.com")
    for url in ("/admin/users/", "/admin/roles/", "/admin/audit/"):
        assert client.get(url).status_code == 403
    assert "/admin/users/" not in text(client.get("/admin/"))


# -- tokens -----------------------------------------------------------------------------------------
def test_tokens_over_the_api(app, people, records):
    alice = people["alice"].api
    made = ok(alice.post("/api/v1/tokens", json={"name": "script", "read_only": True, "types": ["supplier"]}), 201)
    assert made["token"].startswith("rb_") and made["read_only"] and made["types"] == ["supplier"]
    scoped = type(alice)(app.test_client(), made["token"])
    assert ok(scoped.get("/api/v1/records/supplier"))["records"]
    err(scoped.get("/api/v1/records/contract"), 403)
    listed = ok(alice.get("/api/v1/tokens"))["tokens"]
    assert {t["name"] for t in listed} == {"tests", "script"}
    assert next(t for t in listed if t["name"] == "script")["last_used_at"] is not None
    assert "token" not in listed[0]
    err(scoped.post("/api/v1/tokens", json={"name": "wider"}), 403)
    ok(alice.delete(f"/api/v1/tokens/{made['id']}"))
    err(scoped.get("/api/v1/records/supplier"), 401)
    err(people["bob"].api.delete(f"/api/v1/tokens/{listed[0]['id']}"), 404)
    err(alice.post("/api/v1/tokens", json={"types": ["nope"]}), 422)
    assert ok(people["owner"].api.get("/api/v1/tokens?email=alice@example.com"))["tokens"]
    err(alice.get("/api/v1/tokens?email=owner@example.com"), 403)


def test_cli_users_and_scoped_tokens(app, database_url, world):
    runner = CliRunner()
    base = ["--database-url", database_url]
    r = runner.invoke(cli, base + ["users", "create", "--email", "cli@example.com", "--password", PASSWORD,
                                   "--role", "supplier_viewer", "--role", "viewer"])
    assert r.exit_code == 0, r.output
    assert ok(world.get("/api/v1/users/cli@example.com"))["roles"] == ["viewer", "supplier_viewer"]
    r = runner.invoke(cli, base + ["users", "create", "--email", "x@example.com", "--password", PASSWORD,
                                   "--role", "nope"])
    assert r.exit_code == 2 and "nope" in r.output
    r = runner.invoke(cli, base + ["tokens", "create", "--email", "cli@example.com", "--read-only",
                                   "--types", "supplier,contract"])
    assert r.exit_code == 0, r.output
    token = r.stdout.strip().splitlines()[-1]
    client = type(world)(app.test_client(), token)
    me = ok(client.get("/api/v1/me"))
    assert me["token"]["read_only"] and me["token"]["types"] == ["supplier", "contract"]
    err(client.post("/api/v1/records/contract", json={"fields": {"title": "x"}}), 403)
    r = runner.invoke(cli, base + ["tokens", "create", "--email", "cli@example.com", "--types", "nope"])
    assert r.exit_code == 1 and "nope" in r.output


def test_a_missing_builtin_role_is_shown_without_writing_and_saved_when_changed(app, api, admin_client, sessions):
    """Reading roles never writes (GET requests read in sessions that refuse writes): a built-in role
    missing from the database is shown as it would be, and saved only by a change to it."""
    from sqlalchemy import delete, func, select

    from recordbase.access.models import Role

    with sessions.begin() as s:
        s.execute(delete(Role).where(Role.name == "viewer"))
    for url in ("/admin/users/", "/admin/roles/", "/admin/roles/edit/?name=viewer"):
        page = admin_client.get(url)
        assert page.status_code == 200, url
        assert "viewer" in page.get_data(as_text=True), url
    assert "viewer" in [r["name"] for r in ok(api.get("/api/v1/roles"))["roles"]]
    assert ok(api.get("/api/v1/roles/viewer"))["builtin"] is True
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Role).where(Role.name == "viewer")) == 0
    ok(api.patch("/api/v1/roles/viewer", json={"label": "Readers"}))
    with sessions() as s:
        assert s.scalars(select(Role.label).where(Role.name == "viewer")).one() == "Readers"
