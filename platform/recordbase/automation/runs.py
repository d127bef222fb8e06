"""Runs and their steps as the API and the admin show them."""
from __future__ import annotations

from typing import Any

from ..models import iso_utc
from .models import RuleRun, RuleStep

#: a text value kept in a step's result is cut at this many characters (the history shows the whole)
RESULT_TEXT = 300


def written_values(typedef: Any, cleaned: dict, names: Any, ctx: Any) -> dict:
    """The values an action wrote (field name -> the field's JSON), kept in its step's result so the
    run history can say what was set: ``Status → At risk``. Long texts are cut."""
    out = {}
    for name in sorted(names):
        f = typedef.field(name)
        if f is None:
            continue
        value = f.ftype.to_json(cleaned.get(name), f, ctx)
        if isinstance(value, str) and len(value) > RESULT_TEXT:
            value = value[:RESULT_TEXT] + "…"
        out[name] = value
    return out


def run_json(run: RuleRun, with_steps: bool = True) -> dict:
    out = {"id": run.id, "rule_id": run.rule_id, "status": run.status, "trigger": run.trigger,
           "type": run.type_name, "record_id": run.record_id,
           "started_at": iso_utc(run.started_at), "finished_at": iso_utc(run.finished_at),
           "duration_ms": run.duration_ms, "error": run.error, "chain": run.chain, "depth": run.depth}
    if run.dry_run:
        out["dry_run"] = True
    if with_steps:
        out["steps"] = [step_json(s) for s in run.steps]
    return out


def step_json(step: RuleStep) -> dict:
    out = {"id": step.id, "position": step.position, "action": step.action, "kind": step.kind,
           "status": step.status, "result": step.result, "error": step.error, "attempts": step.attempts,
           "next_attempt_at": iso_utc(step.next_attempt_at) if step.status == "pending" else None,
           "finished_at": iso_utc(step.finished_at)}
    if step.kind == "external" and step.payload:
        shown = {k: v for k, v in step.payload.items() if k != "secret"}
        out["payload"] = shown
        out["idempotency_key"] = step.idempotency_key
    return out


