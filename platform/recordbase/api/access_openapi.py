"""The OpenAPI part of :mod:`.access`: users, roles, tokens, record history, the audit log, public forms.

Each caller sees only what their policy allows: users, roles (writing) and the audit log for
owners, public forms for those who may configure, tokens and history for everyone (history
for the record types they may read).
"""
from __future__ import annotations

from typing import Any

from apispec import APISpec

from ..access.roles import ACTIONS
from ..access.users import LOCALES
from ..publicforms.settings import SETTINGS_SCHEMA
from .openapi_parts import API, TEXT_OR_NULL, body, errors, param, ref, request

#: the bodies of POST /users, PATCH /users/<email> and POST /tokens, as documented and as checked (api.access)
USER_IN = {"type": "object", "additionalProperties": False, "required": ["email"], "properties": {
    "email": {"type": "string", "format": "email", "maxLength": 255},
    "password": {"type": "string", "minLength": 8, "maxLength": 1024},
    "roles": {"type": ["array", "null"], "items": {"type": "string"}, "minItems": 1,
              "description": "null or left out: the default role"},
    "display_name": {"type": ["string", "null"], "maxLength": 255},
    "locale": {"type": "string", "enum": list(LOCALES)}, "invite": {"type": "boolean"}}}
USER_PATCH = {"type": "object", "additionalProperties": False, "properties": {
    "password": {"type": "string", "minLength": 8, "maxLength": 1024},
    "current_password": {"type": "string", "maxLength": 1024,
                         "description": "needed to change one's own password (checked like a sign-in)"},
    "roles": {"type": ["array", "null"], "items": {"type": "string"}, "minItems": 1,
              "description": "null or left out: unchanged"},
    "display_name": {"type": ["string", "null"], "maxLength": 255},
    "locale": {"type": "string", "enum": list(LOCALES)}, "active": {"type": "boolean"},
    "reset_password": {"type": "boolean"}}}
#: the body of POST /tokens
TOKEN_IN = {"type": "object", "additionalProperties": False, "properties": {
    "name": {"type": ["string", "null"], "maxLength": 255}, "read_only": {"type": "boolean"},
    "types": {"type": ["array", "null"], "items": {"type": "string"}, "minItems": 1},
    "email": {"type": "string", "description": "owners: a token for someone else"}}}


def components(spec: APISpec) -> None:
    spec.components.schema("HistoryEntry", {
        "type": "object", "required": ["action", "user", "at", "changes"],
        "properties": {"id": {"type": "integer"}, "action": {"type": "string", "enum": ["create", "update", "delete", "restore"]},
                       "user": TEXT_OR_NULL, "at": {"type": "string", "format": "date-time"},
                       "changes": {"type": "object", "description": "field -> [old value, new value]",
                                   "additionalProperties": {"type": "array", "minItems": 2, "maxItems": 2}}}})
    spec.components.schema("User", {
        "type": "object", "required": ["email", "roles", "active"],
        "properties": {"email": {"type": "string"}, "display_name": TEXT_OR_NULL,
                       "roles": {"type": "array", "items": {"type": "string"}}, "active": {"type": "boolean"},
                       "locale": {"type": "string"}, "has_password": {"type": "boolean"},
                       "created_at": {"type": ["string", "null"], "format": "date-time"},
                       "invite_url": {"type": "string", "description": "one-time link to set the password"},
                       "reset_url": {"type": "string", "description": "one-time link to set a new password"}}})
    perm = {"type": "object", "additionalProperties": False, "properties": {
        "actions": {"type": "array", "items": {"type": "string", "enum": list(ACTIONS)}, "uniqueItems": True},
        "rows": {"type": ["object", "null"], "description": "a filter; \"@me\" is the signed-in user"},
        "hidden_fields": {"type": "array", "items": {"type": "string"}},
        "readonly_fields": {"type": "array", "items": {"type": "string"}}}}
    spec.components.schema("Role", {
        "type": "object", "required": ["name", "label"],
        "properties": {"name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
                       "label": {"type": "string", "minLength": 1, "maxLength": 255},
                       "label_zh": {"type": ["string", "null"], "maxLength": 255},
                       "description": {"type": ["string", "null"], "maxLength": 5000},
                       "permissions": {"type": "object", "additionalProperties": perm,
                                       "description": "record type (or \"*\") -> permissions"},
                       "builtin": {"type": "boolean", "readOnly": True},
                       "users": {"type": "integer", "readOnly": True}}})
    spec.components.schema("Token", {
        "type": "object", "required": ["id", "prefix", "read_only"],
        "properties": {"id": {"type": "integer"}, "name": TEXT_OR_NULL, "prefix": {"type": "string"},
                       "read_only": {"type": "boolean"},
                       "types": {"type": ["array", "null"], "items": {"type": "string"}},
                       "created_at": {"type": ["string", "null"]}, "last_used_at": {"type": ["string", "null"]},
                       "revoked_at": {"type": ["string", "null"]},
                       "token": {"type": "string", "description": "only when created: shown once"}}})
    spec.components.schema("AuditEvent", {
        "type": "object", "required": ["id", "at", "action"],
        "properties": {"id": {"type": "integer"}, "at": {"type": "string"}, "user": TEXT_OR_NULL,
                       "action": {"type": "string"}, "target_kind": TEXT_OR_NULL, "target": TEXT_OR_NULL,
                       "address": TEXT_OR_NULL, "details": {}}})
    spec.components.schema("PublicForm", {
        "type": "object", "required": ["id", "url", "title", "fields", "enabled"],
        "properties": {"id": {"type": "integer"}, "type": {"type": "string"},
                       "url": {"type": "string", "description": "/f/<unguessable token>"},
                       "title": {"type": "string"}, "title_zh": TEXT_OR_NULL, "description": TEXT_OR_NULL,
                       "description_zh": TEXT_OR_NULL, "fields": {"type": "array", "items": {"type": "string"}},
                       "thank_you": TEXT_OR_NULL, "thank_you_zh": TEXT_OR_NULL, "enabled": {"type": "boolean"},
                       "submissions": {"type": "integer"}, "created_at": {"type": ["string", "null"]},
                       "settings": {"type": "object"}}})


def history_path(spec: APISpec, t: Any) -> None:
    spec.path(path=f"{API}/records/{t.name}/{{id}}/history",
              parameters=[param("id", "path", {"type": "integer"}, "record id")], operations={
        "get": {"operationId": f"history_{t.name}", "summary": f"The history of a {t.label} record",
                "tags": [t.name], "responses": {
                    "200": body({"type": "object", "required": ["history"],
                                 "properties": {"history": {"type": "array", "items": ref("HistoryEntry")}}}),
                    **errors("404")}}})


def access_paths(spec: APISpec, policy: Any = None) -> None:
    components(spec)
    owner = policy is None or policy.can_manage_users()
    configure = policy is None or policy.can_configure()
    tag = ["access"]
    user_in, user_patch = USER_IN, USER_PATCH
    email = param("email", "path", {"type": "string"}, "the user's e-mail")
    if owner:
        spec.path(path=f"{API}/users", operations={
            "get": {"operationId": "list_users", "tags": tag, "responses": {"200": body({
                "type": "object", "required": ["users"],
                "properties": {"users": {"type": "array", "items": ref("User")}}}), **errors("403")}},
            "post": {"operationId": "create_user", "tags": tag, "requestBody": request(user_in),
                     "responses": {"201": body(ref("User"), "Created"), **errors("400", "403", "422")}}})
    spec.path(path=f"{API}/users/{{email}}", parameters=[email], operations={
        "get": {"operationId": "get_user", "tags": tag, "responses": {"200": body(ref("User")), **errors("403", "404")}},
        "patch": {"operationId": "update_user", "tags": tag, "requestBody": request(user_patch),
                  "responses": {"200": body(ref("User")), **errors("400", "403", "404", "409", "422"),
                                "429": body(ref("Error"), "Too many failed password checks: the account or "
                                                          "address is locked for a while")}}})
    role_list = {"type": "object", "required": ["roles"], "properties": {"roles": {"type": "array", "items": ref("Role")}}}
    name = param("name", "path", {"type": "string"}, "the role's API name")
    if owner or configure:
        roles_ops: dict = {"get": {"operationId": "list_roles", "tags": tag,
                                   "responses": {"200": body(role_list), **errors("403")}}}
        one_ops: dict = {"get": {"operationId": "get_role", "tags": tag,
                                 "responses": {"200": body(ref("Role")), **errors("403", "404")}}}
        if owner:
            roles_ops["post"] = {"operationId": "create_role", "tags": tag, "requestBody": request(ref("Role")),
                                 "responses": {"201": body(ref("Role"), "Created"), **errors("400", "403", "409", "422")}}
            one_ops["patch"] = {"operationId": "update_role", "tags": tag, "requestBody": request(ref("Role")),
                                "responses": {"200": body(ref("Role")), **errors("400", "403", "404", "409", "422")}}
            one_ops["delete"] = {"operationId": "delete_role", "tags": tag,
                                 "responses": {"200": body(ref("Role")), **errors("403", "404", "409")}}
        spec.path(path=f"{API}/roles", operations=roles_ops)
        spec.path(path=f"{API}/roles/{{name}}", parameters=[name], operations=one_ops)
    token_in = TOKEN_IN
    spec.path(path=f"{API}/tokens", operations={
        "get": {"operationId": "list_tokens", "tags": tag,
                "parameters": [param("email", "query", {"type": "string"}, "owners: another user's tokens")],
                "responses": {"200": body({"type": "object", "required": ["tokens"], "properties": {
                    "tokens": {"type": "array", "items": ref("Token")}}}), **errors("403", "404")}},
        "post": {"operationId": "create_token", "tags": tag, "requestBody": request(token_in),
                 "responses": {"201": body(ref("Token"), "Created"), **errors("400", "403", "404", "422")}}})
    spec.path(path=f"{API}/tokens/{{id}}", parameters=[param("id", "path", {"type": "integer"})], operations={
        "delete": {"operationId": "revoke_token", "tags": tag, "responses": {"200": body(ref("Token")), **errors("404")}}})
    if owner:
        spec.path(path=f"{API}/audit", operations={"get": {
            "operationId": "audit", "tags": tag, "parameters": [
                param("action", "query", {"type": "string"}, "an action, or a prefix ending in '.' (type.)"),
                param("user", "query", {"type": "string"}), param("kind", "query", {"type": "string"}),
                param("target", "query", {"type": "string"}),
                param("since", "query", {"type": "string"}, "ISO 8601 date or time"),
                param("until", "query", {"type": "string"}, "ISO 8601 date or time"),
                param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 1000}),
                param("cursor", "query", {"type": "string"}, "next_cursor of the previous page")],
            "responses": {"200": body({"type": "object", "required": ["events", "next_cursor"], "properties": {
                "events": {"type": "array", "items": ref("AuditEvent")},
                "next_cursor": {"type": ["string", "null"]}}}), **errors("400", "403")}}})
    if configure:
        form_in = {"type": "object", "additionalProperties": False, "required": ["title", "fields"], "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": 255}, "title_zh": TEXT_OR_NULL,
            "description": TEXT_OR_NULL, "description_zh": TEXT_OR_NULL,
            "fields": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "thank_you": TEXT_OR_NULL, "thank_you_zh": TEXT_OR_NULL,
            "settings": {"anyOf": [SETTINGS_SCHEMA, {"type": "null"}],
                         "description": "help per field, dates, cap, redirect, prefill, link views, users, uploads"}}}
        form_patch = {"type": "object", "additionalProperties": False,
                      "properties": dict(form_in["properties"], enabled={"type": "boolean"})}
        spec.path(path=f"{API}/types/{{type}}/forms", parameters=[param("type", "path", {"type": "string"})],
                  operations={
            "get": {"operationId": "list_forms", "tags": tag, "responses": {"200": body({
                "type": "object", "required": ["forms"],
                "properties": {"forms": {"type": "array", "items": ref("PublicForm")}}}), **errors("403", "404")}},
            "post": {"operationId": "create_form", "tags": tag, "requestBody": request(form_in),
                     "responses": {"201": body(ref("PublicForm"), "Created"), **errors("400", "403", "404", "422")}}})
        spec.path(path=f"{API}/forms/{{id}}", parameters=[param("id", "path", {"type": "integer"})], operations={
            "get": {"operationId": "get_form", "tags": tag, "responses": {"200": body(ref("PublicForm")), **errors("404")}},
            "patch": {"operationId": "update_form", "tags": tag, "requestBody": request(form_patch),
                      "responses": {"200": body(ref("PublicForm")), **errors("400", "404", "422")}},
            "delete": {"operationId": "delete_form", "tags": tag,
                       "responses": {"200": body(ref("PublicForm")), **errors("404")}}})
