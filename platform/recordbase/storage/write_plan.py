"""What writing records of one type needs, worked out once per store and type instead of once per value.

A :class:`WritePlan` holds, for one :class:`TypeDef` snapshot and one store's value context,
each field's cleaner (:meth:`FieldType.cleaner`), the defaults and required checks, the
column each value goes to with its ``to_db`` (skipped where it is the identity), and the
values a new record has for the fields it was not given. ``RecordStore.clean``, ``create``
and ``create_many`` use it; the results, messages and their order are exactly those of
cleaning value by value.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..i18n import translate as _
from ..errors import ValidationError
from ..metamodel.fieldtypes import FieldDef
from ..metamodel.fieldtypes.base import FieldType
from ..metamodel.runtime import TypeDef, has_own_column, is_many_link

if TYPE_CHECKING:
    from .record_store import RecordStore

_READ_ONLY: Any = object()


class _TypePlan:
    """What a write of a type needs that depends on the type snapshot alone (built once per TypeDef:
    a create built it on every request, about a tenth of its time)."""

    def __init__(self, typedef: TypeDef):
        #: the writable fields that have a default or are required, in field order
        self.checks: tuple[FieldDef, ...] = tuple(f for f in typedef.writable_fields()
                                                  if f.default is not None or f.required)
        #: field name -> (column, to_db or None when it is the identity, field), for fields with a column
        self.columns: dict[str, tuple[str, Optional[Callable], FieldDef]] = {}
        for f in typedef.fields:
            if has_own_column(f) and f.name not in self.columns:
                identity = type(f.ftype).to_db is FieldType.to_db
                self.columns[f.name] = (f.column_name, None if identity else f.ftype.to_db, typedef.field(f.name))
        self.own_columns = [f for f in typedef.fields if has_own_column(f) and not f.ftype.system_column]
        self.unique = tuple(f for f in typedef.fields if f.unique and has_own_column(f))
        #: whether the database may refuse a row of this type for a constraint (a unique index, a
        #: link's foreign key) that the checks before the write cannot rule out (another writer may
        #: take the value or delete the target in between); only then does PostgreSQL need a
        #: savepoint around the write to keep the transaction usable after the refusal. (A value the
        #: column cannot hold, a DataError, is ruled out by the field types' validation; if one got
        #: through, it would now end the whole transaction, as any unexpected database error does.)
        self.may_conflict = bool(self.unique) or any(f.field_type == "link" and has_own_column(f)
                                                     for f in typedef.fields)
        self.autonumbers = tuple(f for f in typedef.fields if f.field_type == "autonumber")
        self.many_links = tuple(f for f in typedef.fields if is_many_link(f))
        self.computed = any(f.ftype.computed for f in typedef.fields)
        #: a new record's value of each field it was not given, as reading it back gives them: the
        #: keys RecordStore._records sets (system fields, fields with a column, many-links) in field order
        self.blank_values = {f.name: None if f.ftype.system_column else _blank(f) for f in typedef.fields
                             if f.ftype.system_column or has_own_column(f) or is_many_link(f)}
        self.system_fields = tuple((f.name, f.ftype.system_column) for f in typedef.fields if f.ftype.system_column)


class WritePlan:
    """A store's writes of one type: the type's :class:`_TypePlan` and each field's cleaner bound to
    the store's value context (built when first needed)."""

    def __init__(self, store: "RecordStore", typedef: TypeDef):
        self.ctx = store.ctx
        self.typedef = typedef
        self.__dict__.update(typedef.memo("write_plan", _TypePlan).__dict__)
        self._cleaners: Optional[dict[str, Any]] = None

    @property
    def cleaners(self) -> dict[str, Any]:
        """field name -> its cleaner, or _READ_ONLY."""
        if self._cleaners is None:
            ctx, typedef = self.ctx, self.typedef
            self._cleaners = {}
            for f in typedef.fields:
                if f.name not in self._cleaners:
                    g = typedef.field(f.name)
                    self._cleaners[f.name] = _READ_ONLY if g.ftype.read_only else g.ftype.cleaner(g, ctx)
        return self._cleaners

    def new_values(self, now: Any, user_id: Optional[int]) -> dict:
        """A record created ``now`` by ``user_id`` before its values: the system fields' values and
        every other field blank, keyed and ordered as :meth:`RecordStore.get` gives them."""
        system = {"created_at": now, "updated_at": now, "created_by": user_id, "updated_by": user_id}
        out = self.blank_values.copy()
        for name, column in self.system_fields:
            out[name] = system[column]
        return out

    def record_values(self, base: dict, cleaned: dict) -> dict:
        """``base`` (from :meth:`new_values`) with the values written (what reading the record back gives:
        no computed field has been recomputed yet)."""
        values = base.copy()
        for name, v in cleaned.items():
            if v is not None and name in values:
                values[name] = v
        return values

    def updated_values(self, before: dict, cleaned: dict, now: Any, user_id: Optional[int]) -> dict:
        """A record's values after an update wrote ``cleaned`` (``before``: as read before it)."""
        values = dict(before)
        blank = self.blank_values
        for name, v in cleaned.items():
            if name in values:
                values[name] = blank[name] if v is None else v
        for name, column in self.system_fields:
            if column == "updated_at":
                values[name] = now
            elif column == "updated_by":
                values[name] = user_id
        return values

    def clean(self, values: Any, creating: bool) -> dict:
        """Exactly :meth:`RecordStore.clean` (see there)."""
        typedef = self.typedef
        if type(values) is CleanedValues and values.cleaned_for(typedef, self.ctx, creating):
            return self._finish_cleaned(values, creating)
        if not isinstance(values, dict):
            raise ValidationError("'fields' must be an object of field API names to values", {"fields": ["must be an object"]})
        problems: dict[str, list[str]] = {}
        cleaned: dict[str, Any] = {}
        cleaners = self.cleaners
        for name, raw in values.items():
            clean = cleaners.get(name)
            if clean is None:
                problems.setdefault(name, []).append(_("unknown field (record type '%(type)s' has no field '%(field)s')",
                                                       type=typedef.name, field=name))
            elif clean is _READ_ONLY:
                problems.setdefault(name, []).append(_("is read-only"))
            else:
                try:
                    cleaned[name] = clean(raw)
                except ValueError as exc:
                    problems.setdefault(name, []).append(str(exc))
        for f in self.checks:
            if creating and f.name not in values and f.default is not None:
                try:
                    cleaned[f.name] = f.ftype.default_value(f, self.ctx)
                except ValueError as exc:
                    problems.setdefault(f.name, []).append(_("default: %(problem)s", problem=exc))
            if f.required and f.name not in problems:
                present = f.name in cleaned
                if (creating or present) and (not present or cleaned[f.name] in (None, "", [])):
                    problems.setdefault(f.name, []).append(_("is required"))
        if problems:
            first = next(iter(problems.items()))
            raise ValidationError(f"Invalid {typedef.name}: {first[0]}: {first[1][0]}"
                                  + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""), problems)
        return cleaned

    def _finish_cleaned(self, values: "CleanedValues", creating: bool) -> dict:
        """Values every field type already cleaned in this request (the API's marshmallow load runs the
        same ``FieldType.clean`` with this store's value context): what :meth:`clean` does after that —
        an empty value's own cleaning (marshmallow passes ``None`` through as it is), defaults, required."""
        cleaned = dict(values)
        for name, v in values.items():
            if v is None:
                clean = self.cleaners.get(name)  # (built only when needed: a tenth of an update)
                if clean is not None and clean is not _READ_ONLY:
                    cleaned[name] = clean(None)
        problems: dict[str, list[str]] = {}
        for f in self.checks:
            if creating and f.name not in values and f.default is not None:
                try:
                    cleaned[f.name] = f.ftype.default_value(f, self.ctx)
                except ValueError as exc:
                    problems.setdefault(f.name, []).append(_("default: %(problem)s", problem=exc))
            if f.required:
                present = f.name in cleaned
                if (creating or present) and (not present or cleaned[f.name] in (None, "", [])):
                    problems.setdefault(f.name, []).append(_("is required"))
        if problems:
            first = next(iter(problems.items()))
            raise ValidationError(f"Invalid {self.typedef.name}: {first[0]}: {first[1][0]}"
                                  + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""), problems)
        return cleaned

    def row_values(self, cleaned: dict) -> dict:
        """Exactly :meth:`RecordStore._row_values`: column -> database value for the values given."""
        row = {}
        columns = self.columns
        for name, v in cleaned.items():
            c = columns.get(name)
            if c is not None:
                row[c[0]] = v if c[1] is None else c[1](v, c[2])
        return row


def _blank(f: FieldDef) -> Any:
    """A field's value in a record that was created without it (its column NULL, no links)."""
    return [] if is_many_link(f) else f.ftype.from_db(None, f)


def write_plan(store: "RecordStore", typedef: TypeDef) -> WritePlan:
    """The store's plan for this snapshot of the type (built on first use)."""
    plans = store.__dict__.setdefault("_rb_write_plans", {})
    entry = plans.get(typedef.name)
    if entry is None or entry.typedef is not typedef or entry.ctx is not store.ctx:
        entry = plans[typedef.name] = WritePlan(store, typedef)
    return entry


@contextmanager
def refusable_write(session: Session, plan: WritePlan, message: str, statements: int = 1,
                    needed: bool = True) -> Iterator[None]:
    """The block writes rows of ``plan``'s type, which the database may refuse for a constraint the
    checks before it cannot rule out (``plan.may_conflict``): its refusal becomes a ValidationError
    with ``message``, and a savepoint undoes the block and keeps the transaction usable. A type
    without such constraints needs none (it would cost two round trips per write), nor does one
    statement on SQLite, which leaves a transaction as it was after a failed statement; several
    (a batch: ``statements`` > 1) need it there too, or the rows before the refused one would stay.
    ``needed`` False: the caller knows this write cannot meet such a constraint (no savepoint)."""
    try:
        if not needed or not plan.may_conflict or (statements == 1 and session.get_bind().dialect.name == "sqlite"):
            yield
        else:
            with session.begin_nested():
                yield
    except IntegrityError as exc:
        raise ValidationError(message, refusal_details(plan, exc)) from None


def refusal_details(plan: WritePlan, exc: IntegrityError) -> dict[str, list[str]]:
    """The database's refusal as the write's problems, by field: a unique value another writer took
    meanwhile is "already taken" (the index names its column), anything else a conflict. Never the
    database's own text: it names tables, columns and values, and it is not in the user's language."""
    text = str(exc.orig)
    # SQLite: "UNIQUE constraint failed: rb_rec_3.f_5" or "... index 'ux_rb_rec_3_f_5'"; PostgreSQL names the index
    taken = [f.name for f in plan.unique if re.search(rf"(?<![0-9A-Za-z]){f.column_name}(?![0-9])", text)]
    if taken:
        return {name: [_("must be unique: this value is already taken")] for name in taken}
    return {"record": [_("conflicts with another record (a unique value, or a linked record that was removed)")]}


class CleanedValues(dict):
    """A record's values that every field type has cleaned already, for one type snapshot, value
    context and kind of write: the API's marshmallow load (:func:`recordbase.api.schemas.validate_fields`)
    runs the same ``FieldType.clean`` (link targets, users and all) as :meth:`WritePlan.clean` would, so
    the store does not clean them a second time (a fifth of a create). Anything else is cleaned as usual."""

    __slots__ = ("typedef", "ctx", "creating")

    def __init__(self, values: dict, typedef: TypeDef, ctx: Any, creating: bool):
        super().__init__(values)
        self.typedef, self.ctx, self.creating = typedef, ctx, creating

    def cleaned_for(self, typedef: TypeDef, ctx: Any, creating: bool) -> bool:
        return self.typedef is typedef and self.ctx is ctx and self.creating is creating
