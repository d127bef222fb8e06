"""What the pack, saved-view, rule and batch endpoints answer is what the OpenAPI document says they answer,
and what the tests send is what it says they take."""
from __future__ import annotations

import jsonschema

from recordbase.auth import create_token, create_user

from .packdata import mini_pack


def _checker(doc: dict):
    def check(schema: dict, value) -> None:
        jsonschema.Draft202012Validator({**doc, **schema}).validate(value)
    return check


def _response_schema(doc: dict, path: str, method: str, status: str) -> dict:
    return doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]


def _request_schema(doc: dict, path: str, method: str) -> dict:
    return doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]


def _ok(resp, status: int = 200):
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:800])
    return resp.get_json()


def test_pack_and_view_answers_match_the_document(api):
    body = {"manifest": mini_pack(), "sample_data": True}
    installed = _ok(api.post("/api/v1/packs/install", body), 201)
    doc = _ok(api.get("/api/v1/openapi.json"))
    check = _checker(doc)
    check(_request_schema(doc, "/api/v1/packs/install", "post"), body)
    check(_response_schema(doc, "/api/v1/packs/install", "post", "201"), installed)
    again = _ok(api.post("/api/v1/packs/install", {"pack": "helpdesk", "sample_data": True}), 201)
    check(_response_schema(doc, "/api/v1/packs/install", "post", "201"), again)
    check(_response_schema(doc, "/api/v1/packs", "get", "200"), _ok(api.get("/api/v1/packs")))
    check(_response_schema(doc, "/api/v1/packs/{pack_id}", "get", "200"), _ok(api.get("/api/v1/packs/outsourcing")))
    export_body = {"types": ["company", "deal"], "records": True, "id": "copy"}
    check(_request_schema(doc, "/api/v1/packs/export", "post"), export_body)
    exported = _ok(api.post("/api/v1/packs/export", export_body))
    check(_response_schema(doc, "/api/v1/packs/export", "post", "200"), exported)
    # views: list, create, get, change, delete
    views = _ok(api.get("/api/v1/views"))
    check(_response_schema(doc, "/api/v1/views", "get", "200"), views)
    new = {"type": "deal", "name": "Won", "name_zh": "赢单", "filter": {"field": "stage", "op": "eq", "value": "won"},
           "sort": "-amount", "columns": ["title", "amount"]}
    check(_request_schema(doc, "/api/v1/views", "post"), new)
    created = _ok(api.post("/api/v1/views", new), 201)
    check(_response_schema(doc, "/api/v1/views", "post", "201"), created)
    one = f"/api/v1/views/{created['id']}"
    check(_response_schema(doc, "/api/v1/views/{view_id}", "get", "200"), _ok(api.get(one)))
    change = {"name": "Won deals", "filter": None}
    check(_request_schema(doc, "/api/v1/views/{view_id}", "patch"), change)
    check(_response_schema(doc, "/api/v1/views/{view_id}", "patch", "200"), _ok(api.patch(one, change)))
    check(_response_schema(doc, "/api/v1/views/{view_id}", "delete", "200"), _ok(api.delete(one)))
    uninstalled = _ok(api.post("/api/v1/packs/mini/uninstall"))
    check(_response_schema(doc, "/api/v1/packs/{pack_id}/uninstall", "post", "200"), uninstalled)
    upgraded = _ok(api.post("/api/v1/packs/install", {"manifest": mini_pack()}), 200)  # a re-install
    check(_response_schema(doc, "/api/v1/packs/install", "post", "200"), upgraded)


def test_rule_and_batch_answers_match_the_document(api):
    _ok(api.post("/api/v1/packs/install", {"manifest": mini_pack(), "sample_data": True}), 201)
    doc = _ok(api.get("/api/v1/openapi.json"))
    check = _checker(doc)
    rules = _ok(api.get("/api/v1/rules"))
    check(_response_schema(doc, "/api/v1/rules", "get", "200"), rules)
    rule = {"name": "Lost", "type": "deal", "trigger": {"on": "record_matches"},
            "condition": {"field": "stage", "op": "eq", "value": "lost"},
            "actions": [{"do": "update_record", "values": {"probability": 0}}]}
    check(_request_schema(doc, "/api/v1/rules", "post"), rule)
    created = _ok(api.post("/api/v1/rules", rule), 201)
    check(_response_schema(doc, "/api/v1/rules", "post", "201"), created)
    check(_request_schema(doc, "/api/v1/rules/{rule_id}", "patch"), {"enabled": False})
    check(_response_schema(doc, "/api/v1/rules/{rule_id}", "patch", "200"),
          _ok(api.patch(f"/api/v1/rules/{created['id']}", {"enabled": False})))
    batch = {"records": [{"fields": {"title": "B1", "amount": 5}}, {"fields": {"amount": 1}}], "skip_invalid": True}
    check(_request_schema(doc, "/api/v1/records/deal/batch", "post"), {"records": batch["records"][:1]})
    answer = _ok(api.post("/api/v1/records/deal/batch", batch), 201)
    assert answer["created"] == 1 and answer["records"][1] is None
    check(_response_schema(doc, "/api/v1/records/deal/batch", "post", "201"), answer)
    runs = _ok(api.get("/api/v1/runs"))
    assert runs["runs"]  # the sample's won deal ran the pack's rule
    check(_response_schema(doc, "/api/v1/runs", "get", "200"), runs)
    check(_response_schema(doc, "/api/v1/notifications", "get", "200"), _ok(api.get("/api/v1/notifications")))


def test_a_viewer_sees_no_pack_changes_and_their_personal_views_in_the_document(app, sessions):
    with sessions.begin() as s:
        viewer = create_user(s, "viewer@example.com", "correct horse battery", role="viewer")
        token = create_token(s, viewer)
    doc = _ok(app.test_client().get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {token}"}))
    paths = doc["paths"]
    # a viewer keeps personal views (recordbase.views.sharing); a read-only token changes nothing
    assert set(paths["/api/v1/views"]) == {"get", "post"} and set(paths["/api/v1/packs"]) == {"get"}
    assert "/api/v1/packs/install" not in paths and "/api/v1/packs/export" not in paths
    # rules and runs are not a viewer's matter at all (403): only running a button rule is documented
    assert "/api/v1/rules" not in paths and "/api/v1/runs" not in paths
    assert set(paths["/api/v1/rules/{rule_id}/run"]) - {"parameters"} == {"post"}


def test_the_documented_view_attributes_are_the_views_attributes():
    from recordbase.packs.views import VIEW_PROPERTIES
    from recordbase.packs.views import VIEW_KEYS

    assert set(VIEW_PROPERTIES) == set(VIEW_KEYS)
