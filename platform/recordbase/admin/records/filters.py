"""Flask-Admin list filters made from the filter language (one per field and operator).

A filter's URL value is read as the operator needs it (a list is written
comma-separated, a number of days as a whole number, operators without a
value ignore it) and compiled by :func:`compile_filter`, so the admin filters
exactly as the API and the automation rules do.
"""
from __future__ import annotations

from typing import Any, Optional

from flask_admin.model.filters import BaseFilter

from ...errors import FilterError
from ...metamodel.fieldtypes import FieldDef
from ...metamodel.filters import SYSTEM_PSEUDO_FIELDS, compile_filter
from ...metamodel.fieldtypes.choices import ChoiceLike
from ...metamodel.operators import OPERATORS
from ...metamodel.runtime import TypeDef
from .present import request_store

DATE_TYPES = {"date": "datepicker", "datetime": "datetimepicker", "created_at": "datetimepicker",
              "updated_at": "datetimepicker"}


def js_safe(text: str) -> str:
    """Filter names reach jQuery's ``.append()`` in Flask-Admin's filter script, which parses
    HTML: show '<', '>' and '&' as their full-width forms there so a label can never become markup."""
    return text.replace("<", "＜").replace(">", "＞").replace("&", "＆")


class LanguageFilter(BaseFilter):
    """One operator on one field, applied through the filter language."""

    def __init__(self, typedef: TypeDef, field: FieldDef, op: str, name: str, lang: str,
                 options: Optional[list] = None, data_type: Optional[str] = None):
        super().__init__(name, options=options, data_type=data_type)
        self.typedef = typedef
        self.field = field
        self.op = op
        o = OPERATORS[op]
        self._operation = o.phrase_zh if lang.startswith("zh") else o.phrase

    def operation(self) -> str:
        return self._operation

    def clean(self, value: Any) -> Any:
        arity = OPERATORS[self.op].arity
        text = "" if value is None else str(value).strip()
        if arity == "none":
            return None
        if arity == "days":
            return int(text)
        if arity == "list":
            items = [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]
            return [int(i) for i in items] if self.field.name == "id" else items
        if self.field.name == "id":
            return int(text)
        return text

    def tree(self, value: Any) -> dict:
        node = {"field": self.field.name, "op": self.op}
        if OPERATORS[self.op].arity != "none":
            node["value"] = value
        return node

    def validate(self, value: Any) -> bool:
        try:
            compile_filter(self.tree(self.clean(value)), self.typedef, request_store().ctx)
        except (ValueError, FilterError):
            return False
        return True

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        compiled = compile_filter(self.tree(value), self.typedef, request_store().ctx)
        return query.filter(compiled.sql())


def build_filters(typedef: TypeDef, lang: str) -> list[LanguageFilter]:
    """Filters for every field (and the created/updated times), one per operator its type supports."""
    fields = list(typedef.fields) + [SYSTEM_PSEUDO_FIELDS["created_at"], SYSTEM_PSEUDO_FIELDS["updated_at"]]
    labels = [f.display_label(lang) for f in fields]
    out: list[LanguageFilter] = []
    for f, label in zip(fields, labels):
        if labels.count(label) > 1:
            label = f"{label} ({f.name})"
        name = js_safe(label)
        ft = f.ftype
        for op in ft.operators:
            arity = OPERATORS[op].arity
            options = None
            data_type = None
            if isinstance(ft, ChoiceLike) and arity == "value":
                options = ft.form_choices(f, lang)
            elif arity == "list":
                data_type = "select2-tags"
            elif arity == "value":
                data_type = DATE_TYPES.get(f.field_type)
            out.append(LanguageFilter(typedef, f, op, name, lang, options=options, data_type=data_type))
    return out
