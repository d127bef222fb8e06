"""Forms of the metamodel pages: record types and fields (with the options inputs of the chosen type)."""
from __future__ import annotations

import json
import re
from typing import Any, Optional

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField, validators

from ...metamodel.fieldtypes import FieldType, field_types
from ...metamodel.fieldtypes.base import API_NAME_PATTERN
from ...metamodel.payloads import RESERVED_NAMES
from ...metamodel.runtime import TypeDef
from ..forms import AdminForm
from .options import option_inputs

TEXT_DEFAULT_TYPES = {"text", "long_text", "email", "url", "phone", "single_select", "duration"}


def _optional(max_length: int = 255) -> list:
    return [validators.Optional(), validators.Length(max=max_length)]


def _api_name(_form: Any, field: Any) -> None:
    """The API name rules of the metamodel, judged with the other inputs (not after them, on save)."""
    name = (field.data or "").strip()
    if not re.match(API_NAME_PATTERN, name):
        raise validators.ValidationError(_("Use lowercase letters, digits and _, starting with a letter."))
    if name in RESERVED_NAMES:
        raise validators.ValidationError(_("“%(name)s” is a reserved name.", name=name))


_API_NAME = [validators.InputRequired(), validators.Length(max=63), _api_name]


class TypeForm(AdminForm):
    name = StringField(_l("API name"), validators=_API_NAME,
                       description=_l("Lowercase letters, digits and _; used in the API and URLs. It cannot change later."))
    label = StringField(_l("Label"), validators=[validators.InputRequired(), validators.Length(max=255)])
    label_zh = StringField(_l("Chinese label"), validators=_optional())
    app = StringField(_l("Group (menu)"), validators=_optional(),
                      description=_l("Types with the same group are listed together in the menu."))
    description = TextAreaField(_l("Description"), validators=_optional(5000))
    description_zh = TextAreaField(_l("Chinese description"), validators=_optional(5000),
                                   description=_l("Shown instead of the description on Chinese pages."))
    primary_field = SelectField(_l("Primary field"), choices=[("", "")], validators=[validators.Optional()],
                                description=_l("Shown as the title of each record."))
    title_format = StringField(_l("Title format"), validators=_optional(),
                               description=_l("Optional: the title made of several fields, their API names in "
                                              "braces, e.g. {kpi} · {score}. It replaces the primary field."))
    clear_hidden_values = BooleanField(_l("Clear values that conditions hide"),
                                       description=_l("When a change hides a field (its “show when” condition no "
                                                      "longer holds), its value is cleared, and the history shows it. "
                                                      "Otherwise hidden values are kept."))


def type_form(typedef: Optional[TypeDef], lang: str, formdata: Any = None, data: Optional[dict] = None) -> TypeForm:
    """The type form; editing (``typedef`` given) drops the API name and offers the fields as primary field."""
    form = TypeForm(formdata, **(data or {}))
    if typedef is None:
        del form["primary_field"]
        del form["title_format"]
        del form["clear_hidden_values"]
    else:
        del form["name"]
        form.primary_field.choices = [("", "")] + [
            (f.name, f.display_label(lang)) for f in typedef.fields
            if not f.ftype.read_only or f.field_type == "autonumber"]
    return form


def type_payload(form: TypeForm) -> dict:
    out: dict[str, Any] = {}
    for key in ("name", "label", "label_zh", "app", "description", "description_zh", "primary_field", "title_format"):
        if key in form:
            value = (form[key].data or "").strip()
            out[key] = value or (None if key != "label" else "")
    if "clear_hidden_values" in form:
        out["clear_hidden_values"] = bool(form.clear_hidden_values.data)
    return out


def type_choices(lang: str, ftypes: Optional[dict[str, FieldType]] = None) -> list[tuple[str, str]]:
    return [(name, (ft.label_zh if lang.startswith("zh") and ft.label_zh else ft.label) or name)
            for name, ft in (ftypes or field_types()).items()]


def field_form_class(ftype: FieldType, lang: str, record_types: list[tuple[str, str]], editing: bool) -> type:
    """The field form for a field of type ``ftype`` (its options inputs depend on the type)."""
    attrs: dict[str, Any] = {}
    if not editing:
        attrs["name"] = StringField(_l("API name"), validators=_API_NAME,
                                    description=_l("Lowercase letters, digits and _; it cannot change later."))
    attrs["label"] = StringField(_l("Label"), validators=[validators.InputRequired(), validators.Length(max=255)])
    attrs["label_zh"] = StringField(_l("Chinese label"), validators=_optional())
    attrs["type"] = SelectField(_l("Field type"), choices=type_choices(lang), validators=[validators.InputRequired()],
                                render_kw={"onchange": "rbRefresh(this.form)"})
    attrs["required"] = BooleanField(_l("Required"))
    attrs["unique"] = BooleanField(_l("Unique"))
    attrs["indexed"] = BooleanField(_l("Indexed (faster sorting and filtering)"))
    attrs["show_in_list"] = BooleanField(_l("Show in list"), default=True)
    attrs["default"] = StringField(_l("Default value"), validators=_optional(2000))
    attrs["help_text"] = TextAreaField(_l("Help text"), validators=_optional(2000), render_kw={"rows": 2})
    attrs["help_text_zh"] = TextAreaField(_l("Chinese help text"), validators=_optional(2000), render_kw={"rows": 2})
    attrs["section"] = StringField(_l("Form section"), validators=_optional())
    attrs.update(option_inputs(ftype, record_types))
    if editing:
        attrs["force"] = BooleanField(_l("Apply the change even if some values cannot be kept as they are "
                                         "(those that cannot be converted are cleared; extra decimals are rounded)"))
    return type(f"FieldForm_{ftype.name}", (AdminForm,), attrs)


def default_value(text: Optional[str], type_name: str) -> Any:
    """A default as typed: text for text-like types, otherwise JSON when it reads as JSON."""
    if text is None or text.strip() == "":
        return None
    if type_name in TEXT_DEFAULT_TYPES:
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def default_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def field_payload(form: Any, options: dict, editing: bool) -> dict:
    out: dict[str, Any] = {
        "label": (form.label.data or "").strip(), "label_zh": (form.label_zh.data or "").strip() or None,
        "type": form.type.data, "required": bool(form.required.data), "unique": bool(form.unique.data),
        "indexed": bool(form.indexed.data), "show_in_list": bool(form.show_in_list.data),
        "default": default_value(form.default.data, form.type.data),
        "help_text": (form.help_text.data or "").strip() or None,
        "help_text_zh": (form.help_text_zh.data or "").strip() or None,
        "section": (form.section.data or "").strip() or None, "options": options,
    }
    if not editing:
        out["name"] = (form.name.data or "").strip()
    elif form.force.data:
        out["force"] = True
    return out
