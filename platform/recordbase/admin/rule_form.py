"""The rule builder's form in the admin, both ways: a rule's JSON -> the form's fields
(:func:`form_state`) and a posted form -> rule JSON plus form-level problems (:func:`rule_from_form`).

Separate from :mod:`.rules` (the Flask-Admin views) because this is pure translation between
design §9 rule JSON and HTML form fields: no database, no request handling, no routes.
"""
from __future__ import annotations

import json
import re
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


_CRON = re.compile(r"^(\d{1,2}) (\d{1,2}) (\*|\d{1,2}) \* (\*|\d)$")


def schedule_parts(cron: str) -> dict:
    """A cron line as the builder's schedule: daily / weekly / monthly at a time, else "cron" (for experts)."""
    m = _CRON.match((cron or "").strip())
    out = {"every": "cron" if cron else "daily", "time": "09:00", "weekday": "1", "monthday": "1"}
    if m:
        minute, hour, day, weekday = m.groups()
        if int(minute) < 60 and int(hour) < 24 and (day == "*" or weekday == "*") and \
                (day == "*" or 1 <= int(day) <= 28) and (weekday == "*" or int(weekday) <= 6):
            out["time"] = f"{int(hour):02d}:{int(minute):02d}"
            out["every"] = "daily" if day == "*" and weekday == "*" else ("weekly" if day == "*" else "monthly")
            out["weekday"] = weekday if weekday != "*" else "1"
            out["monthday"] = day if day != "*" else "1"
    return out


def schedule_cron(form: MultiDict) -> str:
    """The cron line of the builder's schedule inputs (``schedule_every`` cron: the expert's own line)."""
    every = form.get("schedule_every", "cron")
    if every not in ("daily", "weekly", "monthly"):
        return form.get("cron", "").strip()
    hour, _sep, minute = (form.get("schedule_time", "") or "09:00").partition(":")
    hour, minute = (hour if hour.isdigit() else "9"), (minute if minute.isdigit() else "0")
    day = form.get("schedule_monthday", "1") if every == "monthly" else "*"
    weekday = form.get("schedule_weekday", "1") if every == "weekly" else "*"
    return f"{int(minute)} {int(hour)} {day} * {weekday}"


def form_state(rule: Optional[dict]) -> dict:
    rule = rule or {"enabled": True, "trigger": {"on": "record_updated"}, "actions": []}
    trigger = rule.get("trigger") or {}
    match, rows, advanced = condition_rows(rule.get("condition"))
    schedule = schedule_parts(trigger.get("cron", "")) if trigger.get("on") == "schedule" else schedule_parts("")
    offset = trigger.get("offset_days", "")
    document = {k: v for k, v in rule.items() if k not in ("id", "created_at", "updated_at", "created_by")}
    return {"document": json.dumps(document, ensure_ascii=False, indent=2),
            "condition_tree": json.dumps(rule["condition"], ensure_ascii=False) if rule.get("condition") else "",
            "field_list": list(trigger.get("fields") or []),
            "schedule_every": schedule["every"], "schedule_time": schedule["time"],
            "schedule_weekday": schedule["weekday"], "schedule_monthday": schedule["monthday"],
            "offset_abs": abs(offset) if isinstance(offset, int) else offset,
            "offset_side": "before" if isinstance(offset, int) and offset < 0 else "after","name": rule.get("name", ""), "name_zh": rule.get("name_zh") or "", "type": rule.get("type", ""),
            "description": rule.get("description") or "", "enabled": bool(rule.get("enabled", True)),
            "on": trigger.get("on", "record_updated"), "fields": ", ".join(trigger.get("fields") or []),
            "cron": trigger.get("cron", ""), "timezone": trigger.get("timezone", ""),
            "date_field": trigger.get("date_field", ""), "offset_days": trigger.get("offset_days", ""),
            "at": trigger.get("at", ""), "label": trigger.get("label", ""), "label_zh": trigger.get("label_zh") or "",
            "match": match, "rows": rows, "condition_json": advanced,
            "actions_json": json.dumps(rule.get("actions") or [], ensure_ascii=False, indent=2)}


def rule_from_form(form: MultiDict[str, str]) -> tuple[dict, dict, list[dict]]:
    """The rule JSON a posted builder form describes, the form state to show again, and form-level problems."""
    problems: list[dict] = []
    on = form.get("on", "")
    trigger: dict[str, Any] = {"on": on}
    if on == "record_updated":
        names = [f.strip() for text in form.getlist("fields") for f in text.split(",") if f.strip()]
        if names:
            trigger["fields"] = list(dict.fromkeys(names))
    if on == "schedule":
        trigger["cron"] = schedule_cron(form)
        if form.get("timezone", "").strip():
            trigger["timezone"] = form["timezone"].strip()
    if on == "date_relative":
        trigger["date_field"] = form.get("date_field", "").strip()
        try:
            trigger["offset_days"] = int(form.get("offset_days", "0") or 0)
            if form.get("offset_side") in ("before", "after"):
                trigger["offset_days"] = abs(trigger["offset_days"]) * (-1 if form["offset_side"] == "before" else 1)
        except ValueError:
            problems.append({"path": "$.trigger.offset_days", "message": _("must be a whole number of days")})
        if form.get("at", "").strip():
            trigger["at"] = form["at"].strip()
        if form.get("timezone", "").strip():
            trigger["timezone"] = form["timezone"].strip()
    if on == "button" and form.get("label", "").strip():
        trigger["label"] = form["label"].strip()
    if on == "button" and form.get("label_zh", "").strip():
        trigger["label_zh"] = form["label_zh"].strip()
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
    if advanced:
        state["condition_tree"] = advanced
    return rule, state, problems


def rule_from_document(text: str) -> tuple[dict, dict, list[dict]]:
    """The rule of the builder's JSON tab (design §9's document as is), the form state, the problems."""
    try:
        rule = json.loads(text or "")
    except ValueError as exc:
        state = form_state(None)
        state["document"] = text
        return {}, state, [{"path": "$", "message": _("not valid JSON: %(error)s", error=str(exc))}]
    if not isinstance(rule, dict):
        state = form_state(None)
        state["document"] = text
        return {}, state, [{"path": "$", "message": _("a rule must be a JSON object")}]
    state = form_state(rule)
    state["document"] = text
    return rule, state, []
