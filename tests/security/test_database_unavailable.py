"""A database that cannot be reached is a 503 with Retry-After on every surface, never a 500.

The app is pointed at a database that is not there: on SQLite a file whose folder was removed,
on PostgreSQL a port nothing listens on. Reads fail as writes do: nothing could be read or saved,
and the same request works once the database is back, so the answer says so
(``database_unavailable``, ``Retry-After``): the API's JSON error, ``/v0``'s Airtable error, the
admin's plain page in the user's language.
"""
from __future__ import annotations

import os
import shutil

import pytest

from recordbase import create_app
from recordbase.context import platform

PG_URL = os.environ.get("RECORDBASE_TEST_DATABASE_URL")


@pytest.fixture
def gone(tmp_path):
    """An app whose database cannot be reached (the same kind of database as the test run's)."""
    if PG_URL:
        url = PG_URL.rsplit("@", 1)[0] + "@127.0.0.1:9/recordbase"  # the discard port: nothing listens
    else:
        folder = tmp_path / "db"
        url = f"sqlite:///{folder / 'recordbase.db'}"  # the engine creates the folder ...
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test-secret", "INSTANCE_PATH": str(tmp_path / "instance")})
    if not PG_URL:
        shutil.rmtree(folder)  # ... which then goes away
    yield app
    platform(app).engine.dispose()


def _unavailable(resp) -> dict:
    assert resp.status_code == 503, resp.get_data(as_text=True)[:400]
    assert int(resp.headers["Retry-After"]) > 0
    return resp.get_json(silent=True)


@pytest.mark.parametrize("method, url", [("GET", "/api/v1/types"), ("GET", "/api/v1/records/thing?limit=5"),
                                         ("POST", "/api/v1/records/thing"), ("GET", "/api/v1/me")])
def test_api_answers_503_database_unavailable(gone, method, url):
    resp = gone.test_client().open(url, method=method, json={"fields": {"name": "x"}} if method == "POST" else None,
                                   headers={"Authorization": "Bearer rb_anything"})
    error = _unavailable(resp)["error"]
    assert error["code"] == "database_unavailable" and "nothing was changed" in error["message"]


@pytest.mark.parametrize("method, url", [("GET", "/v0/appX/Thing"), ("POST", "/v0/appX/Thing/listRecords"),
                                         ("POST", "/v0/appX/Thing")])
def test_airtable_api_answers_503_in_its_own_shape(gone, method, url):
    resp = gone.test_client().open(url, method=method, json={"fields": {"Name": "x"}},
                                   headers={"Authorization": "Bearer rb_anything"})
    assert _unavailable(resp)["error"]["type"] == "SERVICE_UNAVAILABLE"


@pytest.mark.parametrize("lang, title", [("en", "The database is unavailable"), ("zh", "数据库暂时无法访问")])
def test_admin_shows_a_plain_page_in_the_users_language(gone, lang, title):
    client = gone.test_client()
    with client.session_transaction() as session:  # a signed-in user: the admin reads them first
        session.update(uid=1, sid="s" * 32, lang=lang)
    for url in ("/admin/", "/admin/records/thing/"):
        resp = client.get(url)
        assert resp.status_code == 503 and int(resp.headers["Retry-After"]) > 0, (url, resp.status_code)
        assert title in resp.get_data(as_text=True)


def test_other_database_errors_stay_unexpected():
    """Only an unreachable database is a 503: a statement the database refuses is not."""
    import sqlite3

    from sqlalchemy import exc as sa_exc

    from recordbase.db import is_unavailable

    refused = sqlite3.OperationalError("no such table: x")
    refused.sqlite_errorcode = sqlite3.SQLITE_ERROR
    assert not is_unavailable(sa_exc.OperationalError("SELECT 1 FROM x", {}, refused))
    cannot_open = sqlite3.OperationalError("unable to open database file")
    cannot_open.sqlite_errorcode = sqlite3.SQLITE_CANTOPEN
    assert is_unavailable(sa_exc.OperationalError("BEGIN", {}, cannot_open))
    assert is_unavailable(sa_exc.OperationalError(None, None, refused))  # failed to connect
