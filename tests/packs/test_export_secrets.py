"""A pack export leaves webhook secrets out (they are write-only), says so, and still installs: the
installed webhook has no secret (sent unsigned) until someone sets one."""
from __future__ import annotations

import json

from recordbase.automation.models import Rule

SECRET = "whsec-never-exported-4Kd"


def test_an_exported_pack_leaves_the_secret_out_and_installs(api, other_db):
    assert api.post("/api/v1/types", json={"name": "supplier", "label": "Supplier"}).status_code == 201
    assert api.post("/api/v1/types/supplier/fields", json={"name": "name", "label": "Name", "type": "text"}).status_code == 201
    resp = api.post("/api/v1/rules", json={"name": "Hook", "type": "supplier", "trigger": {"on": "record_created"},
                                           "actions": [{"do": "webhook", "url": "https://example.com/h",
                                                        "secret": SECRET}]})
    assert resp.status_code == 201, resp.get_json()
    resp = api.post("/api/v1/packs/export", json={"types": ["supplier"], "id": "copy"})
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    assert SECRET not in text and "has_secret" not in text
    body = resp.get_json()
    assert any("webhook secret" in x["message"] for x in body["left_out"])
    assert body["pack"]["rules"][0]["actions"] == [{"do": "webhook", "url": "https://example.com/h"}]
    uid = other_db.user()
    report = other_db.install(json.loads(text)["pack"], user_id=uid)
    assert report.created["rules"], report.to_json()
    with other_db.sessions() as s:
        [rule] = s.query(Rule).all()
        assert rule.definition["actions"] == [{"do": "webhook", "url": "https://example.com/h"}]
