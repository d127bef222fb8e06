"""The form layout document of a record type: its JSON schema, its checks against the types, and
the parsed :class:`FormLayout` the forms and details pages read.

A document::

    {"sections": [{"key": "basics", "label": "Basics", "label_zh": "基本信息", "columns": 2,
                   "help": "...", "help_zh": "..."}],
     "related": [{"type": "evaluation_item", "field": "evaluation",
                  "columns": ["kpi", "score"], "inline": true}]}

A field names its section by key (``FieldDef.section``); a key without a definition is shown as
written (the layouts made before section definitions existed). ``related`` chooses, per backlink
(a link field of another type pointing at this one), the columns of its table on the details page
and whether its rows are entered and edited in place (master-detail types); backlinks not listed
get the source type's first list columns.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import jsonschema

from ..errors import ValidationError
from ..metamodel.schema_messages import plain_error

_NAME = {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,62}$"}
_TEXT = {"type": ["string", "null"], "maxLength": 2000}

#: the JSON schema of a layout document (also used by the pack schema's ``form_layouts`` entries)
LAYOUT_SCHEMA: dict = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "sections": {"type": "array", "maxItems": 50, "items": {
            "type": "object", "required": ["key", "label"], "additionalProperties": False,
            "properties": {
                "key": {"type": "string", "minLength": 1, "maxLength": 255},
                "label": {"type": "string", "minLength": 1, "maxLength": 255},
                "label_zh": {"type": ["string", "null"], "maxLength": 255},
                "help": _TEXT, "help_zh": _TEXT,
                "columns": {"enum": [1, 2]},
            }}},
        "related": {"type": "array", "maxItems": 50, "items": {
            "type": "object", "required": ["type", "field"], "additionalProperties": False,
            "properties": {
                "type": _NAME, "field": _NAME,
                "columns": {"type": "array", "maxItems": 8, "uniqueItems": True, "items": _NAME},
                "inline": {"type": "boolean"},
            }}},
    },
}
_VALIDATOR = jsonschema.Draft202012Validator(LAYOUT_SCHEMA)

#: how many columns a related table shows when the layout chooses none
DEFAULT_RELATED_COLUMNS = 4


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    label_zh: Optional[str] = None
    help: Optional[str] = None
    help_zh: Optional[str] = None
    columns: int = 1

    def title(self, lang: str) -> str:
        return (self.label_zh if lang.startswith("zh") and self.label_zh else None) or self.label

    def help_text(self, lang: str) -> Optional[str]:
        return (self.help_zh if lang.startswith("zh") and self.help_zh else None) or self.help


@dataclass(frozen=True)
class Related:
    type: str
    field: str
    columns: tuple[str, ...] = ()
    inline: bool = False


@dataclass(frozen=True)
class FormLayout:
    sections: tuple[Section, ...] = ()
    related: tuple[Related, ...] = ()

    def section(self, key: str) -> Section:
        """The definition of ``key``; a key without one is its own one-column title."""
        for s in self.sections:
            if s.key == key:
                return s
        return Section(key=key, label=key)

    def related_for(self, type_name: str, field: str) -> Optional[Related]:
        return next((r for r in self.related if r.type == type_name and r.field == field), None)


def parse(document: Optional[dict]) -> FormLayout:
    """A stored (already checked) document as a :class:`FormLayout`."""
    doc = document or {}
    return FormLayout(
        sections=tuple(Section(key=s["key"], label=s["label"], label_zh=s.get("label_zh"), help=s.get("help"),
                               help_zh=s.get("help_zh"), columns=int(s.get("columns") or 1))
                       for s in doc.get("sections") or ()),
        related=tuple(Related(type=r["type"], field=r["field"], columns=tuple(r.get("columns") or ()),
                              inline=bool(r.get("inline"))) for r in doc.get("related") or ()))


def layout_of(typedef: Any) -> FormLayout:
    """The type's layout (kept on the snapshot: a layout change makes a new schema version)."""
    return typedef.memo("form_layout", lambda t: parse(getattr(t, "form_layout", None)))


def check(document: Any, type_name: str, schema: Any) -> dict:
    """``document`` checked against the schema and the record types; the canonical document, or a
    ValidationError naming every problem (by path: ``sections[0].columns``)."""
    problems: dict[str, list[str]] = {}
    for err in sorted(_VALIDATOR.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path]):
        where, message = plain_error(err, "")
        problems.setdefault(where.lstrip(".") or "layout", []).append(message)
    if problems:
        raise ValidationError("The form layout is not valid", problems)
    keys = [s["key"] for s in document.get("sections") or ()]
    for i, key in enumerate(keys):
        if key in keys[:i]:
            problems.setdefault(f"sections[{i}].key", []).append(f"the section '{key}' is defined twice")
    seen: set = set()
    for i, r in enumerate(document.get("related") or ()):
        src = schema.types.get(r["type"])
        link = src.field(r["field"]) if src is not None else None
        if link is None or link.field_type != "link" or link.options.get("target") != type_name:
            problems.setdefault(f"related[{i}]", []).append(
                f"'{r['type']}.{r['field']}' is no link field pointing at '{type_name}'")
            continue
        if (r["type"], r["field"]) in seen:
            problems.setdefault(f"related[{i}]", []).append(f"'{r['type']}.{r['field']}' is listed twice")
        seen.add((r["type"], r["field"]))
        for name in r.get("columns") or ():
            if src.field(name) is None:
                problems.setdefault(f"related[{i}].columns", []).append(f"'{r['type']}' has no field '{name}'")
    if problems:
        raise ValidationError("The form layout is not valid", problems)
    out: dict = {}
    if document.get("sections"):
        out["sections"] = [{k: v for k, v in s.items() if v not in (None, "")} for s in document["sections"]]
    if document.get("related"):
        out["related"] = [dict(r) for r in document["related"]]
    return out
