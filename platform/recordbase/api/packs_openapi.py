"""The OpenAPI part of :mod:`.packs` and :mod:`.views`: template packs and saved views.

The pack format is ``templates_catalog/pack.schema.json`` itself, registered as the ``Pack``
component (its ``$defs`` become ``Pack_<name>`` components), so the document and the validator
never disagree. Installing, uninstalling and exporting are shown to owners and builders; changing
saved views to owners, builders and editors — as the endpoints allow.
"""
from __future__ import annotations

import json
from copy import deepcopy
from typing import Any

from apispec import APISpec

from ..packs.views import VIEW_INPUT_SCHEMA, VIEW_PROPERTIES
from .openapi_parts import API, DATE_TIME_OR_NULL, TEXT_OR_NULL, body, errors, param, ref, request


def _roles(policy: Any, roles: tuple[str, ...]) -> bool:
    return policy is None or any(policy.has_role(r) for r in roles)


def pack_format_components(spec: APISpec) -> None:
    """``Pack`` (pack.json) and its ``$defs`` as components, ``#/$defs/x`` refs rewritten."""
    from ..packs.loader import schema_path

    text = schema_path().read_text(encoding="utf-8").replace('"#/$defs/', '"#/components/schemas/Pack_')
    schema = json.loads(text)
    for name, sub in (schema.pop("$defs", None) or {}).items():
        spec.components.schema(f"Pack_{name}", sub)
    schema.pop("$schema", None)
    schema.pop("$id", None)
    spec.components.schema("Pack", schema)




def components(spec: APISpec) -> None:
    pack_format_components(spec)
    view_props = VIEW_PROPERTIES
    spec.components.schema("SavedView", {
        "type": "object", "required": ["id", "type", "name", "filter", "sort", "columns", "position"],
        "properties": {"id": {"type": "integer", "readOnly": True}, **view_props,
                       "created_at": DATE_TIME_OR_NULL, "updated_at": DATE_TIME_OR_NULL}})
    spec.components.schema("SavedViewInput", deepcopy(VIEW_INPUT_SCHEMA))  # the validator's own schema
    named = {"type": "object", "required": ["name", "type"],
             "properties": {"name": {"type": "string"}, "name_zh": TEXT_OR_NULL, "type": {"type": "string"}}}
    summary_props = {
        "id": {"type": "string"}, "version": {"type": "string"}, "name": {"type": "string"}, "name_zh": TEXT_OR_NULL,
        "description": TEXT_OR_NULL, "description_zh": TEXT_OR_NULL,
        "apps": {"type": "array", "description": "the pack's apps (menu groups)", "items": {
            "type": "object", "required": ["name", "label"],
            "properties": {"name": {"type": "string"}, "label": {"type": "string"}, "label_zh": TEXT_OR_NULL}}},
        "rules": {"type": "array", "items": named}, "views": {"type": "array", "items": named},
        "sample_data": {"type": "boolean", "description": "the pack has sample data"},
        "installed": {"type": ["string", "null"], "description": "the installed version, if installed"},
        "status": {"type": ["string", "null"], "enum": ["installed", "uninstalled", None]},
    }
    type_head = {"name": {"type": "string"}, "label": {"type": "string"}, "label_zh": TEXT_OR_NULL,
                 "description": TEXT_OR_NULL}
    required = ["id", "version", "name", "types", "rules", "views", "sample_data", "installed", "status"]
    spec.components.schema("PackSummary", {
        "type": "object", "required": required, "properties": {**summary_props, "types": {
            "type": "array", "items": {"type": "object", "required": ["name", "label", "fields"], "properties": {
                **type_head, "fields": {"type": "integer", "description": "how many fields"}}}}}})
    spec.components.schema("PackPreview", {
        "type": "object", "required": required, "properties": {**summary_props, "types": {
            "type": "array", "items": {"type": "object", "required": ["name", "label", "fields"], "properties": {
                **type_head, "fields": {"type": "array", "items": {
                    "type": "object", "required": ["name", "label", "type"],
                    "properties": {"name": {"type": "string"}, "label": {"type": "string"}, "label_zh": TEXT_OR_NULL,
                                   "type": {"type": "string"}}}}}}}}})
    problem = {"type": "object", "required": ["item", "message"],
               "properties": {"path": {"type": "string"}, "item": {"type": "string"}, "message": {"type": "string"}}}
    names = {"type": "array", "items": {"type": "string"}}
    spec.components.schema("PackInstallReport", {
        "type": "object",
        "required": ["pack", "version", "previous_version", "mode", "changed", "created", "updated", "records",
                     "conflicts", "skipped", "restored"],
        "properties": {
            "pack": {"type": "string"}, "version": {"type": "string"}, "previous_version": TEXT_OR_NULL,
            "mode": {"type": "string", "enum": ["install", "upgrade", "reinstall"]}, "changed": {"type": "boolean"},
            "created": {"type": "object", "required": ["types", "fields", "choices", "rules", "views"],
                        "properties": {k: names for k in ("types", "fields", "choices", "rules", "views")},
                        "description": "type names, 'type.field', 'type.field:value', rule and view keys"},
            "updated": names,
            "records": {"type": "object", "additionalProperties": {"type": "integer"},
                        "description": "record type -> sample records created"},
            "conflicts": {"type": "array", "items": problem, "description": "kept yours (with the pack's JSON path)"},
            "skipped": {"type": "array", "items": problem, "description": "deleted by you: left deleted"},
            "restored": names}})


def views_paths(spec: APISpec, policy: Any = None) -> None:
    tag = ["views"]
    edit = policy is None or not policy.read_only  # personal views for anyone; sharing: views.sharing
    view, view_in = ref("SavedView"), ref("SavedViewInput")
    listing: dict = {"get": {
        "operationId": "list_views", "tags": tag,
        "parameters": [param("type", "query", {"type": "string"}, "only this record type's views")],
        "responses": {"200": body({"type": "object", "required": ["views"],
                                   "properties": {"views": {"type": "array", "items": view}}}), **errors()}}}
    one: dict = {"get": {"operationId": "get_view", "tags": tag, "responses": {"200": body(view), **errors("404")}}}
    if edit:
        listing["post"] = {"operationId": "create_view", "tags": tag,
                           "requestBody": request({"allOf": [view_in], "required": ["type", "name"]}),
                           "responses": {"201": body(view, "Created"), **errors("400", "403", "409", "422")}}
        one["patch"] = {"operationId": "update_view", "tags": tag, "requestBody": request(view_in),
                        "description": "only the attributes to change; the record type cannot change",
                        "responses": {"200": body(view), **errors("400", "403", "404", "409", "422")}}
        one["delete"] = {"operationId": "delete_view", "tags": tag, "responses": {"200": body({
            "type": "object", "required": ["id", "deleted"],
            "properties": {"id": {"type": "integer"}, "deleted": {"const": True}}}), **errors("403", "404")}}
    spec.path(path=f"{API}/views", operations=listing)
    spec.path(path=f"{API}/views/{{view_id}}", parameters=[param("view_id", "path", {"type": "integer"})],
              operations=one)


def packs_paths(spec: APISpec, policy: Any = None) -> None:
    tag = ["packs"]
    pack_id = param("pack_id", "path", {"type": "string"}, "the pack's id (its catalogue name)")
    spec.path(path=f"{API}/packs", operations={"get": {
        "operationId": "list_packs", "tags": tag, "summary": "The catalogue, with what is installed",
        "responses": {"200": body({"type": "object", "required": ["packs"], "properties": {
            "packs": {"type": "array", "items": ref("PackSummary")}}}), **errors()}}})
    spec.path(path=f"{API}/packs/{{pack_id}}", parameters=[pack_id], operations={"get": {
        "operationId": "get_pack", "tags": tag, "summary": "One catalogue pack with its record types and fields",
        "responses": {"200": body(ref("PackPreview")), **errors("404")}}})
    if not _roles(policy, ("owner", "builder")):
        return
    install_in = {"type": "object", "additionalProperties": False,
                  "description": "a catalogue pack by name, or a pack's JSON with its sample data inline",
                  "oneOf": [{"required": ["pack"]}, {"required": ["manifest"]}],
                  "properties": {"pack": {"type": "string"}, "manifest": ref("Pack"),
                                 "sample_data": {"type": "boolean", "default": False}}}
    report = ref("PackInstallReport")
    spec.path(path=f"{API}/packs/install", operations={"post": {
        "operationId": "install_pack", "tags": tag, "summary": "Install, upgrade or re-install a pack",
        "description": "One transaction: a refused pack is a 422 whose details.errors list every problem "
                       "with its JSON path, and nothing is installed.",
        "requestBody": request(install_in),
        "responses": {"201": body(report, "Installed"), "200": body(report, "Upgraded or re-installed"),
                      **errors("400", "403", "404", "409", "422")}}})
    spec.path(path=f"{API}/packs/{{pack_id}}/uninstall", parameters=[pack_id], operations={"post": {
        "operationId": "uninstall_pack", "tags": tag, "summary": "Move the pack's record types to the trash",
        "responses": {"200": body({"type": "object", "required": ["pack", "trashed_types", "disabled_rules"],
                                   "properties": {"pack": {"type": "string"},
                                                  "trashed_types": {"type": "array", "items": {"type": "string"}},
                                                  "disabled_rules": {"type": "integer"}}}),
                      **errors("403", "404", "409")}}})
    export_in = {"type": "object", "additionalProperties": False, "required": ["types"], "properties": {
        "types": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "records": {"type": "boolean", "default": False, "description": "include the records as sample data"},
        "id": {"type": "string"}, "version": {"type": "string", "default": "1.0.0"}, "name": {"type": "string"}}}
    left_out = {"type": "object", "required": ["message"], "properties": {
        "field": {"type": "string"}, "rule": {"type": "string"}, "link": {"type": "string"},
        "message": {"type": "string"}}}
    spec.path(path=f"{API}/packs/export", operations={"post": {
        "operationId": "export_pack", "tags": tag, "summary": "Record types (with rules, views, records) as a pack",
        "requestBody": request(export_in),
        "responses": {"200": body({"type": "object", "required": ["pack", "left_out"], "properties": {
            "pack": ref("Pack"), "left_out": {"type": "array", "items": left_out}}}),
            **errors("400", "403", "404", "422")}}})


def pack_and_view_paths(spec: APISpec, policy: Any = None) -> None:
    components(spec)
    views_paths(spec, policy)
    packs_paths(spec, policy)
