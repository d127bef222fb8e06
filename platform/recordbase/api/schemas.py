"""marshmallow schemas built per record type from the field registry, and the payload check of writes.

There is one marshmallow field class, :class:`RecordValue`, that wraps a field
type: loading goes through ``FieldType.clean`` and dumping through
``FieldType.to_json``, and it carries ``FieldType.json_schema(field)`` as
metadata, which the OpenAPI document reads.

:func:`validate_fields` checks a write's ``fields`` object by exactly the rules that schema's
``load`` applies (the same fields, ``required``, ``allow_none``, read-only, unknown names, each
value through ``FieldType.clean``, the same messages), in one loop over a plan made once per type
snapshot: marshmallow's own machinery (a getter, an error store and a validation pass per field)
cost as much as cleaning the values. ``tests/api/test_payload_check.py`` holds the two to the same
answers. The record store then takes the cleaned values as they are (:class:`CleanedValues`).
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import marshmallow
from marshmallow import Schema, fields

from ..errors import ValidationError
from ..metamodel.fieldtypes import FieldDef, ValueContext
from ..metamodel.runtime import TypeDef
from ..storage.write_plan import CleanedValues

class RecordValue(fields.Field):
    """A record type's field as a marshmallow field."""

    def __init__(self, field: FieldDef, ctx: Optional[ValueContext], creating: bool):
        ft = field.ftype
        required = creating and field.required and field.default is None and not ft.read_only
        super().__init__(
            required=required,
            allow_none=not field.required,
            error_messages={"required": "is required", "null": "is required"},
            metadata={"json_schema": field_json_schema(field), "title": field.label},
        )
        self.field = field
        self._ctx = ctx

    @property
    def ctx(self) -> ValueContext:
        return self._ctx or ValueContext()

    def _deserialize(self, value: Any, attr: Optional[str], data: Optional[Mapping[str, Any]], **kwargs: Any) -> Any:
        field = self.field
        if field.ftype.read_only:
            raise marshmallow.ValidationError("is read-only")
        try:
            cleaned = field.ftype.clean(value, field, self.ctx)
        except ValueError as exc:
            raise marshmallow.ValidationError(str(exc)) from None
        if field.required and (cleaned is None or cleaned == "" or cleaned == []):
            raise marshmallow.ValidationError("is required")
        return cleaned

    def _serialize(self, value: Any, attr: Optional[str], obj: Any, **kwargs: Any) -> Any:
        return self.field.ftype.to_json(value, self.field, self.ctx)


def field_json_schema(field: FieldDef) -> dict:
    """The JSON schema of one field's value, titled and described, read-only ones marked."""
    schema = dict(field.ftype.json_schema(field))
    schema["title"] = field.label
    helps = [h for h in (field.help_text, field.help_text_zh) if h]
    if helps:
        schema["description"] = " / ".join(dict.fromkeys(helps))  # (both languages, as a type's label)
    if field.conditions:
        from ..metamodel.field_conditions import describe_conditions

        schema["description"] = " ".join(filter(None, [schema.get("description"), describe_conditions(field)]))
    if field.ftype.read_only:
        schema["readOnly"] = True
    return schema


def record_schema(typedef: TypeDef, ctx: Optional[ValueContext], creating: bool) -> Schema:
    """A new marshmallow schema instance for a record's ``fields`` object (partial for updates)."""
    cls = Schema.from_dict({f.name: RecordValue(f, ctx, creating) for f in typedef.fields},
                           name=f"{typedef.name}_fields")
    return cls(partial=not creating, unknown=marshmallow.RAISE)


class _PayloadPlan:
    """What :func:`validate_fields` checks for one type snapshot and kind of write, as the fields of
    :func:`record_schema` declare it: per field (in the schema's order) its name, the field, the
    ``required`` and ``allow_none`` of its :class:`RecordValue`."""

    def __init__(self, typedef: TypeDef, creating: bool):
        by_name = {f.name: f for f in typedef.fields}  # (as record_schema's dict: one field per name)
        self.fields = tuple((name, f, creating and f.required and f.default is None and not f.ftype.read_only,
                             not f.required) for name, f in by_name.items())
        self.names = frozenset(by_name)


def validate_fields(typedef: TypeDef, values: Any, ctx: ValueContext, creating: bool) -> dict:
    """Validate a record's ``fields`` payload; a 422 ValidationError lists every problem by field.

    What ``record_schema(typedef, ctx, creating).load(values)`` answers (updates are partial: a
    field left out is not required), its problems by field, an unknown name's worded."""
    if not isinstance(values, dict):
        raise ValidationError("'fields' must be an object of field API names to values",
                              {"fields": ["must be an object"]})
    plan: _PayloadPlan = typedef.memo(("payload_plan", creating), lambda td: _PayloadPlan(td, creating))
    out: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for name, f, required, allow_none in plan.fields:
        raw = values.get(name, _MISSING)
        if raw is _MISSING:
            if required:
                problems[name] = ["is required"]
            continue  # (marshmallow: a partial load skips it; a full one leaves it out)
        if raw is None:
            if allow_none:
                out[name] = None  # (as marshmallow gives it: not cleaned; the store cleans empty values)
            else:
                problems[name] = ["is required"]
            continue
        ftype = f.ftype
        if ftype.read_only:
            problems[name] = ["is read-only"]
            continue
        try:
            cleaned = ftype.clean(raw, f, ctx)
        except ValueError as exc:
            problems[name] = [str(exc)]
            continue
        if f.required and (cleaned is None or cleaned == "" or cleaned == []):
            problems[name] = ["is required"]
            continue
        out[name] = cleaned
    if len(values) > len(out) + len(problems) or problems:
        for name in values:
            if name not in plan.names:
                problems[name] = [f"unknown field (record type '{typedef.name}' has no field '{name}')"]
    if problems:
        name, msgs = next(iter(problems.items()))
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ValidationError(f"Invalid {typedef.name}: {name}: {msgs[0]}{more}", problems)
    # cleaned by each field type: the record store takes them as they are (not cleaned twice)
    return CleanedValues(out, typedef, ctx, creating)


_MISSING: Any = object()
