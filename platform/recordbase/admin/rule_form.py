"""The rule builder's form in the admin, both ways: a rule's JSON -> the form's fields
(:func:`form_state`) and a posted form -> rule JSON plus form-level problems (:func:`rule_from_form`).

Separate from :mod:`.rules` (the Flask-Admin views) because this is pure translation between
design §9 rule JSON and HTML form fields: no database, no request handling, no routes.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..metamodel.operators import OPERATORS


CONDITION_ROWS = 6
ACTION_EXAMPLES = [
    {"do": "update_record", "values": {"status": "at_risk"}},
    {"do": "create_record", "type": "corrective_action", "link_back": "evaluation",
     "values": {"title": {"formula": "\"Improve \" & {period}"}}},
    {"do": "notify", "user_field": "owner", "message": "Score {total} for {period}", "message_zh": "{period} 得分 {total}"},
    {"do": "webhook", "url": "https://example.com/hook", "secret": "a shared secret (never shown again)"},
]


def _value_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _parse_value(text: str) -> Any:
    text = text.strip()
    if text == "":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def condition_rows(condition: Any) -> tuple[str, list[dict], str]:
    """(match all|any, rows, advanced JSON): rows when the condition is a flat list of conditions."""
    if not condition:
        return "all", [], ""
    leaves, match = None, "all"
    if isinstance(condition, dict) and "field" in condition:
        leaves = [condition]
    elif isinstance(condition, dict) and set(condition) in ({"and"}, {"or"}):
        key = next(iter(condition))
        items = condition[key]
        if isinstance(items, list) and all(isinstance(c, dict) and "field" in c for c in items):
            leaves, match = items, ("all" if key == "and" else "any")
    if leaves is None:
        return "all", [], json.dumps(condition, ensure_ascii=False, indent=2)
    return match, [{"field": c.get("field", ""), "op": c.get("op", ""), "value": _value_text(c.get("value"))}
                   for c in leaves], ""


def form_state(rule: Optional[dict]) -> dict:
    rule = rule or {"enabled": True, "trigger": {"on": "record_updated"}, "actions": []}
    trigger = rule.get("trigger") or {}
    match, rows, advanced = condition_rows(rule.get("condition"))
    return {"name": rule.get("name", ""), "name_zh": rule.get("name_zh") or "", "type": rule.get("type", ""),
            "description": rule.get("description") or "", "enabled": bool(rule.get("enabled", True)),
            "on": trigger.get("on", "record_updated"), "fields": ", ".join(trigger.get("fields") or []),
            "cron": trigger.get("cron", ""), "timezone": trigger.get("timezone", ""),
            "date_field": trigger.get("date_field", ""), "offset_days": trigger.get("offset_days", ""),
            "at": trigger.get("at", ""), "label": trigger.get("label", ""),
            "match": match, "rows": rows, "condition_json": advanced,
            "actions_json": json.dumps(rule.get("actions") or [], ensure_ascii=False, indent=2)}


def rule_from_form(form: MultiDict[str, str]) -> tuple[dict, dict, list[dict]]:
    """The rule JSON a posted builder form describes, the form state to show again, and form-level problems."""
    problems: list[dict] = []
    on = form.get("on", "")
    trigger: dict[str, Any] = {"on": on}
    if on == "record_updated" and form.get("fields", "").strip():
        trigger["fields"] = [f.strip() for f in form["fields"].split(",") if f.strip()]
    if on == "schedule":
        trigger["cron"] = form.get("cron", "").strip()
        if form.get("timezone", "").strip():
            trigger["timezone"] = form["timezone"].strip()
    if on == "date_relative":
        trigger["date_field"] = form.get("date_field", "").strip()
        try:
            trigger["offset_days"] = int(form.get("offset_days", "0") or 0)
        except ValueError:
            problems.append({"path": "$.trigger.offset_days", "message": _("must be a whole number of days")})
        if form.get("at", "").strip():
            trigger["at"] = form["at"].strip()
        if form.get("timezone", "").strip():
            trigger["timezone"] = form["timezone"].strip()
    if on == "button" and form.get("label", "").strip():
        trigger["label"] = form["label"].strip()
    condition: Any = None
    advanced = form.get("condition_json", "").strip()
    rows = []
    for f, op, v in zip(form.getlist("cond_field"), form.getlist("cond_op"), form.getlist("cond_value")):
        rows.append({"field": f, "op": op, "value": v})
    if advanced:
        try:
            condition = json.loads(advanced)
        except ValueError as exc:
            problems.append({"path": "$.condition", "message": _("not valid JSON: %(error)s", error=str(exc))})
    else:
        leaves = []
        for row in rows:
            if not row["field"].strip():
                continue
            leaf = {"field": row["field"].strip(), "op": row["op"]}
            arity = OPERATORS[row["op"]].arity if row["op"] in OPERATORS else ("none" if row["op"] == "changed" else "value")
            if arity != "none":
                leaf["value"] = _parse_value(row["value"])
            leaves.append(leaf)
        if len(leaves) == 1:
            condition = leaves[0]
        elif leaves:
            condition = {"and" if form.get("match", "all") == "all" else "or": leaves}
    actions: Any = []
    try:
        actions = json.loads(form.get("actions_json", "[]") or "[]")
    except ValueError as exc:
        problems.append({"path": "$.actions", "message": _("not valid JSON: %(error)s", error=str(exc))})
    rule = {"name": form.get("name", "").strip(), "type": form.get("type", ""), "enabled": form.get("enabled") == "on",
            "trigger": trigger, "condition": condition, "actions": actions}
    if form.get("name_zh", "").strip():
        rule["name_zh"] = form["name_zh"].strip()
    if form.get("description", "").strip():
        rule["description"] = form["description"].strip()
    state = form_state(rule)
    state.update(rows=[r for r in rows if r["field"].strip()], condition_json=advanced,
                 actions_json=form.get("actions_json", "[]"), offset_days=form.get("offset_days", ""))
    return rule, state, problems
