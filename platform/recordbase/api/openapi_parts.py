"""The building blocks every part of the OpenAPI document uses: references, answers, error responses,
parameters (the document itself: :mod:`.openapi`)."""
from __future__ import annotations

API = "/api/v1"
JSON = "application/json"
TEXT_OR_NULL = {"type": ["string", "null"]}
DATE_TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}

#: the shared error responses (``#/components/responses/...``, defined in :func:`.openapi.common_components`)
ERRORS = {code: {"$ref": f"#/components/responses/{name}"} for code, name in
          (("400", "BadRequest"), ("401", "Unauthorized"), ("403", "Forbidden"), ("404", "NotFound"),
           ("409", "Conflict"), ("413", "PayloadTooLarge"), ("422", "ValidationError"))}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def body(schema: dict, description: str = "OK") -> dict:
    return {"description": description or "OK", "content": {JSON: {"schema": schema}}}


def request(schema: dict) -> dict:
    return {"required": True, "content": {JSON: {"schema": schema}}}


def errors(*codes: str) -> dict:
    """The error responses ``codes`` (and 401, which every operation may answer)."""
    return {c: ERRORS[c] for c in ("401",) + codes}


def param(name: str, where: str, schema: dict, description: str = "") -> dict:
    p = {"name": name, "in": where, "schema": schema, "required": where == "path"}
    if description:
        p["description"] = description
    return p


def purged(schema: dict) -> dict:
    """A DELETE's answer: ``schema`` (moved to the trash) or, with ``?purge=1``, what was deleted for good."""
    return {"anyOf": [schema, ref("Purged")]}


ID = param("id", "path", {"type": "integer"}, "record id")
TYPE = param("type", "path", {"type": "string"}, "record type API name")
FIELD = param("field", "path", {"type": "string"}, "field API name")
