"""What every operation of ``/api/v1`` can answer, added to the OpenAPI document in one pass.

Each endpoint's module documents what it does; some answers come from the layers every request
goes through, and the document states them here so that it never disagrees with the server:

- a parameter (path, query) or a body can be malformed: ``400`` (a body that is not JSON, breaks
  the JSON budgets of :mod:`recordbase.json_input`, a flag that is not a boolean ...);
- a body can be too large (``413``) or carry unknown or mistyped attributes (``422``);
- the database can be unreachable or, on SQLite, busy with another write: ``503`` with
  ``Retry-After`` (:mod:`recordbase.unavailable`);
- integer parameters are ids, versions and counts stored as 32-bit integers: each gets the
  ``maximum`` the server enforces (a larger id in a path is a 404, in a query a 400), and ids
  and versions the ``minimum`` 1.
"""
from __future__ import annotations

from copy import deepcopy

INT_MAX = 2**31 - 1
METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
RESPONSE = "#/components/responses/"


def _ref(name: str) -> dict:
    return {"$ref": RESPONSE + name}


def _bound(param: dict) -> None:
    schema = param.get("schema") or {}
    if schema.get("type") != "integer":
        return
    schema.setdefault("maximum", INT_MAX)
    name = param.get("name", "")
    if param.get("in") == "path" or name == "id" or name.endswith("_id") or name == "version":
        schema.setdefault("minimum", 1)


def complete(doc: dict) -> dict:
    """``doc`` (built by :func:`.openapi.build_spec`) with the shared answers and bounds; a copy."""
    doc = deepcopy(doc)
    responses = doc.setdefault("components", {}).setdefault("responses", {})
    responses["ServiceUnavailable"] = {
        "description": "the database cannot be reached or is busy; nothing was changed: retry after Retry-After",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for item in doc.get("paths", {}).values():
        shared = item.get("parameters", [])
        for p in shared:
            _bound(p)
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            for p in op.get("parameters", []):
                _bound(p)
            answers = op.setdefault("responses", {})
            if shared or op.get("parameters") or "requestBody" in op:
                answers.setdefault("400", _ref("BadRequest"))
            if "requestBody" in op:
                answers.setdefault("413", _ref("PayloadTooLarge"))
                answers.setdefault("422", _ref("ValidationError"))
            answers.setdefault("503", _ref("ServiceUnavailable"))
    return doc
