"""The OpenAPI part of :mod:`.rules`: automation rules, their runs, and the notification inbox.

A rule's JSON is the rule JSON Schema of :mod:`recordbase.automation.schema` itself (design §9),
so the document and the rule validator never disagree. Rules and runs are shown to callers who
configure some record type, their changes and retries only through a token that may write (as the
endpoints allow); anyone may see how to run a button rule.
"""
from __future__ import annotations

from copy import deepcopy
from typing import Any

from apispec import APISpec

from .openapi_parts import API, DATE_TIME_OR_NULL, TEXT_OR_NULL, body, errors, param, ref, request

RUN_STATUS = {"type": "string", "enum": ["pending", "succeeded", "failed"]}
#: a step is also "running" while a worker holds its claim (delivering a webhook or an e-mail)
STEP_STATUS = {"type": "string", "enum": ["pending", "running", "succeeded", "failed"]}


def components(spec: APISpec) -> None:
    from ..automation.schema import RULE_SCHEMA

    rule = deepcopy(RULE_SCHEMA)
    rule.pop("$schema", None)
    rule["properties"]["id"] = {"type": "integer", "readOnly": True}
    rule["properties"]["created_at"] = {**DATE_TIME_OR_NULL, "readOnly": True}
    rule["properties"]["updated_at"] = {**DATE_TIME_OR_NULL, "readOnly": True}
    spec.components.schema("Rule", rule)
    rule_in = deepcopy(rule)
    rule_in.pop("required")
    rule_in["title"] = "Recordbase automation rule (the attributes to set)"
    spec.components.schema("RuleInput", rule_in)
    step = {"type": "object", "required": ["id", "position", "action", "kind", "status"], "properties": {
        "id": {"type": "integer"}, "position": {"type": "integer"}, "action": {"type": "string"},
        "kind": {"type": "string"}, "status": STEP_STATUS, "result": {}, "error": TEXT_OR_NULL,
        "attempts": {"type": ["integer", "null"]}, "next_attempt_at": DATE_TIME_OR_NULL,
        "finished_at": DATE_TIME_OR_NULL, "payload": {"type": "object", "description": "webhooks and e-mails"},
        "idempotency_key": TEXT_OR_NULL}}
    spec.components.schema("RuleRun", {
        "type": "object", "required": ["id", "rule_id", "status", "trigger", "type", "record_id", "started_at"],
        "properties": {"id": {"type": ["integer", "null"]}, "rule_id": {"type": ["integer", "null"]},
                       "status": RUN_STATUS, "trigger": {"type": "string"}, "type": TEXT_OR_NULL,
                       "record_id": {"type": ["integer", "null"]}, "started_at": DATE_TIME_OR_NULL,
                       "finished_at": DATE_TIME_OR_NULL, "duration_ms": {"type": ["integer", "null"]},
                       "error": TEXT_OR_NULL, "chain": {}, "depth": {"type": ["integer", "null"]},
                       "dry_run": {"type": "boolean"}, "steps": {"type": "array", "items": step}}})
    spec.components.schema("Notification", {
        "type": "object", "required": ["id", "message", "read"],
        "properties": {"id": {"type": "integer"}, "message": {"type": "string"}, "message_zh": TEXT_OR_NULL,
                       "rule_id": {"type": ["integer", "null"]}, "run_id": {"type": ["integer", "null"]},
                       "type": TEXT_OR_NULL, "record_id": {"type": ["integer", "null"]},
                       "created_at": DATE_TIME_OR_NULL, "read": {"type": "boolean"}, "read_at": DATE_TIME_OR_NULL}})


def _configures(policy: Any) -> tuple[bool, bool]:
    """(sees rules, may change them): configure on some type, through the token or as if not read-only."""
    if policy is None:
        return True, True
    from ..automation.visibility import AutomationAccess
    from ..context import record_store

    access = AutomationAccess(policy, record_store())
    types = access.visible_types()
    sees = types is None or bool(types)
    return sees, sees and not policy.read_only


def rules_paths(spec: APISpec, policy: Any = None) -> None:
    components(spec)
    tag = ["automation"]
    sees, edit = _configures(policy)
    if not sees:  # rules and runs are not this caller's matter: only running a button rule, and the inbox
        _run_path(spec, tag)
        notification_paths(spec)
        return
    rule, rule_in, run = ref("Rule"), ref("RuleInput"), ref("RuleRun")
    rule_id = param("rule_id", "path", {"type": "integer"})
    runs = body({"type": "object", "required": ["runs"], "properties": {"runs": {"type": "array", "items": run}}})
    run_filters = [param("status", "query", RUN_STATUS), param("record_id", "query", {"type": "integer"}),
                   param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50})]
    listing: dict = {"get": {"operationId": "list_rules", "tags": tag, "responses": {"200": body({
        "type": "object", "required": ["rules"], "properties": {"rules": {"type": "array", "items": rule}}}),
        **errors("403")}}}
    one: dict = {"get": {"operationId": "get_rule", "tags": tag,
                         "responses": {"200": body(rule), **errors("403", "404")}}}
    if edit:
        listing["post"] = {"operationId": "create_rule", "tags": tag,
                           "description": "A bad rule is a 422 whose details give every problem with its JSON path.",
                           "requestBody": request(ref("Rule")),
                           "responses": {"201": body(rule, "Created"), **errors("400", "403", "422")}}
        one["patch"] = {"operationId": "update_rule", "tags": tag,
                        "description": "trigger, condition and actions are replaced whole",
                        "requestBody": request(rule_in),
                        "responses": {"200": body(rule), **errors("400", "403", "404", "422")}}
        one["delete"] = {"operationId": "delete_rule", "tags": tag, "responses": {"200": body({
            "type": "object", "required": ["id", "deleted"],
            "properties": {"id": {"type": "integer"}, "deleted": {"const": True}}}), **errors("403", "404")}}
    spec.path(path=f"{API}/rules", operations=listing)
    spec.path(path=f"{API}/rules/{{rule_id}}", parameters=[rule_id], operations=one)
    spec.path(path=f"{API}/rules/{{rule_id}}/runs", parameters=[rule_id], operations={"get": {
        "operationId": "rule_runs", "tags": tag, "summary": "The rule's runs, newest first",
        "parameters": run_filters, "responses": {"200": runs, **errors("400", "403", "404", "422")}}})
    _run_path(spec, tag)
    spec.path(path=f"{API}/runs", operations={"get": {
        "operationId": "list_runs", "tags": tag, "summary": "Runs of every rule, newest first",
        "parameters": run_filters + [param("type", "query", {"type": "string"}),
                                     param("rule_id", "query", {"type": "integer"})],
        "responses": {"200": runs, **errors("400", "403", "422")}}})  # 422: a status that is not one of RUN_STATUS
    run_id = param("run_id", "path", {"type": "integer"})
    spec.path(path=f"{API}/runs/{{run_id}}", parameters=[run_id], operations={"get": {
        "operationId": "get_run", "tags": tag, "responses": {"200": body(run), **errors("403", "404")}}})
    if edit:
        spec.path(path=f"{API}/runs/{{run_id}}/retry", parameters=[run_id], operations={"post": {
            "operationId": "retry_run", "tags": tag, "summary": "Re-queue the run's failed webhooks and e-mails",
            "responses": {"200": body(run), **errors("403", "404", "409")}}})
    notification_paths(spec)


def _run_path(spec: APISpec, tag: list) -> None:
    rule_id = param("rule_id", "path", {"type": "integer"})
    run = ref("RuleRun")
    spec.path(path=f"{API}/rules/{{rule_id}}/run", parameters=[rule_id], operations={"post": {
        "operationId": "run_rule", "tags": tag, "summary": "Run the rule on one record now",
        "requestBody": request({"type": "object", "required": ["record_id"], "additionalProperties": False,
                                "properties": {"record_id": {"type": "integer", "minimum": 1},
                                               "dry_run": {"type": "boolean", "default": False}}}),
        "responses": {"201": body(run, "The run"),
                      "200": body({"type": "object", "required": ["dry_run", "condition_matched", "run"],
                                   "properties": {"dry_run": {"const": True}, "condition_matched": {"type": "boolean"},
                                                  "run": {"oneOf": [run, {"type": "null"}]}}},
                                  "A dry run: what each action would do, undone"),
                      **errors("400", "403", "404", "409", "422")}}})


def notification_paths(spec: APISpec) -> None:
    from .rules import MARK_READ_SCHEMA

    tag = ["notifications"]
    note = ref("Notification")
    unread = {"type": "integer", "description": "the caller's unread notifications"}
    spec.path(path=f"{API}/notifications", operations={"get": {
        "operationId": "list_notifications", "tags": tag, "summary": "The caller's inbox, newest first",
        "parameters": [param("unread", "query", {"type": "boolean"}),
                       param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50})],
        "responses": {"200": body({"type": "object", "required": ["notifications", "unread"], "properties": {
            "notifications": {"type": "array", "items": note}, "unread": unread}}), **errors("400")}}})
    nid = param("notification_id", "path", {"type": "integer"})
    spec.path(path=f"{API}/notifications/{{notification_id}}", parameters=[nid], operations={"patch": {
        "operationId": "update_notification", "tags": tag,
        "requestBody": request({"type": "object", "required": ["read"], "additionalProperties": False,
                                "properties": {"read": {"type": "boolean"}}}),
        "responses": {"200": body(note), **errors("400", "404", "422")}}})
    spec.path(path=f"{API}/notifications/{{notification_id}}/read", parameters=[nid], operations={"post": {
        "operationId": "read_notification", "tags": tag,
        "responses": {"200": body({"allOf": [note], "required": ["unread"], "properties": {"unread": unread}}),
                      **errors("404")}}})
    spec.path(path=f"{API}/notifications/read", operations={"post": {
        "operationId": "read_notifications", "tags": tag, "summary": "Mark these (or, without a body, all) read",
        "requestBody": {"required": False, "content": {"application/json": {"schema": deepcopy(MARK_READ_SCHEMA)}}},
        "responses": {"200": body({"type": "object", "required": ["marked", "unread"], "properties": {
            "marked": {"type": "integer"}, "unread": unread}}), **errors("400", "422")}}})
