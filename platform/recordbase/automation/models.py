"""The automation tables: rules, their runs and run steps (the outbox), notifications, claims.

- ``rb_rule``: one automation rule; ``definition`` holds the rule JSON of design §9
  (trigger, condition, actions); name, record type and the enabled switch are columns too,
  so the engine can load the enabled rules of a type with one indexed query.
- ``rb_rule_run``: one firing of a rule on one record (or a failed cascade, or a dry run).
- ``rb_rule_step``: one action of a run. Data actions are written ``succeeded`` in the
  triggering write's transaction; external effects (webhook, e-mail) are written ``pending``
  in that same transaction and executed after commit by the worker (a transactional outbox).
- ``rb_notification``: the in-app inbox.
- ``rb_rule_claim``: (rule, occurrence key) claims of scheduled and date-relative firings; the
  unique constraint is what keeps two workers from running the same occurrence twice.
- ``rb_automation_state``: one row whose version every rule change bumps (the per-process
  cache of compiled rules compares against it, as the schema cache does with the schema version).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..models import Base, utcnow


class AutomationState(Base):
    __tablename__ = "rb_automation_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Rule(Base):
    __tablename__ = "rb_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    name_zh: Mapped[Optional[str]] = mapped_column(String(255))
    type_name: Mapped[str] = mapped_column(String(63), index=True)
    trigger: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    definition: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[Optional[int]] = mapped_column(Integer)


class RuleRun(Base):
    __tablename__ = "rb_rule_run"
    __table_args__ = (Index("ix_rb_rule_run_rule_started", "rule_id", "started_at"),
                      Index("ix_rb_rule_run_record", "type_name", "record_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("rb_rule.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(32))
    type_name: Mapped[str] = mapped_column(String(63))
    record_id: Mapped[Optional[int]] = mapped_column(Integer)
    #: pending (external steps not done yet), succeeded, failed
    status: Mapped[str] = mapped_column(String(16), default="succeeded")
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    duration_ms: Mapped[Optional[int]] = mapped_column(Integer)
    error: Mapped[Optional[str]] = mapped_column(Text)
    #: the cascade that led here: [{"rule_id", "rule", "type", "record_id"}, ...]
    chain: Mapped[Optional[list]] = mapped_column(JSON)
    depth: Mapped[int] = mapped_column(Integer, default=1)
    user_id: Mapped[Optional[int]] = mapped_column(Integer)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)

    steps: Mapped[list["RuleStep"]] = relationship(order_by="RuleStep.position", cascade="all, delete-orphan",
                                                   back_populates="run")


class RuleStep(Base):
    __tablename__ = "rb_rule_step"
    __table_args__ = (Index("ix_rb_rule_step_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: None for an e-mail no rule sent (an @mention's: automation.outbox.queue_email; migration 0019)
    run_id: Mapped[Optional[int]] = mapped_column(ForeignKey("rb_rule_run.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    action: Mapped[str] = mapped_column(String(32))
    #: data (done in the write's transaction) or external (outbox: done by the worker after commit)
    kind: Mapped[str] = mapped_column(String(16), default="data")
    #: pending, running, succeeded, failed
    status: Mapped[str] = mapped_column(String(16), default="succeeded")
    result: Mapped[Optional[Any]] = mapped_column(JSON)
    error: Mapped[Optional[str]] = mapped_column(Text)
    #: what the worker sends (webhook: url, body text, secret reference; e-mail: to, subject, body)
    payload: Mapped[Optional[Any]] = mapped_column(JSON)
    idempotency_key: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=1)
    next_attempt_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    claimed_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    claimed_by: Mapped[Optional[str]] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(DateTime)

    run: Mapped[Optional[RuleRun]] = relationship(back_populates="steps")


class Notification(Base):
    __tablename__ = "rb_notification"
    __table_args__ = (Index("ix_rb_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("rb_user.id", ondelete="CASCADE"))
    rule_id: Mapped[Optional[int]] = mapped_column(ForeignKey("rb_rule.id", ondelete="SET NULL"))
    run_id: Mapped[Optional[int]] = mapped_column(Integer)
    type_name: Mapped[Optional[str]] = mapped_column(String(63))
    record_id: Mapped[Optional[int]] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
    message_zh: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[Optional[datetime]] = mapped_column(DateTime)


class RuleClaim(Base):
    __tablename__ = "rb_rule_claim"
    __table_args__ = (UniqueConstraint("rule_id", "key", name="uq_rb_rule_claim_rule_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("rb_rule.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(191))
    run_id: Mapped[Optional[int]] = mapped_column(Integer)
    claimed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    claimed_by: Mapped[Optional[str]] = mapped_column(String(64))
