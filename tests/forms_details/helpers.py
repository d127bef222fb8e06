"""Helpers of the forms_details tests (plain functions and data, imported by name); the fixtures are in conftest.py."""
from __future__ import annotations

import re

from recordbase.context import platform
from recordbase.metamodel.runtime import load_schema, read_version
from recordbase.storage import RecordStore
from support import ok, sign_in as support_sign_in


PASSWORD = "a long enough password"

KPI = [{"name": "name", "label": "Name", "label_zh": "名称", "type": "text", "required": True},
       {"name": "secret", "label": "Secret", "type": "text"}]

EVALUATION = [
    {"name": "evaluation_no", "label": "Number", "label_zh": "编号", "type": "text", "section": "basics"},
    {"name": "code", "label": "Code", "type": "autonumber", "options": {"pattern": "E-{000}"}, "section": "basics"},
    {"name": "period", "label": "Period", "label_zh": "期间", "type": "text", "section": "basics"},
    {"name": "notes", "label": "Notes", "label_zh": "备注", "type": "long_text"},
]

ITEM = [
    {"name": "evaluation", "label": "Evaluation", "label_zh": "评估", "type": "link", "required": True,
     "options": {"target": "evaluation"}},
    {"name": "kpi", "label": "KPI", "type": "link", "options": {"target": "kpi"}},
    {"name": "score", "label": "Score", "label_zh": "得分", "type": "number"},
    {"name": "weight", "label": "Weight", "type": "number"},
    {"name": "weighted", "label": "Weighted", "type": "formula", "options": {"expression": "{score} * 2"}},
]


def text(resp) -> str:
    return resp.get_data(as_text=True)


def csrf_token_from(page: str) -> str:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(r'data-csrf="([^"]+)"', page)
    assert m, "no csrf_token in the page"
    return m.group(1)


def make_type(api, name: str, fields: list[dict], **extra) -> None:
    ok(api.post("/api/v1/types", json={"name": name, "label": name.replace("_", " ").title(), **extra}), 201)
    for f in fields:
        ok(api.post(f"/api/v1/types/{name}/fields", json=f), 201)


def store_of(app, session) -> RecordStore:
    return RecordStore(session, load_schema(session, read_version(session)))


def sign_in(app, email: str, password: str = PASSWORD):
    return support_sign_in(app, email, password)

def records(app, type_name: str) -> list:
    with platform(app).sessions() as s:
        return store_of(app, s).list(type_name, limit=200).records
