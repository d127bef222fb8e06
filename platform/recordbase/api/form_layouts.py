"""A record type's form layout: ``/api/v1/types/<type>/layout`` (recordbase.formlayout).

GET: the document as the caller may see it (anyone who may read or configure the type); PUT:
replace it (those who may configure the type), checked by its JSON schema and against the types,
one transaction with the schema version bump.
"""
from __future__ import annotations

from flask import jsonify

from ..access import current_policy
from ..context import current_schema, db_session
from ..formlayout.document import LAYOUT_SCHEMA
from ..formlayout.service import set_layout, stored_layout, visible_layout
from ..metamodel.service import MetamodelService
from .blueprint import bp, commit, json_body


@bp.get("/types/<type_name>/layout")
def get_form_layout(type_name: str):
    document = stored_layout(MetamodelService(db_session()), type_name)
    return jsonify(visible_layout(document, current_schema(), current_policy()))


@bp.put("/types/<type_name>/layout")
def set_form_layout(type_name: str):
    body = json_body(allowed=tuple(LAYOUT_SCHEMA["properties"]))
    document = set_layout(MetamodelService(db_session()), type_name, body)
    commit()
    return jsonify(document)


def openapi_paths(spec, api: str, type_param: dict, tag: list, body, errors) -> None:
    """The two operations in the OpenAPI document (called by :func:`.openapi_metamodel.metamodel_paths`)."""
    schema = dict(LAYOUT_SCHEMA)
    spec.path(path=f"{api}/types/{{type}}/layout", parameters=[type_param], operations={
        "get": {"operationId": "get_form_layout", "tags": tag, "responses": {"200": body(schema), **errors("404")}},
        "put": {"operationId": "set_form_layout", "tags": tag,
                "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
                "responses": {"200": body(schema), **errors("400", "403", "404", "422")}}})
