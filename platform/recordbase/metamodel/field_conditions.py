"""Conditional fields: "show when", "required when" and "read-only when" a filter tree matches the record.

A field's ``conditions`` document (stored with the field, checked by :data:`CONDITIONS_SCHEMA` and
then against the record type by :func:`check_conditions`)::

    {"show_when": {"field": "kind", "op": "eq", "value": "incident"},
     "required_when": {"field": "severity", "op": "in", "value": ["high", "critical"]},
     "readonly_when": {"field": "status", "op": "eq", "value": "closed"}}

Each tree is the filter language (design §4) over the same record, lookups included (a lookup
field reads through a link). The browser evaluates the same trees for live feedback; the record
store enforces them (:mod:`recordbase.storage.condition_guard`). :func:`form_conditions` compiles a
type's conditions once per schema snapshot (``TypeDef.memo``) and is ``None`` for a type without
any, so such a type's writes pay nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Optional

import jsonschema

from ..errors import FilterError, ValidationError
from .fieldtypes import FieldDef, ValueContext
from .filters import FILTER_SCHEMA, Clock, CompiledFilter, compile_filter
from .runtime import TypeDef

KINDS = ("show_when", "required_when", "readonly_when")
#: fields whose filter values need the store's value context to compile (e-mails to user ids)
_CONTEXT_TYPES = ("user", "created_by", "updated_by")

_TREE = {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/node"}]}
CONDITIONS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": FILTER_SCHEMA["$defs"],
    "type": ["object", "null"],
    "additionalProperties": False,
    "properties": {kind: _TREE for kind in KINDS},
    "description": "when the field is shown, required and read-only: filter trees over the same record",
}
_VALIDATOR = jsonschema.Draft202012Validator(CONDITIONS_SCHEMA)


def normalized(conditions: Any) -> Optional[dict]:
    """The conditions worth keeping (empty trees dropped), or None when there are none."""
    if not isinstance(conditions, dict):
        return None
    kept = {k: conditions[k] for k in KINDS if conditions.get(k)}
    return kept or None


def check_conditions(conditions: Any, typedef: Optional[TypeDef], field_name: str,
                     ctx: Optional[ValueContext] = None) -> Optional[dict]:
    """``conditions`` checked (shape, then each tree against ``typedef``) and normalized.

    Raises a ValidationError keyed ``conditions`` naming the problem's place
    (``conditions.required_when: ...``)."""
    if conditions is None:
        return None
    errors = sorted(_VALIDATOR.iter_errors(conditions), key=lambda e: len(list(e.absolute_path)))
    if errors:
        where = ".".join(str(p) for p in list(errors[0].absolute_path)[:1])
        message = f"conditions{'.' + where if where else ''}: " + (
            "must be a filter tree (or null)" if where else errors[0].message)
        raise ValidationError(f"Invalid field: {message}", {"conditions": [message]})
    kept = normalized(conditions)
    if kept is None:
        return None
    if typedef is None:
        return kept
    for kind, tree in kept.items():
        try:
            compile_filter(tree, typedef, ctx)
        except FilterError as exc:
            message = f"conditions.{kind}: {exc.message}"
            raise ValidationError(f"Invalid field: {message}", {"conditions": [message]}) from None
    return kept


def _fields_named(tree: Any) -> set[str]:
    if not isinstance(tree, dict):
        return set()
    out = {tree["field"]} if isinstance(tree.get("field"), str) else set()
    for kind in ("and", "or"):
        for child in tree.get(kind) or []:
            out |= _fields_named(child)
    if "not" in tree:
        out |= _fields_named(tree["not"])
    return out


@dataclass(frozen=True)
class FieldCondition:
    """One condition of one field: its kind, its tree, and (when it needs no store) its compiled form."""

    field: FieldDef
    kind: str
    tree: Any
    #: the fields the tree reads (a field hidden from a reader makes the condition unspeakable to them)
    reads: frozenset
    compiled: Optional[CompiledFilter]

    def compile(self, typedef: TypeDef, ctx: ValueContext, clock: Clock) -> Optional[CompiledFilter]:
        """The compiled tree for this write (the snapshot's, with ``clock`` for its date windows),
        or None when the tree no longer fits the type (a field it reads was trashed): then it holds nowhere."""
        if self.compiled is not None:
            return replace(self.compiled, clock=clock)
        try:
            return compile_filter(self.tree, typedef, ctx, clock)
        except FilterError:
            return None


@dataclass(frozen=True)
class FormConditions:
    """A type's field conditions, compiled once per schema snapshot."""

    entries: tuple[FieldCondition, ...]
    #: whether any condition reads a computed field (then it is evaluated after the recompute)
    reads_computed: bool

    def of(self, field_name: str) -> list[FieldCondition]:
        return [e for e in self.entries if e.field.name == field_name]


def _build(typedef: TypeDef) -> Optional[FormConditions]:
    entries = []
    for f in typedef.fields:
        conditions = normalized(f.conditions)
        if conditions is None:
            continue
        for kind, tree in conditions.items():
            reads = frozenset(_fields_named(tree))
            compiled = None
            if not any((typedef.field(n) is not None and typedef.field(n).field_type in _CONTEXT_TYPES)
                       or n in _CONTEXT_TYPES for n in reads):
                try:
                    compiled = compile_filter(tree, typedef, ValueContext())
                except FilterError:
                    compiled = None
            entries.append(FieldCondition(f, kind, tree, reads, compiled))
    if not entries:
        return None
    computed = any(typedef.field(n) is not None and typedef.field(n).ftype.computed for e in entries for n in e.reads)
    return FormConditions(tuple(entries), computed)


def form_conditions(typedef: TypeDef) -> Optional[FormConditions]:
    """The type's field conditions (None: the type has none), built once per snapshot."""
    return typedef.memo("field_conditions", _build)


_KIND_WORDS = {"show_when": "Shown when", "required_when": "Required when", "readonly_when": "Read-only when"}


def describe_conditions(field: FieldDef) -> str:
    """A field's conditions for the API's documentation: "Shown when kind = incident. Required when ..."."""
    from .condition_words import describe

    conditions = normalized(field.conditions) or {}
    return " ".join(f"{_KIND_WORDS[k]} {describe(tree, None)}." for k, tree in conditions.items())
