"""Record history (every create, update, delete, restore with user, time, old and new values) and the audit log."""
from __future__ import annotations

from sqlalchemy import func, select

from recordbase.access.models import AuditEvent, RecordHistory
from recordbase.context import platform
from recordbase.storage import RecordStore

from .helpers import err, make_type, ok, page_csrf, sign_in, text

FIELDS = [{"name": "name", "label": "Name", "type": "text", "required": True},
          {"name": "score", "label": "Score", "type": "number"},
          {"name": "tags", "label": "Tags", "type": "multi_select", "options": {"choices": ["a", "b"]}},
          {"name": "when", "label": "When", "type": "date"}]


def test_every_write_is_recorded(api):
    make_type(api, "thing", FIELDS)
    rid = ok(api.post("/api/v1/records/thing", json={"fields": {"name": "One", "score": 3, "tags": ["a"]}}), 201)["id"]
    ok(api.patch(f"/api/v1/records/thing/{rid}", json={"fields": {"score": 4, "when": "2026-01-02"}, "version": 1}))
    ok(api.patch(f"/api/v1/records/thing/{rid}", json={"fields": {"score": 4}, "version": 2}))  # no change: no entry
    ok(api.delete(f"/api/v1/records/thing/{rid}"))
    ok(api.post(f"/api/v1/records/thing/{rid}/restore"))
    h = ok(api.get(f"/api/v1/records/thing/{rid}/history"))["history"]
    assert [e["action"] for e in h] == ["create", "update", "delete", "restore"]
    assert all(e["user"] == "owner@example.com" and e["at"].endswith("+00:00") for e in h)
    assert h[0]["changes"] == {"name": [None, "One"], "score": [None, 3], "tags": [None, ["a"]]}
    assert h[1]["changes"] == {"score": [3, 4], "when": [None, "2026-01-02"]}
    err(api.get("/api/v1/records/thing/999/history"), 404)
    err(api.get("/api/v1/records/nope/1/history"), 404)


def test_links_a_trashing_takes_off_and_a_restore_puts_back_are_in_history(api):
    """On the records that linked to it (on_delete unlink): both changes, by whoever made them."""
    make_type(api, "thing", FIELDS)
    make_type(api, "box", [{"name": "name", "label": "Name", "type": "text"},
                           {"name": "main", "label": "Main", "type": "link",
                            "options": {"target": "thing", "on_delete": "unlink"}},
                           {"name": "all", "label": "All", "type": "link",
                            "options": {"target": "thing", "many": True, "on_delete": "unlink"}}])
    a = ok(api.post("/api/v1/records/thing", json={"fields": {"name": "A"}}), 201)["id"]
    b = ok(api.post("/api/v1/records/thing", json={"fields": {"name": "B"}}), 201)["id"]
    box = ok(api.post("/api/v1/records/box", json={"fields": {"name": "X", "main": a, "all": [a, b]}}), 201)["id"]
    ok(api.delete(f"/api/v1/records/thing/{a}"))
    ok(api.post(f"/api/v1/records/thing/{a}/restore"))
    h = ok(api.get(f"/api/v1/records/box/{box}/history"))["history"]
    assert [e["action"] for e in h] == ["create", "update", "update", "update", "update"]
    taken_off, put_back = h[1:3], h[3:5]
    assert sorted((e["changes"] for e in taken_off), key=str) == [{"all": [[a, b], [b]]}, {"main": [a, None]}]
    assert sorted((e["changes"] for e in put_back), key=str) == [{"all": [[b], [b, a]]}, {"main": [None, a]}]
    assert ok(api.get(f"/api/v1/records/box/{box}"))["fields"] == {"name": "X", "main": a, "all": [b, a]}


def test_failed_and_rolled_back_writes_leave_no_history(api, app):
    make_type(api, "thing", FIELDS)
    rid = ok(api.post("/api/v1/records/thing", json={"fields": {"name": "One"}}), 201)["id"]
    err(api.patch(f"/api/v1/records/thing/{rid}", json={"fields": {"score": "many"}, "version": 1}), 422)
    err(api.patch(f"/api/v1/records/thing/{rid}", json={"fields": {"score": 2}, "version": 7}), 409)
    err(api.post("/api/v1/records/thing", json={"fields": {"score": 1}}), 422)
    with platform(app).sessions() as s:
        assert s.scalar(select(func.count()).select_from(RecordHistory)) == 1


def test_writes_outside_requests_are_recorded_too(api, app, sessions):
    """The CLI, imports and automation write through the record store: their writes are history as well."""
    make_type(api, "thing", FIELDS)
    with sessions() as s:  # closed at once: on SQLite an open transaction holds the write lock
        schema = platform(app).schema_cache.get(s)
    with sessions.begin() as s:
        store = RecordStore(s, schema)
        rec = store.create("thing", {"name": "From a script"})
        store.create_many("thing", [{"name": "Batch 1"}, {"name": "Batch 2"}])
    h = ok(api.get(f"/api/v1/records/thing/{rec.id}/history"))["history"]
    assert h[0]["action"] == "create" and h[0]["user"] is None
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(RecordHistory)) == 3


def test_history_on_the_details_page(api, admin_client):
    make_type(api, "thing", FIELDS)
    rid = ok(api.post("/api/v1/records/thing", json={"fields": {"name": "<b>One</b>", "score": 3}}), 201)["id"]
    ok(api.patch(f"/api/v1/records/thing/{rid}", json={"fields": {"name": "Two"}, "version": 1}))
    page = text(admin_client.get(f"/admin/records/thing/details/?id={rid}"))
    assert "History" in page and "owner@example.com" in page
    assert "&lt;b&gt;One&lt;/b&gt;" in page and "<b>One</b>" not in page
    table = page[page.index("rb-history"):]
    assert table.index("Changed") < table.index("Created")  # newest first


def test_the_details_history_shows_linked_records_and_choices_as_people_see_them(api, admin_client):
    make_type(api, "thing", FIELDS)
    make_type(api, "box", [{"name": "name", "label": "Name", "type": "text"},
                           {"name": "main", "label": "Main", "type": "link", "options": {"target": "thing"}},
                           {"name": "kind", "label": "Kind", "type": "single_select",
                            "options": {"choices": [{"value": "big", "label": "Big one"}]}}])
    a = ok(api.post("/api/v1/records/thing", json={"fields": {"name": "Thing <A>"}}), 201)["id"]
    box = ok(api.post("/api/v1/records/box", json={"fields": {"name": "X", "main": a, "kind": "big"}}), 201)["id"]
    table = text(admin_client.get(f"/admin/records/box/details/?id={box}"))
    table = table[table.index("rb-history"):]
    assert "Thing &lt;A&gt;" in table and "Big one" in table  # not the id, not the stored value


def test_audit_log_of_schema_changes_and_sign_ins(app, api, people):
    owner = people["owner"].api
    ok(owner.patch("/api/v1/types/supplier", json={"label": "Suppliers"}))
    ok(owner.patch("/api/v1/types/supplier/fields/rating", json={"label": "Score"}))
    ok(owner.delete("/api/v1/types/contract/fields/risk"))
    sign_in(app, "alice@example.com")
    c = app.test_client()
    token = page_csrf(c, "/admin/login/")
    c.post("/admin/login/", data={"email": "alice@example.com", "password": "wrong password", "csrf_token": token})
    events = ok(owner.get("/api/v1/audit?limit=1000"))["events"]
    actions = [e["action"] for e in events]
    for a in ("type.create", "field.create", "role.create", "type.update", "field.update", "field.delete",
              "sign_in", "sign_in_failed"):
        assert a in actions, a
    upd = next(e for e in events if e["action"] == "type.update")
    assert upd["user"] == "owner@example.com" and upd["target"] == "supplier"
    assert upd["details"]["changes"]["label"] == ["Supplier", "Suppliers"]
    only = ok(owner.get("/api/v1/audit?action=field."))["events"]
    assert only and all(e["action"].startswith("field.") for e in only)
    mine = ok(owner.get("/api/v1/audit?action=sign_in&user=alice@example.com"))["events"]
    assert len(mine) == 1 and mine[0]["address"]
    page = ok(owner.get("/api/v1/audit?limit=2"))
    older = ok(owner.get(f"/api/v1/audit?limit=2&cursor={page['next_cursor']}"))["events"]
    assert older[0]["id"] < page["events"][-1]["id"]
    assert ok(owner.get("/api/v1/audit?since=2999-01-01"))["events"] == []
    err(owner.get("/api/v1/audit?since=yesterday"), 400)
    err(people["builder"].api.get("/api/v1/audit"), 403)


def test_audit_records_rules_and_forms(people):
    owner = people["owner"].api
    resp = owner.post("/api/v1/rules", json={"name": "R", "type": "supplier", "enabled": True,
                                              "trigger": {"on": "record_created"},
                                              "actions": [{"do": "update_record", "values": {"rating": 1}}]})
    if resp.status_code == 201:
        ok(owner.delete(f"/api/v1/rules/{resp.get_json()['id']}"))
    form = ok(owner.post("/api/v1/types/supplier/forms", json={"title": "Feedback", "fields": ["name"]}), 201)
    ok(owner.patch(f"/api/v1/forms/{form['id']}", json={"enabled": False}))
    actions = {e["action"] for e in ok(owner.get("/api/v1/audit?limit=1000"))["events"]}
    assert {"form.create", "form.update"} <= actions
    if resp.status_code == 201:
        assert {"rule.create", "rule.delete"} <= actions


def test_admin_audit_page_filters(app, people, admin_client):
    page = text(admin_client.get("/admin/audit/?action=type.&kind=type"))
    assert "type.create" in page and "field.create" not in page
    page = text(admin_client.get("/admin/audit/?user=nobody@example.com"))
    assert "No events." in page


def test_audit_rows_commit_with_the_change(app, api):
    """A refused schema change leaves no audit event."""
    err(api.post("/api/v1/types", json={"name": "Bad Name", "label": "x"}), 422)
    with platform(app).sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "type.create")) == 0


def test_audit_records_pack_installs(api):
    resp = api.post("/api/v1/packs/install", json={"pack": "helpdesk"})
    if resp.status_code == 404:
        import pytest

        pytest.skip("template packs are not available")
    assert resp.status_code in (200, 201), resp.get_data(as_text=True)[:500]
    events = ok(api.get("/api/v1/audit?kind=pack"))["events"]
    assert [e["action"] for e in events] == ["pack.install"] and events[0]["target"] == "helpdesk"
    assert ok(api.get("/api/v1/audit?action=type.create"))["events"]  # and the types it made


def test_history_follows_savepoints(api, app, sessions):
    """A write undone with its savepoint (as an automation cascade is) leaves no history; later writes do."""
    make_type(api, "thing", FIELDS)
    with sessions() as s:
        schema = platform(app).schema_cache.get(s)
    with sessions.begin() as s:
        store = RecordStore(s, schema)
        store.rule_engine = None
        first = store.create("thing", {"name": "kept 1"})
        savepoint = s.begin_nested()
        undone = store.create("thing", {"name": "undone"})
        savepoint.rollback()
        del store.events[1:]  # what RuleEngine._undo does
        last = store.create("thing", {"name": "kept 2"})
    with sessions() as s:
        rows = s.execute(select(RecordHistory.record_id, RecordHistory.action).order_by(RecordHistory.id)).all()
    assert [tuple(r) for r in rows] == [(first.id, "create"), (last.id, "create")] and undone.id not in (first.id,)
