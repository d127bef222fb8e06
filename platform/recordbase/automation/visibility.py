"""Who may see and manage which rules and runs, and a run as its reader may see it.

Rules and their runs are a matter for whoever may *configure* the rule's record type (the
builder and owner roles everywhere; a custom role per type): the API and the admin ask one
:class:`AutomationAccess`, built on the request's policy.

- **Seeing** a rule or its runs takes ``configure`` on the rule's type, counted as if the token
  were not read-only (a builder's read-only token reads rules; it never changes them). A rule
  or run of a type the caller cannot configure does not exist for them (404, and left out of
  lists); a caller who configures no type at all gets a 403 on every rule and run route.
- **Managing** (create, change, delete, retry) takes ``configure`` through the token as it is
  (a read-only token never), on the rule's type and on every type its actions write
  (``create_record``, ``update_linked``): a rule acts with full rights, so it may only reach
  what its author configures.
- **Runs** on a record outside the caller's read rows are left out (404) like the record; what
  a run shows (:meth:`AutomationAccess.run_view`) leaves out the fields the caller's policy hides:
  in a webhook's payload (the record and the changed fields), in results' changed fields, and the
  text of e-mails (rendered from the record, so it may quote a hidden value); the cascade chain
  names only types the caller may configure. Secrets never appear (:mod:`.runs`).
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable, Optional

from ..errors import Forbidden, NotFound
from .models import Rule, RuleRun

if TYPE_CHECKING:
    from ..access.policy import Policy
    from ..storage import RecordStore
    from .rules import CompiledRule


class AutomationAccess:
    """The caller's view of automation (``policy`` None: unrestricted, as outside a request)."""

    def __init__(self, policy: Optional["Policy"], store: "RecordStore"):
        self.policy = policy
        self.store = store
        self.reader = policy
        if policy is not None and policy.read_only:
            from ..access.policy import Policy

            self.reader = Policy(policy.user_id, policy.roles, read_only=False,
                                 types=policy.types, label=policy.label)

    # -- rights --------------------------------------------------------------------------
    def sees(self, type_name: Optional[str]) -> bool:
        """May the caller see rules and runs of this type?"""
        if self.reader is None:
            return True
        if type_name not in self.store.schema.types:  # a rule left behind by a deleted type
            return self.reader.can_configure()
        return self.reader.can("configure", type_name)

    def manages(self, type_name: str) -> bool:
        return self.policy is None or self.policy.can("configure", type_name)

    def visible_types(self) -> Optional[list[str]]:
        """The types whose rules the caller sees (None: every rule, deleted types' too)."""
        if self.reader is None or self.reader.can_configure():
            return None
        return [n for n in self.store.schema.types if self.reader.can("configure", n)]

    def require_any(self) -> None:
        """403 for a caller who configures no record type (rules and runs are not theirs at all)."""
        types = self.visible_types()
        if types is not None and not types:
            raise Forbidden("Automation rules and runs are for users who may configure a record type (builders "
                            "and owners)", {"action": "configure"})

    def require_manage(self, type_name: str) -> None:
        if not self.manages(type_name):
            if self.policy is not None and self.policy.read_only:
                raise Forbidden("A read-only token cannot change automation rules or retry runs",
                                {"token": ["read-only"]})
            raise Forbidden(f"You are not allowed to configure the record type {type_name}: its automation rules "
                            "are not yours to change", {"action": "configure", "type": type_name})

    def require_manage_rule(self, compiled: "CompiledRule") -> None:
        """The rule's type and every type its actions write must be the caller's to configure."""
        for name in rule_types(compiled):
            self.require_manage(name)

    # -- one rule, one run -----------------------------------------------------------------
    def rule(self, rule: Rule) -> Rule:
        if not self.sees(rule.type_name):
            raise NotFound(f"No rule with id {rule.id}", {"id": rule.id})
        return rule

    def runnable(self, rule: Rule) -> Rule:
        """A rule the caller may try to run: theirs to configure, or a button rule of a type they read."""
        if not self.sees(rule.type_name) and (rule.trigger != "button" or not self.store.can("read", rule.type_name)):
            raise NotFound(f"No rule with id {rule.id}", {"id": rule.id})
        return rule

    def require_run(self, type_name: str, record_id: int, dry_run: bool) -> None:
        """A run writes with the rule owner's rights: the caller must be allowed to change this record
        themselves (the update right, the record within their update rows; 404 outside the rows they
        read). A dry run shows what the rule would do (payloads, values): it takes ``configure``."""
        from ..access.enforce import in_rows

        self.store.get(type_name, record_id)  # 404 outside the caller's read rows
        if dry_run:
            self.require_manage(type_name)
            return
        if self.policy is None:
            return
        if self.policy.read_only:
            raise Forbidden("A read-only token cannot run rules", {"token": ["read-only"]})
        self.policy.require("update", type_name)
        if not in_rows(self.store, self.store.schema.get(type_name), "update", [record_id]):
            raise Forbidden(f"You are not allowed to change this {type_name} record, so you cannot run a rule on it",
                            {"action": "update", "type": type_name, "id": record_id})

    def may_run(self, type_name: str, record_id: int) -> bool:
        try:
            self.require_run(type_name, record_id, False)
        except (Forbidden, NotFound):
            return False
        return True

    def run(self, run: Optional[RuleRun], run_id: Any) -> RuleRun:
        if run is None or not self.visible_runs([run]):
            raise NotFound(f"No run with id {run_id}", {"id": run_id})
        return run

    # -- lists -------------------------------------------------------------------------------
    def rules(self, rules: Iterable[Rule]) -> list[Rule]:
        return [r for r in rules if self.sees(r.type_name)]

    def visible_runs(self, runs: Iterable[RuleRun]) -> list[RuleRun]:
        """The runs of types the caller sees, on records within the caller's read rows."""
        runs = [r for r in runs if self.sees(r.type_name)]
        if self.policy is None:
            return runs
        from ..access.enforce import in_rows

        allowed: dict[str, Optional[set]] = {}
        for name in {r.type_name for r in runs}:
            if self.policy.rows("read", name) is None:
                allowed[name] = None
            elif name not in self.store.schema.types:
                allowed[name] = set()
            else:
                ids = {r.record_id for r in runs if r.type_name == name and r.record_id is not None}
                allowed[name] = in_rows(self.store, self.store.schema.types[name], "read", ids)
        return [r for r in runs if allowed[r.type_name] is None or r.record_id in allowed[r.type_name]]

    # -- what a run shows ----------------------------------------------------------------------
    def run_view(self, data: Optional[dict]) -> Optional[dict]:
        """A run's JSON (:func:`.runs.run_json`) as the caller may see it (see the module docstring)."""
        if data is None or self.reader is None:
            return data
        out = dict(data)
        if out.get("chain"):
            out["chain"] = [c for c in out["chain"] if self.sees(c.get("type"))]
        if "steps" in out:
            out["steps"] = [self._step(s, out.get("type")) for s in out["steps"]]
        return out

    def _hidden(self, type_name: Optional[str]) -> frozenset:
        return self.reader.hidden(type_name) if type_name else frozenset()

    def _step(self, step: dict, type_name: Optional[str]) -> dict:
        step = dict(step)
        step["result"] = self._result(step.get("result"))
        payload = step.get("payload")
        if not isinstance(payload, dict):
            return step
        hidden = self._hidden(type_name)
        if not self.sees(type_name):
            step.pop("payload", None)
        elif step.get("action") == "webhook" and hidden and isinstance(payload.get("body"), str):
            step["payload"] = {**payload, "body": _without_fields(payload["body"], hidden)}
        elif step.get("action") == "email" and hidden:
            step["payload"] = {"to": payload.get("to"), "withheld": "the message may show fields hidden from you"}
        return step

    def _result(self, result: Any) -> Any:
        if isinstance(result, list):
            return [self._result(r) for r in result]
        if not isinstance(result, dict):
            return result
        out = {k: self._result(v) for k, v in result.items()}
        if isinstance(out.get("changed"), list) and isinstance(out.get("type"), str):
            hidden = self._hidden(out["type"])
            out["changed"] = [n for n in out["changed"] if n not in hidden]
            if isinstance(out.get("values"), dict):
                out["values"] = {n: v for n, v in out["values"].items() if n not in hidden}
        return out


def _without_fields(body: str, hidden: frozenset) -> str:
    """A webhook body (the record as JSON, the changed fields) without the hidden fields."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    record = data.get("record")
    if isinstance(record, dict) and isinstance(record.get("fields"), dict):
        data["record"] = {**record, "fields": {k: v for k, v in record["fields"].items() if k not in hidden}}
    if isinstance(data.get("changed"), list):
        data["changed"] = [n for n in data["changed"] if n not in hidden]
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)


def rule_types(compiled: "CompiledRule") -> list[str]:
    """The rule's type and the types its actions write."""
    names = [compiled.type_name]
    for action in compiled.actions:
        target = getattr(action, "target", None)
        if action.name == "create_record" and target is not None:
            names.append(target.name)
        link = getattr(action, "link", None)
        if action.name == "update_linked" and link is not None:
            names.append(link.source)
    return list(dict.fromkeys(names))
