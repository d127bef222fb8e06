"""Helpers of the core tests (plain functions and data, imported by name); the fixtures are in conftest.py."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import inspect

from recordbase.metamodel.fieldtypes import FieldDef, ValueContext
from recordbase.metamodel.service import type_to_json


def fd(field_type: str, options: Optional[dict] = None, **kw: Any) -> FieldDef:
    """A free-standing FieldDef for pure field-type tests."""
    return FieldDef(id=1, type_id=1, name=kw.pop("name", "x"), label=kw.pop("label", "X"), field_type=field_type,
                    options=options or {}, **kw)


def clean(field_type: str, value: Any, options: Optional[dict] = None, ctx: Optional[ValueContext] = None) -> Any:
    f = fd(field_type, options)
    return f.ftype.clean(value, f, ctx or ValueContext())


def supplier(core, extra=()):
    core.create_type("supplier", [
        {"name": "name", "label": "Name", "label_zh": "名称", "type": "text", "required": True},
        {"name": "score", "label": "Score", "label_zh": "得分", "type": "number"},
        *extra,
    ], label="Supplier", label_zh="供应商")


def type_json(core, name):
    with core.meta() as m:
        return type_to_json(m.type_model(name))


def indexes(core, type_name):
    """{column: unique?} for the single-column indexes of a type's table."""
    t = core.schema().get(type_name)
    with core.sessions() as s:
        return {ix["column_names"][0]: bool(ix["unique"]) for ix in inspect(s.connection()).get_indexes(t.table.name)}
