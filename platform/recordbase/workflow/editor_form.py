"""The admin's workflow editor as a WTForms form, built per record type and state field: the
workflow's names, its initial state, one row per transition, one row per state (locked fields, where
an approval leads) and one row per approval level (which state it belongs to, approvers, policy).

:func:`to_document` turns the posted form into the workflow document (the API's shape, checked by
:func:`~.definition.check`), :func:`from_document` the other way, and :func:`place_problems` puts the
check's problems (JSON paths) beside the rows and inputs they name, so the admin and the API can
never disagree on what a workflow is.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, FieldList, Form, FormField, HiddenField, IntegerField, SelectField,
                     SelectMultipleField, StringField, validators)

from ..admin.conditions.field import ConditionField
from ..admin.forms import AdminForm
from ..metamodel.computed_fields import USER_TYPES
from ..metamodel.fieldtypes.choices import normalize_choices
from ..metamodel.runtime import RuntimeSchema, TypeDef

OPT = validators.Optional()
EXTRA_TRANSITIONS = 2  # blank rows offered below the existing ones (a row without a name is dropped)
EXTRA_LEVELS = 1
POLICIES = [("any", _l("Any one of them")), ("all", _l("All of them")), ("n_of_m", _l("N of them"))]


class Multi(SelectMultipleField):
    """A multiple select whose choices are set per request (and kept in the document's order)."""

    def pre_validate(self, form: Any) -> None:
        known = {c[0] for c in self.choices or []}
        bad = [v for v in self.data or [] if v not in known]
        if bad:
            raise validators.ValidationError(_l("Not a valid choice: %(values)s", values=", ".join(bad)))


class WhoMixin:
    roles = Multi(_l("Roles"), validators=[OPT])
    users = StringField(_l("Users (e-mails, comma-separated)"), validators=[OPT, validators.Length(max=5000)])
    user_fields = Multi(_l("User fields of the record"), validators=[OPT])
    #: which kind comes first (e.g. "user_field,role"): a document's order of kinds survives a save
    kinds = HiddenField(validators=[OPT, validators.Length(max=40)])


class TransitionRow(WhoMixin, Form):
    name = StringField(_l("Name (a-z, 0-9, _)"), validators=[OPT, validators.Length(max=63)])
    label = StringField(_l("Action"), validators=[OPT, validators.Length(max=255)])
    label_zh = StringField(_l("Action (Chinese)"), validators=[OPT, validators.Length(max=255)])
    sources = Multi(_l("From"), validators=[OPT])
    to = SelectField(_l("To"), validators=[OPT])
    condition = ConditionField(_l("Only when"))
    required_fields = Multi(_l("Required fields"), validators=[OPT])
    comment_required = BooleanField(_l("Comment required"))


class StateRow(Form):
    value = HiddenField()
    locked_fields = Multi(_l("Locked fields"), validators=[OPT])
    approved = SelectField(_l("When approved, go to"), validators=[OPT])
    rejected = SelectField(_l("When rejected, go back to"), validators=[OPT])
    allow_self_approval = BooleanField(_l("Allow self-approval"))


class LevelRow(WhoMixin, Form):
    state = SelectField(_l("Approval in state"), validators=[OPT])
    label = StringField(_l("Level"), validators=[OPT, validators.Length(max=255)])
    label_zh = StringField(_l("Level (Chinese)"), validators=[OPT, validators.Length(max=255)])
    policy = SelectField(_l("Policy"), choices=POLICIES, default="any")
    n = IntegerField(_l("N"), validators=[OPT, validators.NumberRange(min=1, max=50)])
    condition = ConditionField(_l("Only when"))
    due_days = IntegerField(_l("Due in (days)"), validators=[OPT, validators.NumberRange(min=1, max=365)])
    overdue_notify = BooleanField(_l("Notify when overdue"))
    overdue_transition = StringField(_l("When overdue, take the transition"), validators=[OPT, validators.Length(max=63)])
    escalate_roles = Multi(_l("When overdue, add roles"), validators=[OPT])
    escalate_users = StringField(_l("When overdue, add users (e-mails)"), validators=[OPT, validators.Length(max=5000)])
    escalate_user_fields = Multi(_l("When overdue, add user fields"), validators=[OPT])
    escalate_kinds = HiddenField(validators=[OPT, validators.Length(max=40)])


class WorkflowForm(AdminForm):
    name = StringField(_l("Workflow name"), validators=[OPT, validators.Length(max=255)])
    name_zh = StringField(_l("Workflow name (Chinese)"), validators=[OPT, validators.Length(max=255)])
    initial = SelectField(_l("Initial state"), validators=[validators.InputRequired()])
    transitions = FieldList(FormField(TransitionRow), min_entries=0)
    states = FieldList(FormField(StateRow), min_entries=0)
    levels = FieldList(FormField(LevelRow), min_entries=0)


def state_fields(typedef: TypeDef) -> list:
    """The fields a workflow may follow: the type's single selects."""
    return [f for f in typedef.fields if f.field_type == "single_select"]


def states_of(typedef: TypeDef, state_field: str) -> list[dict]:
    f = typedef.field(state_field)
    return normalize_choices(f.options) if f is not None else []


def user_field_paths(typedef: TypeDef, schema: RuntimeSchema, lang: str) -> list[tuple[str, str]]:
    """User fields of the record, and of the record one single link reaches (``link.field``), labelled."""
    out = [(f.name, f.display_label(lang)) for f in typedef.fields if f.field_type in USER_TYPES]
    for f in typedef.fields:
        target = schema.types.get(f.options.get("target", "")) if f.field_type == "link" and \
            not f.options.get("many") else None
        if target is not None:
            out += [(f"{f.name}.{g.name}", f"{f.display_label(lang)} → {g.display_label(lang)}")
                    for g in target.fields if g.field_type in USER_TYPES]
    return out


def named_roles(doc: Optional[dict]) -> list[str]:
    """The roles a stored workflow names (offered even when no such role exists yet)."""
    lists = [t.get("allowed") for t in (doc or {}).get("transitions") or []]
    for s in (doc or {}).get("states") or []:
        for lv in (s.get("approval") or {}).get("levels") or []:
            lists += [lv.get("approvers"), (lv.get("on_overdue") or {}).get("escalate_to")]
    return list(dict.fromkeys(a["role"] for entries in lists for a in entries or [] if "role" in a))


def _ordered(choices: list[tuple], chosen: Optional[list]) -> list[tuple]:
    """The chosen values first, in their order (a browser posts in the options' order)."""
    by = dict(choices)
    first = [(v, by[v]) for v in chosen or [] if v in by]
    return first + [c for c in choices if c[0] not in set(chosen or [])]


def set_choices(form: WorkflowForm, *, states: list[tuple], roles: list[tuple], fields: list[tuple],
                user_paths: list[tuple[str, str]], typedef: TypeDef, catalog: dict) -> None:
    """Give every row its choices (and the condition builder its type and catalogue)."""
    blank = [("", "—")]
    form.initial.choices = states
    paths = list(user_paths)
    for who in [e.form for e in form.transitions] + [e.form for e in form.levels]:
        who.roles.choices = _ordered(roles, who.roles.data)
        who.user_fields.choices = _ordered(paths, who.user_fields.data)
        who.condition.typedef, who.condition.catalog = typedef, catalog
    for t in (e.form for e in form.transitions):
        t.sources.choices = _ordered(states, t.sources.data)
        t.to.choices = blank + states
        t.required_fields.choices = _ordered(fields, t.required_fields.data)
    for s in (e.form for e in form.states):
        s.locked_fields.choices = _ordered(fields, s.locked_fields.data)
        s.approved.choices = blank + states
        s.rejected.choices = blank + states
    for lv in (e.form for e in form.levels):
        lv.state.choices = blank + states
        lv.escalate_roles.choices = _ordered(roles, lv.escalate_roles.data)
        lv.escalate_user_fields.choices = _ordered(paths, lv.escalate_user_fields.data)


def _text(value: Any) -> Optional[str]:
    value = (value or "").strip() if isinstance(value, str) else value
    return value or None


KINDS = ("role", "user", "user_field")


def _who(row: Any, prefix: str = "") -> list[dict]:
    by_kind = {"role": [{"role": r} for r in row[f"{prefix}roles"].data or []],
               "user": [{"user": u.strip()} for u in (row[f"{prefix}users"].data or "").replace(";", ",").split(",")
                        if u.strip()],
               "user_field": [{"user_field": p} for p in row[f"{prefix}user_fields"].data or []]}
    order = [k for k in (row[f"{prefix}kinds"].data or "").split(",") if k in KINDS]
    return [a for k in dict.fromkeys(order + list(KINDS)) for a in by_kind[k]]


def to_document(form: WorkflowForm, type_name: str, state_field: str, keep: Optional[dict] = None) -> tuple[dict, dict]:
    """The posted editor as the workflow document, and where each of its rows came from (for errors):
    ``{"transitions": [row index...], "states": [row index...], "levels": {(state i, level j): row}}``.
    ``keep``: the stored document, whose pack-declared ``roles`` stay as they were."""
    doc: dict[str, Any] = {"type": type_name, "state_field": state_field, "initial": form.initial.data}
    for key in ("name", "name_zh"):
        if _text(form[key].data):
            doc[key] = form[key].data.strip()
    if keep and keep.get("roles"):
        doc["roles"] = keep["roles"]
    origin: dict[str, Any] = {"transitions": [], "states": [], "levels": {}}
    levels: dict[str, list] = {}
    for i, e in enumerate(form.levels):
        lv = e.form
        who = _who(lv)
        if not lv.state.data and not who and not _text(lv.label.data):
            continue
        level: dict[str, Any] = {"approvers": who, "policy": lv.policy.data or "any"}
        for key in ("label", "label_zh"):
            if _text(lv[key].data):
                level[key] = lv[key].data.strip()
        if level["policy"] == "n_of_m" and lv.n.data:
            level["n"] = lv.n.data
        if lv.condition.data:
            level["condition"] = lv.condition.data
        if lv.due_days.data:
            level["due_days"] = lv.due_days.data
        overdue = {k: v for k, v in (("notify", bool(lv.overdue_notify.data) or None),
                                     ("escalate_to", _who(lv, "escalate_")),
                                     ("transition", _text(lv.overdue_transition.data))) if v}
        if overdue:
            level["on_overdue"] = overdue
        levels.setdefault(lv.state.data or "", []).append((i, level))
    states = []
    for i, e in enumerate(form.states):
        s = e.form
        entry: dict[str, Any] = {"value": s.value.data}
        if s.locked_fields.data:
            entry["locked_fields"] = list(s.locked_fields.data)
        mine = levels.pop(s.value.data, [])
        if mine or s.approved.data or s.rejected.data:
            entry["approval"] = {"levels": [lv for _i, lv in mine], "approved": s.approved.data or "",
                                 "rejected": s.rejected.data or "",
                                 "allow_self_approval": bool(s.allow_self_approval.data)}
            for j, (row, _lv) in enumerate(mine):
                origin["levels"][(len(states), j)] = row
        if len(entry) > 1:
            origin["states"].append(i)
            states.append(entry)
    for value, mine in levels.items():  # levels of no state: their rows say so
        for row, _lv in mine:
            origin.setdefault("orphans", []).append(row)
    if states:
        doc["states"] = states
    transitions = []
    for i, e in enumerate(form.transitions):
        t = e.form
        if not _text(t.name.data):
            continue
        entry = {"name": t.name.data.strip(), "label": (t.label.data or "").strip(), "from": list(t.sources.data or []),
                 "to": t.to.data or ""}
        if _text(t.label_zh.data):
            entry["label_zh"] = t.label_zh.data.strip()
        who = _who(t)
        if who:
            entry["allowed"] = who
        if t.condition.data:
            entry["condition"] = t.condition.data
        if t.required_fields.data:
            entry["required_fields"] = list(t.required_fields.data)
        if t.comment_required.data:
            entry["comment_required"] = True
        origin["transitions"].append(i)
        transitions.append(entry)
    doc["transitions"] = transitions
    return doc, origin


def _who_data(entries: Any, prefix: str = "") -> dict:
    entries = entries or []
    return {f"{prefix}roles": [a["role"] for a in entries if "role" in a],
            f"{prefix}users": ", ".join(a["user"] for a in entries if "user" in a),
            f"{prefix}user_fields": [a["user_field"] for a in entries if "user_field" in a],
            f"{prefix}kinds": ",".join(dict.fromkeys(k for a in entries for k in a if k in KINDS))}


def from_document(doc: Optional[dict], states: list[str]) -> dict:
    """The editor's form data for ``doc`` (None: a new workflow): a row per transition and per state,
    a row per level, and blank rows to add more."""
    doc = doc or {}
    data: dict[str, Any] = {"name": doc.get("name") or "", "name_zh": doc.get("name_zh") or "",
                            "initial": doc.get("initial") or (states[0] if states else "")}
    data["transitions"] = [{"name": t["name"], "label": t.get("label", ""), "label_zh": t.get("label_zh") or "",
                            "sources": list(t.get("from") or []), "to": t.get("to") or "",
                            "condition": t.get("condition"), "required_fields": list(t.get("required_fields") or []),
                            "comment_required": bool(t.get("comment_required")), **_who_data(t.get("allowed"))}
                           for t in doc.get("transitions") or []] + [{} for _ in range(EXTRA_TRANSITIONS)]
    by_state = {s["value"]: s for s in doc.get("states") or []}
    data["states"], data["levels"] = [], []
    for value in states:
        s = by_state.get(value) or {}
        a = s.get("approval") or {}
        data["states"].append({"value": value, "locked_fields": list(s.get("locked_fields") or []),
                               "approved": a.get("approved") or "", "rejected": a.get("rejected") or "",
                               "allow_self_approval": bool(a.get("allow_self_approval"))})
        for lv in a.get("levels") or []:
            od = lv.get("on_overdue") or {}
            data["levels"].append({"state": value, "label": lv.get("label") or "", "label_zh": lv.get("label_zh") or "",
                                   "policy": lv.get("policy") or "any", "n": lv.get("n"), "condition": lv.get("condition"),
                                   "due_days": lv.get("due_days"), "overdue_notify": bool(od.get("notify")),
                                   "overdue_transition": od.get("transition") or "", **_who_data(lv.get("approvers")),
                                   **_who_data(od.get("escalate_to"), "escalate_")})
    data["levels"] += [{} for _ in range(EXTRA_LEVELS)]
    return data


_STEP = re.compile(r"\.([a-z_]+)|\[(\d+)\]")
_TRANSITION_INPUTS = {"name": "name", "label": "label", "label_zh": "label_zh", "from": "sources", "to": "to",
                      "allowed": "user_fields", "condition": "condition", "required_fields": "required_fields",
                      "comment_required": "comment_required"}
_LEVEL_INPUTS = {"approvers": "user_fields", "label": "label", "label_zh": "label_zh", "policy": "policy", "n": "n",
                 "condition": "condition", "due_days": "due_days", "on_overdue": "overdue_transition"}
_STATE_INPUTS = {"locked_fields": "locked_fields", "approved": "approved", "rejected": "rejected",
                 "levels": "approved", "value": "approved", "allow_self_approval": "allow_self_approval"}


def _who_input(steps: list) -> str:
    """Which "who" input a problem of an approver entry goes beside (users or user fields, else roles)."""
    last = steps[-1]
    return {"user_field": "user_fields", "user": "users"}.get(last, "roles") if isinstance(last, str) else "roles"


def _input(form: WorkflowForm, path: str, origin: dict) -> Any:
    steps = [m.group(1) or int(m.group(2)) for m in _STEP.finditer(path.removeprefix("$"))]
    if not steps:
        return None
    head = steps[0]
    if head in ("initial", "state_field", "name", "name_zh"):
        return form[head] if head in form else form.initial
    if head == "transitions" and len(steps) > 1 and steps[1] < len(origin["transitions"]):
        row = form.transitions[origin["transitions"][steps[1]]].form
        key = steps[2] if len(steps) > 2 else "name"
        return row[_who_input(steps) if key == "allowed" else _TRANSITION_INPUTS.get(key, "name")]
    if head == "states" and len(steps) > 1 and steps[1] < len(origin["states"]):
        i = steps[1]
        rest = [s for s in steps[2:] if s != "approval"]
        if rest[:1] == ["levels"] and len(rest) > 1 and (i, rest[1]) in origin["levels"]:
            row = form.levels[origin["levels"][(i, rest[1])]].form
            key = rest[2] if len(rest) > 2 else "label"
            if key == "on_overdue" and "escalate_to" in rest:
                return row["escalate_" + _who_input(rest)]
            return row[_who_input(rest) if key == "approvers" else _LEVEL_INPUTS.get(key, "label")]
        return form.states[origin["states"][i]].form[_STATE_INPUTS.get(rest[0] if rest else "approved", "approved")]
    return None


def place_problems(form: WorkflowForm, problems: list, origin: dict) -> list[str]:
    """Each problem beside the input its path names; those naming none are returned for the page's top."""
    rest = []
    for p in problems:
        target = _input(form, str(p.get("path", "")), origin)
        if target is not None:
            target.errors = list(target.errors or []) + [str(p.get("message"))]
        else:
            rest.append(str(p.get("message")))
    return rest
