"""What a pack defined and what the instance has now, as comparable JSON and fingerprints.

Every object a pack creates is remembered in ``rb_pack_item`` with two SHA-256 fingerprints:
of the pack's definition (``*_pack_def``) and of the object as the pack left it (``*_state``).
Comparing them on the next install tells "the pack changed it" from "the user changed it"
(see the table in :mod:`.installer`). Derived keys (a formula's result type, what it reads) and
a select field's choice list (fingerprinted choice by choice) are left out of a field's options.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Optional

from ..metamodel.fieldtypes.choices import normalize_choices
from ..models import FieldModel, RecordTypeModel

#: options a computed field's save derives (never part of what a pack or a user defines)
DERIVED_OPTIONS = ("result_type", "depends_on", "volatile")


def fingerprint(value: Any) -> str:
    """SHA-256 of canonical JSON (sorted keys): equal definitions give equal fingerprints."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


#: keys compared only since a later platform version, and only when set: a pack installed before
#: stored fingerprints without them, which must still read as "unchanged since the install"
LATER_KEYS = ("help_text_zh", "description_zh")


def state_matches(state: dict, stored_hash: Optional[str]) -> bool:
    """``state`` is what was remembered as ``stored_hash`` (in today's shape, or in the shape before
    :data:`LATER_KEYS` were compared)."""
    if fingerprint(state) == stored_hash:
        return True
    older = {k: v for k, v in state.items() if k not in LATER_KEYS}
    return len(older) < len(state) and fingerprint(older) == stored_hash


def version_key(v: str) -> tuple[int, ...]:
    """'1.10.0' -> (1, 10, 0), for comparing pack versions (a non-numeric version sorts first)."""
    try:
        return tuple(int(p) for p in str(v).split("."))
    except ValueError:
        return (0,)


def is_select(type_name: str) -> bool:
    return type_name in ("single_select", "multi_select")


def _opts(options: Optional[dict], select_field: bool) -> dict:
    out = {k: v for k, v in (options or {}).items() if k not in DERIVED_OPTIONS}
    if select_field:
        out.pop("choices", None)
    return out


def field_pack_def(data: dict) -> dict:
    """A pack field as compared across installs."""
    return {"label": data["label"], "label_zh": data.get("label_zh"), "type": data["type"],
            "required": bool(data.get("required")), "unique": bool(data.get("unique")),
            "indexed": bool(data.get("indexed")), "default": data.get("default"), "help_text": data.get("help_text"),
            "section": data.get("section"), "show_in_list": bool(data.get("show_in_list", True)),
            "conditions": data.get("conditions") or None,
            "options": _opts(data.get("options"), is_select(data["type"])),
            **({"help_text_zh": data["help_text_zh"]} if data.get("help_text_zh") else {})}


def field_state(fm: FieldModel) -> dict:
    """A field of the instance, in the shape of :func:`field_pack_def`."""
    return {"label": fm.label, "label_zh": fm.label_zh, "type": fm.field_type, "required": bool(fm.required),
            "unique": bool(fm.unique), "indexed": bool(fm.indexed), "default": fm.default, "help_text": fm.help_text,
            "section": fm.section, "show_in_list": bool(fm.show_in_list), "conditions": fm.conditions or None,
            "options": _opts(fm.options, is_select(fm.field_type)),
            **({"help_text_zh": fm.help_text_zh} if fm.help_text_zh else {})}


def type_pack_def(t: dict, app_label: Optional[str]) -> dict:
    """A pack record type (without its fields) as compared across installs."""
    out = {"label": t["label"], "label_zh": t.get("label_zh"), "description": t.get("description"),
           "app": app_label, "primary_field": t.get("primary_field")}
    if t.get("title_format"):  # (only when set: the fingerprints of types without one stay as they were)
        out["title_format"] = t["title_format"]
    if t.get("clear_hidden_values"):  # (likewise)
        out["clear_hidden_values"] = True
    if t.get("description_zh"):  # (the same)
        out["description_zh"] = t["description_zh"]
    return out


def type_state(tm: RecordTypeModel) -> dict:
    """A record type of the instance, in the shape of :func:`type_pack_def`."""
    out = {"label": tm.label, "label_zh": tm.label_zh, "description": tm.description, "app": tm.app,
           "primary_field": tm.primary_field}
    if tm.title_format:
        out["title_format"] = tm.title_format
    if tm.clear_hidden_values:
        out["clear_hidden_values"] = True
    if tm.description_zh:
        out["description_zh"] = tm.description_zh
    return out


def choice_def(c: Any) -> dict:
    """One choice (a bare value or an object) in its normal form."""
    return normalize_choices({"choices": [c]})[0]


def rule_state(rule: Any) -> dict:
    """A rule of the instance as its JSON, without ids and timestamps."""
    from ..automation.rules import rule_json

    out = rule_json(rule, with_secrets=True)  # a hash, never shown: a secret set here is a change
    for k in ("id", "created_at", "updated_at"):
        out.pop(k, None)
    return out
