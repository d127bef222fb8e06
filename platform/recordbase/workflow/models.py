"""The workflow tables (migration ``0015_workflows``).

- ``rb_workflow``: one workflow document per record type (:mod:`.definition`).
- ``rb_approval_step``: one approval level of one record in one state: ``pending`` until enough
  approver slots are filled (policy any / all / N of M), then ``approved``; ``rejected`` on a
  rejection; ``cancelled`` when the record left the state another way.
- ``rb_approval_assignee``: the users who may fill a slot of a step (resolved when the step
  opens: roles, named users and user fields of the record), indexed by user for "My approvals".
- ``rb_workflow_decision``: every decision (transition taken, approval, rejection, escalation)
  with who, on whose behalf (a delegate), level, comment and time: the approval timeline.
  A unique (step, slot) makes a slot filled once, whatever runs at the same time.
- ``rb_delegation``: an approver names a substitute for a date range.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..models import Base, utcnow


class Workflow(Base):
    __tablename__ = "rb_workflow"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type_name: Mapped[str] = mapped_column(String(63), unique=True)
    definition: Mapped[Any] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ApprovalStep(Base):
    __tablename__ = "rb_approval_step"
    __table_args__ = (Index("ix_rb_approval_step_record", "type_name", "record_id", "id"),
                      Index("ix_rb_approval_step_status_due", "status", "due_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type_name: Mapped[str] = mapped_column(String(63))
    record_id: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(255))
    level: Mapped[int] = mapped_column(Integer)
    #: how many slots must be filled (any: 1, all: every slot, n_of_m: n)
    required: Mapped[int] = mapped_column(Integer)
    #: the slots as the definition names them ([{"role": ...}, {"user": ...}, {"user_field": ...}])
    slots: Mapped[Any] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    #: who moved the record into the state (self-approval is checked against them and the creator)
    submitted_by: Mapped[Optional[int]] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    due_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    finished_at: Mapped[Optional[datetime]] = mapped_column(DateTime)


class ApprovalAssignee(Base):
    __tablename__ = "rb_approval_assignee"
    __table_args__ = (Index("ix_rb_approval_assignee_user", "user_id", "step_id"),)

    step_id: Mapped[int] = mapped_column(ForeignKey("rb_approval_step.id", ondelete="CASCADE"), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class WorkflowDecision(Base):
    __tablename__ = "rb_workflow_decision"
    __table_args__ = (Index("ix_rb_workflow_decision_record", "type_name", "record_id", "id"),
                      UniqueConstraint("step_id", "slot", name="uq_rb_workflow_decision_slot"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type_name: Mapped[str] = mapped_column(String(63))
    record_id: Mapped[int] = mapped_column(Integer)
    #: transition, approve, reject, escalate, overdue
    kind: Mapped[str] = mapped_column(String(16))
    action: Mapped[Optional[str]] = mapped_column(String(63))
    from_state: Mapped[Optional[str]] = mapped_column(String(255))
    to_state: Mapped[Optional[str]] = mapped_column(String(255))
    step_id: Mapped[Optional[int]] = mapped_column(Integer)
    slot: Mapped[Optional[int]] = mapped_column(Integer)
    level: Mapped[Optional[int]] = mapped_column(Integer)
    user_id: Mapped[Optional[int]] = mapped_column(Integer)
    #: the approver a delegate acted for
    on_behalf_of: Mapped[Optional[int]] = mapped_column(Integer)
    comment: Mapped[Optional[str]] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Delegation(Base):
    __tablename__ = "rb_delegation"
    __table_args__ = (Index("ix_rb_delegation_substitute", "substitute_id", "starts_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("rb_user.id", ondelete="CASCADE"), index=True)
    substitute_id: Mapped[int] = mapped_column(ForeignKey("rb_user.id", ondelete="CASCADE"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
