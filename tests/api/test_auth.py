"""Bearer-token authentication: 401 without a valid token, 403 for writes with a read-only one."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from recordbase.models import ApiToken

from .helpers import OWNER_EMAIL, count, create, error, ok

PATHS = ["/api/v1/types", "/api/v1/types/supplier", "/api/v1/records/supplier", "/api/v1/records/supplier/1",
         "/api/v1/openapi.json", "/api/v1/me", "/api/v1/trash", "/api/v1/attachments/" + "0" * 32]


def test_no_token_is_401_everywhere(app, supplier):
    client = app.test_client()
    for path in PATHS:
        err = error(client.get(path), 401, "unauthorized")
        assert "Bearer" in err["message"]
    resp = client.post("/api/v1/records/supplier", json={"fields": {"name": "x"}})
    error(resp, 401, "unauthorized")
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_bad_and_malformed_tokens_are_401(app, supplier):
    client = app.test_client()
    for header in ("Bearer nope", "Bearer ", "Basic dXNlcjpwYXNz", "rb_something", "Bearer rb_" + "x" * 43):
        error(client.get("/api/v1/types", headers={"Authorization": header}), 401, "unauthorized")


def test_revoked_token_is_401(api, sessions, supplier):
    ok(api.get("/api/v1/types"))
    with sessions.begin() as s:
        s.execute(update(ApiToken).values(revoked_at=datetime(2024, 1, 1)))
    error(api.get("/api/v1/types"), 401, "unauthorized")


def test_session_cookie_does_not_authenticate_the_api(app, admin_client, api, supplier):
    """A signed-in admin session is not an API login (and the API needs no CSRF token)."""
    assert admin_client.get("/admin/").status_code == 200  # the cookie is a live session
    error(admin_client.get("/api/v1/types"), 401, "unauthorized")
    error(admin_client.post("/api/v1/records/supplier", json={"fields": {"name": "x"}}), 401)
    assert count(api, "supplier") == 0


def test_scheme_is_case_insensitive_and_me_names_the_user(app, token):
    client = app.test_client()
    me = ok(client.get("/api/v1/me", headers={"Authorization": f"bearer {token}"}))
    assert me["email"] == OWNER_EMAIL and me["token"]["read_only"] is False
    assert token.startswith(me["token"]["prefix"])


def test_last_used_is_recorded(api, sessions):
    ok(api.get("/api/v1/me"))
    with sessions() as s:
        assert s.scalars(select(ApiToken.last_used_at)).one() is not None


def test_read_only_token_reads_but_never_writes(api, read_only_api, supplier):
    rec = create(api, "supplier", name="Acme")
    ok(read_only_api.get("/api/v1/records/supplier"))
    ok(read_only_api.get(f"/api/v1/records/supplier/{rec['id']}"))
    ok(read_only_api.get("/api/v1/openapi.json"))
    attempts = [
        read_only_api.post("/api/v1/records/supplier", json={"fields": {"name": "Nope"}}),
        read_only_api.patch(f"/api/v1/records/supplier/{rec['id']}", json={"fields": {"name": "Nope"}, "version": 1}),
        read_only_api.delete(f"/api/v1/records/supplier/{rec['id']}"),
        read_only_api.post("/api/v1/types", json={"name": "other", "label": "Other"}),
        read_only_api.post("/api/v1/types/supplier/fields", json={"name": "x", "label": "X", "type": "text"}),
        read_only_api.delete("/api/v1/types/supplier"),
    ]
    for resp in attempts:
        error(resp, 403, "forbidden")
    assert count(api, "supplier") == 1
    assert ok(api.get(f"/api/v1/records/supplier/{rec['id']}"))["fields"]["name"] == "Acme"
    assert [t["name"] for t in ok(api.get("/api/v1/types"))["types"]] == ["supplier"]


def test_created_by_and_updated_by_come_from_the_token(api, other_api, supplier):
    rec = create(api, "supplier", name="Acme")
    assert rec["created_by"] == OWNER_EMAIL and rec["updated_by"] == OWNER_EMAIL
    changed = ok(other_api.patch(f"/api/v1/records/supplier/{rec['id']}",
                                 json={"fields": {"score": 3}, "version": rec["version"]}))
    assert changed["created_by"] == OWNER_EMAIL and changed["updated_by"] == "editor@example.com"
