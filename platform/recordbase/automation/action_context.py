"""What an automation action sees while it runs on one record: :class:`ActionContext`.

Made by :class:`~recordbase.automation.engine.RuleEngine` for each action of a firing rule;
actions (:mod:`.actions`) evaluate their value formulas, update records, render message
templates and read the record's JSON through it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from ..metamodel import formula as fx
from ..metamodel.formula import budget as formula_budget
from ..metamodel.runtime import TypeDef
from . import expressions as ex
from .actions import zh_context
from .rules import CompiledRule
from .runs import written_values

if TYPE_CHECKING:
    from ..storage import RecordStore
    from .engine import RuleEngine


@dataclass
class ActionContext:
    """What an action sees while it runs on one record."""

    engine: "RuleEngine"
    rule: CompiledRule
    typedef: TypeDef
    record_id: int
    values: dict
    before: dict
    trigger: str
    run_id: Optional[int]
    changed_fields: list

    @property
    def store(self) -> "RecordStore":
        return self.engine.store

    def evaluate(self, specs: list[ex.ValueSpec], target: Optional[TypeDef] = None) -> dict:
        target = target or self.typedef
        budget = formula_budget.current()
        out = {}
        for spec in specs:
            if spec.formula is None:
                out[spec.field] = spec.literal
                continue
            inputs = ex.formula_inputs(spec.formula, self.typedef, self.values, self.store.ctx.user_email)
            value = fx.evaluate(spec.formula, inputs, fx.EvalContext(record_id=self.record_id, now=self.engine.now,
                                                                   timezone=self.store.timezone, budget=budget))
            out[spec.field] = ex.to_field_input(value, target.field(spec.field))
        return out

    def update(self, typedef: TypeDef, record_id: int, values: dict) -> list[str]:
        """Write the values that differ from the record's; the names written (none: no write at all)."""
        return sorted(self.write(typedef, record_id, values))

    def write(self, typedef: TypeDef, record_id: int, values: dict) -> dict:
        """:meth:`update`, answering the values written as JSON (:func:`.runs.written_values`)."""
        if typedef.name == self.typedef.name and record_id == self.record_id:
            current = self.values  # read at the start of this action
        else:
            current = self.store.get(typedef.name, record_id).values
        cleaned = self.store.clean(typedef, values, creating=False)
        changed = {k: values[k] for k, v in cleaned.items() if v != current.get(k)}
        if changed:
            self.store.update(typedef.name, record_id, changed)
        return written_values(typedef, cleaned, changed, self.store.ctx)

    def render(self, template: Optional[str], zh: bool = False) -> Optional[str]:
        if not template:
            return None
        ctx = zh_context(self.store.ctx) if zh else self.store.ctx
        extra = {"id": self.record_id, "type": self.typedef.display_label("zh" if zh else "en"),
                 "rule": self.rule.display_name("zh" if zh else "en")}
        return ex.render(template, self.typedef, self.values, lambda f, v: f.ftype.format(v, f, ctx), extra)

    def record_json(self) -> dict:
        return self.store.to_json(self.store.get(self.typedef.name, self.record_id, include_deleted=True))
