"""The rule engine: fires rules on record events, inside the triggering write's transaction.

The record store calls :meth:`RuleEngine.after_event` after every create, update and delete
(its ``rule_engine`` hook). Matching rules run their actions at once, in order:

- **Data actions** (update_record, create_record, update_linked, notify's inbox rows, assign)
  write through the same store and session, so they commit or roll back with the user's write.
  A data action that fails (a value the field refuses ...) fails the write: the error names the
  rule and the action; a failed run is recorded after the transaction ends.
- **Cascades.** An action's write is itself an event, so rules can trigger rules. The chain
  may be at most :data:`MAX_DEPTH` rules deep; beyond it, or when the same rule comes back to
  the same record in the same state (a cycle), the chain stops: everything the chain did is
  rolled back (a savepoint around each rule fired by the user's write), a failed run naming
  the chain of rules is recorded, and the user's write still succeeds.
- **Cost.** The rules of each type are precompiled per schema and rules version (:mod:`.plan`);
  conditions are checked in Python on the event's values. Rules fired by the user's write that
  only set plain fields of the record are evaluated in memory and written with one update
  (:mod:`.merge`) when that cannot change which rules fire.
- **External effects** (webhook, e-mail) are written as *pending* run steps in the same
  transaction: a transactional outbox. After commit they are handed to the queue
  (:mod:`.queue`) by :mod:`.after_commit`; the worker (:mod:`.outbox`) executes them, at least
  once, and never for a write that rolled back (its steps rolled back with it).

The two ways a firing fails (a stopped cascade, a failed data action) are in :mod:`.failures`.
"""
from __future__ import annotations

import json
import logging
import time as _time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Optional
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ..access.enforce import unchecked
from ..metamodel.filters import Clock
from ..metamodel.runtime import TypeDef
from ..models import utcnow
from .actions import StepSpec
from .action_context import ActionContext
from .after_commit import FAILED_KEY, OUTBOX_KEY, hand_over, record_failure
from .failures import CascadeStopped, RuleFailed
from .merge import UpdateGroup
from .models import RuleRun, RuleStep
from .plan import TypeRules, type_rules
from .rules import CompiledRule
from .runs import run_json, step_json  # noqa: F401 - the API and admin import them from here

if TYPE_CHECKING:
    from ..storage import RecordStore
    from ..storage.events import RecordEvent

log = logging.getLogger(__name__)

MAX_DEPTH = 8
__all__ = ["MAX_DEPTH", "RuleEngine", "CascadeStopped", "RuleFailed", "run_json", "step_json"]


def _fingerprint(values: dict) -> str:
    return json.dumps(values, sort_keys=True, default=str)


class RuleEngine:
    """One per record store (that is, per unit of work). ``now`` moves the clock (worker ``--now``)."""

    def __init__(self, store: "RecordStore", now: Optional[datetime] = None):
        self.store = store
        self.session: Session = store.session
        self.now = now
        self._rules: Optional[dict[str, TypeRules]] = None
        self._chain: list[dict] = []
        self._conditions: dict[int, Any] = {}
        #: a group folded into the user's update by :meth:`fold_update`: (type, record id, rule ids, group)
        self._folded: Optional[tuple] = None

    # -- the clock -----------------------------------------------------------------
    def clock(self) -> Clock:
        now = self.now or datetime.now(timezone.utc)
        if now.tzinfo is None:
            now = now.replace(tzinfo=timezone.utc)
        return Clock(now=now.astimezone(timezone.utc).replace(tzinfo=None),
                     today=now.astimezone(ZoneInfo(self.store.timezone)).date())

    def condition(self, rule: CompiledRule):
        key = id(rule)
        if key not in self._conditions:
            self._conditions[key] = rule.condition.at(self.clock())
        return self._conditions[key]

    # -- events ----------------------------------------------------------------------
    def rules_for(self, type_name: str) -> Optional[TypeRules]:
        """The type's precompiled rules (the rules version is read once per engine, i.e. per unit of work)."""
        if self._rules is None:
            self._rules = type_rules(self.session, self.store.schema, self.store.ctx)
        return self._rules.get(type_name)

    def fold_update(self, typedef: TypeDef, before, cleaned: dict) -> tuple[dict, int]:
        """The record store's pre-write hook for the user's own update: (the values to write, version step).

        When every rule this write fires is mergeable and they would all have been merged into one
        group (:mod:`.merge`), the group is evaluated now, on the values the write is about to give
        the record, and its values join the user's UPDATE: one statement instead of two. The version
        grows by two, as with the separate merged write, and the runs and steps are recorded when the
        write's event arrives (:meth:`after_event`), which then does not fire these rules again.
        Anything that could make the outcome differ from the merged write falls back to it
        (see :func:`.merge.fold_group`)."""
        self._folded = None
        if self._chain:
            return cleaned, 1
        trules = self.rules_for(typedef.name)
        if trules is None or not trules.any_mergeable or not trules.on_update:
            return cleaned, 1
        from .merge import fold_group

        group = fold_group(self, trules, typedef, before, cleaned)
        if group is None:
            return cleaned, 1
        self._folded = (typedef.name, before.id, frozenset(id(r) for r, *_ in group.runs), group)
        if not group.raw:
            return cleaned, 1
        return {**cleaned, **{k: group.values[k] for k in group.raw}}, 2

    def after_event(self, event: "RecordEvent") -> None:
        trules = self.rules_for(event.type_name)
        rules = trules.for_action(event.action) if trules is not None else ()
        if not rules:
            return
        folded, skip = self._folded, frozenset()
        if folded is not None and event.action == "update" and (event.type_name, event.record_id) == folded[:2]:
            # the user's update already wrote what these rules set: record their runs, do not fire them again
            self._folded = None
            skip, group = folded[2], folded[3]
            group.raw = {}
            self._flush(group)
        changed: list[str] = []
        if event.action == "update":
            changed = event.changed_fields()
            if not changed:
                return
        after = {**event.after, "id": event.record_id}
        before = {**event.before, "id": event.record_id}
        mark = len(self.store.events)
        merging = event.action != "delete" and trules.any_mergeable and not self._chain
        group: Optional[UpdateGroup] = None
        for rule in rules:
            if skip and id(rule) in skip:
                continue
            on = rule.on
            if event.action == "create":
                fire = self.condition(rule).matches(after)
            elif on == "record_updated":
                fire = (not rule.fields or bool(rule.fields.intersection(changed))) and \
                    self.condition(rule).matches(after, before)
            elif on == "record_matches":
                cond = self.condition(rule)
                fire = cond.matches(after) and not cond.matches(before)
            else:  # deleted
                fire = self.condition(rule).matches(before)
            if not fire:
                continue
            # the event's values are the record's own unless an earlier rule wrote since
            current = (event.after or event.before) if len(self.store.events) == mark else None
            if event.action != "delete":
                if group is not None and group.raw and group.reads_changes(rule):
                    self._flush(group)  # the condition reads what the merged rules set: write it first
                    group = None
                    current = None
                if current is None:
                    # an earlier rule wrote: the rule fires only if its condition still holds now
                    current = dict(self.store.get(event.type_name, event.record_id, include_deleted=True).values)
                    if not self._still_matches(rule, {**current, "id": event.record_id}, before):
                        continue
            if merging:
                if group is None:
                    group = UpdateGroup.start(self, trules, event.type_name, event.record_id, current, changed)
                if group.try_add(rule, on):
                    continue
                self._flush(group)
                group = None
                current = (event.after or event.before) if len(self.store.events) == mark else None
            self.fire(rule, event.record_id, on, before=event.before, values=current, changed=changed)
        if group is not None:
            self._flush(group)

    def _still_matches(self, rule: CompiledRule, now: dict, before: dict) -> bool:
        """Does ``rule``'s condition hold on the record as the rules before it left it (``now``)?"""
        if rule.on == "record_updated":
            return self.condition(rule).matches(now, before)
        return self.condition(rule).matches(now)

    def _flush(self, group: UpdateGroup) -> None:
        """Write a group of merged rules; a failure fails the write and is recorded, as :meth:`fire` does."""
        started, t0 = utcnow(), _time.perf_counter()
        try:
            group.flush()
        except RuleFailed as failed:
            record_failure(self.session,
                           rule_id=failed.rule.id, trigger=failed.rule.on, type_name=group.typedef.name,
                           record_id=group.record_id, error=failed.message, chain=failed.chain or None,
                           user_id=self.store.user_id, started_at=started,
                           duration_ms=int((_time.perf_counter() - t0) * 1000))
            raise

    # -- firing ------------------------------------------------------------------------
    def fire(self, rule: CompiledRule, record_id: int, trigger: str, before: Optional[dict] = None,
             values: Optional[dict] = None, changed: Optional[list] = None, dry_run: bool = False) -> Optional[RuleRun]:
        """Run ``rule``'s actions on one record; the run (None when a stopped cascade was recorded instead)."""
        typedef = self.store.schema.get(rule.type_name)
        depth = len(self._chain) + 1
        if values is None:
            values = dict(self.store.get(typedef.name, record_id, include_deleted=True).values)
        link = {"rule_id": rule.id, "rule": rule.name, "type": typedef.name, "record_id": record_id}
        state = (rule.id, typedef.name, record_id, _fingerprint(values))
        if depth > MAX_DEPTH:
            raise CascadeStopped(self._chain + [link], f"cascade stopped: more than {MAX_DEPTH} rules deep")
        if any(c["_state"] == state for c in self._chain):
            raise CascadeStopped(self._chain + [link], "cascade stopped: a cycle (the same rule on the same record "
                                                       "in the same state)")
        top = depth == 1
        savepoint = self.session.begin_nested() if top else None
        marks = (len(self.store.events), len(self.session.info.get(OUTBOX_KEY, ())))
        started, t0 = utcnow(), _time.perf_counter()
        run = RuleRun(rule_id=rule.id, trigger=trigger, type_name=typedef.name, record_id=record_id,
                      status="running", started_at=started, depth=depth, user_id=self.store.user_id,
                      dry_run=dry_run, chain=[{k: v for k, v in c.items() if k != "_state"} for c in self._chain] + [link]
                      if depth > 1 else None)
        self.session.add(run)
        self.session.flush()
        self._chain.append({**link, "_state": state})
        steps: list[RuleStep] = []
        try:
            for position, action in enumerate(rule.actions):
                if position:
                    with unchecked(self.store):
                        values = dict(self.store.get(typedef.name, record_id, include_deleted=True).values)
                ctx = ActionContext(self, rule, typedef, record_id, values, before or {}, trigger, run.id, changed or [])
                try:
                    with unchecked(self.store):  # actions act with the rule owner's rights, not the user's
                        specs = action.run(ctx)
                except (CascadeStopped, RuleFailed):
                    raise
                except Exception as exc:  # noqa: BLE001 - any failure of a data action fails the write
                    raise RuleFailed(rule, position, action.name, exc, self.public_chain()) from exc
                steps.extend(self._step(run, position, spec) for spec in specs)
            external = [st for st in steps if st.kind == "external"]
            run.status = "pending" if external else "succeeded"
            run.finished_at = None if external else utcnow()
            run.duration_ms = int((_time.perf_counter() - t0) * 1000)
            self.session.add_all(steps)
            self.session.flush()  # the steps and the run's outcome in one flush
            if external:
                hand_over(self.session, [s.id for s in external])
        except CascadeStopped as stop:
            if not top:
                raise
            self._undo(savepoint, marks)
            return self._record_failure(rule, record_id, trigger, str(stop), stop.chain, started, t0)
        except RuleFailed as failed:
            if not top:
                raise
            self._undo(savepoint, marks)
            record_failure(self.session,
                           rule_id=failed.rule.id, trigger=trigger if failed.rule is rule else "cascade",
                           type_name=typedef.name, record_id=record_id, error=failed.message,
                           chain=failed.chain or None, user_id=self.store.user_id, started_at=started,
                           duration_ms=int((_time.perf_counter() - t0) * 1000))
            raise
        except BaseException:
            if top:
                self._undo(savepoint, marks)
            raise
        finally:
            self._chain.pop()
        if top:
            savepoint.commit()
        return run

    def public_chain(self) -> list[dict]:
        return [{k: v for k, v in c.items() if k != "_state"} for c in self._chain]

    @staticmethod
    def _step(run: RuleRun, position: int, spec: StepSpec) -> RuleStep:
        now = utcnow()
        return RuleStep(run_id=run.id, position=position, action=spec.action, kind=spec.kind, status=spec.status,
                        result=spec.result, payload=spec.payload, max_attempts=spec.max_attempts,
                        idempotency_key=spec.idempotency_key, attempts=0,
                        next_attempt_at=now if spec.kind == "external" else None,
                        created_at=now, finished_at=None if spec.kind == "external" else now)

    def _undo(self, savepoint, marks: tuple[int, int]) -> None:
        if savepoint is not None and savepoint.is_active:
            savepoint.rollback()
        del self.store.events[marks[0]:]
        pending = self.session.info.get(OUTBOX_KEY)
        if pending is not None:
            del pending[marks[1]:]

    def _record_failure(self, rule: CompiledRule, record_id: int, trigger: str, error: str, chain: list[dict],
                        started: datetime, t0: float) -> RuleRun:
        run = RuleRun(rule_id=rule.id, trigger=trigger, type_name=rule.type_name, record_id=record_id,
                      status="failed", started_at=started, finished_at=utcnow(), error=error,
                      chain=[{k: v for k, v in c.items() if k != "_state"} for c in chain], depth=1,
                      user_id=self.store.user_id, duration_ms=int((_time.perf_counter() - t0) * 1000))
        self.session.add(run)
        self.session.flush()
        log.warning("automation rule %s: %s", rule.id, error)
        return run

    # -- manual runs ---------------------------------------------------------------------
    def run_on_record(self, rule: CompiledRule, record_id: int, trigger: str = "button",
                      dry_run: bool = False) -> tuple[Optional[RuleRun], bool]:
        """Run a rule on one record now (a button, the API, the scheduler). (run, condition matched).

        A dry run does everything inside a savepoint that is then rolled back, and returns the
        run as a detached object with its steps: what each action would have done."""
        record = self.store.get(rule.type_name, record_id)
        values = {**record.values, "id": record.id}
        matched = self.condition(rule).matches(values) if not rule.condition.uses_changes else True
        if not matched and not dry_run:
            return None, False
        if not dry_run:
            return self.fire(rule, record.id, trigger, values=dict(record.values)), True
        outer = self.session.begin_nested()
        marks = (len(self.store.events), len(self.session.info.get(OUTBOX_KEY, ())))
        failures = len(self.session.info.get(FAILED_KEY, ()))
        try:
            run = self.fire(rule, record.id, trigger, values=dict(record.values), dry_run=True)
            snapshot = run_json(run) if run is not None else None
        finally:
            self._undo(outer, marks)
            if FAILED_KEY in self.session.info:  # a dry run that fails is reported, not recorded
                del self.session.info[FAILED_KEY][failures:]
        return snapshot, matched
