"""Shared fixtures: a fresh database per test (SQLite, or PostgreSQL when
RECORDBASE_TEST_DATABASE_URL is set), an app, users, an API client with a token
and a signed-in admin client.

PostgreSQL: the platform tables are migrated once into a template database per
test session; each test gets a copy (CREATE DATABASE ... TEMPLATE), which is
fast and fully isolated. SQLite: the migrated file is copied the same way.
"""
from __future__ import annotations

import os
import re
import shutil
import uuid
from typing import Any, Iterator

import pytest
from sqlalchemy import create_engine, text

from recordbase import create_app
from recordbase.auth import create_token, create_user
from recordbase.context import platform
from recordbase.database_setup import upgrade_database
from recordbase.db import make_engine, normalize_url

from databases import PG_URL, _pg_admin_url, _pg_url_for, fresh_database

from support import OWNER_EMAIL, OWNER_PASSWORD, ApiClient, csrf_token_from  # noqa: F401 (also for tests)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Iterator[str]:
    """A migrated database to copy per test: a file path (SQLite) or a database name (PostgreSQL)."""
    if PG_URL:
        name = f"rbtpl_{uuid.uuid4().hex[:10]}"
        admin = create_engine(_pg_admin_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        eng = make_engine(_pg_url_for(PG_URL, name))
        upgrade_database(eng)
        eng.dispose()
        yield name
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("tpl") / "template.db"
        eng = make_engine(f"sqlite:///{path}")
        upgrade_database(eng)
        eng.dispose()
        yield str(path)


@pytest.fixture
def database_url(template_db, tmp_path) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    yield from fresh_database(template_db, tmp_path)


def _app(database_url: str, instance) -> Iterator[Any]:
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "INSTANCE_PATH": str(instance)})
    yield app
    platform(app).engine.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    yield from _app(database_url, tmp_path / "instance")


@pytest.fixture
def app_b(database_url, tmp_path):
    """A second app on the same database (as a second process would be: its own engine and caches)."""
    yield from _app(database_url, tmp_path / "instance-b")


@pytest.fixture
def sessions(app):
    """The app's sessionmaker: ``with sessions.begin() as s: ...``."""
    return platform(app).sessions


@pytest.fixture
def owner(sessions):
    with sessions.begin() as s:
        user = create_user(s, OWNER_EMAIL, OWNER_PASSWORD, role="owner", display_name="Owner")
        s.expunge(user)
    return user


@pytest.fixture
def token(sessions, owner) -> str:
    with sessions.begin() as s:
        return create_token(s, s.merge(owner), name="tests")


@pytest.fixture
def api(app, token) -> ApiClient:
    return ApiClient(app.test_client(), token)


def _switch_language(client, code: str, **kw):
    page = client.get("/admin/", follow_redirects=True)
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(f"/admin/lang/{code}", data={"csrf_token": token}, **kw)


@pytest.fixture
def switch_language():
    """``switch_language(client, "zh")`` presses the admin's language switch: a POST form, with its
    CSRF token, on every admin page (the sign-in page included)."""
    return _switch_language


@pytest.fixture
def admin_client(app, owner):
    """A test client signed in through the sign-in form."""
    client = app.test_client()
    page = client.get("/admin/login/")
    token = csrf_token_from(page.get_data(as_text=True))
    resp = client.post("/admin/login/", data={"email": OWNER_EMAIL, "password": OWNER_PASSWORD, "csrf_token": token})
    assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:500]
    return client
