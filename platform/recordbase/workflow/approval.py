"""Approval steps: a state that requires approval opens its first level that applies to the record
(a level's condition: contract value > 500,000 adds the finance director); each level's approver
entries are its slots, filled by one decision each, and the level's policy says how many must be
filled (any: one; all: every one; N of M). Level 2 opens only when level 1 is approved; when the last
level is approved the record moves to the approval's ``approved`` state; one rejection sends it to
its ``rejected`` state with the comment.

Decisions are made with the record's row locked (:meth:`WorkflowEngine.lock`) and the step re-read
under it, and a slot is one unique row: two approvers filling the last open slot at once make one
transition, not two; the second is told the step is decided.
"""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Optional

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, Forbidden, ValidationError, VersionConflict
from ..i18n import translate as _
from ..models import utcnow
from . import approvers, journal
from .definition import Level, WorkflowDef
from .models import ApprovalAssignee, ApprovalStep, WorkflowDecision

if TYPE_CHECKING:
    from ..storage.reading import Record
    from .engine import WorkflowEngine


class Approvals:
    def __init__(self, engine: "WorkflowEngine"):
        self.engine = engine
        self.store = engine.store
        self.session = engine.session

    # -- opening ----------------------------------------------------------------------
    def open(self, wf: WorkflowDef, record: "Record", submitted_by: Optional[int],
             start: int = 1) -> Optional["Record"]:
        """Open the first level from ``start`` that applies to the record; none left: approved (the
        record as it then is; None: a level waits)."""
        state = record.values.get(wf.state_field)
        approval = wf.approvals[state]
        for level in approval.levels[start - 1:]:
            if self.engine.condition_holds(wf.type_name, level.condition, record.values):
                self._open_level(wf, record, level, submitted_by, approval.allow_self_approval)
                return None
        return self.engine.write_state(wf, record, approval.approved, kind="approved", action=None)

    def _resolve(self, wf: WorkflowDef, record: "Record", level: Level, submitted_by: Optional[int],
                 allow_self: bool) -> tuple[list[set[int]], int]:
        """Who may fill each of the level's slots for the record now, and how many slots must be filled."""
        values = approvers.expand(self.store, wf.type_name, level.approvers, record.values)
        users = approvers.slot_users(self.session, level.approvers, values)
        if not allow_self:
            excluded = {submitted_by, record.created_by}
            users = [u - excluded for u in users]
        fillable = sum(1 for u in users if u)
        return users, max(1, min(level.required(len(users)), fillable))

    def _open_level(self, wf: WorkflowDef, record: "Record", level: Level, submitted_by: Optional[int],
                    allow_self: bool) -> None:
        state = record.values.get(wf.state_field)
        users, required = self._resolve(wf, record, level, submitted_by, allow_self)
        now = utcnow()
        due = now + timedelta(days=level.due_days) if level.due_days else None
        step_id = self.session.execute(insert(ApprovalStep).values(
            type_name=wf.type_name, record_id=record.id, state=state, level=level.index, required=required,
            slots=list(level.approvers), status="pending", submitted_by=submitted_by, created_at=now, due_at=due,
            escalated=False).returning(ApprovalStep.id)).scalar_one()
        rows = [{"step_id": step_id, "slot": i, "user_id": uid} for i, us in enumerate(users) for uid in sorted(us)]
        if rows:
            self.session.execute(insert(ApprovalAssignee), rows)
        title = self.store.title(record)
        journal.notify(self.store, {r["user_id"] for r in rows}, wf.type_name, record.id,
                       f"Waiting for your approval: {title}", f"待您审批：{title}")

    def fill_unassigned(self, wf: WorkflowDef, step: ApprovalStep, record: "Record") -> int:
        """A pending step opened with no approver (nobody held the role, the user field was empty) gets
        its approvers looked up again, and they are told; how many were found."""
        approval = wf.approvals.get(step.state)
        if approval is None or step.level > len(approval.levels) or self.session.scalar(
                select(func.count()).select_from(ApprovalAssignee).where(ApprovalAssignee.step_id == step.id)):
            return 0
        users, required = self._resolve(wf, record, approval.levels[step.level - 1], step.submitted_by,
                                        approval.allow_self_approval)
        rows = [{"step_id": step.id, "slot": i, "user_id": uid} for i, us in enumerate(users) for uid in sorted(us)]
        if not rows:
            return 0
        step.required = required
        self.session.execute(insert(ApprovalAssignee), rows)
        title = self.store.title(record)
        journal.notify(self.store, {r["user_id"] for r in rows}, wf.type_name, record.id,
                       f"Waiting for your approval: {title}", f"待您审批：{title}")
        return len(rows)

    def cancel_pending(self, type_name: str, record_id: int) -> None:
        """The record left the state another way: its open steps are closed."""
        self.session.execute(update(ApprovalStep).where(
            ApprovalStep.type_name == type_name, ApprovalStep.record_id == record_id,
            ApprovalStep.status == "pending").values(status="cancelled", finished_at=utcnow()))

    # -- reading ----------------------------------------------------------------------
    def pending_step(self, type_name: str, record_id: int, lock: bool = False) -> Optional[ApprovalStep]:
        stmt = select(ApprovalStep).where(ApprovalStep.type_name == type_name, ApprovalStep.record_id == record_id,
                                          ApprovalStep.status == "pending").order_by(ApprovalStep.id.desc()).limit(1)
        if lock:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def _actors(self) -> list[int]:
        """The user and the approvers they stand in for today."""
        uid = self.store.user_id
        if uid is None:
            return []
        return [uid] + approvers.delegators(self.session, uid, self.store.local_now().date())

    def _open_slots(self, step: ApprovalStep) -> tuple[list[tuple[int, int]], bool]:
        """(slot, approver) pairs the user may fill now (their own first), and whether they decided."""
        actors = self._actors()
        if not actors:
            return [], False
        mine = self.session.execute(select(ApprovalAssignee.slot, ApprovalAssignee.user_id).where(
            ApprovalAssignee.step_id == step.id, ApprovalAssignee.user_id.in_(actors))).all()
        decided = self.session.execute(select(WorkflowDecision.slot, WorkflowDecision.user_id,
                                              WorkflowDecision.on_behalf_of)
                                       .where(WorkflowDecision.step_id == step.id)).all()
        filled = {d.slot for d in decided}
        me = self.store.user_id
        by_me = any(d.user_id == me or d.on_behalf_of == me for d in decided)
        acted_for = {d.on_behalf_of or d.user_id for d in decided}
        pairs = sorted(((s, u) for s, u in mine if s not in filled and u not in acted_for), key=lambda p: (p[1] != me, p[0]))
        return pairs, by_me

    def waiting_for_me(self, type_name: str, record: "Record") -> Optional[ApprovalStep]:
        step = self.pending_step(type_name, record.id)
        if step is None:
            return None
        pairs, by_me = self._open_slots(step)
        return step if pairs and not by_me else None

    # -- deciding ---------------------------------------------------------------------
    def decide(self, type_name: str, record_id: int, approve: bool, comment: Optional[str],
               version: Optional[int] = None) -> "Record":
        wf = self.engine.workflow(type_name)
        record = self.engine.lock(type_name, record_id)
        if version is not None and version != record.version:
            raise VersionConflict(_("The record was changed by someone else; reload and try again"),
                                  {"current_version": record.version})
        step = self.pending_step(type_name, record.id, lock=True)
        if step is None:
            raise Conflict(_("Nothing waits for approval on this record"), {"transitions": self._names(type_name, record)})
        pairs, by_me = self._open_slots(step)
        if by_me:
            raise Conflict(_("You have already decided on this approval"), {"level": step.level})
        if not pairs:
            raise Forbidden(_("You are not an approver of this step"), {"level": step.level})
        approval = wf.approvals.get(step.state)
        me = self.store.user_id
        if approve and approval is not None and not approval.allow_self_approval \
                and me in (step.submitted_by, record.created_by):
            raise Forbidden(_("You may not approve your own record"), {"level": step.level})
        if not approve and not comment:
            raise ValidationError(_("A rejection needs a comment"), {"comment": [_("is required to reject")]})
        slot, approver = pairs[0]
        on_behalf = approver if approver != me else None
        try:
            with self.session.begin_nested():
                journal.record(self.store, type_name, record.id, "approve" if approve else "reject",
                               action="approve" if approve else "reject", step_id=step.id, slot=slot,
                               level=step.level, comment=comment, on_behalf_of=on_behalf,
                               from_state=step.state)
        except IntegrityError:
            raise Conflict(_("Someone decided this approval at the same time; reload and try again"),
                           {"level": step.level}) from None
        now = utcnow()
        if not approve:
            step.status, step.finished_at = "rejected", now
            self.session.flush()
            record = self.engine.write_state(wf, record, approval.rejected, kind="rejected", action="reject",
                                             comment=comment, level=step.level)
            title = self.store.title(record)
            journal.notify(self.store, {step.submitted_by, record.created_by}, type_name, record.id,
                           f"Rejected: {title}: {comment}", f"已驳回：{title}：{comment}")
        else:
            filled = self.session.scalar(select(func.count()).select_from(WorkflowDecision).where(
                WorkflowDecision.step_id == step.id, WorkflowDecision.kind == "approve"))
            if filled >= step.required:
                step.status, step.finished_at = "approved", now
                self.session.flush()
                record = self.open(wf, record, step.submitted_by, start=step.level + 1) or record
        return record

    def _names(self, type_name: str, record: "Record") -> list[str]:
        return [t["name"] for t in self.engine.available(type_name, record)]

