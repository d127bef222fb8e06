"""The view-kind registry: one class per kind (like the field types), each with its options' JSON
schema, the checks of the options against a record type, and its admin page's endpoint.

- ``grid``: the records list; ``{"group_by": <select, user or link field>}`` (optional).
- ``board``: columns per value of ``group_by`` (a single select or a user field), cards showing
  ``card_fields``.
- ``calendar``: records placed on ``date_field`` (a date or datetime), or from ``start_field`` to
  ``end_field``; ``mode`` ``month`` or ``week``.
- ``gallery``: cards with ``cover_field`` (an attachment field) as the picture, and ``card_fields``.
"""
from __future__ import annotations

from typing import Any, Optional

from jsonschema import Draft202012Validator

from ..metamodel.runtime import TypeDef

_NAME = {"type": "string", "minLength": 1, "maxLength": 63}
_CARD_FIELDS = {"type": "array", "maxItems": 12, "items": _NAME, "description": "fields shown on each card"}
#: a many-link cannot be a group's one value
_GROUPABLE_GRID = ("single_select", "user", "link")


def _path(parts: Any) -> str:
    return "$.options" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


class ViewKind:
    """What one kind of view is. Subclasses set the class attributes and :meth:`check_fields`."""

    name: str = ""
    label: str = ""
    label_zh: str = ""
    #: the admin endpoint of its page (``<endpoint>.index_view`` with ``type_name`` and ``view``)
    endpoint: str = ""
    options_schema: dict = {"type": "object"}
    #: the options' form (``admin/views/forms.py`` builds it): (option, "one" or "many", the field types
    #: it may name (None: any), English label, Chinese label)
    option_fields: tuple = ()

    def __init__(self) -> None:
        self._validator = Draft202012Validator(self.options_schema)

    def display_label(self, lang: str) -> str:
        return self.label_zh if lang.startswith("zh") else self.label

    def check(self, options: Any, typedef: TypeDef) -> list[tuple[str, str]]:
        """Problems as (JSON path from the view's root, message): the schema first, then the fields."""
        options = {} if options is None else options
        errors = sorted(self._validator.iter_errors(options), key=lambda e: list(map(str, e.absolute_path)))
        if errors:
            return [(_path(e.absolute_path), e.message) for e in errors]
        return self.check_fields(options, typedef)

    def check_fields(self, options: dict, typedef: TypeDef) -> list[tuple[str, str]]:
        return []

    # -- helpers for the subclasses ------------------------------------------------------------------
    @staticmethod
    def _field_of(typedef: TypeDef, options: dict, key: str, types: tuple, what: str,
                  single_link: bool = False) -> list[tuple[str, str]]:
        name = options.get(key)
        if name is None:
            return []
        f = typedef.field(name)
        if f is None:
            return [(_path([key]), f"record type '{typedef.name}' has no field '{name}'")]
        if f.field_type not in types or (single_link and f.field_type == "link" and (f.options or {}).get("many")):
            return [(_path([key]), f"field '{name}' is a {f.field_type} field: {what}")]
        return []

    @staticmethod
    def _fields_exist(typedef: TypeDef, options: dict, key: str = "card_fields") -> list[tuple[str, str]]:
        return [(_path([key, i]), f"record type '{typedef.name}' has no field '{n}'")
                for i, n in enumerate(options.get(key) or []) if typedef.field(n) is None]

    def names(self, options: Optional[dict]) -> set[str]:
        """Every field the options name (a view naming a field hidden from a reader does not exist for them)."""
        options = options or {}
        out = {v for k, v in options.items() if k.endswith(("_field", "group_by")) and isinstance(v, str)}
        for v in options.values():
            if isinstance(v, list):
                out.update(x for x in v if isinstance(x, str))
        return out


class GridKind(ViewKind):
    name, label, label_zh, endpoint = "grid", "Grid", "表格", "records"
    option_fields = (("group_by", "one", _GROUPABLE_GRID, "Group by", "分组依据"),)
    options_schema = {"type": "object", "additionalProperties": False,
                      "properties": {"group_by": {**_NAME, "description": "a single select, user or single link field"}}}

    def check_fields(self, options: dict, typedef: TypeDef) -> list[tuple[str, str]]:
        return self._field_of(typedef, options, "group_by", _GROUPABLE_GRID,
                              "a list groups by a single select, a user or a single link", single_link=True)


class BoardKind(ViewKind):
    name, label, label_zh, endpoint = "board", "Board", "看板", "board"
    option_fields = (("group_by", "one", ("single_select", "user"), "Columns by", "分列依据"),
                     ("card_fields", "many", None, "Fields on cards", "卡片字段"))
    options_schema = {"type": "object", "additionalProperties": False, "required": ["group_by"],
                      "properties": {"group_by": {**_NAME, "description": "a single select or user field"},
                                     "card_fields": _CARD_FIELDS}}

    def check_fields(self, options: dict, typedef: TypeDef) -> list[tuple[str, str]]:
        return (self._field_of(typedef, options, "group_by", ("single_select", "user"),
                               "a board groups by a single select or a user field")
                + self._fields_exist(typedef, options))


class CalendarKind(ViewKind):
    name, label, label_zh, endpoint = "calendar", "Calendar", "日历", "calendar"
    option_fields = (("date_field", "one", ("date", "datetime"), "Date", "日期"),
                     ("start_field", "one", ("date", "datetime"), "Or from", "或开始于"),
                     ("end_field", "one", ("date", "datetime"), "to", "结束于"))
    options_schema = {"type": "object", "additionalProperties": False,
                      "oneOf": [{"required": ["date_field"], "not": {"anyOf": [{"required": ["start_field"]},
                                                                               {"required": ["end_field"]}]}},
                                {"required": ["start_field", "end_field"], "not": {"required": ["date_field"]}}],
                      "properties": {"date_field": {**_NAME, "description": "a date or datetime field"},
                                     "start_field": _NAME, "end_field": _NAME,
                                     "mode": {"enum": ["month", "week"]}, "card_fields": _CARD_FIELDS}}

    def check(self, options: Any, typedef: TypeDef) -> list[tuple[str, str]]:
        if isinstance(options, dict) and not ({"date_field", "start_field", "end_field"} & set(options)):
            return [("$.options", "a calendar needs a date_field, or a start_field and an end_field")]
        return super().check(options, typedef)

    def check_fields(self, options: dict, typedef: TypeDef) -> list[tuple[str, str]]:
        out = []
        for key in ("date_field", "start_field", "end_field"):
            out += self._field_of(typedef, options, key, ("date", "datetime"), "a calendar needs a date or datetime")
        start, end = typedef.field(options.get("start_field") or ""), typedef.field(options.get("end_field") or "")
        if not out and start is not None and end is not None and start.field_type != end.field_type:
            out.append(("$.options.end_field", "the start and end fields must both be dates or both datetimes"))
        return out + self._fields_exist(typedef, options)

    @staticmethod
    def start(options: dict) -> str:
        return options.get("date_field") or options["start_field"]


class GalleryKind(ViewKind):
    name, label, label_zh, endpoint = "gallery", "Gallery", "画廊", "gallery"
    option_fields = (("cover_field", "one", ("attachment",), "Cover picture", "封面图片"),
                     ("card_fields", "many", None, "Fields on cards", "卡片字段"))
    options_schema = {"type": "object", "additionalProperties": False, "required": ["cover_field"],
                      "properties": {"cover_field": {**_NAME, "description": "an attachment field"},
                                     "card_fields": _CARD_FIELDS}}

    def check_fields(self, options: dict, typedef: TypeDef) -> list[tuple[str, str]]:
        return (self._field_of(typedef, options, "cover_field", ("attachment",), "a gallery's cover is an attachment")
                + self._fields_exist(typedef, options))


KINDS: dict[str, ViewKind] = {k.name: k for k in (GridKind(), BoardKind(), CalendarKind(), GalleryKind())}


def get_kind(name: Optional[str]) -> ViewKind:
    return KINDS.get(name or "grid") or KINDS["grid"]


def options_schema() -> dict:
    """The ``options`` of any kind, as the OpenAPI document shows them."""
    return {"type": ["object", "null"], "description": "the kind's options: "
            + "; ".join(f"{k}: {', '.join(v.options_schema['properties'])}" for k, v in KINDS.items())}
