"""The view form of the admin (no JSON): name in both languages, shared or personal, the kind, the
kind's options (built from the kind's ``option_fields``: a select of the type's fields it may name)
and, hidden, the filter, sort and columns of the list page it was saved from."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, validators

from ...metamodel.runtime import TypeDef
from ...views.kinds import KINDS
from ..forms import AdminForm


def view_form_class(typedef: TypeDef, lang: str) -> type:
    """A form class for views of ``typedef``: every kind's option fields, named ``<kind>__<option>``."""
    zh = lang.startswith("zh")

    class ViewForm(AdminForm):
        name = StringField(_l("Name"), validators=[validators.InputRequired(), validators.Length(max=255)])
        name_zh = StringField(_l("Chinese name"), validators=[validators.Optional(), validators.Length(max=255)])
        kind = SelectField(_l("Kind"), choices=[(k, v.display_label(lang)) for k, v in KINDS.items()], default="grid")
        shared = BooleanField(_l("Shared with everyone who may read these records"))
        filter = HiddenField()
        sort = HiddenField()
        columns = HiddenField()

    for kind in KINDS.values():
        for option, arity, types, en, zh_label in kind.option_fields:
            fields = [f for f in typedef.fields if types is None or f.field_type in types]
            if option == "group_by" and kind.name == "grid":
                fields = [f for f in fields if not (f.field_type == "link" and (f.options or {}).get("many"))]
            choices = [(f.name, f.display_label(lang)) for f in fields]
            label = zh_label if zh else en
            if arity == "one":
                field = SelectField(label, choices=[("", "—")] + choices, default="",
                                    validators=[validators.Optional()])
            else:
                field = SelectMultipleField(label, choices=choices, validators=[validators.Optional()])
            setattr(ViewForm, f"{kind.name}__{option}", field)
    return ViewForm


def options_of(form: Any, kind_name: str) -> dict:
    """The chosen kind's options from the form (empty choices left out)."""
    out = {}
    for option, arity, _types, _en, _zh in KINDS[kind_name].option_fields:
        value = getattr(form, f"{kind_name}__{option}").data
        if value:
            out[option] = list(value) if arity == "many" else value
    return out


def option_field_names(kind_name: str) -> list[str]:
    return [f"{kind_name}__{o[0]}" for o in KINDS[kind_name].option_fields]
