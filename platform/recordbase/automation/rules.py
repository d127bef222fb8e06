"""Rules as data: validate a rule's JSON against the metamodel, save it, list it, and keep
compiled rules cached per process (keyed by the rules version in ``rb_automation_state``).

Validation, in order: the JSON Schema (:mod:`.schema`), then the record type, the trigger
(fields exist; a date field for date-relative rules; a valid cron and time zone), the
condition (:mod:`.conditions`) and every action (:mod:`.actions`). All problems are reported
together, each with its JSON path.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field as dc_field
from datetime import time, timezone
from typing import Any, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..metamodel import schema_lock
from ..metamodel.dependencies import value_kind
from ..metamodel.fieldtypes import ValueContext
from ..metamodel.runtime import RuntimeSchema
from ..models import utcnow
from .actions import Action, Checker, build_actions
from .conditions import Condition, ConditionError, compile_condition
from .models import AutomationState, Rule
from .schema import EVENT_TRIGGERS, RuleError, shape_problems
from .secrets import keep_secrets, redact_actions, scrub, secrets_of

log = logging.getLogger(__name__)

#: keys of a rule's JSON that are stored in ``definition`` (the rest are columns or read-only)
DEFINITION_KEYS = ("description", "trigger", "condition", "actions")


@dataclass
class CompiledRule:
    id: Optional[int]
    name: str
    name_zh: Optional[str]
    type_name: str
    enabled: bool
    trigger: dict
    condition: Condition
    actions: list[Action]
    definition: dict = dc_field(default_factory=dict)

    @property
    def on(self) -> str:
        return self.trigger["on"]

    @property
    def fields(self) -> Optional[set]:
        f = self.trigger.get("fields")
        return set(f) if f else None

    def display_name(self, lang: str = "en") -> str:
        return (self.name_zh if lang.startswith("zh") and self.name_zh else None) or self.name


def _zone_ok(name: Optional[str]) -> bool:
    if name is None:
        return True
    try:
        ZoneInfo(name)
        return True
    except Exception:
        return False


def compile_rule(data: dict, schema: RuntimeSchema, ctx: Optional[ValueContext] = None,
                 rule_id: Optional[int] = None, strict: bool = True, session: Optional[Session] = None) -> CompiledRule:
    """Check a rule's JSON completely; RuleError listing every problem with its path. With ``session``
    (a rule being saved) what lives beside the schema is checked too: a transition's workflow."""
    hidden = secrets_of(data.get("actions")) if isinstance(data, dict) else []
    problems = shape_problems(data)
    if problems:
        raise RuleError(scrub(problems, hidden))  # a message may quote a value: never a secret
    ctx = ctx or ValueContext()
    typedef = schema.types.get(data["type"])
    if typedef is None:
        raise RuleError([{"path": "$.type", "message": f"no record type named '{data['type']}'"}])
    trigger = data["trigger"]
    on = trigger["on"]
    checker = Checker(schema, typedef, ctx, on, strict=strict, session=session)
    for i, name in enumerate(trigger.get("fields") or []):
        if typedef.field(name) is None:
            checker.problem(f"$.trigger.fields[{i}]", f"record type '{typedef.name}' has no field '{name}'")
    if on == "date_relative":
        f = typedef.field(trigger["date_field"])
        if f is None:
            checker.problem("$.trigger.date_field", f"record type '{typedef.name}' has no field '{trigger['date_field']}'")
        elif value_kind(f) not in ("date", "datetime"):
            checker.problem("$.trigger.date_field", f"'{f.name}' is a {f.field_type} field, not a date")
    if on == "schedule":
        from croniter import croniter

        if len(trigger["cron"].split()) != 5 or not croniter.is_valid(trigger["cron"]):
            checker.problem("$.trigger.cron", f"'{trigger['cron']}' is not a cron expression "
                                              "(five fields: minute hour day-of-month month day-of-week)")
    if not _zone_ok(trigger.get("timezone")):
        checker.problem("$.trigger.timezone", f"unknown time zone '{trigger.get('timezone')}'")
    if on == "record_matches" and not data.get("condition"):
        checker.problem("$.condition", "a record_matches rule needs a condition (it fires when the condition "
                                       "becomes true)")
    condition = Condition(None, None, None)
    try:
        condition = compile_condition(data.get("condition"), typedef, ctx, allow_changes=(on == "record_updated"))
    except ConditionError as exc:
        checker.problem(exc.path, exc.message)
    actions = build_actions(data["actions"], checker)
    if checker.problems:
        raise RuleError(scrub(checker.problems, hidden))
    definition = {k: data.get(k) for k in DEFINITION_KEYS}
    definition["actions"] = keep_secrets(definition["actions"])  # ``has_secret`` is shown, never stored
    return CompiledRule(id=rule_id, name=data["name"], name_zh=data.get("name_zh"), type_name=typedef.name,
                        enabled=bool(data.get("enabled", True)), trigger=trigger, condition=condition,
                        actions=actions, definition=definition)


def at_time(trigger: dict) -> time:
    hh, mm = (trigger.get("at") or "09:00").split(":")
    return time(int(hh), int(mm))


def rule_json(rule: Rule, with_secrets: bool = False) -> dict:
    """The rule as the API shows it: webhook secrets left out (``has_secret``, see :mod:`.secrets`).
    ``with_secrets``: the stored actions, for the rule service and pack fingerprints only."""
    d = rule.definition or {}
    actions = d.get("actions") or []
    out = {"id": rule.id, "name": rule.name, "name_zh": rule.name_zh, "type": rule.type_name,
           "enabled": bool(rule.enabled), "trigger": d.get("trigger"), "condition": d.get("condition"),
           "actions": actions if with_secrets else redact_actions(actions)}
    if d.get("description"):
        out["description"] = d["description"]
    for key in ("created_at", "updated_at"):
        value = getattr(rule, key)
        out[key] = value.replace(tzinfo=timezone.utc).isoformat() if value else None
    return out


def rule_from_model(rule: Rule, schema: RuntimeSchema, ctx: Optional[ValueContext] = None) -> CompiledRule:
    data = {**{k: v for k, v in (rule.definition or {}).items() if v is not None or k == "condition"},
            "name": rule.name, "type": rule.type_name, "enabled": bool(rule.enabled)}
    if rule.name_zh:
        data["name_zh"] = rule.name_zh
    if data.get("description") is None:
        data.pop("description", None)
    return compile_rule(data, schema, ctx, rule.id, strict=False)


class RuleService:
    """Create, change, delete and read rules; the caller owns the transaction."""

    def __init__(self, session: Session, schema: RuntimeSchema, ctx: Optional[ValueContext] = None):
        self.session = session
        self.schema = schema
        self.ctx = ctx

    def bump(self) -> None:
        self.session.execute(update(AutomationState).where(AutomationState.id == 1)
                             .values(version=AutomationState.version + 1))
        schema_lock.forget_along(self.session, "rules")  # this transaction's later writes see the new rules

    def get(self, rule_id: Any) -> Rule:
        try:
            rid = int(rule_id)
        except (TypeError, ValueError):
            rid = None
        rule = self.session.get(Rule, rid) if rid is not None else None
        if rule is None:
            raise NotFound(f"No rule with id {rule_id}", {"id": rule_id})
        return rule

    def list(self, type_name: Optional[str] = None) -> list[Rule]:
        stmt = select(Rule).order_by(Rule.type_name, Rule.id)
        if type_name:
            stmt = stmt.where(Rule.type_name == type_name)
        return list(self.session.scalars(stmt))

    def _clean(self, data: Any, current: Optional[list] = None, clear_secrets: bool = False) -> dict:
        """The attributes a change may set; webhook secrets it does not speak of are kept from ``current``."""
        if not isinstance(data, dict):
            raise RuleError([{"path": "$", "message": "a rule must be a JSON object"}])
        out = {k: v for k, v in data.items() if k not in ("id", "created_at", "updated_at", "created_by")}
        if "actions" in out:
            out["actions"] = keep_secrets(out["actions"], current, clear_secrets)
        return out

    def create(self, data: Any, user_id: Optional[int] = None) -> Rule:
        data = self._clean(data)
        compiled = compile_rule(data, self.schema, self.ctx, session=self.session)
        rule = Rule(name=compiled.name, name_zh=compiled.name_zh, type_name=compiled.type_name,
                    trigger=compiled.on, enabled=compiled.enabled, definition=compiled.definition,
                    created_by=user_id)
        self.session.add(rule)
        self.bump()
        self.session.flush()
        return rule

    def update(self, rule_id: Any, data: Any, clear_secrets: bool = False) -> Rule:
        """Change some attributes (``trigger``, ``condition`` and ``actions`` are replaced whole, but a
        webhook's secret is kept unless the change sets or removes it: :func:`.secrets.keep_secrets`)."""
        rule = self.get(rule_id)
        current = rule_json(rule, with_secrets=True)
        merged = {**{k: v for k, v in current.items() if k not in ("id", "created_at", "updated_at")},
                  **self._clean(data, current["actions"], clear_secrets)}
        if merged.get("description") is None:
            merged.pop("description", None)
        if merged.get("name_zh") is None:
            merged.pop("name_zh", None)
        compiled = compile_rule(merged, self.schema, self.ctx, rule.id, session=self.session)
        rule.name, rule.name_zh, rule.type_name = compiled.name, compiled.name_zh, compiled.type_name
        rule.trigger, rule.enabled, rule.definition = compiled.on, compiled.enabled, compiled.definition
        rule.updated_at = utcnow()
        self.bump()
        self.session.flush()
        return rule

    def delete(self, rule_id: Any) -> None:
        """Delete a rule with its run history and claims (explicitly: SQLite does not enforce foreign keys)."""
        from .models import Notification, RuleClaim, RuleRun, RuleStep

        rule = self.get(rule_id)
        runs = select(RuleRun.id).where(RuleRun.rule_id == rule.id)
        self.session.execute(delete(RuleStep).where(RuleStep.run_id.in_(runs)))
        self.session.execute(delete(RuleRun).where(RuleRun.rule_id == rule.id))
        self.session.execute(delete(RuleClaim).where(RuleClaim.rule_id == rule.id))
        self.session.execute(update(Notification).where(Notification.rule_id == rule.id).values(rule_id=None))
        self.session.delete(rule)
        self.bump()
        self.session.flush()


_RULES_VERSION = select(AutomationState.version).where(AutomationState.id == 1)
schema_lock.read_along("rules", _RULES_VERSION.scalar_subquery())  # writers read it with the schema version


def rules_version(session: Session) -> int:
    """The rules' version as this transaction sees it: read with the schema version when the
    transaction started writing (:func:`recordbase.metamodel.schema_lock.along`), else on its own."""
    known = schema_lock.along(session, "rules")
    if known is not None:
        return int(known)
    return int(session.scalar(_RULES_VERSION) or 0)


def event_rules(session: Session, schema: RuntimeSchema,
                ctx: Optional[ValueContext] = None) -> dict[str, list[CompiledRule]]:
    """The enabled rules fired by record events, by record type; cached per (schema, rules version)."""
    version = rules_version(session)
    cached = schema.__dict__.get("_rb_event_rules")
    if cached is not None and cached[0] == version:
        return cached[1]
    out: dict[str, list[CompiledRule]] = {}
    for rule in session.scalars(select(Rule).where(Rule.enabled.is_(True), Rule.trigger.in_(EVENT_TRIGGERS))
                                .order_by(Rule.id)):
        try:
            compiled = rule_from_model(rule, schema, ctx)
        except RuleError as exc:  # a field it needs was removed since: the rule is broken, not the write
            log.warning("automation rule %s (%s) is not valid any more and is skipped: %s", rule.id, rule.name,
                        exc.message)
            continue
        out.setdefault(compiled.type_name, []).append(compiled)
    schema.__dict__["_rb_event_rules"] = (version, out)
    return out
