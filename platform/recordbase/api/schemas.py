"""marshmallow schemas built per record type, at request time, from the field registry.

There is one marshmallow field class, :class:`RecordValue`, that wraps a field
type: loading goes through ``FieldType.clean`` and dumping through
``FieldType.to_json``, and it carries ``FieldType.json_schema(field)`` as
metadata, which the OpenAPI document reads. So the API validates payloads with
marshmallow (all problems at once, keyed by field API name) before the record
store, which validates again, writes anything.
"""
from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Mapping, Optional

import marshmallow
from marshmallow import Schema, fields

from ..errors import ValidationError
from ..metamodel.fieldtypes import FieldDef, ValueContext
from ..metamodel.runtime import TypeDef
from ..storage.write_plan import CleanedValues

#: the value context of the load running now: schemas are built once per type and snapshot
#: (see :func:`record_schema`), the context (the request's user, session lookups) is per call
_CONTEXT: ContextVar[Optional[ValueContext]] = ContextVar("rb_value_context", default=None)


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
        return _CONTEXT.get() or self._ctx or ValueContext()

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


def shared_schema(typedef: TypeDef, creating: bool) -> Schema:
    """The schema :func:`validate_fields` loads with, built once per TypeDef (so per schema version) and kind.

    Loading keeps no state on a schema; the value context of each load comes from :data:`_CONTEXT`."""
    return typedef.memo(("marshmallow", creating), lambda td: record_schema(td, None, creating))


def validate_fields(typedef: TypeDef, values: Any, ctx: ValueContext, creating: bool) -> dict:
    """Validate a record's ``fields`` payload; a 422 ValidationError lists every problem by field."""
    if not isinstance(values, dict):
        raise ValidationError("'fields' must be an object of field API names to values",
                              {"fields": ["must be an object"]})
    token = _CONTEXT.set(ctx)
    try:
        # cleaned by each field type: the record store takes them as they are (not cleaned twice)
        return CleanedValues(shared_schema(typedef, creating).load(values), typedef, ctx, creating)
    except marshmallow.ValidationError as exc:
        raise ValidationError(*_problems(typedef, exc.messages)) from None
    finally:
        _CONTEXT.reset(token)


def _problems(typedef: TypeDef, messages: Any) -> tuple[str, dict]:
    problems: dict[str, list[str]] = {}
    for name, msgs in (messages.items() if isinstance(messages, dict) else [("fields", messages)]):
        items = msgs if isinstance(msgs, list) else [str(msgs)]
        problems[name] = [f"unknown field (record type '{typedef.name}' has no field '{name}')"
                          if m == "Unknown field." else str(m) for m in items]
    name, msgs = next(iter(problems.items()))
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"Invalid {typedef.name}: {name}: {msgs[0]}{more}", problems
