"""The automation action ``transition``: a rule starts a workflow transition on its record, or with
``link`` on the records a link field of it reaches.

``{"do": "transition", "transition": "submit", "comment": "...", "link": "supplier"}``. The rule acts
as the system: the transition's ``allowed`` list is not asked (whoever wrote the rule configures the
type), but its source states, condition, required fields and comment are. A record not in a state
the transition starts from, or whose condition does not hold, is left alone (the step says why).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..automation.action_base import Action, Checker, StepSpec
from ..automation.actions import register
from ..errors import Conflict, NotFound
from ..i18n import translate as _
from ..metamodel.ids import as_id
from .engine import WorkflowEngine
from .service import workflow_of

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
        self.link = spec.get("link") or None
        self.target = checker.typedef.name
        if self.link:
            f = checker.typedef.field(self.link)
            if f is None or f.field_type != "link":
                checker.problem(f"{path}.link", f"'{self.link}' is not a link field of '{checker.typedef.name}'")
            else:
                self.target = f.options.get("target", "")
        if checker.session is not None and checker.strict:
            self._check_transition(checker, path)

    def _check_transition(self, checker: Checker, path: str) -> None:
        """On save: the record type (or the link's target) has a workflow with this transition."""
        typedef = checker.schema.types.get(self.target)
        if typedef is None:
            return
        wf = workflow_of(checker.session, typedef)
        if wf is None:
            checker.problem(f"{path}.transition", _("%(type)s has no workflow: there is no transition to start",
                                                    type=typedef.display_label(checker.ctx.lang)))
        elif wf.transition(self.transition) is None:
            names = ", ".join(t.display(checker.ctx.lang) for t in wf.transitions) or "—"
            checker.problem(f"{path}.transition", _("The workflow of %(type)s has no transition “%(name)s”; "
                                                    "its transitions: %(names)s",
                                                    type=typedef.display_label(checker.ctx.lang),
                                                    name=self.transition, names=names))

    def _ids(self, ctx: "ActionContext") -> list[int]:
        if not self.link:
            return [ctx.record_id]
        value: Any = ctx.store.get(ctx.typedef.name, ctx.record_id).values.get(self.link)
        items = value if isinstance(value, list) else [value]
        return [i for i in (as_id(v.get("id") if isinstance(v, dict) else v) for v in items) if i is not None]

    def run(self, ctx: "ActionContext") -> list[StepSpec]:
        engine = WorkflowEngine(ctx.store)
        wf = engine.workflow(self.target)
        t = wf.transition(self.transition)
        if t is None:
            raise NotFound(f"the workflow of {self.target} has no transition '{self.transition}'")
        out = []
        for rid in self._ids(ctx):
            record = engine.lock(self.target, rid)
            state = record.values.get(wf.state_field)
            result: dict = {"type": self.target, "id": rid, "transition": t.name}
            if state not in t.sources:
                out.append(StepSpec(self.name, result={**result, "skipped": f"the record is in '{state}'",
                                                       "state": state}))
                continue
            try:
                engine.run(wf, t, record, self.comment, {})
            except Conflict as exc:  # its condition does not hold
                out.append(StepSpec(self.name, result={**result, "skipped": exc.message}))
                continue
            out.append(StepSpec(self.name, result={**result, "from": state, "to": t.to}))
        return out
