"""Scheduled (cron) and date-relative rules, run by the worker at "now".

- ``schedule``: at the latest cron occurrence at or before now (in the rule's time zone, else
  the instance's), after the rule was created, the rule runs once on each record matching its
  condition. A worker that was down runs the missed occurrence once when it comes back (not
  every missed one).
- ``date_relative``: a record is due when ``date_field + offset_days`` at ``at`` (time of day,
  default 09:00, in the rule's time zone) has come, and came after the rule was created.
  It fires once per record and date: changing the date makes it due again for the new date.

Each firing first inserts a claim ``(rule, occurrence key)`` — a unique row — in the same
transaction as the run, so two workers never run the same occurrence for the same record
twice (the second insert fails, or on PostgreSQL waits for the first to commit and then
fails), and a firing that fails is claimed too, so it is not retried forever.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Iterator, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import RecordbaseError
from ..metamodel.dependencies import value_kind
from ..metamodel.filters import CompiledFilter, compile_filter
from ..storage import RecordStore
from .engine import RuleEngine
from .failures import RuleFailed
from .models import Rule, RuleClaim
from .rules import CompiledRule, at_time, rule_from_model
from .schema import RuleError

log = logging.getLogger(__name__)


@dataclass
class Due:
    rule: CompiledRule
    record_id: int
    key: str


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)


def _created(rule: Rule) -> datetime:
    return rule.created_at.replace(tzinfo=timezone.utc)


def last_occurrence(cron: str, tz: str, now: datetime) -> datetime:
    """The latest time matching ``cron`` at or before ``now`` (aware, in ``tz``)."""
    from croniter import croniter

    local = _aware(now).astimezone(ZoneInfo(tz))
    return croniter(cron, local + timedelta(seconds=1)).get_prev(datetime)


def _records(store: RecordStore, type_name: str, compiled: Optional[CompiledFilter]) -> Iterator:
    cursor = None
    while True:
        page = store.list(type_name, filter=compiled, sort="id", limit=500, cursor=cursor)
        yield from page.records
        cursor = page.next_cursor
        if not cursor:
            return


def due_firings(session: Session, store: RecordStore, model: Rule, rule: CompiledRule, now: datetime,
                default_tz: str) -> list[Due]:
    """The (record, occurrence key) pairs of one scheduled or date-relative rule due at ``now``."""
    now = _aware(now)
    created = _created(model)
    tz = rule.trigger.get("timezone") or default_tz
    clock = RuleEngine(store, now=now).clock()
    condition = rule.condition.at(clock).whole
    out: list[Due] = []
    if rule.on == "schedule":
        occurrence = last_occurrence(rule.trigger["cron"], tz, now)
        if occurrence <= created:
            return []
        stamp = occurrence.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
        for rec in _records(store, rule.type_name, condition):
            out.append(Due(rule, rec.id, f"cron:{stamp}:{rec.id}"))
        return out
    # date_relative
    typedef = store.type(rule.type_name)
    f = typedef.field(rule.trigger["date_field"])
    offset = int(rule.trigger["offset_days"])
    at = at_time(rule.trigger)
    zone = ZoneInfo(tz)
    local_now = now.astimezone(zone)
    lo = created.astimezone(zone).date() - timedelta(days=offset + 1)
    hi = local_now.date() - timedelta(days=offset - 1)
    last = hi.isoformat() + ("" if value_kind(f) == "date" else "T23:59:59")  # (a formula may give dates)
    window = {"and": [{"field": f.name, "op": "gte", "value": lo.isoformat()},
                      {"field": f.name, "op": "lte", "value": last}]}
    selection = compile_filter(window, typedef, store.ctx, clock)
    tree = {"and": [rule.condition.tree, window]} if rule.condition.tree else window
    if condition is not None:
        selection = compile_filter(tree, typedef, store.ctx, clock)
    for rec in _records(store, rule.type_name, selection):
        value = rec.values.get(f.name)
        if value is None:
            continue
        if isinstance(value, datetime):
            day = value.replace(tzinfo=timezone.utc).astimezone(zone).date()
        elif isinstance(value, date):
            day = value
        else:
            continue
        fire_at = datetime.combine(day + timedelta(days=offset), at, tzinfo=zone)
        if created < fire_at <= now:
            out.append(Due(rule, rec.id, f"date:{rec.id}:{day.isoformat()}"))
    return out


def run_due(sessions: sessionmaker, schema_cache, now: datetime, worker_id: str, default_tz: str = "UTC") -> dict:
    """Fire every scheduled and date-relative rule due at ``now``; counts of runs and failures."""
    counts = {"runs": 0, "failed": 0, "skipped": 0}
    with sessions() as s:
        models = list(s.scalars(select(Rule).where(Rule.enabled.is_(True), Rule.trigger.in_(("schedule", "date_relative")))
                                .order_by(Rule.id)))
        s.expunge_all()
    for model in models:
        try:
            with sessions() as s:
                schema = schema_cache.get(s)
                store = RecordStore(s, schema, timezone_name=default_tz)
                try:
                    rule = rule_from_model(model, schema, store.ctx)
                except RuleError as exc:
                    log.warning("scheduled rule %s is not valid any more: %s", model.id, exc.message)
                    continue
                due = due_firings(s, store, model, rule, now, default_tz)
                claimed = set(s.scalars(select(RuleClaim.key).where(RuleClaim.rule_id == model.id,
                                                                   RuleClaim.key.in_([d.key for d in due]))))
                due = [d for d in due if d.key not in claimed]
        except RecordbaseError as exc:
            log.warning("scheduled rule %s: %s", model.id, exc.message)
            continue
        for d in due:
            outcome = fire_one(sessions, schema_cache, d, now, worker_id, default_tz)
            counts[outcome] = counts.get(outcome, 0) + 1
    from ..workflow.deadlines import run_overdue, run_unassigned

    run_overdue(sessions, schema_cache, now, default_tz)  # approval steps past their deadline (recordbase.workflow)
    run_unassigned(sessions, schema_cache, default_tz)  # and those still waiting with no approver
    return counts


def fire_one(sessions: sessionmaker, schema_cache, due: Due, now: datetime, worker_id: str, tz: str) -> str:
    """Claim and run one occurrence on one record, in one transaction; 'runs', 'failed' or 'skipped'."""
    try:
        with sessions.begin() as s:
            if not _claim(s, due, worker_id):
                return "skipped"
            store = RecordStore(s, schema_cache.get(s), timezone_name=tz)
            engine = RuleEngine(store, now=now)
            store.rule_engine = engine
            try:
                run, matched = engine.run_on_record(due.rule, due.record_id, trigger=due.rule.on)
            except RecordbaseError as exc:
                if isinstance(exc, RuleFailed):
                    raise
                log.info("scheduled rule %s on record %s: %s", due.rule.id, due.record_id, exc.message)
                return "skipped"
            if run is not None:
                s.execute(RuleClaim.__table__.update().where(RuleClaim.rule_id == due.rule.id, RuleClaim.key == due.key)
                          .values(run_id=run.id))
            return "runs" if run is not None else "skipped"
    except RuleFailed:
        # the run and its effects rolled back (the failed run was recorded); claim the occurrence anyway
        with sessions.begin() as s:
            _claim(s, due, worker_id)
        return "failed"


def _claim(session: Session, due: Due, worker_id: str) -> bool:
    try:
        with session.begin_nested():
            session.add(RuleClaim(rule_id=due.rule.id, key=due.key, claimed_by=worker_id))
            session.flush()
        return True
    except IntegrityError:
        return False
