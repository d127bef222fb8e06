"""Saving computed fields: check their options against the schema and derive what they need.

For a formula: type-check the expression (:mod:`.formula`), store it with API-name references
(so relabelling a field never breaks it), its result type, the fields it reads and whether it
uses TODAY()/NOW(). For a lookup, rollup or count: resolve the link (a local link field or
``"type.field"`` for the reverse side of another type's link), the target field, the function's
fit to the target's kind, the optional filter, and the result type. Then refuse cycles.
Evaluation of formulas for the recompute engine lives here too (compiled once per snapshot).
"""
from __future__ import annotations

from typing import Any, Optional

from ..errors import ValidationError
from . import formula as fx
from .formula import budget as formula_budget
from .dependencies import DependencyGraph, link_path, value_kind
from .fieldtypes import FieldDef
from .filters import compile_filter
from .runtime import RuntimeSchema, TypeDef, is_many_link

_KIND_TO_FORMULA = {"number": fx.NUMBER, "text": fx.TEXT, "boolean": fx.BOOLEAN, "date": fx.DATE,
                    "datetime": fx.DATETIME}
USER_TYPES = ("user", "created_by", "updated_by")


def field_info(field: FieldDef) -> Optional[fx.FieldInfo]:
    """How a formula sees a field: computed fields by result type, users by e-mail (text)."""
    if field.ftype.computed:
        return fx.FieldInfo(field.name, _KIND_TO_FORMULA.get(field.options.get("result_type", "text"), fx.TEXT))
    if field.field_type in USER_TYPES:
        return fx.FieldInfo(field.name, fx.TEXT)
    return fx.default_field_info(field)


def _result_type(t: str) -> str:
    return t if t in ("number", "text", "boolean", "date", "datetime") else "text"


def prepare_formula(typedef: TypeDef, name: str, options: dict, budget: bool = True) -> dict:
    """``budget``: refuse a formula over the formula budget's length and depth (a save); False
    only rechecks a stored formula against a changed input (one saved under a larger limit)."""
    fields = [f for f in typedef.fields if f.name != name]
    resolve = fx.make_resolver(fields, info=field_info)
    expression = options["expression"]
    checked = fx.check(expression, resolve, formula_budget.current() if budget else None)
    canonical = fx.canonicalize(expression, lambda ref: (resolve(ref).name if resolve(ref) else None))
    out = {"expression": canonical, "result_type": _result_type(checked.result_type),
           "depends_on": sorted(checked.fields), "volatile": bool(checked.volatile)}
    out.update({k: options[k] for k in ("places", "choices") if k in options})
    return _check_display(out)


def _check_display(options: dict) -> dict:
    """``places`` fit a number result, ``choices`` a text one (a formula's levels: 'high', 'pass')."""
    kind = options.get("result_type")
    if "places" in options and kind != "number":
        msg = f"options.places: only a number result has decimal places, this one is {kind}"
        raise ValidationError(msg, {"options": [msg]})
    if "choices" in options and kind != "text":
        msg = f"options.choices: only a text result can be one of the choices, this one is {kind}"
        raise ValidationError(msg, {"options": [msg]})
    return options


NUMERIC_FUNCTIONS = {"sum", "avg"}
DATE_FUNCTIONS = {"earliest", "latest"}


def prepare_aggregate(schema: RuntimeSchema, typedef: TypeDef, field_type: str, options: dict) -> dict:
    try:
        path = link_path(schema, typedef, options["link"])
    except ValueError as exc:
        raise ValidationError(str(exc), {"options": [str(exc)]}) from None
    src = schema.get(path.source)
    out = {k: v for k, v in options.items() if k not in ("result_type",)}
    target: Optional[FieldDef] = None
    if field_type != "count":
        target = src.field(options["target_field"])
        if target is None:
            msg = f"options.target_field: '{path.source}' has no field '{options['target_field']}'"
            raise ValidationError(msg, {"options": [msg]})
        if is_many_link(target):
            msg = (f"options.target_field: '{path.source}.{target.name}' is a many-link, which has no value of its own "
                   f"to {field_type} (use a field of the records it links to)")
            raise ValidationError(msg, {"options": [msg]})
    if options.get("filter"):
        compile_filter(options["filter"], src)
    if field_type == "count":
        out["result_type"] = "number"
    elif field_type == "lookup":
        single = not path.reverse and not path.many
        out["result_type"] = value_kind(target) if single else "text"
        if single and target.field_type in ("multi_select", "attachment") or \
                (single and target.field_type == "link" and target.options.get("many")):
            out["result_type"] = "text"
    else:
        fn = options["function"]
        kind = value_kind(target)
        if fn in NUMERIC_FUNCTIONS and kind != "number":
            msg = f"options.function: '{fn}' needs a number field, '{target.name}' holds {kind}"
            raise ValidationError(msg, {"options": [msg]})
        if fn in DATE_FUNCTIONS and kind not in ("date", "datetime"):
            msg = f"options.function: '{fn}' needs a date field, '{target.name}' holds {kind}"
            raise ValidationError(msg, {"options": [msg]})
        if fn in ("min", "max") and kind not in ("number", "date", "datetime"):
            msg = f"options.function: '{fn}' needs a number or date field, '{target.name}' holds {kind}"
            raise ValidationError(msg, {"options": [msg]})
        out["result_type"] = {"sum": "number", "avg": "number", "count": "number", "count_nonempty": "number",
                              "concat": "text", "and": "boolean", "or": "boolean"}.get(fn, kind)
    return _check_display(out)


def prepare_options(schema: RuntimeSchema, typedef: TypeDef, name: str, field_type: str, options: dict,
                    budget: bool = True) -> dict:
    """Validated options for a computed field, with the derived keys filled in (``budget``: see
    :func:`prepare_formula`)."""
    if field_type == "formula":
        return prepare_formula(typedef, name, options, budget)
    return prepare_aggregate(schema, typedef, field_type, options)


def refuse_cycles(schema: RuntimeSchema) -> None:
    cycle = DependencyGraph(schema).find_cycle()
    if cycle:
        msg = "Computed fields would depend on each other in a cycle: " + " → ".join(cycle)
        raise ValidationError(msg, {"options": [msg], "cycle": cycle})


def compiled_formula(schema: RuntimeSchema, typedef: TypeDef, field: FieldDef) -> fx.CheckedFormula:
    cache = schema.__dict__.setdefault("_formula_cache", {})
    key = (typedef.name, field.name)
    if key not in cache:
        resolve = fx.make_resolver([f for f in typedef.fields if f.name != field.name], info=field_info)
        cache[key] = fx.check(field.options["expression"], resolve)
    return cache[key]


def evaluate_formula(field: FieldDef, values: dict, record_id: int, store: Any, now: Any = None,
                     budget: Optional[fx.FormulaBudget] = None) -> Any:
    """The formula's value on one record; ``now`` (default: the clock) is what TODAY()/NOW() see;
    ``budget`` (default: the one in force) limits its text and time (over it: blank)."""
    typedef = store.schema.get(store.schema.by_id[field.type_id].name)
    checked = compiled_formula(store.schema, typedef, field)
    inputs = {}
    for name in checked.fields:
        f = typedef.field(name)
        v = values.get(name)
        if f is not None and f.field_type in USER_TYPES and v is not None:
            v = store.ctx.user_email(v)
        inputs[name] = v
    return fx.evaluate(checked, inputs, fx.EvalContext(record_id=record_id, now=now, timezone=store.timezone,
                                                       budget=budget or formula_budget.current()))


# -- hooks the metamodel service calls ------------------------------------------------
def instance_timezone() -> str:
    """The instance's time zone (:mod:`recordbase.settings`: an override, the owner's setting, UTC)."""
    from ..settings import instance_timezone as setting

    return setting()


def finish_computed(session, schema: RuntimeSchema, type_name: str, names: list[str]) -> None:
    """After a computed field is saved: refuse cycles, then fill it on every existing record
    (in the instance's time zone, as every later write computes it)."""
    from ..storage import RecordStore

    refuse_cycles(schema)
    RecordStore(session, schema, timezone_name=instance_timezone()).recomputer.backfill(type_name, names)


def refuse_if_used(schema: RuntimeSchema, type_name: str, field_name: str, action: str = "delete") -> None:
    """A field that computed fields read cannot be deleted (their values would silently break)."""
    users = DependencyGraph(schema).dependents_of(type_name, field_name)
    if users:
        names = ", ".join(f"{t}.{f}" for t, f in users)
        from ..errors import Conflict

        raise Conflict(f"Cannot {action} '{type_name}.{field_name}': computed fields use it ({names})",
                       {"used_by": [f"{t}.{f}" for t, f in users]}, code="restricted")


def recheck_dependents(session, schema: RuntimeSchema, type_name: str, field_name: str) -> None:
    """After a field changed type: every computed field reading it must still be valid, with the same
    result type (its column keeps it); then refresh them."""
    graph = DependencyGraph(schema)
    users = graph.dependents_of(type_name, field_name)
    for t, f in users:
        typedef = schema.get(t)
        field = typedef.field(f)
        try:
            again = prepare_options(schema, typedef, f, field.field_type, field.options, budget=False)
        except ValidationError as exc:  # a FormulaError too
            raise ValidationError(f"'{type_name}.{field_name}' is used by {field.field_type} '{t}.{f}', which would "
                                  f"break: {exc.message}", {"used_by": [f"{t}.{f}"]}) from None
        old_type, new_type = field.options.get("result_type"), again.get("result_type")
        if old_type != new_type:
            raise ValidationError(f"'{type_name}.{field_name}' is used by {field.field_type} '{t}.{f}', whose result "
                                  f"would change from {old_type} to {new_type}; change '{t}.{f}' first",
                                  {"used_by": [f"{t}.{f}"]})
    by_type: dict[str, list[str]] = {}
    for t, f in users:
        by_type.setdefault(t, []).append(f)
    for t, names in by_type.items():
        finish_computed(session, schema, t, names)
