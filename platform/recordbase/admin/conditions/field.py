"""The condition builder as a WTForms field: a filter tree (design §4) edited with pickers.

The field posts the tree as JSON in a textarea; ``condition_builder.js`` hides that textarea behind
rows of field / operator (in words) / value pickers and keeps it in step, both ways (the textarea
stays reachable as "JSON (advanced)", and is the whole input without script). The posted tree is
checked against the record type like any filter, the problem shown beside the field.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from wtforms import Field, validators

from ...errors import FilterError
from ...metamodel.filters import compile_filter
from ...metamodel.runtime import TypeDef


class ConditionWidget:
    """The textarea holding the tree, inside the builder's container (with the catalogue)."""

    def __call__(self, field: "ConditionField", **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        classes = kwargs.pop("class", "") or kwargs.pop("class_", "")
        return builder_markup(field.name, kwargs["id"], field._value(), field.catalog, classes)


def builder_markup(name: str, id_: str, value: str, catalog: dict, classes: str = "") -> Markup:
    """The builder's container: its catalogue and words, and the textarea (``name``) holding the tree."""
    words = {"all": _("all of"), "any": _("any of"), "match": _("Match"), "add": _("Add a condition"),
             "remove": _("Remove this condition"), "advanced": _("JSON (advanced)"), "choose": _("Choose a field"),
             "yes": _("yes (checked)"), "no": _("no (not checked)"),
             "field": _("Field"), "operator": _("Operator"), "value": _("Value"),
             "nested": _("This condition is nested: edit it as JSON."),
             "bad_json": _("Not valid JSON: the rows were left as they were.")}
    return Markup(
        '<div class="rb-condition-builder" data-catalog="{catalog}" data-words="{words}">'
        '<textarea class="form-control text-monospace rb-condition-json {classes}" name="{name}" id="{id}" '
        'rows="3" spellcheck="false">{value}</textarea></div>').format(
        catalog=json.dumps(catalog, ensure_ascii=False, separators=(",", ":")),
        words=json.dumps(words, ensure_ascii=False), classes=classes, name=name, id=id_, value=value)


class ConditionField(Field):
    """A filter tree over ``typedef`` (None when empty); ``catalog`` from :func:`.catalog.condition_catalog`."""

    widget = ConditionWidget()

    def __init__(self, label: Any = None, validators_: Optional[list] = None, *, typedef: Optional[TypeDef] = None,
                 catalog: Optional[dict] = None, **kwargs: Any):
        super().__init__(label, validators_ or [validators.Optional()], **kwargs)
        self.typedef = typedef
        self.catalog = catalog or {"fields": [], "ops": {}}

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return json.dumps(self.data, ensure_ascii=False) if self.data else ""

    def process_formdata(self, valuelist: list) -> None:
        self.data = None
        text = (valuelist[0] if valuelist else "") or ""
        if not text.strip():
            return
        try:
            self.data = json.loads(text)
        except ValueError:
            self.data = text
            raise ValueError(_("Not valid JSON.")) from None

    def pre_validate(self, form: Any) -> None:
        if self.data is None or self.typedef is None:
            return
        if not isinstance(self.data, dict):
            raise validators.StopValidation(_("A condition is a filter tree (a JSON object)."))
        try:
            compile_filter(self.data, self.typedef)
        except FilterError as exc:
            raise validators.StopValidation(exc.message) from None


def builder_script() -> Markup:
    """The builder's script tag (include once per page that has a condition builder)."""
    return Markup('<script src="{}"></script>').format(
        escape(url_for("recordbase_admin.static", filename="recordbase/condition_builder.js")))
