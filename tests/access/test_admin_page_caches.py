"""Issue #15 item 3: what the admin caches per record type is keyed by what it was built from.

A user whose role hides a field sees the type without it; the pages of everyone else must keep
it, whoever opened the type first in the process (the mapped class was once cached per type
name, built from the first visitor's visible fields: every page of the type was then a 500 for
the owner until a restart or the next schema change).
"""
from __future__ import annotations

import pytest

from recordbase.auth import create_user

from .helpers import PASSWORD, ok, sign_in, text

CLERK = {"name": "clerk", "label": "Clerk", "permissions": {"supplier": {
    "actions": ["read", "create", "update", "delete", "export"], "hidden_fields": ["unified_social_credit_code"]}}}
HIDDEN_LABEL, HIDDEN_VALUE = "Credit code", "91310000ACME"


def pages(rid: int) -> dict[str, str]:
    base = "/admin/records/supplier"
    return {"list": f"{base}/", "details": f"{base}/details/?id={rid}", "edit": f"{base}/edit/?id={rid}",
            "new": f"{base}/new/", "export": f"{base}/export/csv/"}


def sees(page: str, body: str) -> bool:
    """Whether ``page``'s body shows the hidden field (its label, its value or its input)."""
    if page in ("new", "edit"):
        return 'name="unified_social_credit_code"' in body
    if page == "list":
        return HIDDEN_LABEL in body
    return HIDDEN_VALUE in body and HIDDEN_LABEL in body


@pytest.fixture
def visitors(app, sessions, world, records, people):
    ok(world.post("/api/v1/roles", json=CLERK), 201)
    with sessions.begin() as s:
        create_user(s, "clerk@example.com", PASSWORD, role="clerk", display_name="Clerk")
    return {"clerk": sign_in(app, "clerk@example.com"), "owner": sign_in(app, "owner@example.com", "correct horse battery")}


def visit(client, page: str, url: str, expect_hidden_field: bool) -> None:
    resp = client.get(url)
    assert resp.status_code == 200, (page, url, resp.status_code, text(resp)[:800])
    assert sees(page, text(resp)) is expect_hidden_field, (page, expect_hidden_field)


@pytest.mark.parametrize("first", ["clerk", "owner"])
def test_whoever_comes_first_every_user_gets_their_own_pages(visitors, records, first):
    second = "owner" if first == "clerk" else "clerk"
    for who in (first, second, first):
        for page, url in pages(records["a1"]).items():
            visit(visitors[who], page, url, who == "owner")


def test_interleaved_visits(visitors, records):
    for page, url in pages(records["a1"]).items():
        for who in ("clerk", "owner", "clerk", "owner"):
            visit(visitors[who], page, url, who == "owner")
    # and the search, sort and filter of each still work on their own columns
    for who in ("clerk", "owner"):
        resp = visitors[who].get("/admin/records/supplier/?search=Acme&sort=0")
        assert resp.status_code == 200 and "Acme" in text(resp)
    owner_hit = text(visitors["owner"].get(f"/admin/records/supplier/?search={HIDDEN_VALUE}"))
    clerk_hit = text(visitors["clerk"].get(f"/admin/records/supplier/?search={HIDDEN_VALUE}"))
    assert "Acme" in owner_hit and "Acme" not in clerk_hit
