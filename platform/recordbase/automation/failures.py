"""How a rule's firing fails: a stopped cascade (the user's write goes on) or a failed data action (it fails too).

Raised by the rule engine (:mod:`.engine`) and the merged writes (:mod:`.merge`); the scheduler
catches :class:`RuleFailed` to record the run and go on with the next record.
"""
from __future__ import annotations

from ..errors import ValidationError
from .rules import CompiledRule


class CascadeStopped(Exception):
    """A cascade went too deep or came back to the same rule on the same record in the same state."""

    def __init__(self, chain: list[dict], reason: str):
        names = " → ".join(f"{c['rule']} ({c['type']} #{c['record_id']})" for c in chain)
        super().__init__(f"{reason}: {names}")
        self.chain = chain
        self.reason = reason


class RuleFailed(ValidationError):
    """A data action of a rule failed: the write that triggered it fails too (422)."""

    def __init__(self, rule: CompiledRule, position: int, action: str, exc: Exception, chain: list[dict]):
        inner = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        super().__init__(f"Automation rule '{rule.name}' failed at action {position + 1} ({action}): {inner}",
                         {"rule": {"id": rule.id, "name": rule.name}, "action": position, "do": action,
                          "error": inner, "details": getattr(exc, "details", None), "chain": chain})
        self.rule = rule
        self.chain = chain

