"""Fixtures of the access-control tests (the comments tests import them too): the issue's suppliers and
contracts, users with roles, clients.

- ``supplier`` (name, manager: user, unified_social_credit_code, rating) and ``contract``
  (title, supplier: link, value: currency, risk) made over the API by the owner;
- ``people``: alice and bob (supplier managers: the custom role ``supplier_viewer``, which
  reads and exports suppliers they manage, hides the credit code and the contract value),
  an auditor (viewer), an editor and a builder; each with an API client.
"""
from __future__ import annotations

import pytest

from recordbase.auth import create_token, create_user

from .helpers import CONTRACT_FIELDS, PASSWORD, Person, SUPPLIER_FIELDS, SUPPLIER_VIEWER, make_type, ok


@pytest.fixture
def world(api):
    """The two types, the custom role, and some records (ids in the returned dict)."""
    make_type(api, "supplier", SUPPLIER_FIELDS)
    make_type(api, "contract", CONTRACT_FIELDS)
    ok(api.post("/api/v1/roles", json=SUPPLIER_VIEWER), 201)
    return api


@pytest.fixture
def people(app, sessions, world):
    out = {}
    specs = {"alice": ["supplier_viewer"], "bob": ["supplier_viewer"], "auditor": ["viewer"],
             "editor": ["editor"], "builder": ["builder"]}
    with sessions.begin() as s:
        for name, roles in specs.items():
            u = create_user(s, f"{name}@example.com", PASSWORD, role=roles[0], display_name=name.title())
            out[name] = Person(u.email, None, create_token(s, u, name="tests"))
    for p in out.values():
        p.api = type(world)(app.test_client(), p.token)  # the root conftest's ApiClient
    out["owner"] = Person("owner@example.com", world, world.token)
    return out


@pytest.fixture
def records(world, people):
    """Suppliers managed by alice (2) and bob (1), and contracts of each."""
    api = world

    def sup(name, manager, code):
        return ok(api.post("/api/v1/records/supplier", json={"fields": {
            "name": name, "manager": manager, "unified_social_credit_code": code, "rating": 4}}), 201)["id"]

    ids = {"a1": sup("Acme", "alice@example.com", "91310000ACME"),
           "a2": sup("Anchor", "alice@example.com", "91310000ANCH"),
           "b1": sup("Bolt", "bob@example.com", "91310000BOLT")}
    for key in ("a1", "b1"):
        ids["c_" + key] = ok(api.post("/api/v1/records/contract", json={"fields": {
            "title": f"Contract of {key}", "supplier": ids[key], "value": "123456.78", "risk": "low"}}), 201)["id"]
    return ids
