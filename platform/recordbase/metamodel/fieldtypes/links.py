"""Reference field types: link (to another record type, one or many) and user."""
from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import Integer, exists, not_, or_, select

from ...i18n import translate as _
from ..ids import as_id
from .base import FieldDef, FieldType, FormContext, ValueContext, register


class JunctionRef(NamedTuple):
    """What a many-link filter compiles against: the junction table and the record id column."""

    junction: Any
    record_id: Any


def _as_id(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(_("must be a record id"))
    rid = as_id(value)
    if rid is not None:
        return rid
    if isinstance(value, dict) and "id" in value:
        return _as_id(value["id"])
    raise ValueError(_("'%(value)s' is not a record id", value=value))


@register
class LinkType(FieldType):
    name, label, label_zh = "link", "Link to record", "关联记录"
    options_schema = {
        "type": "object", "additionalProperties": False, "required": ["target"],
        "properties": {"target": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
                       "many": {"type": "boolean"},
                       "on_delete": {"type": "string", "enum": ["restrict", "unlink"]}},
    }
    operators = ("eq", "neq", "in", "not_in", "contains", "not_contains", "is_empty", "is_not_empty")

    def check_options(self, options: dict, lookup_type) -> list[str]:
        if lookup_type is not None and lookup_type(options["target"]) is None:
            return [f"options.target: no record type named '{options['target']}'"]
        return []

    @staticmethod
    def is_many(field: FieldDef) -> bool:
        return bool(field.options.get("many"))

    def column_type(self, field: FieldDef):
        return Integer()

    def clean(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        if self.is_many(field):
            if value is None or value == "" or value == []:
                return []
            items = value if isinstance(value, (list, tuple)) else [value]
            ids: list[int] = []
            for item in items:
                i = _as_id(item)
                if i in ids and isinstance(value, (list, tuple)):  # uniqueItems, as documented
                    raise ValueError(_("lists '%(value)s' more than once", value=i))
                ids.append(i)
        else:
            if self.is_blank(value):
                return None
            ids = [_as_id(value)]
        missing = ctx.missing_links(field, ids)
        if missing:
            target = field.options.get("target")
            raise ValueError(_("no %(type)s record with id %(ids)s", type=target,
                                   ids=", ".join(str(m) for m in sorted(missing))))
        return ids if self.is_many(field) else ids[0]

    def filter_value(self, op: str, raw: Any, field: FieldDef, ctx: ValueContext) -> Any:
        if op in ("in", "not_in"):
            return [_as_id(v) for v in (raw if isinstance(raw, list) else [raw])]
        return _as_id(raw)

    def json_schema(self, field: FieldDef) -> dict:
        if self.is_many(field):
            return {"type": "array", "items": {"type": "integer"}, "uniqueItems": True}
        return {"type": ["integer", "null"]}

    def format(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        if value is None or value == []:
            return ""
        return ", ".join(f"#{v}" for v in value) if isinstance(value, list) else f"#{value}"

    def sql_condition(self, op: str, column: Any, value: Any, field: FieldDef) -> Any:
        if not isinstance(column, JunctionRef):
            if op == "contains":
                return column == value
            if op == "not_contains":
                return or_(column.is_(None), column != value)
            return None
        j, rid = column

        def linked(cond=None):
            q = select(j.c.source_id).where(j.c.source_id == rid)
            if cond is not None:
                q = q.where(cond)
            return exists(q)

        if op in ("contains", "eq"):
            return linked(j.c.target_id == value)
        if op in ("not_contains", "neq"):
            return not_(linked(j.c.target_id == value))
        if op == "in":
            return linked(j.c.target_id.in_(value))
        if op == "not_in":
            return not_(linked(j.c.target_id.in_(value)))
        if op == "is_empty":
            return not_(linked())
        if op == "is_not_empty":
            return linked()
        return None

    def py_condition(self, op: str, stored: Any, value: Any, field: FieldDef) -> Any:
        if self.is_many(field):
            items = set(stored or [])
            return {
                "contains": lambda: value in items, "eq": lambda: value in items,
                "not_contains": lambda: value not in items, "neq": lambda: value not in items,
                "in": lambda: bool(items & set(value)), "not_in": lambda: not (items & set(value)),
                "is_empty": lambda: not items, "is_not_empty": lambda: bool(items),
            }[op]()
        if op == "contains":
            return stored == value
        if op == "not_contains":
            return stored != value
        return NotImplemented

    def form_field(self, field: FieldDef, ctx: FormContext):
        from wtforms import SelectField, SelectMultipleField

        kw = ctx.kwargs(field)
        choices = ctx.link_choices(field)
        if self.is_many(field):
            return SelectMultipleField(choices=choices, coerce=str, **kw)
        return SelectField(choices=[("", "")] + choices, **kw)

    def form_data(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        if value is None:
            return None
        return [str(v) for v in value] if isinstance(value, list) else str(value)


@register
class UserType(FieldType):
    """A platform user; written as the user's e-mail (or id), read back as the e-mail."""

    name, label, label_zh = "user", "User", "成员"
    value_schema = {"type": ["string", "null"], "format": "email"}

    def column_type(self, field: FieldDef):
        return Integer()

    def clean_value(self, value: Any, field: FieldDef, ctx: ValueContext) -> int:
        if isinstance(value, str) and value.strip() == "@me" and ctx.current_user_id:
            return ctx.current_user_id
        uid = ctx.resolve_user(value.strip() if isinstance(value, str) else value)
        if uid is None:
            raise ValueError(_("no user '%(user)s'", user=value))
        return uid

    def to_json(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        return None if value is None else ctx.user_email(value)

    def format(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        return "" if value is None else (ctx.user_email(value) or f"#{value}")

    def filter_value(self, op: str, raw: Any, field: FieldDef, ctx: ValueContext) -> Any:
        if op in ("in", "not_in"):
            return [self.clean_value(v, field, ctx) for v in (raw if isinstance(raw, list) else [raw])]
        return self.clean_value(raw, field, ctx)

    def form_field(self, field: FieldDef, ctx: FormContext):
        from wtforms import SelectField

        return SelectField(choices=[("", "")] + ctx.user_choices(), **ctx.kwargs(field))

    def form_data(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        return None if value is None else str(value)
