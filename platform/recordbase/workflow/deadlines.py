"""Overdue approval steps, on the scheduler's clock (called by :func:`recordbase.automation.scheduler.run_due`,
so by every worker tick, at the "now" the worker runs at).

A step whose level has ``due_days`` is due at its opening + that many days. Once due, and once only
(``escalated`` is set in the same transaction, the step's row locked): its open approvers are told in
the inbox (``on_overdue.notify``, default true), ``escalate_to`` approvers join every slot of the step
(and are told), and ``transition`` names a transition taken automatically. Each is a decision in the
record's timeline.

A step that opened with no approver at all looks its approvers up again on every tick
(:func:`run_unassigned`): a role given to someone later reaches the steps already waiting.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import sessionmaker

from ..errors import RecordbaseError
from ..storage import RecordStore
from . import approvers, journal
from .approval import Approvals
from .engine import WorkflowEngine
from .models import ApprovalAssignee, ApprovalStep

log = logging.getLogger(__name__)


def _naive_utc(now: datetime) -> datetime:
    return now.astimezone(timezone.utc).replace(tzinfo=None) if now.tzinfo is not None else now


def run_overdue(sessions: sessionmaker, schema_cache: Any, now: datetime, default_tz: str = "UTC") -> int:
    """Act on every pending step overdue at ``now``; how many."""
    at = _naive_utc(now)
    with sessions() as s:
        ids = list(s.scalars(select(ApprovalStep.id).where(ApprovalStep.status == "pending",
                                                           ApprovalStep.escalated.is_(False),
                                                           ApprovalStep.due_at <= at).order_by(ApprovalStep.id)))
    done = 0
    for step_id in ids:
        try:
            with sessions.begin() as s:
                store = RecordStore(s, schema_cache.get(s), timezone_name=default_tz)
                done += _one(store, step_id)
        except RecordbaseError as exc:
            log.warning("overdue approval step %s: %s", step_id, exc.message)
    return done


def run_unassigned(sessions: sessionmaker, schema_cache: Any, default_tz: str = "UTC", limit: int = 500) -> int:
    """Pending steps with no approver (opened when nobody held the role, or the user field was empty)
    look their approvers up again: once a role is given to someone, the step waits in their "My
    approvals". How many steps found approvers."""
    unassigned = ~select(ApprovalAssignee.step_id).where(ApprovalAssignee.step_id == ApprovalStep.id).exists()
    with sessions() as s:
        ids = list(s.scalars(select(ApprovalStep.id).where(ApprovalStep.status == "pending", unassigned)
                             .order_by(ApprovalStep.id).limit(limit)))
    done = 0
    for step_id in ids:
        try:
            with sessions.begin() as s:
                store = RecordStore(s, schema_cache.get(s), timezone_name=default_tz)
                step = s.get(ApprovalStep, step_id)
                engine = WorkflowEngine(store)
                record = engine.lock(step.type_name, step.record_id)
                done += bool(Approvals(engine).fill_unassigned(engine.workflow(step.type_name), step, record))
        except RecordbaseError as exc:
            log.warning("approval step %s without approvers: %s", step_id, exc.message)
    return done


def _one(store: RecordStore, step_id: int) -> int:
    s = store.session
    first = s.get(ApprovalStep, step_id)
    if first is None:
        return 0
    engine = WorkflowEngine(store)
    wf = engine.workflow(first.type_name)
    record = engine.lock(first.type_name, first.record_id)
    step = s.scalars(select(ApprovalStep).where(ApprovalStep.id == step_id).with_for_update()
                     .execution_options(populate_existing=True)).first()
    if step is None or step.status != "pending" or step.escalated:
        return 0
    approval = wf.approvals.get(step.state)
    if approval is None or step.level > len(approval.levels):
        return 0
    level = approval.levels[step.level - 1]
    od = level.on_overdue or {}
    step.escalated = True
    s.flush()
    title = store.title(record)
    waiting = set(s.scalars(select(ApprovalAssignee.user_id).where(ApprovalAssignee.step_id == step.id)))
    if od.get("notify", True):
        journal.notify(store, waiting, step.type_name, record.id, f"Overdue approval: {title}", f"审批已超期：{title}")
    if od.get("escalate_to"):
        values = approvers.expand(store, wf.type_name, od["escalate_to"], record.values)
        extra = set().union(*approvers.slot_users(s, od["escalate_to"], values)) - waiting
        rows = [{"step_id": step.id, "slot": i, "user_id": uid} for i in range(len(step.slots or [])) for uid in sorted(extra)]
        if rows:
            s.execute(insert(ApprovalAssignee), rows)
        journal.record(store, step.type_name, record.id, "escalate", level=step.level, from_state=step.state)
        journal.notify(store, extra, step.type_name, record.id, f"Escalated to you: {title}", f"已上报给您审批：{title}")
    t = wf.transition(od["transition"]) if od.get("transition") else None
    if t is not None and record.values.get(wf.state_field) in t.sources:
        engine.run(wf, t, record, None, {}, kind="overdue")
    elif not od.get("escalate_to"):
        journal.record(store, step.type_name, record.id, "overdue", level=step.level, from_state=step.state)
    return 1
