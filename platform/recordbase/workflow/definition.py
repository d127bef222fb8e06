"""A workflow as data: one JSON document per record type, JSON-schema validated, then checked
against the type (the state field is a single select, states are its choices, fields exist).

Shape::

    {"type": "contract", "state_field": "status", "initial": "draft",
     "states": [{"value": "draft"},
                {"value": "in_approval", "locked_fields": ["value"],
                 "approval": {"levels": [...], "approved": "active", "rejected": "draft",
                              "allow_self_approval": false}}],
     "transitions": [{"name": "submit", "label": "Submit", "label_zh": "提交", "from": ["draft"],
                      "to": "in_approval", "allowed": [{"role": "editor"}, {"user_field": "owner"}],
                      "condition": <filter>, "required_fields": ["value"], "comment_required": false}]}

An approver entry (``allowed`` of a transition, a level's ``approvers``) names a role, a user (by
e-mail) or a user field of the record: ``{"role": "finance"}``, ``{"user": "cfo@x.cn"}``,
``{"user_field": "manager"}``. Each entry of a level is one *slot*; the level's policy says how many
slots must be filled: ``any`` (one), ``all`` (every one) or ``n_of_m`` (``n``). A level with a
``condition`` applies only to records it matches (contract value > 500,000 adds the finance
director). A level's ``due_days`` makes it overdue after that many days: ``on_overdue`` notifies the
approvers, ``escalate_to`` adds approvers, ``transition`` names a transition taken automatically.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import Any, Optional

import jsonschema

from ..errors import FilterError, ValidationError
from ..metamodel.computed_fields import USER_TYPES
from ..metamodel.fieldtypes.choices import normalize_choices
from ..metamodel.filters import FILTER_SCHEMA, compile_filter
from ..metamodel.runtime import TypeDef

_NAME = {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,62}$"}
_TEXT = {"type": "string", "minLength": 1, "maxLength": 255}
_STATE = {"type": "string", "minLength": 1, "maxLength": 255}
_FILTER = {"$ref": "#/$defs/filter"}
_USER_PATH = {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,62}(\.[a-z][a-z0-9_]{0,62})?$"}
_APPROVER = {"oneOf": [
    {"type": "object", "additionalProperties": False, "required": ["role"], "properties": {"role": _NAME}},
    {"type": "object", "additionalProperties": False, "required": ["user"],
     "properties": {"user": {"type": "string", "minLength": 3, "maxLength": 255}}},
    {"type": "object", "additionalProperties": False, "required": ["user_field"], "properties": {"user_field": _USER_PATH}},
]}
_APPROVERS = {"type": "array", "items": _APPROVER, "minItems": 1, "maxItems": 50}
_LEVEL = {
    "type": "object", "additionalProperties": False, "required": ["approvers"],
    "properties": {
        "label": _TEXT, "label_zh": _TEXT, "approvers": _APPROVERS,
        "policy": {"enum": ["any", "all", "n_of_m"]}, "n": {"type": "integer", "minimum": 1, "maximum": 50},
        "condition": _FILTER,
        "due_days": {"type": "integer", "minimum": 1, "maximum": 365},
        "on_overdue": {"type": "object", "additionalProperties": False, "properties": {
            "notify": {"type": "boolean"}, "escalate_to": _APPROVERS, "transition": _NAME}},
    },
}
_APPROVAL = {
    "type": "object", "additionalProperties": False, "required": ["levels", "approved", "rejected"],
    "properties": {"levels": {"type": "array", "items": _LEVEL, "minItems": 1, "maxItems": 10},
                   "approved": _STATE, "rejected": _STATE, "allow_self_approval": {"type": "boolean"}},
}
WORKFLOW_SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {"filter": FILTER_SCHEMA["$defs"]["node"], "node": FILTER_SCHEMA["$defs"]["node"]},
    "type": "object", "additionalProperties": False, "required": ["type", "state_field", "initial", "transitions"],
    "properties": {
        "type": _NAME, "state_field": _NAME, "initial": _STATE,
        "name": _TEXT, "name_zh": _TEXT,
        #: approver roles a pack's workflow names, created (granting only read on the type) when missing
        "roles": {"type": "array", "maxItems": 50, "items": {
            "type": "object", "additionalProperties": False, "required": ["name", "label"],
            "properties": {"name": _NAME, "label": _TEXT, "label_zh": _TEXT}}},
        "states": {"type": "array", "maxItems": 200, "items": {
            "type": "object", "additionalProperties": False, "required": ["value"],
            "properties": {"value": _STATE,
                           "locked_fields": {"type": "array", "items": _NAME, "uniqueItems": True, "maxItems": 500},
                           "approval": _APPROVAL}}},
        "transitions": {"type": "array", "maxItems": 200, "items": {
            "type": "object", "additionalProperties": False, "required": ["name", "label", "from", "to"],
            "properties": {"name": _NAME, "label": _TEXT, "label_zh": _TEXT,
                           "from": {"type": "array", "items": _STATE, "minItems": 1, "uniqueItems": True},
                           "to": _STATE, "allowed": {"type": "array", "items": _APPROVER, "maxItems": 50},
                           "condition": _FILTER,
                           "required_fields": {"type": "array", "items": _NAME, "uniqueItems": True, "maxItems": 200},
                           "comment_required": {"type": "boolean"}}}},
    },
}
_VALIDATOR = jsonschema.Draft202012Validator(WORKFLOW_SCHEMA)
#: names a transition may not have: the approval actions of "My approvals" and the API
RESERVED = ("approve", "reject")


@dataclass(frozen=True)
class Level:
    index: int
    label: Optional[str]
    label_zh: Optional[str]
    approvers: tuple
    policy: str
    n: int
    condition: Any
    due_days: Optional[int]
    on_overdue: dict

    def required(self, slots: int) -> int:
        if self.policy == "all":
            return slots
        if self.policy == "n_of_m":
            return min(self.n, slots)
        return min(1, slots)


@dataclass(frozen=True)
class Approval:
    levels: tuple[Level, ...]
    approved: str
    rejected: str
    allow_self_approval: bool


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    label_zh: Optional[str]
    sources: tuple[str, ...]
    to: str
    allowed: tuple
    condition: Any
    required_fields: tuple[str, ...]
    comment_required: bool

    def display(self, lang: str) -> str:
        return (self.label_zh or self.label) if lang.startswith("zh") else self.label


@dataclass(frozen=True)
class WorkflowDef:
    """A checked workflow (what the engine and the store's guard work with)."""

    type_name: str
    state_field: str
    initial: str
    name: Optional[str]
    name_zh: Optional[str]
    transitions: tuple[Transition, ...]
    locked: dict = dc_field(default_factory=dict)
    approvals: dict = dc_field(default_factory=dict)
    document: dict = dc_field(default_factory=dict, compare=False)

    def transition(self, name: str) -> Optional[Transition]:
        return next((t for t in self.transitions if t.name == name), None)

    def from_state(self, state: Any) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]


def _problem(problems: list, path: str, message: str) -> None:
    problems.append({"path": path, "message": message})


def _check_approvers(entries: list, typedef: TypeDef, problems: list, path: str, schema: Any) -> None:
    """Each ``user_field`` is a user field, or ``link.user_field`` through a link to one record (checked
    when the schema is given: on save; a stored workflow read back was checked then)."""
    for i, a in enumerate(entries or []):
        name = a.get("user_field")
        if name is None:
            continue
        head, _, tail = name.partition(".")
        f = typedef.field(head)
        if tail:
            if schema is None:
                continue
            target = schema.types.get(f.options.get("target", "")) if f is not None and \
                f.field_type == "link" and not f.options.get("many") else None
            g = target.field(tail) if target is not None else None
            if g is None or g.field_type not in USER_TYPES:
                _problem(problems, f"{path}[{i}].user_field",
                         f"'{name}' is not a user field of the record one link of '{typedef.name}' reaches")
            continue
        if f is None or f.field_type not in USER_TYPES:
            _problem(problems, f"{path}[{i}].user_field", f"'{name}' is not a user field of '{typedef.name}'")


def _check_filter(tree: Any, typedef: TypeDef, problems: list, path: str) -> None:
    if tree is None:
        return
    try:
        compile_filter(tree, typedef)
    except FilterError as exc:
        _problem(problems, path, exc.message)


def check(document: Any, typedef: Optional[TypeDef], schema: Any = None) -> WorkflowDef:
    """The document as a :class:`WorkflowDef`, or a 422 listing every problem (path and message)."""
    errors = sorted(_VALIDATOR.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        problems = [{"path": "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path),
                     "message": e.message[:300]} for e in errors[:20]]
        raise ValidationError("The workflow is not valid", {"problems": problems})
    problems: list = []
    if typedef is None:
        raise ValidationError("The workflow is not valid", {"problems": [
            {"path": "$.type", "message": f"no record type named '{document['type']}'"}]})
    sf = typedef.field(document["state_field"])
    states: list[str] = []
    if sf is None or sf.field_type != "single_select":
        _problem(problems, "$.state_field", f"'{document['state_field']}' is not a single select field of '{typedef.name}'")
    else:
        states = [c["value"] for c in normalize_choices(sf.options)]

    def state(value: str, path: str) -> None:
        if states and value not in states:
            _problem(problems, path, f"'{value}' is not a choice of '{sf.name}'")

    state(document["initial"], "$.initial")
    locked: dict[str, frozenset] = {}
    approvals: dict[str, Approval] = {}
    names = [t["name"] for t in document["transitions"]]
    for i, s in enumerate(document.get("states") or []):
        p = f"$.states[{i}]"
        state(s["value"], f"{p}.value")
        for name in s.get("locked_fields") or []:
            if typedef.field(name) is None:
                _problem(problems, f"{p}.locked_fields", f"'{typedef.name}' has no field '{name}'")
        if s.get("locked_fields"):
            locked[s["value"]] = frozenset(s["locked_fields"])
        a = s.get("approval")
        if a:
            state(a["approved"], f"{p}.approval.approved")
            state(a["rejected"], f"{p}.approval.rejected")
            levels = []
            for j, lv in enumerate(a["levels"]):
                lp = f"{p}.approval.levels[{j}]"
                _check_approvers(lv["approvers"], typedef, problems, f"{lp}.approvers", schema)
                _check_filter(lv.get("condition"), typedef, problems, f"{lp}.condition")
                od = lv.get("on_overdue") or {}
                _check_approvers(od.get("escalate_to"), typedef, problems, f"{lp}.on_overdue.escalate_to", schema)
                if od.get("transition") and od["transition"] not in names:
                    _problem(problems, f"{lp}.on_overdue.transition", f"no transition named '{od['transition']}'")
                policy = lv.get("policy", "any")
                if policy == "n_of_m" and not lv.get("n"):
                    _problem(problems, f"{lp}.n", "'n_of_m' needs n, the number of approvals")
                if policy == "n_of_m" and (lv.get("n") or 0) > len(lv["approvers"]):
                    _problem(problems, f"{lp}.n", f"n is {lv.get('n')} but the level has {len(lv['approvers'])} approvers")
                levels.append(Level(j + 1, lv.get("label"), lv.get("label_zh"), tuple(lv["approvers"]), policy,
                                    int(lv.get("n") or 1), lv.get("condition"), lv.get("due_days"), od))
            approvals[s["value"]] = Approval(tuple(levels), a["approved"], a["rejected"],
                                             bool(a.get("allow_self_approval", False)))
    transitions = []
    for i, t in enumerate(document["transitions"]):
        p = f"$.transitions[{i}]"
        if t["name"] in RESERVED:
            _problem(problems, f"{p}.name", f"'{t['name']}' is reserved for approvals")
        if names.count(t["name"]) > 1:
            _problem(problems, f"{p}.name", f"transition '{t['name']}' is defined twice")
        for s in t["from"]:
            state(s, f"{p}.from")
        state(t["to"], f"{p}.to")
        _check_approvers(t.get("allowed"), typedef, problems, f"{p}.allowed", schema)
        _check_filter(t.get("condition"), typedef, problems, f"{p}.condition")
        for name in t.get("required_fields") or []:
            if typedef.field(name) is None:
                _problem(problems, f"{p}.required_fields", f"'{typedef.name}' has no field '{name}'")
        transitions.append(Transition(t["name"], t["label"], t.get("label_zh"), tuple(t["from"]), t["to"],
                                      tuple(t.get("allowed") or ()), t.get("condition"),
                                      tuple(t.get("required_fields") or ()), bool(t.get("comment_required"))))
    if document["type"] != typedef.name:
        _problem(problems, "$.type", f"the workflow is for '{document['type']}', not '{typedef.name}'")
    if problems:
        raise ValidationError("The workflow is not valid", {"problems": problems})
    return WorkflowDef(typedef.name, document["state_field"], document["initial"], document.get("name"),
                       document.get("name_zh"), tuple(transitions), locked, approvals, document)
