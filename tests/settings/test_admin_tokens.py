"""API tokens in the admin: each user creates and revokes their own; an owner also anyone's; a token's
text is shown once, then only its prefix; a revoked token no longer opens the API."""
from __future__ import annotations

import re

from recordbase.models import ApiToken
from sqlalchemy import select

from .helpers import EDITOR_EMAIL, csrf_token_from

URL = "/admin/tokens/"


def _new_token(html: str) -> str:
    m = re.search(r'id="rb-new-token">(rb_[A-Za-z0-9_-]+)<', html)
    assert m, "no new token on the page"
    return m.group(1)


def _revoke(client, token_id: int, page: str = URL):
    return client.post(f"/admin/tokens/{token_id}/revoke/", data={"csrf_token": _csrf(client, page)})


def _csrf(client, url: str) -> str:
    return csrf_token_from(client.get(url).get_data(as_text=True))


def test_a_user_creates_a_token_shown_once_that_opens_the_api(app, editor_client, sessions):
    resp = editor_client.post("/admin/tokens/new/", data={"name": "nightly script", "read_only": "y",
                                                          "csrf_token": _csrf(editor_client, URL)})
    assert resp.status_code == 201
    assert resp.headers["Cache-Control"] == "no-store"
    text = _new_token(resp.get_data(as_text=True))
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {text}"}).status_code == 200
    again = editor_client.get(URL).get_data(as_text=True)
    assert text not in again and text[:10] + "…" in again and "nightly script" in again
    with sessions() as s:
        row = s.scalars(select(ApiToken).where(ApiToken.prefix == text[:10])).one()
        assert row.read_only and row.user.email == EDITOR_EMAIL and text not in (row.token_hash, row.prefix)


def test_revoking_a_token_closes_the_api_to_it(app, editor_client, sessions):
    resp = editor_client.post("/admin/tokens/new/", data={"name": "t", "csrf_token": _csrf(editor_client, URL)})
    text = _new_token(resp.get_data(as_text=True))
    with sessions() as s:
        tid = s.scalars(select(ApiToken.id).where(ApiToken.prefix == text[:10])).one()
    assert _revoke(editor_client, tid).status_code == 302
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {text}"}).status_code == 401
    page = editor_client.get(URL).get_data(as_text=True)
    assert "Revoked" in page


def test_another_users_token_is_only_an_owners(app, editor_client, admin_client, token, sessions):
    """The editor neither sees nor revokes the owner's token (a 404, as if it did not exist);
    the owner lists and revokes the editor's."""
    with sessions() as s:
        owner_token = s.scalars(select(ApiToken).where(ApiToken.prefix == token[:10])).one()
    assert editor_client.get(URL + "?email=owner@example.com").status_code == 404
    assert _revoke(editor_client, owner_token.id).status_code == 404
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert editor_client.post("/admin/tokens/new/", data={"email": "owner@example.com",
                                                          "csrf_token": _csrf(editor_client, URL)}).status_code == 404
    # the owner works on the editor's tokens
    page = f"{URL}?email={EDITOR_EMAIL}"
    resp = admin_client.post("/admin/tokens/new/", data={"email": EDITOR_EMAIL, "name": "for ed",
                                                         "csrf_token": _csrf(admin_client, page)})
    assert resp.status_code == 201
    text = _new_token(resp.get_data(as_text=True))
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {text}"}).get_json()
    assert me["email"] == EDITOR_EMAIL
    with sessions() as s:
        tid = s.scalars(select(ApiToken.id).where(ApiToken.prefix == text[:10])).one()
    assert _revoke(admin_client, tid, page).status_code == 302
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {text}"}).status_code == 401


def test_creation_and_revocation_are_audited_without_the_token(app, admin_client, api, sessions):
    resp = admin_client.post("/admin/tokens/new/", data={"name": "audited", "csrf_token": _csrf(admin_client, URL)})
    text = _new_token(resp.get_data(as_text=True))
    with sessions() as s:
        tid = s.scalars(select(ApiToken.id).where(ApiToken.prefix == text[:10])).one()
    _revoke(admin_client, tid)
    body = api.get("/api/v1/audit").get_data(as_text=True)
    assert "token.create" in body and "token.revoke" in body and text not in body


def test_a_bad_id_or_a_long_name_is_a_clear_answer(admin_client):
    assert admin_client.post("/admin/tokens/99999999999/revoke/", data={"csrf_token": _csrf(admin_client, URL)}) \
        .status_code == 404
    resp = admin_client.post("/admin/tokens/new/", data={"name": "x" * 300, "csrf_token": _csrf(admin_client, URL)})
    assert resp.status_code == 422 and "invalid-feedback" in resp.get_data(as_text=True)
