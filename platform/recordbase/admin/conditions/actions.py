"""What the automation builder offers as actions: every registered action (``automation.actions.ACTIONS``)
with the inputs its JSON schema asks for, worded in the page's language.

Built generically: an action's inputs are the properties of its branch of the rule schema (or its
class's own ``schema``, when it declares one), so an action registered later (a workflow's
``transition``) appears in the builder without a change here. Read-only properties (``has_secret``)
are not inputs; write-only ones (``secret``) are typed, never shown.
"""
from __future__ import annotations

from typing import Any

from ...automation.actions import ACTIONS
from ...automation.schema import RULE_SCHEMA

#: actions and inputs in words (English, Chinese); an action or input not named here shows its code
ACTION_WORDS = {
    "update_record": ("Update this record", "更新本记录"),
    "create_record": ("Create a record", "新建记录"),
    "update_linked": ("Update linked records", "更新关联记录"),
    "notify": ("Notify users", "通知用户"),
    "webhook": ("Call a webhook", "调用 Webhook"),
    "assign": ("Assign to a user", "分配给用户"),
    "transition": ("Start a transition", "执行流转"),
}
INPUT_WORDS = {
    "values": ("Field values", "字段值"), "type": ("Record type", "记录类型"),
    "link_back": ("Link back to this record through", "通过此字段关联回本记录"),
    "link": ("Link field", "关联字段"), "users": ("Users (e-mails)", "用户（邮箱）"),
    "user_field": ("Or the user in field", "或字段中的用户"), "message": ("Message", "消息"),
    "message_zh": ("Chinese message", "中文消息"), "email": ("Also by e-mail", "同时发送邮件"),
    "subject": ("E-mail subject", "邮件主题"), "subject_zh": ("Chinese e-mail subject", "中文邮件主题"),
    "url": ("URL", "URL"), "secret": ("Secret (never shown again)", "密钥（保存后不再显示）"),
    "timeout": ("Timeout (seconds)", "超时（秒）"), "max_attempts": ("Attempts at most", "最多尝试次数"),
    "field": ("User field", "用户字段"), "user": ("User", "用户"), "notify": ("Notify them", "通知该用户"),
    "transition": ("Transition", "流转"), "comment": ("Comment", "备注"),
}
#: inputs that name a field of the rule's type (the builder offers the type's fields)
FIELD_INPUTS = {"link", "link_back", "user_field", "field"}


def _branches() -> dict[str, dict]:
    """Each action's branch of the rule schema: ``do`` -> its ``then`` (properties, required)."""
    items = RULE_SCHEMA["properties"]["actions"]["items"]
    out = {}
    for branch in items.get("allOf", []):
        const = branch.get("if", {}).get("properties", {}).get("do", {}).get("const")
        if const:
            out[const] = branch.get("then", {})
    return out


def _words(table: dict, key: str, zh: bool) -> str:
    pair = table.get(key)
    return (pair[1] if zh else pair[0]) if pair else key


def action_catalog(lang: str) -> dict:
    """``{do: {"label", "inputs": [{"name", "label", "kind", "required", "choices"?}]}}`` in registry order."""
    zh = lang.startswith("zh")
    branches = _branches()
    out: dict[str, Any] = {}
    for name, cls in ACTIONS.items():
        schema = getattr(cls, "schema", None) or branches.get(name) or {}
        required = set(schema.get("required") or ())
        inputs = []
        for prop, spec in (schema.get("properties") or {}).items():
            if prop == "do" or spec.get("readOnly"):
                continue
            kinds = spec.get("type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if prop == "values":
                kind = "values"
            elif prop == "type":
                kind = "type"
            elif prop in FIELD_INPUTS:
                kind = "field"
            elif prop == "transition":
                kind = "transition"  # a select of the workflow's transitions (the page's ``types`` catalogue)
            elif spec.get("writeOnly"):
                kind = "secret"
            elif "boolean" in kinds:
                kind = "boolean"
            elif "integer" in kinds or "number" in kinds:
                kind = "number"
            elif "array" in kinds:
                kind = "list"
            elif "enum" in spec:
                kind = "choice"
            else:
                kind = "long_text" if prop.startswith("message") else "text"
            entry = {"name": prop, "label": _words(INPUT_WORDS, prop, zh), "kind": kind, "required": prop in required}
            if kind == "choice":
                entry["choices"] = [[v, str(v)] for v in spec["enum"]]
            inputs.append(entry)
        out[name] = {"label": _words(ACTION_WORDS, name, zh), "inputs": inputs}
    return out
