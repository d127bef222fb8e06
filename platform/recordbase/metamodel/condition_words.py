"""A filter tree in words, in English or Chinese: "Status = Closed and Score < 60", "状态 等于 已关闭 且 得分 小于 60".

Used wherever a condition is shown to people rather than to a program: a field required by a
condition ("required when ..."), the condition builder's summary, rule lists. Operators are worded
by their phrases in :mod:`.operators`; values by their field (a choice by its label in the
language, a checkbox as yes/no, dates in ISO form, users by e-mail, linked records as ``#id``).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from .fieldtypes import FieldDef
from .fieldtypes.display import choice_label
from .filters import resolve_field
from .operators import DATE_WINDOW_OPERATORS, OPERATORS
from .runtime import TypeDef

_JOIN = {"and": (" and ", " 且 "), "or": (" or ", " 或 ")}


def describe(tree: Any, typedef: Optional[TypeDef], lang: str = "en") -> str:
    """``tree`` (a filter tree over ``typedef``, as stored) in words in ``lang`` (fields by their API
    names and values as stored when ``typedef`` is None: the API's documentation).

    A tree that no longer fits the type (a field since trashed) is still worded: an unknown field
    by its API name, an unknown operator by its code. Never raises on a well-shaped tree."""
    zh = lang.startswith("zh")
    return _words(tree, typedef, zh, top=True)


def _words(node: Any, typedef: TypeDef, zh: bool, top: bool = False) -> str:
    if not isinstance(node, dict):
        return str(node)
    for kind in ("and", "or"):
        if kind in node and isinstance(node[kind], list):
            parts = [_words(c, typedef, zh) for c in node[kind]]
            text = _JOIN[kind][1 if zh else 0].join(parts)
            return text if top or len(parts) < 2 else f"({text})"
    if "not" in node:
        return ("非 " if zh else "not ") + f"({_words(node['not'], typedef, zh, top=True)})"
    name, op = node.get("field", ""), node.get("op", "")
    f = resolve_field(typedef, name) if isinstance(name, str) and typedef is not None else None
    label = f.display_label("zh" if zh else "en") if f is not None else str(name)
    o = OPERATORS.get(op)
    if o is None:
        return f"{label} {op}"
    phrase = o.phrase_zh if zh else o.phrase
    value = node.get("value")
    if op in DATE_WINDOW_OPERATORS:
        return f"{label} {phrase.replace('N', str(value))}"
    if o.arity == "none":
        return f"{label} {phrase}"
    if isinstance(value, list):
        shown = ("、" if zh else ", ").join(value_words(v, f, zh) for v in value)
    else:
        shown = value_words(value, f, zh)
    return f"{label} {phrase} {shown}"


def value_words(value: Any, field: Optional[FieldDef], zh: bool) -> str:
    """One condition value as people read it."""
    if isinstance(value, bool):
        return ("是" if value else "否") if zh else ("yes" if value else "no")
    if field is not None and field.field_type in ("single_select", "multi_select") and isinstance(value, str):
        return field.ftype.label_of(value, field, "zh" if zh else "en")
    if field is not None and field.derived_choices and isinstance(value, str):  # a lookup of a select
        for choice in field.derived_choices:
            if isinstance(choice, dict) and choice.get("value") == value:
                return choice_label(choice, "zh" if zh else "en")
    if field is not None and field.field_type == "link" and isinstance(value, int):
        return f"#{value}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (date, datetime)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if value is None:
        return "—"
    return str(value)
