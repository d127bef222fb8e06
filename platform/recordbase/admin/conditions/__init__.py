"""The condition builder in the admin (filter trees built with pickers, evaluated live in forms).

``catalog``: what the builder offers for a type; ``field``: the WTForms field and its widget;
``field_form``: the field form's show / required / read-only when; ``record_form``: the record
forms' live conditions. :func:`register_conditions` gives the templates what they include.
"""
from __future__ import annotations

from typing import Any


def register_conditions(app: Any) -> None:
    """Template globals of the condition builder (call once, from ``init_admin``)."""
    from .field import builder_script
    from .record_form import record_form_conditions

    app.jinja_env.globals.setdefault("rb_condition_builder_script", builder_script)
    app.jinja_env.globals.setdefault("rb_record_form_conditions", record_form_conditions)
