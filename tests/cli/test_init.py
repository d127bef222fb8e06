"""`recordbase init`: create or upgrade the database and the first owner; idempotent."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from recordbase.auth import verify_password
from recordbase.cli.setup import database_status
from recordbase.db import make_engine

from .helpers import user_count, users_by_email


def test_init_creates_tables_and_owner(run_fresh):
    result = run_fresh("init", "--admin-email", "boss@example.com", "--admin-password", "s3cret-pass")
    assert result.exit_code == 0, result.output
    assert "Created database" in result.stdout
    assert "Created owner boss@example.com" in result.stdout
    engine = make_engine(run_fresh.url)
    try:
        assert database_status(engine) == "current"
        assert {"rb_record_type", "rb_field", "rb_user", "rb_api_token"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    users = users_by_email(run_fresh.url)
    assert list(users) == ["boss@example.com"]
    assert users["boss@example.com"].role == "owner"
    assert verify_password(users["boss@example.com"], "s3cret-pass")


def test_init_twice_never_duplicates_the_admin(run_fresh):
    args = ("init", "--admin-email", "boss@example.com", "--admin-password", "s3cret-pass")
    assert run_fresh(*args).exit_code == 0
    again = run_fresh(*args)
    assert again.exit_code == 0, again.output
    assert "Up to date" in again.stdout
    assert "already exists" in again.stdout
    # a different password on the second run changes nothing
    third = run_fresh("init", "--admin-email", "BOSS@example.com", "--admin-password", "other-password")
    assert third.exit_code == 0
    assert user_count(run_fresh.url) == 1
    assert verify_password(users_by_email(run_fresh.url)["boss@example.com"], "s3cret-pass")


def test_init_without_admin_hints_at_creating_one(run_fresh):
    result = run_fresh("init")
    assert result.exit_code == 0, result.output
    assert "No users yet" in result.stdout
    assert user_count(run_fresh.url) == 0
    assert run_fresh("init").exit_code == 0


def test_init_on_a_migrated_database_is_a_no_op(run):
    result = run("init")
    assert result.exit_code == 0, result.output
    assert "Up to date" in result.stdout


def test_admin_password_from_the_environment(run_fresh, monkeypatch):
    monkeypatch.setenv("RECORDBASE_ADMIN_PASSWORD", "from-the-env")
    result = run_fresh("init", "--admin-email", "boss@example.com")
    assert result.exit_code == 0, result.output
    assert verify_password(users_by_email(run_fresh.url)["boss@example.com"], "from-the-env")


def test_init_admin_without_password_and_no_terminal_fails_cleanly(run_fresh):
    result = run_fresh("init", "--admin-email", "boss@example.com")
    assert result.exit_code == 1
    assert "--admin-password is required" in result.stderr
    assert "Traceback" not in result.output


def test_password_without_email_is_a_usage_error(run_fresh):
    result = run_fresh("init", "--admin-password", "s3cret-pass")
    assert result.exit_code == 2
    assert "--admin-email" in result.stderr


def test_short_admin_password_is_refused(run_fresh):
    result = run_fresh("init", "--admin-email", "boss@example.com", "--admin-password", "short")
    assert result.exit_code == 1
    assert "at least 8 characters" in result.stderr
    assert user_count(run_fresh.url) == 0


def test_bad_admin_email_is_refused(run_fresh):
    result = run_fresh("init", "--admin-email", "not-an-email", "--admin-password", "s3cret-pass")
    assert result.exit_code == 1
    assert "not a valid email" in result.stderr


def test_default_database_is_sqlite_in_instance_folder(tmp_path):
    from .helpers import Cli

    result = Cli(None)("init")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "instance" / "recordbase.db").exists()
    assert str(tmp_path / "instance" / "recordbase.db") in result.stdout


def test_database_url_from_the_environment(tmp_path, monkeypatch):
    from .helpers import Cli

    target = tmp_path / "elsewhere" / "rb.db"
    monkeypatch.setenv("RECORDBASE_DATABASE_URL", f"sqlite:///{target}")
    result = Cli(None)("init")
    assert result.exit_code == 0, result.output
    assert target.exists()
    assert not Path(tmp_path / "instance" / "recordbase.db").exists()
