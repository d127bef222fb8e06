"""One write for several "update a field" rules fired by the same write (deliverable 10).

Fired one by one, ten rules that each set a field of the triggering record cost ten updates of
the record, each with its re-reads, savepoint, recompute and event, and twenty flushes of run
rows. When the rules are *mergeable* (:mod:`.plan`) and merging cannot change what happens, the
engine instead evaluates them in order on the record in memory (each rule sees the values the
ones before it set, as it would have), writes the union of their changes with **one** update,
and records their runs and steps with two INSERTs.

"Cannot change what happens" is checked, not assumed. Fired one by one, each rule's write is an
event that could trigger rules (a cascade); merged, there is one event with all the changes. So
a rule joins the group only if no rule of the type could fire on those writes: no
``record_updated`` rule whose trigger fields or condition touch the written fields (or the
computed and system fields, which a write may change) and whose condition holds, and no
``record_matches`` rule whose condition reads them. Only the user's own write is merged (not a
cascade's, whose depth and cycle bookkeeping stay as they are). Anything else — a rule that is
not mergeable, blocked, or whose evaluation fails — ends the group and fires the normal way, so
its failure is reported exactly as before. What differs is invisible to rules: the record's
version grows by one instead of once per rule, and its history shows one entry for the merged
changes.

For the user's own update the group can go further: :func:`fold_group` evaluates it before the write
(called by :meth:`RuleEngine.fold_update`, the record store's pre-write hook) and its values join the
user's UPDATE, so the merged rules cost no write of their own; the cases where that could differ from
the merged write are refused there and take the path above.
"""
from __future__ import annotations

import time as _time
from typing import TYPE_CHECKING, Optional

from sqlalchemy import insert

from ..access.enforce import unchecked
from ..models import utcnow
from .models import RuleRun, RuleStep
from .plan import TypeRules
from .rules import CompiledRule
from .runs import written_values

if TYPE_CHECKING:
    from .engine import RuleEngine


class UpdateGroup:
    """Mergeable rules fired on one record by one write, written together by :meth:`flush`."""

    def __init__(self, engine: "RuleEngine", trules: TypeRules, type_name: str, record_id: int, values: dict,
                 changed: list):
        self.engine = engine
        self.trules = trules
        self.typedef = engine.store.schema.get(type_name)
        self.record_id = record_id
        self.base = {**values, "id": record_id}  # the record before any merged rule wrote
        self.values = dict(values)  # ... and as the merged rules have set it so far
        self.changed = changed
        self.raw: dict = {}  # the input values to write (later rules override earlier ones)
        self.written: frozenset = frozenset()
        self.runs: list[tuple[CompiledRule, str, object, int, list]] = []
        self._holds: dict[int, bool] = {}

    @classmethod
    def start(cls, engine: "RuleEngine", trules: TypeRules, type_name: str, record_id: int,
              values: Optional[dict], changed: list) -> "UpdateGroup":
        if values is None:  # an earlier rule wrote: read the record as it is now
            values = dict(engine.store.get(type_name, record_id, include_deleted=True).values)
        return cls(engine, trules, type_name, record_id, values, changed)

    def _holds_unchanged(self, rule: CompiledRule) -> bool:
        """Would ``rule``'s condition hold on a write that changes none of the fields it reads?"""
        key = id(rule)
        if key not in self._holds:
            self._holds[key] = self.engine.condition(rule).matches(self.base, self.base)
        return self._holds[key]

    def reads_changes(self, rule: CompiledRule) -> bool:
        """Could ``rule``'s condition read a field the group changes (or one a write may recompute)?"""
        reads = self.trules.plan(rule).reads
        return reads is None or bool(reads & (self.written | self.trules.derived))

    def blocked(self, written: frozenset) -> bool:
        """True when writing ``written`` could fire a rule (so merging could change what happens)."""
        touched = written | self.trules.derived
        for other in self.trules.on_update:
            p = self.trules.plan(other)
            if other.on == "record_updated":
                if p.fields is not None and not (p.fields & touched):
                    continue
                if p.reads is None or p.reads & touched or self._holds_unchanged(other):
                    return True
            elif p.reads is None or p.reads & touched:  # record_matches
                return True
        return False

    def try_add(self, rule: CompiledRule, trigger: str) -> bool:
        """Evaluate ``rule`` into the group; False (nothing changed) when it must fire on its own."""
        from .action_context import ActionContext

        p = self.trules.plan(rule)
        if not p.mergeable:
            return False
        written = self.written | p.writes
        if self.blocked(written):
            return False
        store = self.engine.store
        started, t0 = utcnow(), _time.perf_counter()
        values, raw, results = dict(self.values), dict(self.raw), []
        try:
            with unchecked(store):
                for action in rule.actions:
                    ctx = ActionContext(self.engine, rule, self.typedef, self.record_id, values, {}, trigger, None,
                                        self.changed)
                    given = ctx.evaluate(action.values)
                    cleaned = store.clean(self.typedef, given, creating=False)
                    changed = {k: given[k] for k, v in cleaned.items() if v != values.get(k)}
                    values.update({k: cleaned[k] for k in changed})
                    raw.update(changed)
                    results.append({"type": self.typedef.name, "id": self.record_id, "changed": sorted(changed),
                                    "values": written_values(self.typedef, cleaned, changed, store.ctx)})
        except Exception:  # noqa: BLE001 - it fires on its own and fails there, reported as usual
            return False
        self.values, self.raw, self.written = values, raw, written
        self.runs.append((rule, trigger, started, int((_time.perf_counter() - t0) * 1000), results))
        return True

    def flush(self) -> None:
        """Write the merged changes (one update) and the runs and their steps (two INSERTs)."""
        if not self.runs:
            return
        engine, store = self.engine, self.engine.store
        if self.raw:
            last = self.runs[-1][0]
            # rules that fire on this write (none should: see blocked()) are a cascade of the last rule
            engine._chain.append({"rule_id": last.id, "rule": last.name, "type": self.typedef.name,
                                  "record_id": self.record_id, "_state": ("merged", last.id, self.record_id)})
            try:
                with unchecked(store):
                    store.update(self.typedef.name, self.record_id, self.raw)
            except Exception as exc:
                from .failures import RuleFailed

                raise RuleFailed(last, len(last.actions) - 1, "update_record", exc, engine.public_chain()) from exc
            finally:
                engine._chain.pop()
        now = utcnow()
        session = engine.session
        runs, steps = RuleRun.__table__, RuleStep.__table__  # Core: no ORM bookkeeping for rows nobody holds
        run_ids = session.scalars(insert(runs).returning(runs.c.id, sort_by_parameter_order=True), [
            {"rule_id": rule.id, "trigger": trigger, "type_name": self.typedef.name, "record_id": self.record_id,
             "status": "succeeded", "started_at": started, "finished_at": now, "duration_ms": ms, "depth": 1,
             "user_id": store.user_id, "dry_run": False, "chain": None}
            for rule, trigger, started, ms, _ in self.runs]).all()
        session.execute(insert(steps), [
            {"run_id": run_id, "position": position, "action": "update_record", "kind": "data",
             "status": "succeeded", "result": result, "max_attempts": 1, "attempts": 0, "created_at": now,
             "finished_at": now}
            for run_id, (_, _, _, _, results) in zip(run_ids, self.runs) for position, result in enumerate(results)])
        self.runs = []


def fold_group(engine: "RuleEngine", trules: TypeRules, typedef, before, cleaned: dict) -> Optional[UpdateGroup]:
    """The group of rules the user's update of ``before`` with ``cleaned`` fires, evaluated before the
    write so that its values can join the user's UPDATE (:meth:`RuleEngine.fold_update`); None when
    folding could change anything compared with the merged write, which then happens as before.

    Folded, the rules see the values the write is about to give the record, and the write's one event
    carries the user's and the rules' changes together. That is the same outcome only when:

    - the write sets only plain fields (no links, no computed or system fields), and no rule of the
      type reads, or is triggered by, a field a write may recompute (so the values predicted here
      are those the event would carry);
    - every rule the write fires is mergeable and joins one group, none of them reading what an
      earlier one of the group set (where the engine would write the group first and re-check);
    - the group's writes could not fire a rule (:meth:`UpdateGroup.blocked`), and no rule outside
      the group reads or is triggered by a field the group writes (so it does not fire on the
      combined event either, as it did not on the user's).
    """
    from ..storage.write_plan import write_plan

    derived = trules.derived
    for name in cleaned:
        f = typedef.field(name)
        if f is None or f.field_type == "link" or f.ftype.read_only or name in derived:
            return None
    for rule in trules.on_update:
        p = trules.plan(rule)
        if p.reads is None or p.reads & derived or (p.fields is not None and p.fields & derived):
            return None
    store = engine.store
    base = dict(before.values)
    after = write_plan(store, typedef).updated_values(base, cleaned, None, store.user_id)
    changed = sorted(k for k in set(base) | set(after) if base.get(k) != after.get(k))
    changed = [k for k in changed if k not in derived]
    if not changed:
        return None
    after_id, before_id = {**after, "id": before.id}, {**base, "id": before.id}
    group = UpdateGroup(engine, trules, typedef.name, before.id, after, changed)
    for rule in trules.on_update:
        if rule.on == "record_updated":
            fire = (not rule.fields or bool(rule.fields.intersection(changed))) and \
                engine.condition(rule).matches(after_id, before_id)
        else:  # record_matches
            cond = engine.condition(rule)
            fire = cond.matches(after_id) and not cond.matches(before_id)
        if not fire:
            continue
        if group.raw and group.reads_changes(rule):
            return None
        if not group.try_add(rule, rule.on):
            return None
    if not group.runs:
        return None
    joined = {id(r) for r, *_ in group.runs}
    for rule in trules.on_update:
        if id(rule) in joined:
            continue
        p = trules.plan(rule)
        if p.reads & group.written or (p.fields is not None and p.fields & group.written):
            return None
    return group
