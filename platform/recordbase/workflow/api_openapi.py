"""The OpenAPI part of :mod:`.api`: transitions and approvals per record type, workflow documents,
"My approvals" and delegations."""
from __future__ import annotations

from typing import Any, Iterable

from apispec import APISpec

from ..api.openapi_parts import API, DATE_TIME_OR_NULL, TEXT_OR_NULL, body, errors, param, ref, request
from .engine import MAX_COMMENT


def components(spec: APISpec) -> None:
    spec.components.schema("Workflow", {
        "type": "object", "required": ["type", "state_field", "initial", "transitions"],
        "description": "A record type's workflow: states are the choices of a single select; transitions (from, to, "
                       "allowed approvers, a filter-language condition, required fields, a required comment); a "
                       "state's approval levels (approvers as roles, users or user fields; policy any, all or n_of_m; "
                       "condition; due_days and on_overdue). A bad one is a 422 listing every problem with its path.",
        "properties": {"type": {"type": "string"}, "state_field": {"type": "string"}, "initial": {"type": "string"},
                       "name": {"type": "string"}, "name_zh": {"type": "string"},
                       "roles": {"type": "array", "items": {"type": "object"}},
                       "states": {"type": "array", "items": {"type": "object"}},
                       "transitions": {"type": "array", "items": {"type": "object"}}}})
    spec.components.schema("TransitionOption", {
        "type": "object", "required": ["name", "label", "to", "required_fields", "comment_required"],
        "properties": {"name": {"type": "string", "description": "a transition, or approve / reject"},
                       "label": {"type": "string"}, "to": TEXT_OR_NULL,
                       "required_fields": {"type": "array", "items": {"type": "string"}},
                       "comment_required": {"type": "boolean"}, "level": {"type": "integer"}}})
    spec.components.schema("WorkflowDecision", {
        "type": "object", "required": ["kind", "at"],
        "properties": {"kind": {"type": "string", "enum": ["transition", "approve", "reject", "approved", "rejected",
                                                          "escalate", "overdue"]},
                       "action": TEXT_OR_NULL, "from": TEXT_OR_NULL, "to": TEXT_OR_NULL,
                       "level": {"type": ["integer", "null"]}, "user": TEXT_OR_NULL, "on_behalf_of": TEXT_OR_NULL,
                       "comment": TEXT_OR_NULL, "at": DATE_TIME_OR_NULL}})
    spec.components.schema("Delegation", {
        "type": "object", "required": ["id", "user", "substitute", "starts_on", "ends_on"],
        "properties": {"id": {"type": "integer"}, "user": {"type": "string"}, "substitute": {"type": "string"},
                       "starts_on": {"type": "string", "format": "date"}, "ends_on": {"type": "string", "format": "date"}}})


def workflow_paths(spec: APISpec, types: Iterable[Any]) -> None:
    components(spec)
    tag = ["workflows"]
    rid = param("record_id", "path", {"type": "integer", "minimum": 1})
    for t in types:
        base = f"{API}/records/{t.name}/{{record_id}}"
        spec.path(path=f"{base}/transitions", parameters=[rid], operations={"get": {
            "operationId": f"{t.name}_transitions", "tags": [t.name], "summary": "What the caller may do now",
            "responses": {"200": body({"type": "object", "required": ["state", "version", "transitions"], "properties": {
                "state": {"type": "object"}, "version": {"type": "integer"},
                "transitions": {"type": "array", "items": ref("TransitionOption")}}}), **errors("404")}}})
        spec.path(path=f"{base}/transitions/{{name}}", parameters=[rid, param("name", "path", {"type": "string"})],
                  operations={"post": {
                      "operationId": f"{t.name}_take_transition", "tags": [t.name],
                      "summary": "Take a transition (approve / reject: decide the step waiting for the caller)",
                      "requestBody": request({"type": "object", "additionalProperties": False, "properties": {
                          "comment": {"type": ["string", "null"], "maxLength": MAX_COMMENT},
                          "fields": {"type": ["object", "null"], "description": "fields written with the transition"},
                          "version": {"type": ["integer", "null"], "minimum": 1}}}),
                      "responses": {"200": body({"type": "object", "required": ["record", "state"], "properties": {
                          "record": ref(f"{t.name}_record"), "state": {"type": "object"}}}),
                          **errors("400", "403", "404", "409", "422")}}})
        spec.path(path=f"{base}/approvals", parameters=[rid], operations={"get": {
            "operationId": f"{t.name}_approval_timeline", "tags": [t.name], "summary": "The approval timeline",
            "responses": {"200": body({"type": "object", "required": ["approvals"], "properties": {
                "approvals": {"type": "array", "items": ref("WorkflowDecision")}}}), **errors("404")}}})
    type_name = param("type_name", "path", {"type": "string"})
    spec.path(path=f"{API}/workflows", operations={"get": {
        "operationId": "list_workflows", "tags": tag, "responses": {"200": body({"type": "object", "properties": {
            "workflows": {"type": "array", "items": ref("Workflow")}}}), **errors()}}})
    spec.path(path=f"{API}/workflows/{{type_name}}", parameters=[type_name], operations={
        "get": {"operationId": "get_workflow", "tags": tag, "responses": {"200": body(ref("Workflow")), **errors("403", "404")}},
        "put": {"operationId": "put_workflow", "tags": tag, "summary": "Create or replace (configure on the type)",
                "requestBody": request(ref("Workflow")),
                "responses": {"200": body(ref("Workflow")), **errors("400", "403", "404", "422")}},
        "delete": {"operationId": "delete_workflow", "tags": tag, "responses": {"200": body({"type": "object"}),
                                                                                  **errors("403", "404")}}})
    spec.path(path=f"{API}/approvals", operations={"get": {
        "operationId": "my_approvals", "tags": tag, "summary": "What waits for the caller (also as a substitute)",
        "parameters": [param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50})],
        "responses": {"200": body({"type": "object", "required": ["count", "approvals"], "properties": {
            "count": {"type": "integer"}, "approvals": {"type": "array", "items": {"type": "object"}}}}),
            **errors("400")}}})
    spec.path(path=f"{API}/delegations", operations={
        "get": {"operationId": "list_delegations", "tags": tag, "responses": {"200": body({"type": "object", "properties": {
            "delegations": {"type": "array", "items": ref("Delegation")}}}), **errors()}},
        "post": {"operationId": "create_delegation", "tags": tag, "summary": "Name a substitute for a date range",
                 "requestBody": request({"type": "object", "required": ["substitute", "starts_on", "ends_on"],
                                         "additionalProperties": False, "properties": {
                                             "substitute": {"type": "string"},
                                             "starts_on": {"type": "string", "format": "date"},
                                             "ends_on": {"type": "string", "format": "date"}}}),
                 "responses": {"201": body(ref("Delegation"), "Created"), **errors("400", "403", "422")}}})
    spec.path(path=f"{API}/delegations/{{delegation_id}}",
              parameters=[param("delegation_id", "path", {"type": "integer"})], operations={"delete": {
                  "operationId": "delete_delegation", "tags": tag,
                  "responses": {"200": body({"type": "object"}), **errors("404")}}})
