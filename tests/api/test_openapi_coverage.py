"""Every route of the /api/v1 blueprint is in the OpenAPI document, and the document is valid OpenAPI 3.1."""
from __future__ import annotations

import re

from openapi_spec_validator import validate

from .helpers import make_type, ok

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _documented(doc: dict, rule: str, type_name: str) -> re.Pattern:
    """The document path a Flask rule should appear as: per-type record paths name the type
    (``/records/doc/{id}``), every other variable part is a path parameter."""
    out, parts = "", rule.split("/")
    for i, part in enumerate(parts):
        if i:
            out += "/"
        if part.startswith("<"):
            out += re.escape(type_name) if parts[i - 1] == "records" else r"\{[A-Za-z_][A-Za-z0-9_]*\}"
        else:
            out += re.escape(part)
    return re.compile(f"^{out}$")


def test_every_api_route_is_documented_and_the_document_validates(app, api):
    make_type(api, "doc", [{"name": "title", "label": "Title", "type": "text"},
                           {"name": "files", "label": "Files", "type": "attachment"}])
    doc = ok(api.get("/api/v1/openapi.json"))
    validate(doc)
    missing, checked = [], 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        pattern = _documented(doc, rule.rule, "doc")
        paths = [p for p in doc["paths"] if pattern.match(p)]
        for method in sorted(set(rule.methods) & set(METHODS)):
            checked += 1
            if not any(method.lower() in doc["paths"][p] for p in paths):
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert checked > 60  # the walk found the blueprint's routes
    assert missing == []
    for path, ops in doc["paths"].items():  # each path parameter is declared, at path or operation level
        names = set(re.findall(r"\{(\w+)\}", path))
        for method, op in ops.items():
            if method == "parameters":
                continue
            declared = {p["name"] for p in ops.get("parameters", []) + op.get("parameters", []) if p.get("in") == "path"}
            assert names <= declared, (method, path, names - declared)


def test_the_new_sections_are_there_with_their_components(api):
    make_type(api, "doc", [{"name": "title", "label": "Title", "type": "text"}])
    doc = ok(api.get("/api/v1/openapi.json"))
    paths = doc["paths"]
    assert set(paths["/api/v1/views"]) == {"get", "post"}
    assert set(paths["/api/v1/views/{view_id}"]) >= {"get", "patch", "delete"}
    assert set(paths["/api/v1/packs/install"]["post"]["responses"]) >= {"200", "201", "422"}
    assert set(paths["/api/v1/rules/{rule_id}"]) >= {"get", "patch", "delete"}
    assert "post" in paths["/api/v1/records/doc/batch"] and "get" in paths["/api/v1/records/doc/export"]
    schemas = doc["components"]["schemas"]
    for name in ("SavedView", "SavedViewInput", "PackSummary", "PackPreview", "PackInstallReport", "Pack", "Rule",
                 "RuleInput", "RuleRun", "Notification", "ImportReport", "BatchError"):
        assert name in schemas, name
    # pack.json itself is the Pack component, its $defs become Pack_<name>
    assert schemas["Pack"]["properties"]["types"]["items"] == {"$ref": "#/components/schemas/Pack_type"}
    batch = paths["/api/v1/records/doc/batch"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    strict, lenient = batch["anyOf"]  # without skip_invalid every record is a valid doc; with it, any fields object
    assert strict["properties"]["records"]["items"]["properties"]["fields"] == {"$ref": "#/components/schemas/doc_fields"}
    assert strict["properties"]["skip_invalid"]["const"] is False and lenient["properties"]["skip_invalid"]["const"]
    assert lenient["properties"]["records"]["items"]["properties"]["fields"]["type"] == "object"
    assert strict["properties"]["records"]["items"]["additionalProperties"] is False
    assert lenient["properties"]["records"]["items"]["additionalProperties"] is False
