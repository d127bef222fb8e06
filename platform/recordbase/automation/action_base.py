"""What a rule action is: the :class:`Action` base class, what checking one needs, what running one returns.

Every action kind in :mod:`recordbase.automation.actions` extends :class:`Action`. This module
holds the contract they share — :class:`Checker` (the schema, the triggering type and the problems
found when a rule is saved), :class:`StepSpec` (a run step an action asks the engine to record)
and the checks several kinds use (field values, message templates, user fields) — kept apart
from the kinds themselves so each module holds one concept.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import TYPE_CHECKING, Any, ClassVar, Optional

from ..metamodel import formula as fx
from ..metamodel.computed_fields import USER_TYPES
from ..metamodel.fieldtypes import ValueContext
from ..metamodel.runtime import RuntimeSchema, TypeDef, is_many_link
from . import expressions as ex

if TYPE_CHECKING:
    from .action_context import ActionContext


@dataclass
class StepSpec:
    """A run step an action asks the engine to record."""

    action: str
    kind: str = "data"
    status: str = "succeeded"
    result: Any = None
    payload: Any = None
    max_attempts: int = 1
    idempotency_key: Optional[str] = None


@dataclass
class Checker:
    """What checking a rule's actions needs, and the problems found (path + message)."""

    schema: RuntimeSchema
    typedef: TypeDef
    ctx: ValueContext
    trigger: str
    problems: list = dc_field(default_factory=list)
    #: False when loading saved rules: literal values are not re-checked against the database
    #: (a linked record trashed since must not disable the rule; the write reports it instead)
    strict: bool = True
    #: the database session of a rule being saved (None: a pack's simulated schema, a saved rule read
    #: back): checks of what is not in the schema (a transition's workflow) run only with one
    session: Optional[Any] = None

    def problem(self, path: str, message: str) -> None:
        self.problems.append({"path": path, "message": message})


class Action:
    """The base class of every action kind: checks common to all on construction, shared checks below."""

    name: ClassVar[str] = ""
    kind: ClassVar[str] = "data"
    forbidden_on: ClassVar[tuple[str, ...]] = ()

    def __init__(self, spec: dict, checker: Checker, path: str):
        self.spec = spec
        self.path = path
        if checker.trigger in self.forbidden_on:
            checker.problem(f"{path}.do", f"'{self.name}' cannot follow a {checker.trigger} trigger "
                                          "(the record is gone)")

    def run(self, ctx: "ActionContext") -> list[StepSpec]:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- shared checks ---------------------------------------------------------------
    @staticmethod
    def check_values(raw: dict, source: TypeDef, target: TypeDef, checker: Checker, path: str,
                     required: bool = False) -> list[ex.ValueSpec]:
        """Field values for ``target`` (literals, or formulas over ``source``)."""
        specs = []
        for name, value in (raw or {}).items():
            where = f"{path}.{name}"
            f = target.field(name)
            if f is None:
                checker.problem(where, f"record type '{target.name}' has no field '{name}'")
                continue
            if f.ftype.read_only:
                checker.problem(where, f"'{name}' is {f.field_type}: it cannot be set")
                continue
            if ex.is_formula(value):
                try:
                    checked = ex.check_formula(value["formula"], source, budget=checker.strict)
                except fx.FormulaError as exc:
                    checker.problem(f"{where}.formula", exc.message)
                    continue
                if not ex.fits(checked.result_type, f):
                    checker.problem(f"{where}.formula", f"the formula gives {fx.types.TYPE_NOUN.get(checked.result_type, checked.result_type)}, "
                                                        f"which cannot fill {f.field_type} field '{name}'")
                    continue
                specs.append(ex.ValueSpec(name, formula=checked))
            else:
                try:
                    if checker.strict:
                        f.ftype.clean(value, f, checker.ctx)
                except ValueError as exc:
                    checker.problem(where, str(exc))
                    continue
                specs.append(ex.ValueSpec(name, literal=value))
        if required:
            given = {s.field for s in specs} | set((raw or {}).keys())
            for f in target.writable_fields():
                if f.required and f.default is None and f.name not in given:
                    checker.problem(path, f"'{f.name}' is required on {target.name}: give it a value")
        return specs

    @staticmethod
    def check_template(template: Optional[str], typedef: TypeDef, checker: Checker, path: str) -> None:
        if template is None:
            return
        try:
            ex.template_fields(template, typedef)
        except ValueError as exc:
            checker.problem(path, str(exc))

    @staticmethod
    def check_user_field(ref: str, typedef: TypeDef, checker: Checker, path: str) -> None:
        """``owner`` (a user field) or ``supplier.manager`` (a user field through a one-link)."""
        head, _, tail = ref.partition(".")
        f = typedef.field(head)
        if f is None:
            checker.problem(path, f"record type '{typedef.name}' has no field '{head}'")
            return
        if tail:
            if f.field_type != "link" or is_many_link(f):
                checker.problem(path, f"'{head}' must be a link to one record to reach '{tail}'")
                return
            target = checker.schema.types.get(f.options.get("target", ""))
            g = target.field(tail) if target else None
            if g is None or g.field_type not in USER_TYPES:
                checker.problem(path, f"'{ref}' is not a user field")
            return
        if f.field_type not in USER_TYPES:
            checker.problem(path, f"'{head}' is a {f.field_type} field, not a user field")
