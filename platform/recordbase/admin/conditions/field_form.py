"""The field form's conditions: "show when", "required when", "read-only when", built with pickers.

Added to the metamodel's field form class (:func:`add_condition_inputs`), filled from a field
(:func:`conditions_data`) and turned into the field payload's ``conditions`` (:func:`conditions_payload`);
rendered in their own fieldset by ``templates/recordbase/conditions/_field_conditions.html``.
"""
from __future__ import annotations

from typing import Any, Optional

from flask_babel import lazy_gettext as _l

from ...metamodel.field_conditions import KINDS
from ...metamodel.fieldtypes import FieldDef
from ...metamodel.runtime import TypeDef
from .catalog import condition_catalog, link_titles
from .field import ConditionField

LABELS = {"show_when": _l("Show when"), "required_when": _l("Required when"), "readonly_when": _l("Read-only when")}
HELP = {"show_when": _l("The field is shown only when the record meets these conditions (always when empty)."),
        "required_when": _l("The field must be filled when the record meets these conditions."),
        "readonly_when": _l("The field cannot be changed when the record meets these conditions.")}


def input_name(kind: str) -> str:
    return f"cond_{kind}"


def add_condition_inputs(cls: type, typedef: TypeDef, fd: Optional[FieldDef], lang: str, store: Any) -> type:
    """``cls`` (a field form class made for this request) with the three condition builders."""
    catalog = condition_catalog(typedef, lang, store, exclude=fd.name if fd else None)
    catalog["titles"] = link_titles(store, typedef, ((fd.conditions or {}).values() if fd else ()))
    for kind in KINDS:
        setattr(cls, input_name(kind), ConditionField(LABELS[kind], typedef=typedef, catalog=catalog,
                                                      description=HELP[kind]))
    return cls


def conditions_data(fd: Optional[FieldDef]) -> dict:
    conditions = (fd.conditions if fd else None) or {}
    return {input_name(kind): conditions.get(kind) for kind in KINDS}


def conditions_payload(form: Any) -> Optional[dict]:
    out = {kind: form[input_name(kind)].data for kind in KINDS if form[input_name(kind)].data}
    return out or None
