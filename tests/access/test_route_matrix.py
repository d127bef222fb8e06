"""The route matrix: every route of ``/api/v1``, ``/v0`` and ``/admin`` × every kind of caller → the
status the one policy decides, and no hidden value, secret or out-of-row record in any answer.

The routes come from the app's URL map, so a new route without a decision in
:mod:`.route_decisions` fails :func:`test_every_route_has_a_decision`. Callers
(:mod:`.route_world`): anonymous; the built-in roles owner, builder, editor, viewer; the custom
role ``regional`` (rows ``region eq east`` of ``deal``, ``secret_note`` hidden, ``locked_note``
read-only, nothing on ``vault``). The APIs are called with each user's full, read-only and
``deal``-only tokens, the admin with signed-in sessions (CSRF tokens on POSTs).

A case that fails today because of a known hole of issue #15 is marked ``xfail(strict=True)``
with the item's number: the fix makes it pass, and the strict mark then fails until removed.
One app and one database serve the whole module (the cases only read, send bodies the routes
refuse, or destroy disposable targets made for them), which keeps ~2,000 requests fast.
"""
from __future__ import annotations

import io
from fnmatch import fnmatch
from typing import Any, Iterator

import pytest
from werkzeug.exceptions import HTTPException

from databases import fresh_database
from recordbase.context import platform

from .route_decisions import API, DENY, OK, PUBLIC_PATTERNS, Case
from .route_decisions_admin import ADMIN
from .route_world import ADMIN_PRINCIPALS, API_PRINCIPALS, Principal, World, build_world

REFUSED_BODY = frozenset({400, 409, 413, 415, 422, 429})
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture(scope="module")
def world(template_db, tmp_path_factory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("route_matrix")
    databases = fresh_database(template_db, tmp)
    w = build_world(next(databases), tmp)
    yield w
    platform(w.app).engine.dispose()
    next(databases, None)  # drops it


def _params() -> list:
    out = []
    for cases, principals in ((API, API_PRINCIPALS), (ADMIN, ADMIN_PRINCIPALS)):
        for case in cases:
            for p in principals:
                reason = case.xfail(p)
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                out.append(pytest.param(case, p, id=f"{case.id}-{p.id}", marks=marks))
    return out


def test_every_route_has_a_decision(world: World) -> None:
    decided = {(c.endpoint, c.method) for c in API + ADMIN}
    missing = []
    for rule in world.app.url_map.iter_rules():
        if any(fnmatch(rule.endpoint, pattern) for pattern in PUBLIC_PATTERNS):
            continue
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            if (rule.endpoint, method) not in decided:
                missing.append(f"{method} {rule.rule} (endpoint {rule.endpoint})")
    assert not missing, ("routes without a decision in tests/access/route_decisions.py; add a Case saying who may "
                         "use each (and what the others get):\n  " + "\n  ".join(missing))
    # and every case's request reaches the route it is the decision for (no stale or mistyped entry)
    adapter = world.app.url_map.bind("localhost")
    names = {**world.ids, "me": "someone@example.com"}
    wrong = []
    for case in API + ADMIN:
        url = _fill(case.url, {**names, **{key: 1 for key in case.fresh}}).split("?")[0]
        try:
            endpoint = adapter.match(url, method=case.method)[0]
        except HTTPException as exc:
            endpoint = repr(exc)
        if endpoint != case.endpoint:
            wrong.append(f"{case.id}: {case.method} {url} reaches {endpoint}")
    assert not wrong, "decisions whose request does not reach their route:\n  " + "\n  ".join(wrong)


FILES = {"@csv": (b"title,region\nImported,east\n", "deals.csv"), "@txt": (b"hello", "a.txt")}


def _fill(value: Any, names: dict) -> Any:
    if isinstance(value, str) and value in FILES:
        content, filename = FILES[value]
        return (io.BytesIO(content), filename)
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in names:
            return names[value[1:-1]]  # a whole placeholder keeps its type (a record id stays a number)
        return value.format_map(names)
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    return value


def _send(world: World, case: Case, p: Principal):
    names = dict(world.ids)
    names["me"] = f"api-{p.role}@example.com"
    for key, make in case.fresh.items():
        names[key] = getattr(world, make)()
    url = _fill(case.url, names)
    body = _fill(case.body, names) if case.body is not None else None
    if case.admin:
        if case.endpoint.startswith("records.") and p.role not in (None, "regional"):
            world.restricted_visits_first()
        if case.endpoint == "admin.logout_view":  # a session of its own: signing out ends it
            client, csrf = world.sign_in(f"out-{p.role}@example.com" if p.role else None)
        else:
            client, csrf = world.web(p)
        if case.method == "GET":
            return client.get(url)
        return client.open(url, method=case.method, data={**(body or {}), "csrf_token": csrf})
    api = world.api(p)
    headers = api._headers(None)
    if case.multipart:
        return api.client.open(url, method=case.method, data=body or {}, headers=headers,
                               content_type="multipart/form-data")
    if body is None:
        return api.client.open(url, method=case.method, headers=headers)
    return api.client.open(url, method=case.method, json=body, headers=headers)


def _fits(resp, expected) -> bool:
    code = resp.status_code
    to_login = code in (301, 302, 303) and "/admin/login" in resp.headers.get("Location", "")
    if isinstance(expected, frozenset):
        return code in expected
    if expected == DENY:
        return code in (401, 403, 404) or to_login
    reached = 200 <= code < 400 and not to_login
    return reached if expected == OK else (reached or code in REFUSED_BODY)


@pytest.mark.parametrize("case, principal", _params())
def test_route(world: World, case: Case, principal: Principal) -> None:
    allowed = case.allow(principal)
    resp = _send(world, case, principal)
    expected = case.ok if allowed else case.deny
    body = resp.get_data()
    assert _fits(resp, expected), (
        f"{case.id} as {principal.id}: {'allowed' if allowed else 'denied'} by the decision table, expected "
        f"{sorted(expected) if isinstance(expected, frozenset) else expected}, got {resp.status_code} "
        f"{resp.headers.get('Location', '')}: {body[:600]!r}")
    assert resp.status_code < 500
    leaked = [m for m in principal.forbidden_markers() if m.encode() in body]
    assert not leaked, f"{case.id} as {principal.id}: the answer ({resp.status_code}) shows {leaked}"
