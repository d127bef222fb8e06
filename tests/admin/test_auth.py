"""Sign-in, sign-out and access to the admin."""
from __future__ import annotations

from admin_helpers import csrf_token_from, page_text, post_form

from recordbase.auth import create_user

EMAIL = "owner@example.com"
PASSWORD = "correct horse battery"


def _login(client, email: str, password: str, next_url: str | None = None):
    page = client.get("/admin/login/" + (f"?next={next_url}" if next_url else ""))
    data = {"email": email, "password": password, "csrf_token": csrf_token_from(page_text(page))}
    if next_url:
        data["next"] = next_url
    return client.post("/admin/login/", data=data)


def test_anonymous_visitor_is_sent_to_the_sign_in_form(app, owner):
    client = app.test_client()
    resp = client.get("/admin/")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/admin/login/")
    page = page_text(client.get(resp.headers["Location"]))
    for name in ("email", "password", "csrf_token"):
        assert f'name="{name}"' in page


def test_every_admin_page_needs_a_signed_in_user(app, owner):
    client = app.test_client()
    for url in ("/admin/records/anything/", "/admin/records/anything/new/", "/admin/metamodel/",
                "/admin/metamodel/types/new/"):
        resp = client.get(url)
        assert resp.status_code == 302 and "/admin/login/" in resp.headers["Location"], url
    assert client.post("/admin/metamodel/types/new/", data={}).status_code in (302, 400)


def test_wrong_credentials_give_one_generic_error(app, owner):
    client = app.test_client()
    wrong_password = _login(client, EMAIL, "not the password")
    unknown_user = _login(client, "nobody@example.com", "not the password")
    for resp in (wrong_password, unknown_user):
        assert resp.status_code == 200
        assert "Invalid email or password." in page_text(resp)
    assert client.get("/admin/").status_code == 302


def test_good_credentials_sign_in_and_follow_next(app, owner):
    client = app.test_client()
    resp = _login(client, EMAIL, PASSWORD, next_url="/admin/metamodel/")
    assert resp.status_code == 302 and resp.headers["Location"] == "/admin/metamodel/"
    assert client.get("/admin/").status_code == 200


def test_next_never_leaves_the_admin(app, owner):
    client = app.test_client()
    resp = _login(client, EMAIL, PASSWORD, next_url="https://evil.example.com/")
    assert resp.headers["Location"] == "/admin/"


def test_sign_in_needs_the_csrf_token(app, owner):
    client = app.test_client()
    client.get("/admin/login/")
    resp = client.post("/admin/login/", data={"email": EMAIL, "password": PASSWORD})
    assert resp.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_inactive_user_cannot_sign_in(app, sessions):
    with sessions.begin() as s:
        user = create_user(s, "gone@example.com", PASSWORD)
        user.is_active = False
    client = app.test_client()
    assert "Invalid email or password." in page_text(_login(client, "gone@example.com", PASSWORD))


def test_sign_out_is_a_post_with_csrf(admin_client):
    assert admin_client.get("/admin/").status_code == 200
    assert admin_client.post("/admin/logout/").status_code == 400  # no token: refused
    assert admin_client.get("/admin/").status_code == 200
    resp = post_form(admin_client, "/admin/logout/", {}, token_url="/admin/")
    assert resp.status_code == 302
    assert admin_client.get("/admin/").status_code == 302


def test_only_owners_and_builders_change_the_metamodel(app, sessions):
    with sessions.begin() as s:
        create_user(s, "viewer@example.com", PASSWORD, role="viewer")
    client = app.test_client()
    assert _login(client, "viewer@example.com", PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200
    assert "/admin/metamodel/" not in page_text(client.get("/admin/"))
    assert client.get("/admin/metamodel/").status_code == 403
    resp = post_form(client, "/admin/metamodel/types/new/", {"name": "x", "label": "X"}, token_url="/admin/")
    assert resp.status_code == 403


def test_a_form_of_another_session_gets_a_page_saying_so(app, admin_client, switch_language):
    """Werkzeug's bare '400 Bad Request / The CSRF token is invalid.' was all a user saw."""
    from admin_helpers import token_for

    stale = token_for(admin_client, "/admin/metamodel/types/new/")
    with admin_client.session_transaction() as s:  # as after signing out and in again elsewhere
        s.pop("csrf_token", None)
    resp = admin_client.post("/admin/metamodel/types/new/", data={"name": "x", "label": "X", "csrf_token": stale},
                             headers={"Referer": "http://localhost/admin/metamodel/types/new/"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "This form has expired" in page and "nothing was saved" in page
    assert 'href="/admin/metamodel/types/new/"' in page
    switch_language(admin_client, "zh")
    with admin_client.session_transaction() as s:
        s.pop("csrf_token", None)
    resp = admin_client.post("/admin/metamodel/types/new/", data={"name": "x", "label": "X", "csrf_token": stale})
    assert resp.status_code == 400 and "此表单已失效" in resp.get_data(as_text=True)
