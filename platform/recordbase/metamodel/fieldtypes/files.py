"""The attachment field type. Files live under the instance folder; cells keep their descriptions."""
from __future__ import annotations

import fnmatch
import json
from typing import Any

from sqlalchemy import Text

from ...i18n import translate as _
from .base import FieldDef, FieldType, FormContext, ValueContext, register

DEFAULT_MAX_MB = 20


def allowed(field: FieldDef, filename: str, content_type: str) -> bool:
    """True when the file's extension or MIME type matches options.allowed_types (default: all)."""
    patterns = field.options.get("allowed_types")
    if not patterns:
        return True
    lower = filename.lower()
    for p in patterns:
        p = p.lower()
        if p.startswith(".") and lower.endswith(p):
            return True
        if "/" in p and fnmatch.fnmatch((content_type or "").lower(), p):
            return True
    return False


def max_bytes(field: FieldDef) -> int:
    return int(float(field.options.get("max_size_mb", DEFAULT_MAX_MB)) * 1024 * 1024)


@register
class AttachmentType(FieldType):
    name, label, label_zh = "attachment", "Attachment", "附件"
    options_schema = {"type": "object", "additionalProperties": False,
                      "properties": {"max_size_mb": {"type": "number", "exclusiveMinimum": 0, "maximum": 1024},
                                     "max_files": {"type": "integer", "minimum": 1, "maximum": 100},
                                     "allowed_types": {"type": "array", "items": {
                                         "type": "string", "pattern": r"^(\.[A-Za-z0-9]{1,10}|[a-z]+/[a-z0-9.+*-]+)$"}}}}
    operators = ("is_empty", "is_not_empty")
    sortable = False
    value_schema = {"type": "array", "items": {"type": "object", "properties": {
        "key": {"type": "string"}, "name": {"type": "string"}, "size": {"type": "integer"},
        "content_type": {"type": "string"}, "url": {"type": "string"}}}}

    def column_type(self, field: FieldDef):
        return Text()

    def clean(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        if value is None or value == [] or value == "":
            return []
        items = value if isinstance(value, list) else [value]
        out = []
        for item in items:
            key = item.get("key") if isinstance(item, dict) else item
            info = ctx.attachment_info(key, field) if isinstance(key, str) else None
            if info is None:
                raise ValueError(_("unknown attachment '%(key)s' (upload the file first)", key=key))
            if info["size"] > max_bytes(field):
                raise ValueError(_("'%(name)s' is larger than %(size)s MB", name=info["name"],
                                   size=field.options.get("max_size_mb", DEFAULT_MAX_MB)))
            if not allowed(field, info["name"], info["content_type"]):
                raise ValueError(_("'%(name)s' is not an allowed file type", name=info["name"]))
            if all(o["key"] != key for o in out):
                out.append(info)
        limit = field.options.get("max_files")
        if limit and len(out) > limit:
            raise ValueError(_("at most %(limit)s files", limit=limit))
        return out

    def to_db(self, value: Any, field: FieldDef) -> Any:
        return json.dumps(value, ensure_ascii=False) if value else None

    def from_db(self, value: Any, field: FieldDef) -> Any:
        return json.loads(value) if value else []

    def to_json(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        return [dict(v, url=f"/api/v1/attachments/{v['key']}") for v in value or []]

    def format(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        return ", ".join(v["name"] for v in value or [])

    def sql_condition(self, op: str, column: Any, value: Any, field: FieldDef) -> Any:
        return column.is_(None) if op == "is_empty" else column.isnot(None)

    def py_condition(self, op: str, stored: Any, value: Any, field: FieldDef) -> Any:
        return (not stored) if op == "is_empty" else bool(stored)

    def filter_value(self, op: str, raw: Any, field: FieldDef, ctx: ValueContext) -> Any:
        return None

    def form_field(self, field: FieldDef, ctx: FormContext):
        from wtforms import MultipleFileField

        kw = ctx.kwargs(field)
        kw["validators"] = []
        return MultipleFileField(**kw)
