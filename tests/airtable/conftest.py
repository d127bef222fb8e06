"""A live test server for the /v0 API, and the real pyairtable client pointed at it."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from recordbase.auth import create_user
from recordbase.metamodel.service import MetamodelService

from .helpers import BASE, CONTRACT, SUPPLIER


@pytest.fixture
def airtable_types(sessions, owner):
    with sessions.begin() as s:
        create_user(s, "mgr@example.com", None, role="editor", display_name="Zhang San")
        svc = MetamodelService(s)
        svc.create_type(SUPPLIER)
        svc.create_type(CONTRACT)


@pytest.fixture
def server(app, airtable_types):
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def at_api(server, token):
    from pyairtable import Api

    return Api(token, endpoint_url=server, retry_strategy=None, timeout=(5, 30))


@pytest.fixture
def suppliers(at_api):
    return at_api.table(BASE, "Supplier")
