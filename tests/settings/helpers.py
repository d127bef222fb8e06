"""Helpers of the settings tests (plain functions and data, imported by name); the fixtures are in conftest.py."""
from __future__ import annotations

from support import csrf_token_from
from support import sign_in  # noqa: F401 (imported by the settings tests)


EDITOR_EMAIL = "editor@example.com"

EDITOR_PASSWORD = "editor password 1"


def post_form(client, url: str, data: dict, **kw):
    """POST ``data`` to ``url`` with the CSRF token of the page at ``url`` (a GET first)."""
    page = client.get(url)
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, **kw)


def create_type(sessions, data: dict) -> None:
    from recordbase.metamodel.service import MetamodelService

    with sessions.begin() as s:
        MetamodelService(s).create_type(data)
