"""Every JSON endpoint of both APIs, each attribute sent with values of the wrong JSON type or range
(``false`` and ``true`` for ids, a 70-bit number, a NUL, a list, an object ...): a 4xx or a success,
never a 5xx (in tests a server error raises). The schemathesis run covers the documented shapes;
these are the values the probe found breaking PostgreSQL (``{"ids": [false]}``) and their kin.
"""
import json

BAD = [False, True, 2**70, -1, 1.5, None, [1], {"a": 1}, "\x00", "x" * 300, "rec99999999999999"]


def _no_server_error(api, calls):
    failed = []
    for method, url, body in calls:
        resp = api.client.open(url, method=method, json=body, headers={"Authorization": f"Bearer {api.token}"})
        if resp.status_code >= 500:
            failed.append((method, url, body, resp.status_code))
    assert not failed, failed


def _thing(api):
    assert api.post("/api/v1/types", json={"name": "thing", "label": "Thing"}).status_code == 201
    assert api.post("/api/v1/types/thing/fields", json={"name": "name", "label": "Name", "type": "text"}).status_code == 201
    assert api.post("/api/v1/records/thing", json={"fields": {"name": "a"}}).status_code == 201


def test_api_v1_bodies_and_parameters_of_the_wrong_type(api):
    _thing(api)
    form = api.post("/api/v1/types/thing/forms", json={"title": "F", "fields": ["name"]}).get_json()
    calls = []
    for v in BAD:
        calls += [("PATCH", f"/api/v1/forms/{form['id']}", {"fields": [v]}),
                  ("PATCH", f"/api/v1/forms/{form['id']}", {"title": v}),
                  ("POST", "/api/v1/tokens", {"types": [v]}), ("POST", "/api/v1/tokens", {"name": v}),
                  ("POST", "/api/v1/tokens", {"read_only": v}),
                  ("POST", "/api/v1/types/thing/fields/order", {"order": [v]}),
                  ("POST", "/api/v1/types/thing/fields/order", {"sections": v}),
                  ("POST", "/api/v1/packs/export", {"types": [v]}), ("POST", "/api/v1/packs/export", {"records": v}),
                  ("POST", "/api/v1/packs/export", {"id": v}),
                  ("POST", "/api/v1/rules/1/run", {"record_id": v}), ("PATCH", "/api/v1/notifications/1", {"read": v}),
                  ("PATCH", "/api/v1/users/owner@example.com", {"display_name": v}),
                  ("PATCH", "/api/v1/users/owner@example.com", {"locale": v}),
                  ("POST", "/api/v1/roles", {"name": "r", "label": "R", "permissions": {"thing": {"actions": [v]}}}),
                  ("POST", "/api/v1/roles", {"name": "r", "label": "R", "permissions": {"thing": {"hidden_fields": [v]}}}),
                  ("POST", "/api/v1/views", {"name": "v", "type": "thing", "columns": [v]}),
                  ("POST", "/api/v1/records/thing", {"fields": {"name": v}}),
                  ("PATCH", "/api/v1/records/thing/1", {"fields": {"name": "b"}, "version": v}),
                  ("POST", "/api/v1/types", {"name": "t2", "label": v}),
                  ("PATCH", "/api/v1/types/thing", {"position": v}),
                  ("POST", "/api/v1/records/thing/batch", {"records": [{"fields": {"name": v}}]}),
                  ("GET", f"/api/v1/records/thing?limit={json.dumps(v)}", None),
                  ("GET", f"/api/v1/records/thing?view={json.dumps(v)}", None),
                  ("GET", f"/api/v1/audit?limit={json.dumps(v)}&since={json.dumps(v)}", None)]
    _no_server_error(api, calls)


def test_airtable_bodies_and_parameters_of_the_wrong_type(api):
    _thing(api)
    B = "/v0/appX/Thing"
    calls = []
    for v in BAD:
        calls += [("POST", B, {"fields": {"Name": v}}), ("POST", B, {"records": [{"fields": {"Name": v}}]}),
                  ("POST", B, {"records": v}),
                  ("POST", B, {"fields": v}), ("POST", B, {"typecast": v, "fields": {"Name": "x"}}),
                  ("PATCH", B, {"records": [{"id": v, "fields": {"Name": "x"}}]}),
                  ("PATCH", B, {"records": [{"fields": {"Name": "x"}}], "performUpsert": {"fieldsToMergeOn": [v]}}),
                  ("PATCH", B, {"records": [{"fields": {"Name": v}}], "performUpsert": {"fieldsToMergeOn": ["Name"]}}),
                  ("PATCH", B + "/rec00000000000001", {"fields": {"Name": v}}),
                  ("POST", B + "/listRecords", {"pageSize": v}), ("POST", B + "/listRecords", {"maxRecords": v}),
                  ("POST", B + "/listRecords", {"offset": v}), ("POST", B + "/listRecords", {"fields": [v]}),
                  ("POST", B + "/listRecords", {"fields": v}),
                  ("POST", B + "/listRecords", {"sort": [{"field": v}]}),
                  ("POST", B + "/listRecords", {"sort": [{"field": "Name", "direction": v}]}),
                  ("POST", B + "/listRecords", {"filterByFormula": v}), ("POST", B + "/listRecords", {"cellFormat": v}),
                  ("POST", B + "/listRecords", {"view": v}),
                  ("GET", B + f"?pageSize={v}&maxRecords={v}", None), ("GET", B + f"?offset={v}", None),
                  ("DELETE", B + f"?records[]={v}", None), ("GET", f"{B}/{v}", None)]
    _no_server_error(api, calls)
