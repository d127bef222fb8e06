"""A live test server for the /v0 API, and the real pyairtable client pointed at it."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from recordbase.auth import create_user
from recordbase.metamodel.service import MetamodelService

SUPPLIER = {
    "name": "supplier", "label": "Supplier", "label_zh": "供应商", "primary_field": "name",
    "fields": [
        {"name": "name", "label": "Name", "label_zh": "名称", "type": "text", "required": True},
        {"name": "score", "label": "Score", "label_zh": "得分", "type": "number"},
        {"name": "status", "label": "Status", "label_zh": "状态", "type": "single_select",
         "options": {"choices": [{"value": "active", "label": "Active", "label_zh": "合作中"},
                                 {"value": "paused", "label": "Paused", "label_zh": "暂停"},
                                 {"value": "closed", "label": "Closed", "label_zh": "终止"}]}},
        {"name": "since", "label": "Since", "type": "date"},
        {"name": "backup", "label": "Backup", "type": "boolean"},
        {"name": "on_time", "label": "On time", "type": "percent"},
        {"name": "tags", "label": "Tags", "type": "multi_select", "options": {"choices": ["cleaning", "catering", "it"]}},
        {"name": "manager", "label": "Manager", "type": "user"},
        {"name": "deposit", "label": "Deposit", "type": "currency", "options": {"code": "CNY"}},
        {"name": "grade", "label": "Grade", "type": "formula",
         "options": {"expression": "IF({Score} >= 90, 'A', IF({Score} >= 60, 'B', 'C'))"}},
    ],
}
CONTRACT = {
    "name": "contract", "label": "Contract", "label_zh": "合同", "primary_field": "title",
    "fields": [
        {"name": "title", "label": "Title", "type": "text", "required": True},
        {"name": "supplier", "label": "Supplier", "type": "link", "options": {"target": "supplier"}},
        {"name": "others", "label": "Other suppliers", "type": "link", "options": {"target": "supplier", "many": True}},
    ],
}
BASE = "appRecordbase0001"


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
