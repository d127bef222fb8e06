"""What ``/api/v1/openapi.json`` says is invalid, the server refuses with a 4xx naming the part.

Each request below is one the complete schemathesis run (``test_schemathesis.py``) found accepted
although the document forbade it (``negative_data_rejection``); where the server's acceptance was
intended (a batch with ``skip_invalid``, an empty name for the import inference), the document now
says so, and that is checked here too.
"""
from __future__ import annotations

import io

import jsonschema
import pytest
from support import ok


def error(resp, status: int) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:1000])
    return resp.get_json()["error"]

FIELDS = [{"name": "name", "label": "Name", "type": "text", "required": True},
          {"name": "tags", "label": "Tags", "type": "multi_select", "options": {"choices": ["a", "b"]}},
          {"name": "friends", "label": "Friends", "type": "link", "options": {"target": "supplier", "many": True}}]


@pytest.fixture
def supplier(api):
    ok(api.post("/api/v1/types", json={"name": "supplier", "label": "Supplier"}), 201)
    for f in FIELDS:
        ok(api.post("/api/v1/types/supplier/fields", json=f), 201)
    return ok(api.post("/api/v1/records/supplier", json={"fields": {"name": "Acme"}}), 201)


def request_schema(api, path: str, method: str = "post", content: str = "application/json") -> dict:
    """The request body schema of an operation, with the document's components to resolve its $refs."""
    doc = ok(api.get("/api/v1/openapi.json"))
    schema = doc["paths"][path][method]["requestBody"]["content"][content]["schema"]
    return {**schema, "components": doc["components"]}


def invalid_per_document(api, path: str, body: dict, method: str = "post", content: str = "application/json") -> None:
    assert not jsonschema.Draft202012Validator(request_schema(api, path, method, content)).is_valid(body), body


def test_a_list_of_choices_or_links_naming_one_twice_is_refused(api, supplier):
    url = f"/api/v1/records/supplier/{supplier['id']}"
    for fields, name in (({"tags": ["a", "a"]}, "tags"), ({"friends": [supplier["id"], supplier["id"]]}, "friends")):
        invalid_per_document(api, "/api/v1/records/supplier/{id}", {"fields": fields, "version": 1}, "patch")
        err = error(api.patch(url, json={"fields": fields, "version": 1}), 422)
        assert "more than once" in err["details"][name][0]
        error(api.post("/api/v1/records/supplier", json={"fields": {"name": "B", **fields}}), 422)
    assert ok(api.patch(url, json={"fields": {"tags": ["b", "a"]}, "version": 1}))["fields"]["tags"] == ["a", "b"]


def test_a_text_longer_than_its_limit_is_refused_even_when_trimming_would_shorten_it(api, supplier):
    # 255 is text's maxLength; '\x1c' is white space to Python's strip(), a character to JSON Schema
    for value in ("\x1c" + "x" * 255, " " + "x" * 255, "x" * 255 + "\n", "𝓣" * 256):
        invalid_per_document(api, "/api/v1/records/supplier", {"fields": {"name": value}})
        err = error(api.post("/api/v1/records/supplier", json={"fields": {"name": value}}), 422)
        assert "at most 255" in err["details"]["name"][0]
    made = ok(api.post("/api/v1/records/supplier", json={"fields": {"name": " " + "𝓣" * 253 + " "}}), 201)
    assert made["fields"]["name"] == "𝓣" * 253  # astral characters count one each, as in JSON Schema


def test_a_batch_item_is_an_object_with_a_fields_object_and_nothing_else(api, supplier):
    url = "/api/v1/records/supplier/batch"
    for skip in (False, True):
        for item in ({"fields": {"name": "X"}, "extra": 1}, {"fields": 0.5}, {"name": "X"}, "X", None):
            body = {"records": [{"fields": {"name": "ok"}}, item], "skip_invalid": skip}
            invalid_per_document(api, url, body)
            error(api.post(url, json=body), 422)
    assert ok(api.get("/api/v1/records/supplier", query_string={"count": "1"}))["count"] == 1  # nothing written


def test_a_batch_with_skip_invalid_takes_any_fields_object_as_documented(api, supplier):
    url = "/api/v1/records/supplier/batch"
    body = {"records": [{"fields": {"name": "ok", "tags": ["a"]}}, {"fields": {"name": 5e300, "tags": [True]}},
                        {"fields": {"nope": []}}], "skip_invalid": True}
    jsonschema.validate(body, request_schema(api, url))  # valid: skip_invalid takes any fields object
    answer = ok(api.post(url, json=body), 201)
    assert answer["created"] == 1 and [e["index"] for e in answer["errors"]] == [1, 2]
    invalid_per_document(api, url, {**body, "skip_invalid": False})  # without it, every record must be valid
    err = error(api.post(url, json={**body, "skip_invalid": False}), 422)
    assert [p["index"] for p in err["details"]["records"]] == [1, 2]


def test_export_format_is_one_documented_value_given_once(api, supplier):
    url = "/api/v1/records/supplier/export"
    for query in ("format=", "format=CSV", "format=csv&format=xlsx", "format=pdf"):
        assert "format" in error(api.get(f"{url}?{query}"), 400)["details"], query
    assert api.get(f"{url}?format=xlsx").status_code == 200 and api.get(url).mimetype == "text/csv"


def test_integer_and_flag_query_parameters_are_given_once_as_ascii_digits(api, supplier):
    url = f"/api/v1/records/supplier/{supplier['id']}"
    for query in ("version=&version=x", "version=1&version=1", "version=", "version=%20%201", "version=1_0",
                  "version=%D9%A1", "version=TRUE"):
        assert "version" in error(api.delete(f"{url}?{query}"), 400)["details"], query
    for query in ("limit=", "limit=5&limit=6", "count=1&count=0"):
        assert error(api.get(f"/api/v1/records/supplier?{query}"), 400)["details"], query
    assert ok(api.delete(f"{url}?version=1"))["deleted_at"]


def test_user_bodies_are_checked_as_documented(api):
    for body in ({"email": "n@example.com", "password": None}, {"email": "n@example.com", "role": "editor"},
                 {"email": "n@example.com", "locale": "fr"}):
        invalid_per_document(api, "/api/v1/users", body)
        assert error(api.post("/api/v1/users", json=body), 422)["details"], body
    made = ok(api.post("/api/v1/users", json={"email": "n@example.com"}), 201)  # no password: an invitation
    assert made["invite_url"]
    for body in ({"password": None}, {"active": None}, {"display_name": 5}, {"is_active": False}):
        invalid_per_document(api, "/api/v1/users/{email}", body, "patch")
        assert error(api.patch("/api/v1/users/n@example.com", json=body), 422)["details"], body
    assert ok(api.patch("/api/v1/users/n@example.com", json={"display_name": None, "active": False}))["active"] is False


def test_import_inference_form_as_documented(api):
    url = "/api/v1/import/infer"

    def send(**parts):
        upload = (io.BytesIO(b"Name,Score\nAcme,3\n"), "s.csv", "text/csv")
        return api.post(url, data={"file": upload, **parts}, content_type="multipart/form-data")

    schema = request_schema(api, url, content="multipart/form-data")
    jsonschema.validate({"file": "", "name": "", "label": ""}, schema)  # empty: left out (documented)
    assert ok(send(name="", label=""))["name"] == "imported"
    label = "\n" + "x" * 255  # 256 characters as sent, 255 once trimmed: over the documented maxLength
    invalid_per_document(api, url, {"file": "", "label": label}, content="multipart/form-data")
    assert "label" in error(send(label=label), 422)["details"]
    assert "name" in error(send(name=" supplier"), 422)["details"]


def test_choices_as_text_and_one_link_id_alone_are_documented_as_the_server_takes_them(api, supplier):
    url = f"/api/v1/records/supplier/{supplier['id']}"
    body = {"fields": {"tags": "b, a", "friends": supplier["id"]}, "version": 1}
    jsonschema.validate(body, request_schema(api, "/api/v1/records/supplier/{id}", "patch"))
    fields = ok(api.patch(url, json=body))["fields"]
    assert fields["tags"] == ["a", "b"] and fields["friends"] == [supplier["id"]]
