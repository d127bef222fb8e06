"""The record forms' live conditions: which fields show, are required and are read-only as the user types.

:func:`record_form_conditions` gives ``conditional_form.js`` the type's field conditions (those the
reader may see whole) and, when editing, the record's values of the fields the form has no input
for (computed fields, lookups through links), which the conditions may read. The script evaluates
the trees with ``RB.conditions.evaluate``; the record store enforces them on save, whatever the page did.
"""
from __future__ import annotations

from typing import Any, Optional

from ...metamodel.field_conditions import form_conditions
from ...metamodel.runtime import TypeDef
from ..records.present import request_store


def record_form_conditions(typedef: TypeDef, model: Any = None) -> Optional[dict]:
    """What the form's script needs (None: the type has no conditions, the page includes nothing)."""
    store = request_store()
    full = store.type(typedef.name)
    conditions = form_conditions(full)
    if conditions is None:
        return None
    out: dict[str, dict] = {}
    reads: set[str] = set()
    for entry in conditions.entries:
        if typedef.field(entry.field.name) is None or any(typedef.field(n) is None and full.field(n) is not None
                                                          for n in entry.reads):
            continue  # a field, or a field it reads, hidden from this reader
        out.setdefault(entry.field.name, {})[entry.kind] = entry.tree
        reads |= entry.reads
    if not out:
        return None
    values: dict[str, Any] = {}
    record_id = getattr(model, "id", None)
    if record_id is not None:
        record = store.get(typedef.name, record_id)
        for name in reads:
            f = typedef.field(name)
            if f is not None and (f.ftype.read_only or f.ftype.computed):
                values[name] = f.ftype.to_json(record.values.get(name), f, store.ctx)
    types = {f.name: f.field_type for f in typedef.fields}
    return {"conditions": out, "values": values, "types": types}
