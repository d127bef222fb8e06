"""The record store's enforcement of conditional fields (:mod:`recordbase.metamodel.field_conditions`).

Every write of a record (create, update, ``create_many``: so the API, ``/v0``, import, the batch API,
the admin's forms and inline edits, public forms and automation) is checked here against the
record's values as written: a field *required when* its condition matches (and shown, when it has
a *show when*) must not be empty; a field *read-only when* its condition matches keeps its value.
The refusal names the condition in words, in the writer's language. A field hidden by its
*show when* keeps its value, unless the type clears hidden values (:meth:`ConditionCheck.clears`:
the write then blanks it too, so the history shows it). A type without conditions costs one memo lookup.

A condition that reads a field the writer may not see is not theirs to meet (they could neither
read nor fill what it is about): it is skipped for them, never worded to them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Optional

from ..errors import ValidationError
from ..i18n import translate as _
from ..metamodel.condition_words import describe
from ..metamodel.field_conditions import FormConditions, form_conditions
from ..metamodel.filters import Clock
from ..metamodel.runtime import TypeDef

if TYPE_CHECKING:
    from .record_store import RecordStore


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


class ConditionCheck:
    """The conditions of one type for one store's writes (compiled trees with this write's clock)."""

    def __init__(self, store: "RecordStore", typedef: TypeDef, conditions: FormConditions):
        self.store = store
        self.typedef = typedef
        self.conditions = conditions
        visible = store.visible_type(typedef.name)
        self.visible = visible
        clock = Clock.current(store.timezone)
        self.compiled = []
        for entry in conditions.entries:
            if visible.field(entry.field.name) is None or any(
                    visible.field(n) is None and typedef.field(n) is not None for n in entry.reads):
                continue
            compiled = entry.compile(typedef, store.ctx, clock)
            if compiled is not None:
                self.compiled.append((entry, compiled))

    def hidden(self, after: dict) -> set[str]:
        """The fields a record with values ``after`` hides by their *show when*."""
        return {entry.field.name for entry, compiled in self.compiled
                if entry.kind == "show_when" and not compiled.matches(after)}

    def locked(self, after: dict) -> set[str]:
        """The fields a record with values ``after`` locks by their *read-only when*."""
        return {entry.field.name for entry, compiled in self.compiled
                if entry.kind == "readonly_when" and compiled.matches(after)}

    def clears(self, after: dict) -> dict[str, None]:
        """What a write leaving ``after`` also blanks when the type clears hidden values
        (:attr:`TypeDef.clear_hidden_values`): each field its *show when* hides that has a value.

        Evaluated on the values written: a *show when* reading a computed field (known only once
        recomputed) never clears, nor is a field required by the type or computed ever cleared."""
        if not self.typedef.clear_hidden_values:
            return {}
        out: dict[str, None] = {}
        for entry, compiled in self.compiled:
            f = entry.field
            if entry.kind != "show_when" or f.required or f.ftype.read_only or _empty(after.get(f.name)) \
                    or any((r := self.typedef.field(n)) is not None and r.ftype.computed for n in entry.reads):
                continue
            if not compiled.matches(after):
                out[f.name] = None
        return out

    def problems(self, before: Optional[dict], after: dict, given: Iterable[str]) -> dict[str, list[str]]:
        """What the write from ``before`` (None: a new record) to ``after`` breaks, by field."""
        given = set(given)
        shown: dict[str, bool] = {}
        for entry, compiled in self.compiled:
            if entry.kind == "show_when":
                shown[entry.field.name] = compiled.matches(after)
        problems: dict[str, list[str]] = {}
        lang = self.store.lang
        for entry, compiled in self.compiled:
            f = entry.field
            if entry.kind == "required_when":
                if shown.get(f.name, True) and _empty(after.get(f.name)) and compiled.matches(after):
                    problems.setdefault(f.name, []).append(
                        _("is required when %(condition)s", condition=describe(entry.tree, self.visible, lang)))
            elif entry.kind == "readonly_when" and f.name in given:
                old = before.get(f.name) if before is not None else self._default(f)
                if after.get(f.name) != old and not (before is None and _empty(after.get(f.name))) \
                        and compiled.matches(after):
                    problems.setdefault(f.name, []).append(
                        _("cannot be changed when %(condition)s", condition=describe(entry.tree, self.visible, lang)))
        return problems

    def _default(self, f) -> Any:
        if f.default is None:
            return None
        try:
            return f.ftype.default_value(f, self.store.ctx)
        except ValueError:
            return None


def condition_check(store: "RecordStore", typedef: TypeDef) -> Optional[ConditionCheck]:
    """The check of ``typedef``'s field conditions for this store, or None when it has none."""
    conditions = form_conditions(typedef)
    if conditions is None:
        return None
    return ConditionCheck(store, typedef, conditions)


def refuse(typedef: TypeDef, problems: dict[str, list[str]]) -> None:
    """Raise the ValidationError the record store answers a write that breaks conditions with."""
    if problems:
        first = next(iter(problems.items()))
        raise ValidationError(f"Invalid {typedef.name}: {first[0]}: {first[1][0]}"
                              + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""), problems)


def check_write(store: "RecordStore", typedef: TypeDef, before: Optional[dict], after: dict,
                given: Iterable[str]) -> None:
    """Refuse (ValidationError, by field) a write that breaks the type's field conditions."""
    check = condition_check(store, typedef)
    if check is not None:
        refuse(typedef, check.problems(before, after, given))
