"""Conditional fields on a public form (``/f/<token>``): live in the browser, and what a URL may prefill.

The page runs the admin's own evaluator (``condition_builder.js``) and ``conditional_form.js`` over
the conditions :func:`page_conditions` gives: those of the form's fields that read only fields on
the form — exactly the ones the record store enforces on a submission, whose policy
(:meth:`~recordbase.access.policy.Policy.for_form`) hides every other field. :func:`conditional_prefill`
drops a URL's value for a field the prefilled record would hide (*show when* not met) or lock
(*read-only when* met): a link cannot fill what the form does not offer. :func:`condition_problems`
gives a submission that the form's own fields already refuse the conditions' problems too, so the
page shows every problem in one round.
"""
from __future__ import annotations

from typing import Any, Optional

from werkzeug.datastructures import MultiDict

from ..errors import RecordbaseError
from ..metamodel.field_conditions import form_conditions
from ..metamodel.runtime import TypeDef, is_many_link
from ..storage.condition_guard import condition_check
from ..storage.write_plan import write_plan
from ..models import utcnow


def page_conditions(typedef: TypeDef, names: list[str], input_name: Any) -> Optional[dict]:
    """What the page's script needs (None: no condition applies on this form, the page runs none)."""
    conditions = form_conditions(typedef)
    if conditions is None:
        return None
    on_form = {n for n in names if typedef.field(n) is not None}
    out: dict[str, dict] = {}
    for entry in conditions.entries:
        if entry.field.name not in on_form or any(typedef.field(n) is not None and n not in on_form
                                                  for n in entry.reads):
            continue  # (not enforced on this form either: the submission's policy hides what it reads)
        out.setdefault(entry.field.name, {})[entry.kind] = entry.tree
    if not out:
        return None
    fields = [typedef.field(n) for n in sorted(on_form)]
    return {"conditions": out, "values": {}, "types": {f.name: f.field_type for f in fields},
            "inputs": {f.name: input_name(f) for f in fields}}


def conditional_prefill(store: Any, typedef: TypeDef, names: list[str], data: MultiDict, input_name: Any) -> MultiDict:
    """``data`` (the form's prefill) without the fields the prefilled record hides or locks.

    ``store`` writes as the form (its policy); a value its field type refuses counts as empty."""
    check = condition_check(store, typedef)
    if check is None or not data:
        return data
    cleaned: dict[str, Any] = {}
    for n in names:
        f = typedef.field(n)
        if f is None or input_name(f) not in data:
            continue
        given = data.getlist(input_name(f))
        try:
            many = f.field_type == "multi_select" or is_many_link(f)
            cleaned[n] = f.ftype.clean(given if many or len(given) > 1 else given[0], f, store.ctx)
        except (RecordbaseError, ValueError, TypeError):
            continue
    for f in typedef.fields:  # the defaults a new record gets, which a condition may read
        if f.name not in cleaned and f.default is not None:
            try:
                cleaned[f.name] = f.ftype.default_value(f, store.ctx)
            except ValueError:
                pass
    plan = write_plan(store, typedef)
    values = plan.record_values(plan.new_values(utcnow(), None), cleaned)
    dropped = {input_name(typedef.field(n)) for n in check.hidden(values) | check.locked(values)
               if typedef.field(n) is not None}
    return MultiDict([(k, v) for k, v in data.items(multi=True) if k not in dropped])


def condition_problems(store: Any, typedef: TypeDef, names: list[str], wtform: Any, input_name: Any) -> dict[str, list[str]]:
    """The field conditions a submission breaks, by field, when its form did not validate (the record store,
    which checks them on a valid submission, is not reached): the same check on the values that validated.

    A field whose value is not known yet — refused by its form field, an attachment (not stored before the
    submission validates), a computed field — has no condition problem here, nor has a field with a
    condition reading one: each problem given is one the record store would give on this submission."""
    check = condition_check(store, typedef)
    if check is None:
        return {}
    unknown = {f.name for f in typedef.fields if f.ftype.computed}
    plan = write_plan(store, typedef)
    cleaners = plan.cleaners
    cleaned: dict[str, Any] = {}
    for n in names:
        f = typedef.field(n)
        if f is None or input_name(f) not in wtform:
            continue
        field = wtform[input_name(f)]
        clean = cleaners.get(n)
        if field.errors or f.field_type == "attachment" or not callable(clean):
            unknown.add(n)
            continue
        try:
            cleaned[n] = clean(field.data)
        except (RecordbaseError, ValueError, TypeError):
            unknown.add(n)
    for f in plan.checks:  # the defaults a new record gets, which a condition may read
        if f.name not in cleaned and f.name not in unknown and f.default is not None:
            try:
                cleaned[f.name] = f.ftype.default_value(f, store.ctx)
            except ValueError:
                unknown.add(f.name)
    values = plan.record_values(plan.new_values(utcnow(), None), cleaned)
    problems = check.problems(None, values, cleaned)
    return {n: msgs for n, msgs in problems.items()
            if n not in unknown and not any(unknown.intersection(e.reads) for e in check.conditions.of(n))}
