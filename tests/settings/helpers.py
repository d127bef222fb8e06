"""Helpers of the settings tests (plain functions and data, imported by name); the fixtures are in conftest.py."""
from __future__ import annotations

import re


EDITOR_EMAIL = "editor@example.com"

EDITOR_PASSWORD = "editor password 1"


def csrf_token_from(html: str) -> str:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert m, "no csrf_token in the page"
    return m.group(1)


def sign_in(app, email: str, password: str):
    client = app.test_client()
    token = csrf_token_from(client.get("/admin/login/").get_data(as_text=True))
    resp = client.post("/admin/login/", data={"email": email, "password": password, "csrf_token": token})
    assert resp.status_code in (302, 303)
    return client


def post_form(client, url: str, data: dict, **kw):
    """POST ``data`` to ``url`` with the CSRF token of the page at ``url`` (a GET first)."""
    page = client.get(url)
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, **kw)


def create_type(sessions, data: dict) -> None:
    from recordbase.metamodel.service import MetamodelService

    with sessions.begin() as s:
        MetamodelService(s).create_type(data)
