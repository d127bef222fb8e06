"""Optimistic locking: an update states the version it read; a stale one is a 409, never a lost update."""
from __future__ import annotations

from .helpers import create, error, ok


def test_stale_patch_is_409_and_the_other_write_survives(api, other_api, supplier):
    rec = create(api, "supplier", name="Acme", score=1)
    url = f"/api/v1/records/supplier/{rec['id']}"
    # two clients read version 1
    v_a = ok(api.get(url))["version"]
    v_b = ok(other_api.get(url))["version"]
    assert v_a == v_b == 1
    first = ok(other_api.patch(url, json={"fields": {"score": 2, "name": "Acme Ltd"}, "version": v_b}))
    assert first["version"] == 2
    err = error(api.patch(url, json={"fields": {"score": 99}, "version": v_a}), 409, "version_conflict")
    assert err["details"]["current_version"] == 2
    assert "version" in err["message"]
    got = ok(api.get(url))
    assert got["fields"]["score"] == 2 and got["fields"]["name"] == "Acme Ltd" and got["version"] == 2
    # reload and retry succeeds
    retry = ok(api.patch(url, json={"fields": {"score": 99}, "version": got["version"]}))
    assert retry["version"] == 3 and retry["fields"]["score"] == 99 and retry["fields"]["name"] == "Acme Ltd"


def test_future_version_is_also_a_conflict(api, supplier):
    rec = create(api, "supplier", name="Acme")
    url = f"/api/v1/records/supplier/{rec['id']}"
    error(api.patch(url, json={"fields": {"score": 5}, "version": 7}), 409, "version_conflict")
    assert ok(api.get(url))["fields"]["score"] is None


def test_every_write_bumps_the_version(api, supplier):
    rec = create(api, "supplier", name="Acme")
    url = f"/api/v1/records/supplier/{rec['id']}"
    for v in range(1, 4):
        assert ok(api.patch(url, json={"fields": {"score": v}, "version": v}))["version"] == v + 1
    assert ok(api.delete(url + "?version=4"))["version"] == 5
    assert ok(api.post(url + "/restore"))["version"] == 6
