"""The automation action ``transition``: a rule starts a workflow transition on its record.

``{"do": "transition", "transition": "submit", "comment": "..."}``. The rule acts as the system:
the transition's ``allowed`` list is not asked (whoever wrote the rule configures the type), but
its source states, condition, required fields and comment are. A record not in a state the
transition starts from, or whose condition does not hold, is left alone (the step says why).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..automation.action_base import Action, Checker, StepSpec
from ..automation.actions import register
from ..errors import Conflict, NotFound
from .engine import WorkflowEngine

if TYPE_CHECKING:
    from ..automation.action_context import ActionContext


@register
class StartTransition(Action):
    name = "transition"
    forbidden_on = ("record_deleted",)

    def __init__(self, spec: dict, checker: Checker, path: str):
        super().__init__(spec, checker, path)
        self.transition = spec.get("transition", "")
        self.comment = spec.get("comment") or None

    def run(self, ctx: "ActionContext") -> list[StepSpec]:
        engine = WorkflowEngine(ctx.store)
        wf = engine.workflow(ctx.typedef.name)
        t = wf.transition(self.transition)
        if t is None:
            raise NotFound(f"the workflow of {ctx.typedef.name} has no transition '{self.transition}'")
        record = engine.lock(ctx.typedef.name, ctx.record_id)
        state = record.values.get(wf.state_field)
        if state not in t.sources:
            return [StepSpec(self.name, result={"transition": t.name, "skipped": f"the record is in '{state}'"})]
        try:
            engine.run(wf, t, record, self.comment, {})
        except Conflict as exc:  # its condition does not hold
            return [StepSpec(self.name, result={"transition": t.name, "skipped": exc.message})]
        return [StepSpec(self.name, result={"transition": t.name, "from": state, "to": t.to})]
