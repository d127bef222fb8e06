"""The answers the probe found disagreeing with ``/api/v1/openapi.json`` now agree with it.

Each request of the issue's list is sent through the test client and its answer checked against
the operation the document gives it: the status is documented, the content type is one the
document names, and the body matches the documented schema (schemathesis' own validation).
"""
from __future__ import annotations

import io

import pytest

schemathesis = pytest.importorskip("schemathesis")

INT_MAX = 2**31 - 1


@pytest.fixture
def document(api):
    assert api.post("/api/v1/types", json={"name": "thing", "label": "Thing"}).status_code == 201
    for f in ({"name": "name", "label": "Name", "type": "text"},
              {"name": "file", "label": "File", "type": "attachment"}):
        assert api.post("/api/v1/types/thing/fields", json=f).status_code == 201
    assert api.post("/api/v1/types", json={"name": "gone", "label": "Gone"}).status_code == 201
    return api.get("/api/v1/openapi.json").get_json()


def agrees(doc: dict, path: str, method: str, resp) -> None:
    operation = schemathesis.openapi.from_dict(doc)[path][method.upper()]
    documented = doc["paths"][path][method.lower()]["responses"]
    assert str(resp.status_code) in documented, (path, method, resp.status_code, sorted(documented))
    answer = documented[str(resp.status_code)]
    if "$ref" in answer:
        answer = doc["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    types = list(answer.get("content", {}))
    mimetype = resp.mimetype
    assert any(t == "*/*" or t == mimetype or (t.endswith("/*") and mimetype.startswith(t[:-1])) for t in types), \
        (path, mimetype, types)
    operation.validate_response(resp)


def test_purging_a_type_answers_as_documented(api, document):
    assert api.delete("/api/v1/types/gone").status_code == 200
    resp = api.delete("/api/v1/types/gone?purge=true")
    assert resp.status_code == 200 and resp.get_json()["purged"] is True
    agrees(document, "/api/v1/types/{type}", "delete", resp)
    rid = api.post("/api/v1/records/thing", json={"fields": {"name": "x"}}).get_json()["id"]
    assert api.delete(f"/api/v1/records/thing/{rid}").status_code == 200
    agrees(document, "/api/v1/records/thing/{id}", "delete", api.delete(f"/api/v1/records/thing/{rid}?purge=1"))


def test_an_import_without_a_file_answers_as_documented(api, document):
    resp = api.post("/api/v1/records/thing/import", data={}, content_type="multipart/form-data")
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "validation_error"
    agrees(document, "/api/v1/records/thing/import", "post", resp)
    resp = api.post("/api/v1/records/thing/import?report=csv", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(b"name\nx\n"), "x.csv"), "encoding": "no-such-codec"})
    assert resp.status_code == 400  # a 500 (LookupError) before
    agrees(document, "/api/v1/records/thing/import", "post", resp)


def test_attachments_are_served_with_their_content_type_as_documented(api, document):
    up = api.post("/api/v1/attachments", content_type="multipart/form-data",
                  data={"type": "thing", "field": "file", "file": (io.BytesIO(b"\x89PNG\r\n\x1a\n"), "a.png", "image/png")})
    assert up.status_code == 201, up.get_data(as_text=True)
    resp = api.get(f"/api/v1/attachments/{up.get_json()['attachments'][0]['key']}")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    agrees(document, "/api/v1/attachments/{key}", "get", resp)


def test_integer_parameters_have_the_servers_bounds(api, document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            for p in item.get("parameters", []) + op.get("parameters", []):
                if p["schema"].get("type") == "integer":
                    assert p["schema"].get("maximum", INT_MAX + 1) <= INT_MAX, (path, method, p["name"])
            assert "503" in op["responses"], (path, method)
    for url in ("/api/v1/records/thing/2147483648", "/api/v1/rules/99999999999999999999", "/api/v1/runs/2147483648",
                "/api/v1/views/2147483648", "/api/v1/forms/2147483648"):
        assert api.get(url).status_code == 404, url
    resp = api.get("/api/v1/runs?rule_id=2147483648")
    assert resp.status_code == 400 and resp.get_json()["error"]["details"] == {"rule_id": ["must be between 1 and 2147483647"]}
    agrees(document, "/api/v1/runs", "get", resp)
    for url in ("/api/v1/records/thing?trash=null", "/api/v1/notifications?unread=maybe"):
        resp = api.get(url)
        assert resp.status_code == 400, url


def test_options_on_packs_export_allows_what_is_documented(api, document):
    resp = api.client.options("/api/v1/packs/export")
    allowed = {m.strip().lower() for m in resp.headers["Allow"].split(",")} - {"options", "head"}
    assert allowed == set(document["paths"]["/api/v1/packs/export"]) == {"post"}
    assert api.get("/api/v1/packs/export").status_code == 405
    assert api.get("/api/v1/packs/no-such-pack").status_code == 404
