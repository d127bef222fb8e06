"""Accounts and sessions, attacked the way a leaked token or a copied cookie would be:

- changing one's own password needs the current one (wrong or missing: refused, and counted
  like a failed sign-in); an owner sets someone else's without it;
- a narrowed token (read-only, or limited to some types) never changes users, roles or tokens;
- admin sessions live on the server: signing out, a password change (other sessions), a
  deactivation, the idle timeout and the absolute lifetime end them, copied cookies included.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from recordbase.access.models import Throttle
from recordbase.auth import create_token, create_user
from recordbase.context import platform
from recordbase.models import ApiToken, User, UserSession, utcnow
from support import csrf_token_from as csrf
from support import sign_in as support_sign_in

OWNER = "owner@example.com"
OWNER_PASSWORD = "correct horse battery"
ALICE = "alice@example.com"
PASSWORD = "alice's long password"
NEW = "a brand new password"


class Api:
    def __init__(self, client, token):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def __getattr__(self, method):
        return lambda url, **kw: getattr(self.client, method)(url, headers=self.headers, **kw)


def sign_in(app, email: str, password: str):
    return support_sign_in(app, email, password, statuses=(302,))

def signed_in(client) -> bool:
    resp = client.get("/admin/")
    assert resp.status_code in (200, 302)
    return resp.status_code == 200 or not resp.headers["Location"].startswith("/admin/login/")


def copy_of(app, client):
    """A second browser holding a copy of ``client``'s session cookie (what a thief would have)."""
    cookie = client.get_cookie("recordbase_session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("recordbase_session", cookie.value)
    return thief


def status(resp, expected: int) -> dict:
    assert resp.status_code == expected, (resp.status_code, resp.get_data(as_text=True)[:800])
    return resp.get_json()


@pytest.fixture
def alice(app, sessions, owner):
    """alice (an editor) with a full token, a read-only token and a token limited to one type."""
    from recordbase.metamodel.service import MetamodelService

    with sessions.begin() as s:
        MetamodelService(s).create_type({"name": "supplier", "label": "Supplier",
                                         "fields": [{"name": "name", "label": "Name", "type": "text"}]})
        u = create_user(s, ALICE, PASSWORD, role="editor")
        tokens = {"full": create_token(s, u, name="full"), "read_only": create_token(s, u, read_only=True),
                  "typed": create_token(s, u, types=["supplier"])}
        o = s.scalars(select(User).where(User.email == OWNER)).one()
        tokens["owner"] = create_token(s, o, name="owner")
        tokens["owner_typed"] = create_token(s, o, types=["supplier"])
        tokens["owner_read_only"] = create_token(s, o, read_only=True)
    return {k: Api(app.test_client(), v) for k, v in tokens.items()}


# -- changing a password ----------------------------------------------------------------------------
def test_own_password_change_needs_the_current_password(app, alice, sessions):
    api = alice["full"]
    missing = status(api.patch(f"/api/v1/users/{ALICE}", json={"password": NEW}), 422)["error"]
    assert "current_password" in missing["details"] and "current password" in missing["message"]
    wrong = status(api.patch(f"/api/v1/users/{ALICE}", json={"password": NEW, "current_password": "guess"}),
                   422)["error"]
    assert wrong["details"] == {"current_password": ["the current password is wrong"]}
    with sessions() as s:  # both refusals counted as failed sign-ins of the account
        assert s.get(Throttle, f"signin:account:{ALICE}").count == 2
    sign_in(app, ALICE, PASSWORD)  # nothing changed
    status(api.patch(f"/api/v1/users/{ALICE}", json={"password": NEW, "current_password": PASSWORD}), 200)
    sign_in(app, ALICE, NEW)
    events = status(alice["owner"].get("/api/v1/audit?action=sign_in_failed"), 200)["events"]
    assert len(events) == 2 and all(e["details"]["by"] == "password change" for e in events)


def test_wrong_current_passwords_lock_the_account_like_sign_ins(app, alice):
    app.config["RECORDBASE_SIGNIN_MAX_FAILURES"] = 3
    api = alice["full"]
    for i in range(2):
        status(api.patch(f"/api/v1/users/{ALICE}", json={"password": NEW, "current_password": f"guess {i}"}), 422)
    locked = status(api.patch(f"/api/v1/users/{ALICE}", json={"password": NEW, "current_password": "guess 3"}), 429)
    assert locked["error"]["code"] == "too_many_requests"
    # while locked, even the right password is not checked, here and at the sign-in form
    status(api.patch(f"/api/v1/users/{ALICE}", json={"password": NEW, "current_password": PASSWORD}), 429)
    client = app.test_client()
    page = client.get("/admin/login/")
    resp = client.post("/admin/login/", data={"email": ALICE, "password": PASSWORD,
                                              "csrf_token": csrf(page.get_data(as_text=True))})
    assert resp.status_code == 429 and "Too many failed sign-ins" in resp.get_data(as_text=True)


def test_an_owner_sets_someone_elses_password_but_not_their_own_without_it(app, alice):
    owner = alice["owner"]
    status(owner.patch(f"/api/v1/users/{ALICE}", json={"password": NEW}), 200)
    sign_in(app, ALICE, NEW)
    status(owner.patch(f"/api/v1/users/{OWNER}", json={"password": NEW}), 422)
    status(owner.patch(f"/api/v1/users/{OWNER}", json={"password": NEW, "current_password": OWNER_PASSWORD}), 200)
    sign_in(app, OWNER, NEW)


def test_narrowed_tokens_never_touch_accounts(app, alice, sessions):
    with sessions() as s:
        token_id = s.scalars(select(ApiToken.id).where(ApiToken.name == "full")).one()
    for name in ("read_only", "typed", "owner_typed", "owner_read_only"):
        api = alice[name]
        me = ALICE if not name.startswith("owner") else OWNER
        writes = [api.patch(f"/api/v1/users/{me}", json={"password": NEW}),
                  api.patch(f"/api/v1/users/{me}", json={"password": NEW, "current_password": PASSWORD}),
                  api.patch(f"/api/v1/users/{me}", json={"display_name": "Taken over"}),
                  api.post("/api/v1/users", json={"email": "mallory@example.com", "password": NEW}),
                  api.post("/api/v1/tokens", json={"name": "wider"}),
                  api.post("/api/v1/tokens", json={"name": "as narrow", "read_only": True, "types": ["supplier"]}),
                  api.delete(f"/api/v1/tokens/{token_id}"),
                  api.post("/api/v1/roles", json={"name": "r", "label": "R"}),
                  api.patch("/api/v1/roles/viewer", json={"label": "Mine"}),
                  api.delete("/api/v1/roles/viewer")]
        for resp in writes:
            assert status(resp, 403)["error"]["code"] == "forbidden", name
        assert status(api.get("/api/v1/me"), 200)["email"] == me  # reading stays fine
        assert status(api.get(f"/api/v1/users/{me}"), 200)["email"] == me
        status(api.get("/api/v1/tokens"), 200)
    sign_in(app, ALICE, PASSWORD)
    with sessions() as s:
        assert s.get(ApiToken, token_id).revoked_at is None
        assert s.scalars(select(User.display_name).where(User.email == ALICE)).one() != "Taken over"
    # a full token still may (its own user's password with the current one; a new token)
    status(alice["full"].post("/api/v1/tokens", json={"name": "laptop"}), 201)


def test_the_admins_own_password_form_asks_the_current_password(app, alice):
    client = sign_in(app, OWNER, OWNER_PASSWORD)
    url = f"/admin/users/edit/?email={OWNER}"
    page = client.get(url).get_data(as_text=True)
    assert 'name="current_password"' in page
    form = {"display_name": "Owner", "roles": ["owner"], "active": "1", "password": NEW}
    for current in (None, "wrong guess"):
        data = dict(form, csrf_token=csrf(client.get(url).get_data(as_text=True)))
        if current:
            data["current_password"] = current
        resp = client.post(url, data=data, follow_redirects=True)
        assert "current password" in resp.get_data(as_text=True)
    sign_in(app, OWNER, OWNER_PASSWORD)  # unchanged
    other = sign_in(app, OWNER, OWNER_PASSWORD)
    data = dict(form, current_password=OWNER_PASSWORD, csrf_token=csrf(client.get(url).get_data(as_text=True)))
    assert client.post(url, data=data).status_code == 302
    sign_in(app, OWNER, NEW)
    assert signed_in(client) and not signed_in(other)  # this browser goes on, the others end
    # someone else's page has no such field: an owner sets their password without it
    url = f"/admin/users/edit/?email={ALICE}"
    page = client.get(url).get_data(as_text=True)
    assert 'name="current_password"' not in page
    data = {"display_name": "Alice", "roles": ["editor"], "active": "1", "password": NEW, "csrf_token": csrf(page)}
    assert client.post(url, data=data).status_code == 302
    sign_in(app, ALICE, NEW)


# -- server-side sessions ---------------------------------------------------------------------------
def test_signing_out_ends_the_session_and_every_copy_of_its_cookie(app, owner, sessions):
    browser = sign_in(app, OWNER, OWNER_PASSWORD)
    thief = copy_of(app, browser)
    assert signed_in(thief)  # a copy works while the session lives
    other_browser = sign_in(app, OWNER, OWNER_PASSWORD)
    resp = browser.post("/admin/logout/", data={"csrf_token": csrf(browser.get("/admin/").get_data(as_text=True))})
    assert resp.status_code == 302
    for client in (browser, thief):
        resp = client.get("/admin/records/supplier/")
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/admin/login/")
    assert signed_in(other_browser)  # signing out ends only that browser's session
    with sessions() as s:
        assert len(s.scalars(select(UserSession)).all()) == 1


def _age(sessions, **ago) -> None:
    with sessions.begin() as s:
        s.execute(update(UserSession).values(**{k: utcnow() - v for k, v in ago.items()}))


def test_idle_timeout_and_absolute_lifetime(app, owner, sessions):
    browser = sign_in(app, OWNER, OWNER_PASSWORD)
    _age(sessions, last_seen_at=timedelta(hours=7, minutes=50))
    assert signed_in(browser)  # within the default 8 hours; the visit is recorded (a read-only page)
    with sessions() as s:
        assert utcnow() - s.scalars(select(UserSession.last_seen_at)).one() < timedelta(minutes=1)
    _age(sessions, last_seen_at=timedelta(hours=8, minutes=1))
    assert not signed_in(browser)

    app.config["RECORDBASE_SESSION_IDLE_MINUTES"] = 30
    browser = sign_in(app, OWNER, OWNER_PASSWORD)
    _age(sessions, last_seen_at=timedelta(minutes=29))
    assert signed_in(browser)
    _age(sessions, last_seen_at=timedelta(minutes=31))
    assert not signed_in(browser)

    browser = sign_in(app, OWNER, OWNER_PASSWORD)  # (the expired rows are cleared away at a sign-in)
    _age(sessions, created_at=timedelta(days=6, hours=23), last_seen_at=timedelta(minutes=2))
    assert signed_in(browser)
    _age(sessions, created_at=timedelta(days=7, minutes=1), last_seen_at=timedelta(minutes=2))
    assert not signed_in(browser)  # used all along, but older than the default 7 days
    app.config["RECORDBASE_SESSION_MAX_HOURS"] = 1
    browser = sign_in(app, OWNER, OWNER_PASSWORD)
    _age(sessions, created_at=timedelta(minutes=61), last_seen_at=timedelta(seconds=5))
    assert not signed_in(browser)
    with sessions() as s:
        assert len(s.scalars(select(UserSession)).all()) == 1


def test_a_password_change_ends_the_users_other_sessions(app, alice):
    browsers = [sign_in(app, ALICE, PASSWORD) for _ in range(2)]
    thief = copy_of(app, browsers[0])
    owners_browser = sign_in(app, OWNER, OWNER_PASSWORD)
    # over the API (no browser session of its own): every session of alice ends
    status(alice["full"].patch(f"/api/v1/users/{ALICE}", json={"password": NEW, "current_password": PASSWORD}), 200)
    assert not any(signed_in(c) for c in browsers + [thief])
    assert signed_in(owners_browser)  # nobody else's
    # set by an owner: the same
    browser = sign_in(app, ALICE, NEW)
    status(alice["owner"].patch(f"/api/v1/users/{ALICE}", json={"password": PASSWORD}), 200)
    assert not signed_in(browser)
    # a reset link used: the same
    browser = sign_in(app, ALICE, PASSWORD)
    link = status(alice["owner"].patch(f"/api/v1/users/{ALICE}", json={"reset_password": True}), 200)["reset_url"]
    setter = app.test_client()
    token = csrf(setter.get(link).get_data(as_text=True))
    assert setter.post(link, data={"password": NEW, "password2": NEW, "csrf_token": token}).status_code == 302
    assert signed_in(setter) and not signed_in(browser)


def test_deactivation_ends_every_session_for_good(app, alice, sessions):
    browser = sign_in(app, ALICE, PASSWORD)
    thief = copy_of(app, browser)
    status(alice["owner"].patch(f"/api/v1/users/{ALICE}", json={"active": False}), 200)
    with sessions() as s:
        assert s.scalars(select(UserSession).join(User).where(User.email == ALICE)).all() == []
    status(alice["owner"].patch(f"/api/v1/users/{ALICE}", json={"active": True}), 200)
    assert not signed_in(browser) and not signed_in(thief)  # reactivating does not bring them back


def test_a_cookie_without_a_live_session_is_nobody(app, owner):
    """A cookie signed with the right key but naming no session (one from before the sessions
    table, or forged with a leaked key and a guessed user id) signs nobody in."""
    client = app.test_client()
    with client.session_transaction() as web:
        web["uid"] = owner.id
        web["auth_version"] = "anything"
    assert not signed_in(client)
    with client.session_transaction() as web:
        web["uid"] = owner.id
        web["sid"] = "x" * 43
    assert not signed_in(client)


def test_session_settings_come_from_the_environment(monkeypatch, database_url, tmp_path, owner):
    from recordbase import create_app

    monkeypatch.setenv("RECORDBASE_SESSION_IDLE_MINUTES", "15")
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k", "INSTANCE_PATH": str(tmp_path / "i")})
    with app.app_context():
        from recordbase.sessions import idle_limit, max_age

        assert idle_limit() == timedelta(minutes=15) and max_age() == timedelta(days=7)
    platform(app).engine.dispose()
    monkeypatch.setenv("RECORDBASE_SESSION_MAX_HOURS", "a week")
    with pytest.raises(ValueError, match="RECORDBASE_SESSION_MAX_HOURS"):
        create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k", "INSTANCE_PATH": str(tmp_path / "i")})
