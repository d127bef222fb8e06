"""What the condition builder offers for a record type, as JSON for its script: each field with the
operators its type accepts (worded in the page's language by :mod:`recordbase.metamodel.operators`'
phrases) and the input its values need (choices, a date, a user, a linked record, a number, text).
A linked record is found by typing (the record forms' link picker: its URL per link field, any number
of targets); :func:`link_titles` names the records already chosen.

The same catalogue serves every place a condition is built (a field's show / required / read-only
when, an automation rule's condition) and the live evaluation of conditions in record forms.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from flask import has_request_context
from sqlalchemy import select

from ...metamodel.fieldtypes import FieldDef
from ...metamodel.fieldtypes.display import choice_label
from ...metamodel.operators import OPERATORS
from ...metamodel.runtime import TypeDef, is_many_link
from ...models import User
from ...storage.titles import RecordTitles
from ..records.forms import picker_url

#: how a value of each field type is typed in (computed fields: by their result type)
_INPUTS = {"number": "number", "decimal": "number", "currency": "number", "percent": "number", "rating": "number",
           "duration": "number", "autonumber": "text", "date": "date", "datetime": "datetime",
           "created_at": "datetime", "updated_at": "datetime", "boolean": "boolean", "single_select": "choice",
           "multi_select": "choice", "user": "user", "created_by": "user", "updated_by": "user", "link": "link",
           "attachment": "none"}
_RESULT_INPUTS = {"number": "number", "text": "text", "boolean": "boolean", "date": "date", "datetime": "datetime"}
#: the automation's change operators (automation/conditions.py), in words: (English, Chinese, arity)
CHANGE_WORDS = {"changed": ("changed", "发生变化", "none"), "changed_to": ("changed to", "变为", "value"),
                "changed_from": ("changed from", "原为", "value")}
USER_CHOICES = 500


def _input(f: FieldDef) -> str:
    if f.derived_choices or (f.ftype.computed and f.options.get("choices")):
        return "choice"
    if f.ftype.computed:
        return _RESULT_INPUTS.get(f.options.get("result_type", "text"), "text")
    return _INPUTS.get(f.field_type, "text")


def _choices(f: FieldDef, lang: str) -> list[list[str]]:
    if f.field_type in ("single_select", "multi_select"):
        return [[c["value"], choice_label(c, lang)] for c in f.ftype.choices_of(f)]
    source = f.derived_choices or f.options.get("choices") or ()
    out = []
    for c in source:
        c = {"value": c, "label": c} if isinstance(c, str) else c
        out.append([c["value"], choice_label(c, lang)])
    return out


def operator_words(lang: str) -> dict[str, dict[str, str]]:
    zh = lang.startswith("zh")
    return {name: {"label": o.phrase_zh if zh else o.phrase, "arity": o.arity} for name, o in OPERATORS.items()}


def condition_catalog(typedef: TypeDef, lang: str, store: Any = None, exclude: Optional[str] = None,
                      extra_ops: tuple[str, ...] = ()) -> dict:
    """The builder's catalogue for ``typedef`` as its reader sees it (pass the policy's view of the type).

    ``store`` (a record store with the reader's policy) lets link fields offer records by title and
    user fields offer the users; without it those values are typed as numbers / e-mails."""
    fields = []
    users = None
    for f in typedef.fields:
        if f.name == exclude:
            continue
        ops = [op for op in f.ftype.operators_for(f) if op in OPERATORS]
        if not ops:
            continue
        entry: dict[str, Any] = {"name": f.name, "label": f.display_label(lang), "type": f.field_type,
                                 "input": _input(f), "ops": ops + list(extra_ops), "computed": f.ftype.read_only}
        if entry["input"] == "choice":
            entry["choices"] = _choices(f, lang)
            entry["many"] = f.field_type == "multi_select"
        elif entry["input"] == "user" and store is not None:
            if users is None:
                users = [[u.email, u.display_name or u.email] for u in store.session.execute(
                    select(User.email, User.display_name).where(User.is_active.is_(True)).order_by(User.email).limit(USER_CHOICES))]
            entry["choices"] = users
        elif entry["input"] == "link":
            entry["many"] = is_many_link(f)
            entry["target"] = f.options.get("target")
            if has_request_context():  # (a page's builder: its picker's search URL)
                entry["picker"] = picker_url(typedef, f)
        fields.append(entry)
    ops = operator_words(lang)
    zh = lang.startswith("zh")
    for op in extra_ops:
        words = CHANGE_WORDS.get(op, (op, op, "value"))
        ops[op] = {"label": words[1] if zh else words[0], "arity": words[2]}
    return {"fields": fields, "ops": ops, "lang": "zh" if zh else "en"}


def link_titles(store: Any, typedef: Optional[TypeDef], trees: Iterable[Any] = (),
                values: Iterable[tuple[Optional[TypeDef], Any]] = ()) -> dict[str, dict[str, str]]:
    """``{target type: {id: title}}`` of the linked records the builders show already chosen: the link
    leaves of condition ``trees`` over ``typedef``, and the link fields of ``values`` (``(type, {field:
    value})`` pairs: an action's values). Titles as the reader sees them (``#id`` when none)."""
    wanted: dict[str, set[int]] = {}

    def add(t: Optional[TypeDef], name: Any, value: Any) -> None:
        f = t.field(name) if t is not None and isinstance(name, str) else None
        if f is None or f.field_type != "link":
            return
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, int) and not isinstance(v, bool):
                wanted.setdefault(f.options.get("target", ""), set()).add(v)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "field" in node:
                add(typedef, node["field"], node.get("value"))
            for key in ("and", "or"):
                for child in node.get(key) or ():
                    walk(child)
            walk(node.get("not"))

    for tree in trees:
        walk(tree)
    for t, given in values:
        for name, value in (given or {}).items() if isinstance(given, dict) else ():
            add(t, name, value)
    if store is None or not wanted:
        return {}
    titles = RecordTitles.for_store(store)
    out = {}
    for target, ids in wanted.items():
        found = titles.of(target, ids) if target in store.schema.types else {}
        out[target] = {str(i): found.get(i, f"#{i}") for i in sorted(ids)}
    return out
