"""View documents: a kind with options checked per kind, personal or shared (who may share), over
the API and in pack export/import round trips."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recordbase.views.kinds import KINDS

from support import ApiClient

from .helpers import ok, sign_in


def _token_client(app, sessions, email):
    from recordbase.auth import create_token
    from recordbase.models import User
    from sqlalchemy import select

    with sessions.begin() as s:
        user = s.scalars(select(User).where(User.email == email)).one()
        return ApiClient(app.test_client(), create_token(s, user))


@pytest.mark.parametrize("kind, options", [
    ("board", {"group_by": "status", "card_fields": ["due", "points"]}),
    ("board", {"group_by": "assignee"}),
    ("calendar", {"date_field": "due", "mode": "week"}),
    ("calendar", {"start_field": "starts", "end_field": "ends"}),
    ("gallery", {"cover_field": "picture", "card_fields": ["title"]}),
    ("grid", {"group_by": "status"}),
])
def test_each_kind_keeps_its_options(api, tasks, kind, options):
    view = ok(api.post("/api/v1/views", json={"type": "task", "name": f"A {kind}", "kind": kind,
                                              "options": options}), 201)
    assert view["kind"] == kind and view["options"] == options and view["shared"] is True
    assert ok(api.get(f"/api/v1/views/{view['id']}"))["options"] == options


@pytest.mark.parametrize("kind, options, path", [
    ("board", {}, "$.options"),  # group_by is required
    ("board", {"group_by": "due"}, "$.options.group_by"),  # a date is no column
    ("board", {"group_by": "nosuch"}, "$.options.group_by"),
    ("board", {"group_by": "status", "card_fields": ["nosuch"]}, "$.options.card_fields[0]"),
    ("board", {"group_by": "status", "colour": "red"}, "$.options"),
    ("calendar", {}, "$.options"),
    ("calendar", {"date_field": "status"}, "$.options.date_field"),
    ("calendar", {"start_field": "starts"}, "$.options"),
    ("calendar", {"date_field": "due", "mode": "year"}, "$.options.mode"),
    ("gallery", {"cover_field": "title"}, "$.options.cover_field"),
    ("grid", {"group_by": "points"}, "$.options.group_by"),
])
def test_bad_options_are_refused_with_their_path(api, tasks, kind, options, path):
    resp = api.post("/api/v1/views", json={"type": "task", "name": "Bad", "kind": kind, "options": options})
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert resp.get_json()["error"]["details"]["path"].startswith(path)
    assert ok(api.get("/api/v1/views?type=task"))["views"] == []


def test_an_unknown_kind_is_refused(api, tasks):
    resp = api.post("/api/v1/views", json={"type": "task", "name": "Bad", "kind": "timeline"})
    assert resp.status_code == 422


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(KINDS)), options=st.dictionaries(
    st.sampled_from(["group_by", "card_fields", "date_field", "start_field", "end_field", "cover_field", "mode", "x"]),
    st.one_of(st.sampled_from(["status", "due", "starts", "ends", "picture", "title", "assignee", "nosuch", "month"]),
              st.lists(st.sampled_from(["title", "due", "nosuch"]), max_size=3), st.integers(), st.none()),
    max_size=4))
def test_any_options_are_stored_only_when_their_kind_accepts_them(api, tasks, kind, options):
    resp = api.post("/api/v1/views", json={"type": "task", "name": "Probe", "kind": kind, "options": options})
    assert resp.status_code in (201, 422), resp.get_data(as_text=True)
    if resp.status_code == 201:
        assert resp.get_json()["options"] == options
        ok(api.delete(f"/api/v1/views/{resp.get_json()['id']}"))


def test_personal_views_are_their_owners_alone(app, sessions, api, tasks):
    vera = _token_client(app, sessions, "vera@example.com")
    eddie = _token_client(app, sessions, "eddie@example.com")
    # a viewer may not share, but keeps personal views
    resp = vera.post("/api/v1/views", json={"type": "task", "name": "Mine", "kind": "board",
                                            "options": {"group_by": "status"}})
    assert resp.status_code == 403 and "configure" in resp.get_json()["error"]["message"]
    mine = ok(vera.post("/api/v1/views", json={"type": "task", "name": "Mine", "shared": False, "kind": "board",
                                               "options": {"group_by": "status"}}), 201)
    assert mine["shared"] is False
    # the same name is free for another user's personal view and for a shared one
    ok(eddie.post("/api/v1/views", json={"type": "task", "name": "Mine", "shared": False}), 201)
    shared = ok(api.post("/api/v1/views", json={"type": "task", "name": "Mine"}), 201)
    assert vera.post("/api/v1/views", json={"type": "task", "name": "Mine", "shared": False}).status_code == 409
    # nobody else sees it, changes it or deletes it
    assert sorted(v["id"] for v in ok(vera.get("/api/v1/views?type=task"))["views"]) == sorted([shared["id"], mine["id"]])
    assert mine["id"] not in [v["id"] for v in ok(api.get("/api/v1/views?type=task"))["views"]]
    assert api.get(f"/api/v1/views/{mine['id']}").status_code == 404
    assert eddie.patch(f"/api/v1/views/{mine['id']}", json={"name": "Taken"}).status_code == 404
    assert api.delete(f"/api/v1/views/{mine['id']}").status_code == 404
    # its owner changes it, but may not share it
    assert ok(vera.patch(f"/api/v1/views/{mine['id']}", json={"name": "Mine too"}))["name"] == "Mine too"
    assert vera.patch(f"/api/v1/views/{mine['id']}", json={"shared": True}).status_code == 403
    # and may not change the shared one
    assert vera.patch(f"/api/v1/views/{shared['id']}", json={"name": "x"}).status_code == 403
    assert vera.delete(f"/api/v1/views/{shared['id']}").status_code == 403
    ok(vera.delete(f"/api/v1/views/{mine['id']}"))


def test_an_editor_shares_only_with_configure_on_the_type(app, sessions, api, tasks):
    eddie = _token_client(app, sessions, "eddie@example.com")
    assert eddie.post("/api/v1/views", json={"type": "task", "name": "Team"}).status_code == 403
    ok(api.post("/api/v1/roles", json={"name": "task_admin", "label": "Task admin", "permissions": {
        "task": {"actions": ["read", "update", "configure"]}}}), 201)
    ok(api.patch("/api/v1/users/eddie@example.com", json={"roles": ["editor", "task_admin"]}))
    view = ok(eddie.post("/api/v1/views", json={"type": "task", "name": "Team"}), 201)
    assert view["shared"] is True


def test_views_naming_a_hidden_field_in_their_options_do_not_exist(app, sessions, api, tasks):
    rita = _token_client(app, sessions, "rita@example.com")
    hidden = ok(api.post("/api/v1/views", json={"type": "task", "name": "Secrets", "kind": "board",
                                                "options": {"group_by": "status", "card_fields": ["secret"]}}), 201)
    visible = ok(api.post("/api/v1/views", json={"type": "task", "name": "Open", "kind": "board",
                                                 "options": {"group_by": "status"}}), 201)
    assert [v["id"] for v in ok(rita.get("/api/v1/views"))["views"]] == [visible["id"]]
    assert rita.get(f"/api/v1/views/{hidden['id']}").status_code == 404
    client = sign_in(app, "rita@example.com")
    assert client.get(f"/admin/board/task/?view={hidden['id']}").status_code == 404
    assert client.get(f"/admin/board/task/?view={visible['id']}").status_code == 200


def test_views_travel_in_pack_export_and_import(app, api, tasks, template_db, tmp_path):
    board = {"type": "task", "name": "Task board", "name_zh": "任务看板", "kind": "board",
             "options": {"group_by": "status", "card_fields": ["due"]}}
    cal = {"type": "task", "name": "Due dates", "kind": "calendar", "options": {"date_field": "due"}}
    ok(api.post("/api/v1/views", json=board), 201)
    ok(api.post("/api/v1/views", json=cal), 201)
    ok(api.post("/api/v1/views", json={"type": "task", "name": "Only mine", "shared": False}), 201)
    pack = ok(api.post("/api/v1/packs/export", json={"types": ["task"], "id": "tasks", "name": "Tasks",
                                                     "version": "1.0.0"}))["pack"]
    views = {v["name"]: v for v in pack["views"]}
    assert set(views) == {"Task board", "Due dates"}  # personal views are not pack content
    assert views["Task board"]["kind"] == "board" and views["Task board"]["options"] == board["options"]
    assert views["Due dates"]["options"] == {"date_field": "due"}
    # installed elsewhere: the same views, and an export from there gives the same JSON
    from databases import fresh_database
    from recordbase import create_app
    from recordbase.auth import create_token, create_user
    from recordbase.context import platform

    folder = tmp_path / "other"
    folder.mkdir()
    urls = fresh_database(template_db, folder)
    other = create_app({"DATABASE_URL": next(urls), "TESTING": True, "SECRET_KEY": "t",
                        "INSTANCE_PATH": str(folder / "instance")})
    try:
        with platform(other).sessions.begin() as s:
            token = create_token(s, create_user(s, "o@example.com", "correct horse battery", role="owner"))
        there = ApiClient(other.test_client(), token)
        ok(there.post("/api/v1/packs/install", json={"manifest": pack}), 201)
        got = {v["name"]: v for v in ok(there.get("/api/v1/views?type=task"))["views"]}
        assert got["Task board"]["kind"] == "board" and got["Task board"]["options"] == board["options"]
        assert got["Task board"]["name_zh"] == "任务看板" and got["Task board"]["shared"] is True
        assert got["Due dates"]["kind"] == "calendar"
        again = ok(there.post("/api/v1/packs/export", json={"types": ["task"], "id": "tasks", "name": "Tasks",
                                                            "version": "1.0.0"}))["pack"]
        assert again["views"] == pack["views"]
    finally:
        platform(other).engine.dispose()
        next(urls, None)
