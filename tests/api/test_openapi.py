"""The OpenAPI document: valid OpenAPI 3.1, built from the current schema, every record type listed."""
from __future__ import annotations

import jsonschema
from openapi_spec_validator import validate

from .helpers import create, error, make_type, ok


def test_openapi_lists_the_type_and_validates(api, supplier):
    make_type(api, "doc", [{"name": "title", "label": "Title", "type": "text"},
                           {"name": "files", "label": "Files", "type": "attachment"},
                           {"name": "supplier", "label": "Supplier", "type": "link", "options": {"target": "supplier"}},
                           {"name": "tags", "label": "Tags", "type": "multi_select", "options": {"choices": ["a", "b"]}},
                           {"name": "number", "label": "No.", "type": "autonumber", "options": {"pattern": "D-{000}"}},
                           {"name": "owner", "label": "Owner", "type": "user"},
                           {"name": "amount", "label": "Amount", "type": "currency", "options": {"code": "CNY"}}])
    doc = ok(api.get("/api/v1/openapi.json"))
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    for path in ("/api/v1/records/supplier", "/api/v1/records/supplier/{id}", "/api/v1/records/doc",
                 "/api/v1/records/doc/{id}/attachments/{field}", "/api/v1/types", "/api/v1/types/{type}/fields/{field}"):
        assert path in doc["paths"], path
    assert "/api/v1/records/supplier/{id}/attachments/{field}" not in doc["paths"]
    assert set(doc["paths"]["/api/v1/records/supplier/{id}"]) >= {"get", "patch", "delete"}
    schemas = doc["components"]["schemas"]
    rec = schemas["supplier_record"]
    assert rec["title"] == "Supplier / 供应商"
    props = rec["properties"]["fields"]["properties"]
    assert list(props) == ["name", "score", "status", "since", "email"]
    assert props["status"]["enum"][:3] == ["active", "paused", "closed"]
    assert props["since"]["format"] == "date" and props["email"]["format"] == "email"
    fields_in = schemas["supplier_fields"]
    assert fields_in["required"] == ["name"] and fields_in["additionalProperties"] is False
    doc_props = schemas["doc_record"]["properties"]["fields"]["properties"]
    assert doc_props["number"]["readOnly"] is True
    assert "number" not in schemas["doc_fields"]["properties"]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert doc["security"] == [{"bearer": []}]
    assert "Error" in schemas
    assert doc["paths"]["/api/v1/records/supplier"]["post"]["responses"]["422"] == {
        "$ref": "#/components/responses/ValidationError"}


def test_openapi_follows_schema_changes(api, supplier):
    ok(api.post("/api/v1/types/supplier/fields", json={"name": "city", "label": "City", "type": "text"}), 201)
    doc = ok(api.get("/api/v1/openapi.json"))
    assert "city" in doc["components"]["schemas"]["supplier_record"]["properties"]["fields"]["properties"]
    ok(api.delete("/api/v1/types/supplier"))
    doc = ok(api.get("/api/v1/openapi.json"))
    assert "/api/v1/records/supplier" not in doc["paths"]
    validate(doc)


def test_openapi_needs_a_token(app):
    error(app.test_client().get("/api/v1/openapi.json"), 401, "unauthorized")


def test_records_the_api_returns_match_their_documented_schema(api, supplier):
    make_type(api, "doc", [{"name": "title", "label": "Title", "type": "text", "required": True},
                           {"name": "files", "label": "Files", "type": "attachment"},
                           {"name": "supplier", "label": "Supplier", "type": "link", "options": {"target": "supplier"}},
                           {"name": "others", "label": "Others", "type": "link",
                            "options": {"target": "supplier", "many": True}},
                           {"name": "tags", "label": "Tags", "type": "multi_select", "options": {"choices": ["a", "b"]}},
                           {"name": "done", "label": "Done", "type": "boolean"},
                           {"name": "amount", "label": "Amount", "type": "decimal"}])
    acme = create(api, "supplier", name="Acme", score=3.5, status="active", since="2024-01-01", email="a@b.cn")
    payload = {"title": "T", "supplier": acme["id"], "others": [acme["id"]], "tags": ["a"], "done": True,
               "amount": 1.25}
    full = create(api, "doc", **payload)
    empty = create(api, "doc", title="Only a title")
    doc = ok(api.get("/api/v1/openapi.json"))

    def validator(component: str):
        return jsonschema.Draft202012Validator({**doc, "$ref": f"#/components/schemas/{component}"})

    for rec in (full, empty, ok(api.get(f"/api/v1/records/doc/{full['id']}"))):
        validator("doc_record").validate(rec)
    validator("supplier_record").validate(ok(api.get(f"/api/v1/records/supplier/{acme['id']}")))
    validator("doc_fields").validate(payload)
    assert not validator("doc_fields").is_valid({"title": "T", "colour": "red"})
    assert not validator("doc_fields").is_valid({"supplier": 1})  # title is required
