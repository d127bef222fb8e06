"""What the rule engine precompiles per record type (per schema and rules version), so that a write
costs little when rules do not match, and matching "update a field" rules cost one write, not one each.

- the enabled event rules of the type, split by the write that can trigger them (create, update,
  delete), in rule order;
- per rule: the fields its condition reads (``None``: cannot tell, e.g. an unknown name), and whether
  it is *mergeable*: every action is ``update_record`` of plain fields (not unique, not links), and
  its formulas read only plain fields. Several such rules firing on one write are evaluated one after
  the other on the record in memory and written with **one** update (see :mod:`.merge`), instead of
  one update and one re-read per rule;
- ``derived``: the fields that may change on any write without being written (computed fields,
  autonumbers, system fields), which merging treats as changed.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import Optional

from ..metamodel.dependencies import filter_fields
from ..metamodel.filters import SYSTEM_PSEUDO_FIELDS, resolve_field
from ..metamodel.runtime import RuntimeSchema, TypeDef
from .actions import UpdateRecord
from .rules import CompiledRule

ON_CREATE = ("record_created", "record_matches")
ON_UPDATE = ("record_updated", "record_matches")
ON_DELETE = ("record_deleted",)


@dataclass
class RulePlan:
    rule: CompiledRule
    #: field names the condition reads; None when that cannot be told (treated as "every field")
    reads: Optional[frozenset]
    #: the trigger's ``fields`` (record_updated), None for "any field"
    fields: Optional[frozenset]
    mergeable: bool = False
    #: fields its update_record actions write (mergeable rules only)
    writes: frozenset = frozenset()


@dataclass
class TypeRules:
    on_create: list[CompiledRule] = dc_field(default_factory=list)
    on_update: list[CompiledRule] = dc_field(default_factory=list)
    on_delete: list[CompiledRule] = dc_field(default_factory=list)
    plans: dict[int, RulePlan] = dc_field(default_factory=dict)  # by id(rule)
    derived: frozenset = frozenset()
    any_mergeable: bool = False

    def plan(self, rule: CompiledRule) -> RulePlan:
        return self.plans[id(rule)]

    def for_action(self, action: str) -> list[CompiledRule]:
        if action == "create":
            return self.on_create
        if action == "update":
            return self.on_update
        if action == "delete":
            return self.on_delete
        return []


def _condition_reads(rule: CompiledRule, typedef: TypeDef) -> Optional[frozenset]:
    names = set()
    for name in filter_fields(rule.condition.tree):
        f = resolve_field(typedef, name)
        if f is None:
            return None
        names.add(f.name)
    return frozenset(names)


def _mergeable(rule: CompiledRule, typedef: TypeDef, derived: frozenset) -> tuple[bool, frozenset]:
    if rule.on not in ("record_created", "record_updated", "record_matches") or not rule.actions:
        return False, frozenset()
    writes: set[str] = set()
    for action in rule.actions:
        if type(action) is not UpdateRecord:
            return False, frozenset()
        for spec in action.values:
            f = typedef.field(spec.field)
            if f is None or f.unique or f.field_type == "link" or f.ftype.read_only or f.name in derived:
                return False, frozenset()
            writes.add(f.name)
            for name in (spec.formula.fields if spec.formula is not None else ()):
                g = typedef.field(name)
                # a formula over a computed or system field would see a stale value in memory
                if g is None or g.ftype.read_only or g.name in derived:
                    return False, frozenset()
    return True, frozenset(writes)


def build(schema: RuntimeSchema, rules: dict[str, list[CompiledRule]]) -> dict[str, TypeRules]:
    out: dict[str, TypeRules] = {}
    for type_name, type_rules in rules.items():
        typedef = schema.types.get(type_name)
        if typedef is None:
            continue
        derived = frozenset({f.name for f in typedef.fields if f.ftype.read_only or f.ftype.computed}
                            | (set(SYSTEM_PSEUDO_FIELDS) - {"id"}))
        tr = TypeRules(derived=derived)
        for rule in type_rules:
            mergeable, writes = _mergeable(rule, typedef, derived)
            tr.plans[id(rule)] = RulePlan(rule, _condition_reads(rule, typedef),
                                          frozenset(rule.fields) if rule.fields else None, mergeable, writes)
            tr.any_mergeable = tr.any_mergeable or mergeable
            if rule.on in ON_CREATE:
                tr.on_create.append(rule)
            if rule.on in ON_UPDATE:
                tr.on_update.append(rule)
            if rule.on in ON_DELETE:
                tr.on_delete.append(rule)
        out[type_name] = tr
    return out


def type_rules(session, schema: RuntimeSchema, ctx=None) -> dict[str, TypeRules]:
    """The plans of the enabled event rules by type: rebuilt when the compiled rules are (a new
    rules version or schema), so one SELECT of the rules version per unit of work is all a write pays."""
    from .rules import event_rules

    rules = event_rules(session, schema, ctx)
    cached = schema.__dict__.get("_rb_rule_plans")
    if cached is not None and cached[0] is rules:
        return cached[1]
    plans = build(schema, rules)
    schema.__dict__["_rb_rule_plans"] = (rules, plans)
    return plans
