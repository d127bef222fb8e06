"""Taking transitions: what the caller may do now, and doing it (design §11).

A transition is taken on the record's row locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's
writers already take turns), so two people acting on the same record at once act one after the
other: the second sees the first's result. The state field is written by the record store (history,
rules, computed fields, version) in the one write :func:`.guard.transition_write` lets through.
Approvals (steps, levels, any/all/N of M) are in :mod:`.approval`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import select

from ..access import enforce
from ..errors import Conflict, Forbidden, NotFound, ValidationError
from ..i18n import translate as _
from ..metamodel.filters import compile_filter
from . import approvers, journal
from .definition import Transition, WorkflowDef
from .guard import transition_write
from .service import workflow_of

if TYPE_CHECKING:
    from ..storage import RecordStore
    from ..storage.reading import Record

MAX_COMMENT = 4000


def empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


class WorkflowEngine:
    def __init__(self, store: "RecordStore"):
        self.store = store
        self.session = store.session

    def workflow(self, type_name: str) -> WorkflowDef:
        wf = workflow_of(self.session, self.store.type(type_name))
        if wf is None:
            raise NotFound(_("Record type %(type)s has no workflow", type=type_name), {"type": type_name})
        return wf

    def lock(self, type_name: str, record_id: int) -> "Record":
        """The record, its row locked until the transaction ends (and read within the user's rows)."""
        t = self.store.type(type_name).table
        if self.session.get_bind().dialect.name != "sqlite":  # (SQLite's writers already take turns)
            self.store.hold_schema()  # the schema row before the record's, as every writer
            self.session.execute(select(t.c.id).where(t.c.id == record_id).with_for_update())
        return self.store.get(type_name, record_id)

    # -- what may be done now ------------------------------------------------------------
    def may_take(self, wf: WorkflowDef, t: Transition, record: "Record") -> bool:
        """Whether the store's user is among those the transition allows (no list: anyone who may update)."""
        uid = self.store.user_id
        if uid is None and not enforce.active(self.store):
            return True  # the system (a rule, the scheduler)
        if t.allowed:
            return approvers.named(self.session, uid, t.allowed,
                                   approvers.expand(self.store, wf.type_name, t.allowed, record.values))
        return self.store.can("update", wf.type_name)

    def condition_holds(self, type_name: str, condition: Any, values: dict) -> bool:
        """A filter tree of the filter language on the record's values (the server's truth)."""
        if condition is None:
            return True
        compiled = compile_filter(condition, self.store.type(type_name), self.store.ctx)
        return compiled is None or compiled.matches(values)

    def available(self, type_name: str, record: "Record") -> list[dict]:
        """The transitions the user may take on the record now (state, who, condition), and the
        approval actions when a step waits for them."""
        wf = workflow_of(self.session, self.store.type(type_name))
        if wf is None:
            return []
        state = record.values.get(wf.state_field)
        lang = self.store.lang
        out = []
        for t in wf.from_state(state):
            if self.may_take(wf, t, record) and self.condition_holds(type_name, t.condition, record.values):
                out.append({"name": t.name, "label": t.display(lang), "to": t.to,
                            "required_fields": list(t.required_fields), "comment_required": t.comment_required})
        from .approval import Approvals

        step = Approvals(self).waiting_for_me(type_name, record)
        if step is not None:
            out.append({"name": "approve", "label": _("Approve"), "to": None, "required_fields": [],
                        "comment_required": False, "level": step.level})
            out.append({"name": "reject", "label": _("Reject"), "to": None, "required_fields": [],
                        "comment_required": True, "level": step.level})
        return out

    # -- doing it ----------------------------------------------------------------------------
    def take(self, type_name: str, record_id: int, name: str, comment: Optional[str] = None,
             fields: Optional[dict] = None, version: Optional[int] = None) -> "Record":
        """Take transition ``name`` (``approve``/``reject``: decide the step waiting for the user)."""
        wf = self.workflow(type_name)
        if comment is not None and len(comment) > MAX_COMMENT:
            raise ValidationError(_("The comment is too long"), {"comment": [_("at most 4000 characters")]})
        comment = (comment or "").strip() or None
        if name in ("approve", "reject"):
            from .approval import Approvals

            return Approvals(self).decide(type_name, record_id, name == "approve", comment, version)
        record = self.lock(type_name, record_id)
        if version is not None and version != record.version:
            from ..errors import VersionConflict

            raise VersionConflict(_("The record was changed by someone else; reload and try again"),
                                  {"current_version": record.version})
        t = wf.transition(name)
        if t is None:
            raise NotFound(_("The workflow of %(type)s has no transition %(name)s", type=type_name, name=name),
                           {"transition": name})
        state = record.values.get(wf.state_field)
        if state not in t.sources:
            allowed = [x["name"] for x in self.available(type_name, record)]
            raise Conflict(_("%(name)s cannot be taken from the state %(state)s; allowed now: %(names)s",
                             name=name, state=state, names=", ".join(allowed) or "—"),
                           {"state": state, "transitions": allowed}, code="transition_required")
        if not self.may_take(wf, t, record):
            raise Forbidden(_("You may not take the transition %(name)s", name=name),
                            {"state": state, "transitions": [x["name"] for x in self.available(type_name, record)]})
        fields = dict(fields or {})
        if wf.state_field in fields:
            raise ValidationError(_("The state changes by the transition itself"),
                                  {wf.state_field: [_("set by the transition")]})
        if fields and enforce.active(self.store):
            enforce.require(self.store, "update", type_name)
            enforce.check_fields(self.store, self.store.type(type_name), fields)
        return self.run(wf, t, record, comment, fields)

    def run(self, wf: WorkflowDef, t: Transition, record: "Record", comment: Optional[str],
            fields: dict, kind: str = "transition") -> "Record":
        """Check the transition's condition, required fields and comment, then write it."""
        typedef = self.store.type(wf.type_name)
        cleaned = self.store.clean(typedef, fields, creating=False) if fields else {}
        merged = {**record.values, **cleaned}
        if not self.condition_holds(wf.type_name, t.condition, merged):
            raise Conflict(_("The conditions of %(name)s are not met", name=t.display(self.store.lang)),
                           {"transition": t.name}, code="transition_required")
        missing = [n for n in t.required_fields if empty(merged.get(n))]
        problems = {n: [_("is required for %(name)s", name=t.display(self.store.lang))] for n in missing}
        if t.comment_required and not comment:
            problems["comment"] = [_("a comment is required for %(name)s", name=t.display(self.store.lang))]
        if problems:
            raise ValidationError(_("%(name)s needs more information", name=t.display(self.store.lang)), problems)
        return self.write_state(wf, record, t.to, fields, kind=kind, action=t.name, comment=comment)

    def write_state(self, wf: WorkflowDef, record: "Record", to_state: str, fields: Optional[dict] = None, *,
                    kind: str, action: Optional[str], comment: Optional[str] = None, level: Optional[int] = None,
                    step_id: Optional[int] = None, slot: Optional[int] = None,
                    on_behalf_of: Optional[int] = None) -> "Record":
        """Move the record to ``to_state`` (the store's one allowed write), journal it, open approvals;
        the record as it then is."""
        from .approval import Approvals

        before = record.values.get(wf.state_field)
        values = {**(fields or {}), wf.state_field: to_state}
        with transition_write(self.store, wf.type_name, record.id, to_state), enforce.unchecked(self.store):
            after = self.store.update(wf.type_name, record.id, values)
        approvals = Approvals(self)
        if before in wf.approvals:  # (only a state with approvals has steps to close)
            approvals.cancel_pending(wf.type_name, record.id)
        journal.record(self.store, wf.type_name, record.id, kind, action=action, from_state=before,
                       to_state=to_state, level=level, comment=comment, step_id=step_id, slot=slot,
                       on_behalf_of=on_behalf_of)
        if to_state in wf.approvals and after.values.get(wf.state_field) == to_state:
            after = approvals.open(wf, after, submitted_by=self.store.user_id) or after
        return after
