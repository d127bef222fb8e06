"""The options part of the field form, made from the field type's options JSON schema.

Each property of ``FieldType.options_schema`` becomes an input of a matching
kind (number, yes/no, a list of values, text), so a new field type gets an
options form without admin code. Choices are written one per line as
``value | label | Chinese label | colour``. Anything the inputs cannot express
can be given in the JSON textarea. The field type's own validation (through
the metamodel service) decides; its messages are put beside the input they
concern.
"""
from __future__ import annotations

import json
import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FloatField, IntegerField, SelectField, StringField, TextAreaField, validators

from ...metamodel.fieldtypes import FieldType

PREFIX = "opt_"
JSON_FIELD = "options_json"
#: options the metamodel service works out itself (computed fields): never asked for, never shown
DERIVED_OPTIONS = frozenset({"result_type", "depends_on", "volatile"})

OPTION_LABELS = {
    "precision": _l("Decimal places"), "code": _l("Currency code"), "max": _l("Maximum"), "icon": _l("Icon"),
    "target": _l("Linked record type"), "many": _l("Link to several records"),
    "on_delete": _l("When a linked record is deleted"), "max_length": _l("Maximum length"),
    "pattern": _l("Number pattern"), "max_size_mb": _l("Maximum file size (MB)"),
    "max_files": _l("Maximum number of files"), "allowed_types": _l("Allowed file types"),
    "choices": _l("Choices"), "expression": _l("Formula"), "link": _l("Link field"),
    "target_field": _l("Field of the linked record"), "function": _l("Function"),
    "places": _l("Decimal places shown"),
}
#: what an option's fixed values say in the page's language (an option value not named here shows as itself)
OPTION_VALUE_LABELS = {
    "on_delete": {"restrict": _l("Refuse to delete it while linked"), "unlink": _l("Clear the link")},
    "icon": {"star": _l("Stars"), "heart": _l("Hearts"), "thumb": _l("Thumbs up")},
    "function": {"sum": _l("Sum"), "avg": _l("Average"), "min": _l("Minimum"), "max": _l("Maximum"),
                 "count": _l("Count of linked records"), "count_nonempty": _l("Count of values"),
                 "concat": _l("Values joined together"), "and": _l("All true"), "or": _l("Any true"),
                 "earliest": _l("Earliest date"), "latest": _l("Latest date")},
}
OPTION_HELP = {
    "choices": _l("One choice per line: value | label | Chinese label | colour (only the value is needed)."),
    "allowed_types": _l("One per line: an extension such as .pdf or a MIME type such as image/*."),
    "pattern": _l("For example CT-{YYYY}-{0000}."),
}


def _kind(key: str, spec: dict) -> str:
    if key == "target":
        return "type"
    if key == "choices":
        return "choices"
    if "enum" in spec:
        return "enum"
    t = spec.get("type")
    if isinstance(t, list):  # ["integer", "null"]: an optional integer (a computed field's places)
        kinds = [k for k in t if k != "null"]
        t = kinds[0] if len(kinds) == 1 else None
    if t == "array" and (spec.get("items") or {}).get("type") == "string":
        return "lines"
    return {"boolean": "bool", "integer": "int", "number": "float", "string": "text"}.get(t, "")


def option_keys(ftype: FieldType) -> list[tuple[str, str]]:
    """(key, input kind) of each option this type's schema describes simply enough for an input."""
    props = (ftype.options_schema or {}).get("properties") or {}
    return [(k, kind) for k, spec in props.items() if k not in DERIVED_OPTIONS and (kind := _kind(k, spec))]


def option_inputs(ftype: FieldType, type_choices: list[tuple[str, str]]) -> dict[str, Any]:
    """Unbound WTForms fields for the options of ``ftype`` (named ``opt_<key>``) plus the JSON textarea."""
    props = (ftype.options_schema or {}).get("properties") or {}
    out: dict[str, Any] = {}
    for key, kind in option_keys(ftype):
        label = OPTION_LABELS.get(key, key.replace("_", " ").capitalize())
        kw = {"label": label, "description": OPTION_HELP.get(key, ""), "validators": [validators.Optional()]}
        if kind == "type":
            out[PREFIX + key] = SelectField(choices=[("", "")] + type_choices, **kw)
        elif kind == "enum":
            shown = OPTION_VALUE_LABELS.get(key, {})
            out[PREFIX + key] = SelectField(choices=[("", "")] + [(v, shown.get(v, v)) for v in props[key]["enum"]],
                                            **kw)
        elif kind == "bool":
            kw["validators"] = []
            out[PREFIX + key] = BooleanField(**kw)
        elif kind == "int":
            out[PREFIX + key] = IntegerField(**kw)
        elif kind == "float":
            out[PREFIX + key] = FloatField(**kw)
        elif kind in ("lines", "choices"):
            out[PREFIX + key] = TextAreaField(render_kw={"rows": 5}, **kw)
        else:
            out[PREFIX + key] = StringField(**kw)
    out[JSON_FIELD] = TextAreaField(_l("More options (JSON)"), validators=[validators.Optional()],
                                    description=_l("A JSON object, for options without an input above."),
                                    render_kw={"rows": 3})
    return out


def parse_choice_line(line: str) -> Any:
    parts = [p.strip() for p in line.split("|")]
    if len(parts) == 1:
        return parts[0]
    choice = {"value": parts[0]}
    for key, part in zip(("label", "label_zh", "color"), parts[1:4]):
        if part:
            choice[key] = part
    return choice


def choice_line(choice: Any) -> str:
    if isinstance(choice, str):
        return choice
    parts = [choice.get("value", ""), choice.get("label") or "", choice.get("label_zh") or "", choice.get("color") or ""]
    while len(parts) > 1 and not parts[-1]:
        parts.pop()
    return " | ".join(parts)


def options_from_form(ftype: FieldType, form: Any) -> dict:
    """The options dict the inputs describe; raises ValueError (for the JSON textarea) on bad JSON."""
    options: dict[str, Any] = {}
    for key, kind in option_keys(ftype):
        data = form[PREFIX + key].data
        if kind in ("lines", "choices"):
            lines = [ln.strip() for ln in (data or "").splitlines() if ln.strip()]
            if lines:
                options[key] = [parse_choice_line(ln) for ln in lines] if kind == "choices" else lines
        elif kind == "bool":
            if data:
                options[key] = True
        elif data is not None and data != "":
            options[key] = data.strip() if isinstance(data, str) else data
    raw = (form[JSON_FIELD].data or "").strip()
    if raw:
        try:
            extra = json.loads(raw)
        except ValueError as exc:
            raise ValueError(f"not valid JSON: {exc}") from None
        if not isinstance(extra, dict):
            raise ValueError("must be a JSON object")
        options.update(extra)
    return options


def options_to_form(ftype: FieldType, options: dict) -> dict:
    """Form data showing ``options``: simple ones in their inputs, the rest as JSON."""
    data: dict[str, Any] = {}
    shown = set()
    for key, kind in option_keys(ftype):
        if key not in options:
            continue
        value = options[key]
        if kind == "choices" and isinstance(value, list):
            data[PREFIX + key] = "\n".join(choice_line(c) for c in value)
        elif kind == "lines" and isinstance(value, list):
            data[PREFIX + key] = "\n".join(str(v) for v in value)
        elif kind in ("lines", "choices"):
            continue
        else:
            data[PREFIX + key] = value
        shown.add(key)
    rest = {k: v for k, v in options.items() if k not in shown and k not in DERIVED_OPTIONS}
    data[JSON_FIELD] = json.dumps(rest, ensure_ascii=False) if rest else ""
    return data


_KEY_RE = re.compile(r"^options\.([A-Za-z_][A-Za-z0-9_]*)")
_REQUIRED_RE = re.compile(r"'([A-Za-z_][A-Za-z0-9_]*)' is a required property")


def option_input_for(problem: str, form: Any) -> str:
    """The input a problem such as 'options.precision: 11 is greater than ...' belongs to."""
    m = _KEY_RE.match(problem) or _REQUIRED_RE.search(problem)
    if m and PREFIX + m.group(1) in form:
        return PREFIX + m.group(1)
    return JSON_FIELD
