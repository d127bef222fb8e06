"""`recordbase users ...` and `recordbase tokens ...`."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from recordbase.auth import user_for_token, verify_password
from recordbase.models import ApiToken

from .helpers import session_on, user_count, users_by_email


@pytest.mark.parametrize("role", ["owner", "builder", "editor", "viewer"])
def test_users_create_with_each_role(run, role):
    result = run("users", "create", "--email", f"{role}@example.com", "--password", "long-enough", "--role", role)
    assert result.exit_code == 0, result.output
    user = users_by_email(run.url)[f"{role}@example.com"]
    assert user.role == role
    assert verify_password(user, "long-enough")


def test_users_create_refuses_duplicates_bad_input_and_unknown_roles(run):
    ok = run("users", "create", "--email", "ann@example.com", "--password", "long-enough", "--role", "editor")
    assert ok.exit_code == 0
    dup = run("users", "create", "--email", "ANN@example.com", "--password", "long-enough", "--role", "editor")
    assert dup.exit_code == 1 and "already exists" in dup.stderr
    bad = run("users", "create", "--email", "ann(at)example.com", "--password", "long-enough", "--role", "editor")
    assert bad.exit_code == 1 and "not a valid email" in bad.stderr
    short = run("users", "create", "--email", "bob@example.com", "--password", "short", "--role", "editor")
    assert short.exit_code == 1 and "at least 8" in short.stderr
    role = run("users", "create", "--email", "bob@example.com", "--password", "long-enough", "--role", "god")
    assert role.exit_code == 2 and "god" in role.stderr
    nopass = run("users", "create", "--email", "bob@example.com", "--role", "editor")
    assert nopass.exit_code == 1 and "--password is required" in nopass.stderr
    assert user_count(run.url) == 1
    for r in (dup, bad, short, role, nopass):
        assert "Traceback" not in r.output


def test_users_list_and_set_password(run):
    run("users", "create", "--email", "ann@example.com", "--password", "long-enough", "--role", "editor")
    listing = run("users", "list")
    assert listing.exit_code == 0 and "ann@example.com" in listing.stdout and "editor" in listing.stdout
    changed = run("users", "set-password", "--email", "ann@example.com", "--password", "another-one")
    assert changed.exit_code == 0, changed.output
    assert verify_password(users_by_email(run.url)["ann@example.com"], "another-one")
    missing = run("users", "set-password", "--email", "zed@example.com", "--password", "another-one")
    assert missing.exit_code == 1 and "No user" in missing.stderr


def test_tokens_create_prints_only_the_token_on_stdout(run):
    run("users", "create", "--email", "dev@example.com", "--password", "long-enough", "--role", "builder")
    result = run("tokens", "create", "--email", "dev@example.com", "--name", "ci")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("rb_") and "\n" not in token
    assert "shown only this once" in result.stderr
    with session_on(run.url) as s:
        user, row = user_for_token(s, token)
        assert user.email == "dev@example.com"
        assert row.name == "ci" and row.read_only is False
        # only the digest is stored
        assert token not in {t.token_hash for t in s.scalars(select(ApiToken))}


def test_tokens_create_read_only(run):
    run("users", "create", "--email", "dev@example.com", "--password", "long-enough", "--role", "builder")
    token = run("tokens", "create", "--email", "dev@example.com", "--read-only").stdout.strip()
    with session_on(run.url) as s:
        assert user_for_token(s, token)[1].read_only is True


def test_tokens_create_for_unknown_user_fails(run):
    result = run("tokens", "create", "--email", "ghost@example.com")
    assert result.exit_code == 1
    assert "No user with e-mail 'ghost@example.com'" in result.stderr
    assert result.stdout == ""


def test_token_works_against_the_api(run, app):
    run("users", "create", "--email", "dev@example.com", "--password", "long-enough", "--role", "owner")
    token = run("tokens", "create", "--email", "dev@example.com").stdout.strip()
    client = app.test_client()
    assert client.get("/api/v1/types").status_code == 401
    resp = client.get("/api/v1/types", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200, resp.get_data(as_text=True)


def test_tokens_list_and_revoke(run):
    run("users", "create", "--email", "dev@example.com", "--password", "long-enough", "--role", "builder")
    token = run("tokens", "create", "--email", "dev@example.com", "--name", "laptop").stdout.strip()
    listing = run("tokens", "list")
    assert listing.exit_code == 0 and token[:10] in listing.stdout and "laptop" in listing.stdout
    assert token[10:] not in listing.stdout
    revoked = run("tokens", "revoke", token[:10])
    assert revoked.exit_code == 0, revoked.output
    with session_on(run.url) as s:
        assert user_for_token(s, token) is None
    again = run("tokens", "revoke", token[:10])
    assert again.exit_code == 1 and "No active token" in again.stderr
