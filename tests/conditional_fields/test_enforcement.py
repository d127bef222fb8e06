"""The record store enforces field conditions on every surface: the API (create, update, batch), /v0,
import and the admin's forms. A record accepted by one surface is accepted by all, and refused by all
otherwise (property test); a refusal names the condition in words, in the writer's language; a
refused write leaves nothing behind."""
from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings, strategies as st

from .helpers import create_record, ok, page_text

V0 = "/v0/appRecordbase0001/report"


def expected_ok(kind, severity, closed, root_cause, resolution) -> bool:
    """The conditions of the fixture's report, evaluated by hand."""
    needs_cause = kind == "incident" and severity in ("high", "critical") and not root_cause
    locked = bool(closed) and bool(resolution)  # a new closed report cannot be given a resolution
    return not needs_cause and not locked


def _count(api) -> int:
    return len(ok(api.get("/api/v1/records/report?limit=500"))["records"])


def _api(api, values):
    return api.post("/api/v1/records/report", json={"fields": values}).status_code == 201


def _v0(api, values):
    labels = {"title": "Title", "kind": "Kind", "severity": "Severity", "closed": "Closed",
              "root_cause": "Root cause", "resolution": "Resolution"}
    resp = api.post(V0, json={"fields": {labels[k]: v for k, v in values.items()}})
    assert resp.status_code in (200, 422), resp.get_data(as_text=True)[:300]
    return resp.status_code == 200


def _batch(api, values):
    resp = api.post("/api/v1/records/report/batch", json={"records": [{"fields": values}]})
    assert resp.status_code in (201, 422), resp.get_data(as_text=True)[:300]
    return resp.status_code == 201


def _import(api, values):
    out = io.StringIO()
    columns = ["title", "kind", "severity", "closed", "root_cause", "resolution"]
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerow(["true" if values.get(c) is True else "false" if values.get(c) is False
                     else values.get(c) or "" for c in columns])
    resp = api.post("/api/v1/records/report/import", data={"file": (io.BytesIO(out.getvalue().encode()), "r.csv")},
                    content_type="multipart/form-data")
    assert resp.status_code in (200, 422), resp.get_data(as_text=True)[:300]
    return resp.status_code == 200 and resp.get_json()["created"] == 1


def _admin(client, values):
    data = {k: ("y" if v is True else v) for k, v in values.items() if v not in (None, False)}
    resp = create_record(client, "report", data)
    assert resp.status_code in (200, 302), resp.status_code
    return resp.status_code == 302


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from([None, "incident", "question"]), severity=st.sampled_from([None, "low", "high", "critical"]),
       closed=st.booleans(), root_cause=st.sampled_from([None, "", "a worn seal"]),
       resolution=st.sampled_from([None, "", "replaced"]))
def test_every_surface_agrees(api, admin_client, report_type, kind, severity, closed, root_cause, resolution):
    values = {"title": "T", "kind": kind, "severity": severity, "closed": closed, "root_cause": root_cause,
              "resolution": resolution}
    values = {k: v for k, v in values.items() if v is not None}
    before = _count(api)
    results = {"api": _api(api, values), "v0": _v0(api, values), "batch": _batch(api, values),
               "import": _import(api, values), "admin": _admin(admin_client, values)}
    want = expected_ok(kind, severity, closed, root_cause, resolution)
    assert results == {k: want for k in results}, values
    assert _count(api) == before + (5 if want else 0)  # a refusal writes nothing


def test_required_when_in_words_in_both_languages(api, report_type, app):
    resp = api.post("/api/v1/records/report", json={"fields": {"title": "T", "kind": "incident", "severity": "critical"}})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"] == {"root_cause": ["is required when Severity is any of High, Critical"]}
    # hidden (shown only for incidents): not required
    assert api.post("/api/v1/records/report", json={"fields": {"title": "T", "kind": "question",
                                                             "severity": "critical"}}).status_code == 201


def test_update_read_only_when_and_required_when(api, report_type):
    rec = ok(api.post("/api/v1/records/report", json={"fields": {"title": "T", "resolution": "draft"}}), 201)
    rid = rec["id"]
    closed = ok(api.patch(f"/api/v1/records/report/{rid}", json={"fields": {"closed": True}, "version": 1}))
    resp = api.patch(f"/api/v1/records/report/{rid}", json={"fields": {"resolution": "changed"}, "version": 2})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"] == {"resolution": ["cannot be changed when Closed is checked"]}
    # the same value again is no change; reopening and changing it in one write is allowed
    assert api.patch(f"/api/v1/records/report/{rid}", json={"fields": {"resolution": "draft"}, "version": 2}).status_code == 200
    v = ok(api.get(f"/api/v1/records/report/{rid}"))["version"]
    assert closed["fields"]["closed"] is True
    opened = ok(api.patch(f"/api/v1/records/report/{rid}",
                          json={"fields": {"closed": False, "resolution": "final"}, "version": v}))
    assert opened["fields"]["resolution"] == "final"
    # /v0 is refused the same way
    v0 = f"{V0}/rec{rid:014d}"
    assert ok(api.patch(f"/api/v1/records/report/{rid}", json={"fields": {"closed": True},
                                                              "version": opened["version"]}))["fields"]["closed"]
    resp = api.patch(v0, json={"fields": {"Resolution": "again"}})
    assert resp.status_code == 422 and "cannot be changed when Closed is checked" in resp.get_data(as_text=True)
    # required when, on an update of another field
    v = ok(api.get(f"/api/v1/records/report/{rid}"))["version"]
    resp = api.patch(f"/api/v1/records/report/{rid}", json={"fields": {"kind": "incident", "severity": "high"},
                                                           "version": v})
    assert resp.status_code == 422 and "root_cause" in resp.get_json()["error"]["details"]
    assert ok(api.get(f"/api/v1/records/report/{rid}"))["fields"]["resolution"] == "final"


def test_admin_form_shows_the_refusal_beside_the_field_in_chinese(admin_client, report_type, switch_language):
    switch_language(admin_client, "zh")
    resp = create_record(admin_client, "report", {"title": "T", "kind": "incident", "severity": "high"})
    assert resp.status_code == 200
    assert "在 严重程度 属于 高、严重 时必填" in page_text(resp)


def test_condition_through_a_lookup_and_batch_refuses_whole(api, order_type):
    good = ok(api.post("/api/v1/records/supplier", json={"fields": {"name": "A", "status": "active"}}), 201)["id"]
    bad = ok(api.post("/api/v1/records/supplier", json={"fields": {"name": "B", "status": "blacklisted"}}), 201)["id"]
    assert api.post("/api/v1/records/purchase", json={"fields": {"title": "o", "supplier": good}}).status_code == 201
    resp = api.post("/api/v1/records/purchase", json={"fields": {"title": "o", "supplier": bad}})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"] == {"approval": ["is required when Supplier status = Blacklisted"]}
    assert api.post("/api/v1/records/purchase", json={"fields": {"title": "o", "supplier": bad,
                                                               "approval": "ok by CFO"}}).status_code == 201
    rows = [{"fields": {"title": "a", "supplier": good}}, {"fields": {"title": "b", "supplier": bad}}]
    resp = api.post("/api/v1/records/purchase/batch", json={"records": rows})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"]["records"][0]["index"] == 1
    assert len(ok(api.get("/api/v1/records/purchase"))["records"]) == 2  # the batch wrote nothing


def test_conditions_are_checked_when_saved(api, report_type):
    for conditions, fragment in [({"show_when": {"field": "nope", "op": "eq", "value": 1}}, "has no field 'nope'"),
                                 ({"show_when": {"field": "closed", "op": "lt", "value": 1}}, "does not apply"),
                                 ({"hide_when": None}, "conditions"),
                                 ({"required_when": {"field": "kind", "op": "eq", "value": "nope"}}, "not one of")]:
        resp = api.patch("/api/v1/types/report/fields/title", json={"conditions": conditions})
        assert resp.status_code == 422, conditions
        assert fragment in resp.get_data(as_text=True), resp.get_data(as_text=True)
    ok(api.patch("/api/v1/types/report/fields/title", json={"conditions": None}))
    assert ok(api.get("/api/v1/types/report"))["fields"][0]["conditions"] is None
