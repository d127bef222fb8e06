"""What tests import by name (the root conftest's fixtures use them too): the owner's sign-in, the API
client with a token, the CSRF token of a page. Importable as ``support`` from every test folder (the
root conftest's folder, ``tests/``, is on ``sys.path``); not from ``conftest``, a name several folders'
conftest modules share."""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any, Iterator

OWNER_EMAIL = "owner@example.com"
OWNER_PASSWORD = "correct horse battery"


class ApiClient:
    """The Flask test client with a bearer token and JSON helpers."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def _headers(self, headers: dict | None) -> dict:
        h = dict(headers or {})
        if self.token:
            h.setdefault("Authorization", f"Bearer {self.token}")
        return h

    def get(self, url: str, **kw: Any):
        return self.client.get(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def delete(self, url: str, **kw: Any):
        return self.client.delete(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, url: str, json: Any = None, **kw: Any):
        return self.client.post(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def patch(self, url: str, json: Any = None, **kw: Any):
        return self.client.patch(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def put(self, url: str, json: Any = None, **kw: Any):
        return self.client.put(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)


def ok(resp, status: int = 200) -> Any:
    """The response's JSON, once its status is ``status`` (else the status and the body's start)."""
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:2000])
    return resp.get_json()


def csrf_token_from(html: str) -> str:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert m, "no csrf_token in the page"
    return m.group(1)


def without_csrf_tokens(html: str) -> str:
    """The page with its CSRF tokens cut out: a token is random URL-safe base64, so a short string a test
    asserts is absent ("s0") turns up inside one now and then."""
    tokens = set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', html))
    tokens |= set(re.findall(r'value="([^"]+)"[^>]*name="csrf_token"', html))
    tokens |= set(re.findall(r'name="csrf-token"[^>]*content="([^"]+)"', html))
    for token in tokens:
        html = html.replace(token, "")
    return html


def sign_in(app, email: str, password: str, statuses: tuple[int, ...] = (302, 303)):
    """A test client signed in to the admin as ``email`` (the login page's form, its CSRF token)."""
    client = app.test_client()
    token = csrf_token_from(client.get("/admin/login/").get_data(as_text=True))
    resp = client.post("/admin/login/", data={"email": email, "password": password, "csrf_token": token})
    assert resp.status_code in statuses, (resp.status_code, resp.get_data(as_text=True)[:500])
    return client


@contextmanager
def driver_statements(app, monkeypatch) -> Iterator[list[str]]:
    """The SQL text of every statement the app's connections run inside the block, counted at the
    driver (SQLite: its trace callback; psycopg: its cursors' ``execute``), so that the statements
    :mod:`recordbase.storage.driver_query` runs past SQLAlchemy count too."""
    from sqlalchemy import event

    from recordbase.context import platform

    engine = platform(app).engine
    seen: list[str] = []
    if engine.dialect.name == "sqlite":
        def trace(dbapi_conn, _record):
            dbapi_conn.set_trace_callback(lambda sql: seen.append(sql) if tracing else None)

        tracing = False
        engine.dispose()  # (new connections, each with the trace callback)
        event.listen(engine, "connect", trace)
        try:
            tracing = True
            yield seen
            tracing = False
        finally:
            event.remove(engine, "connect", trace)
            engine.dispose()
        return
    import psycopg

    original = psycopg.Cursor.execute

    def execute(self, query, *args, **kwargs):
        seen.append(str(query))
        return original(self, query, *args, **kwargs)
    monkeypatch.setattr(psycopg.Cursor, "execute", execute)
    try:
        yield seen
    finally:
        monkeypatch.setattr(psycopg.Cursor, "execute", original)
