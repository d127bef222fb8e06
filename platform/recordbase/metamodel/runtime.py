"""The runtime schema: SQLAlchemy tables (and, lazily, mapped classes) built from the metamodel.

Every process keeps one :class:`RuntimeSchema` per schema version. The version
is a counter in ``rb_schema_state``; each metamodel change increments it in the
same transaction, and each request reads it (one tiny query) and rebuilds the
snapshot when it has moved. Snapshots are immutable and swapped in one step,
so concurrent requests never see a half-built schema.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field as dc_field, replace
from functools import cached_property
from typing import Any, Callable, Optional

from sqlalchemy import (Column, DateTime, ForeignKey, Integer, MetaData, PrimaryKeyConstraint, Table, select)
from sqlalchemy.orm import Session, registry

from ..errors import NotFound
from ..formlayout.models import FormLayoutModel
from ..models import FieldModel, RecordTypeModel, SchemaState
from .fieldtypes import FieldDef, get_field_type
from .fieldtypes.links import JunctionRef

SYSTEM_COLUMNS = ("id", "version", "created_at", "updated_at", "created_by", "updated_by", "deleted_at")


def table_name(type_id: int) -> str:
    return f"rb_rec_{type_id}"


def junction_name(field_id: int) -> str:
    return f"rb_link_{field_id}"


def system_columns() -> list[Column]:
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("version", Integer, nullable=False, default=1),
        Column("created_at", DateTime, nullable=False),
        Column("updated_at", DateTime, nullable=False),
        Column("created_by", Integer, nullable=True),
        Column("updated_by", Integer, nullable=True),
        Column("deleted_at", DateTime, nullable=True, index=False),
    ]


def field_column(field: FieldDef, target_table: Optional[str] = None) -> Column:
    """The column of a stored field. One-links reference their target's id."""
    ft = field.ftype
    args: list[Any] = []
    if field.field_type == "link" and target_table:
        args.append(ForeignKey(f"{target_table}.id", ondelete="SET NULL"))
    return Column(field.column_name, ft.column_type(field), *args, nullable=True)


def junction_table(metadata: MetaData, field: FieldDef, source_table: str, target_table: str) -> Table:
    return Table(
        junction_name(field.id), metadata,
        Column("source_id", Integer, ForeignKey(f"{source_table}.id", ondelete="CASCADE"), nullable=False),
        Column("target_id", Integer, ForeignKey(f"{target_table}.id", ondelete="CASCADE"), nullable=False, index=True),
        Column("position", Integer, nullable=False, default=0),
        PrimaryKeyConstraint("source_id", "target_id"),
    )


def is_many_link(field: FieldDef) -> bool:
    return field.field_type == "link" and bool(field.options.get("many"))


def has_own_column(field: FieldDef) -> bool:
    return field.ftype.has_column and not is_many_link(field)


@dataclass(frozen=True)
class TypeDef:
    """An immutable snapshot of one record type with its live fields and its table."""

    id: int
    name: str
    label: str
    label_zh: Optional[str]
    description: Optional[str]
    app: Optional[str]
    primary_field: Optional[str]
    position: int
    fields: tuple[FieldDef, ...]
    table: Table
    junctions: dict = dc_field(default_factory=dict)
    title_format: Optional[str] = None
    #: the type's form layout document (recordbase.formlayout; parsed by formlayout.document.layout_of)
    form_layout: dict = dc_field(default_factory=dict, compare=False)
    description_zh: Optional[str] = None
    #: whether a write that leaves a field hidden by its "show when" clears its value (storage/condition_guard.py)
    clear_hidden_values: bool = False

    def display_description(self, lang: str) -> str:
        """The type's description in the page's language (the other one when only that one is given)."""
        return (self.description_zh if lang == "zh" and self.description_zh else self.description) or ""

    def field(self, name: str) -> Optional[FieldDef]:
        return self._fields_by_name.get(name)

    @cached_property
    def _fields_by_name(self) -> dict[str, FieldDef]:
        """Fields by API name (built once per snapshot: ``field()`` is called per value on bulk writes)."""
        return {f.name: f for f in reversed(self.fields)}

    def field_by_label(self, text: str) -> Optional[FieldDef]:
        low = text.strip().casefold()
        for f in self.fields:
            if low in (f.name, f.label.casefold(), (f.label_zh or "").casefold()):
                return f
        return None

    def display_label(self, lang: str = "en") -> str:
        return (self.label_zh if lang.startswith("zh") and self.label_zh else None) or self.label

    @property
    def title_field(self) -> Optional[FieldDef]:
        if self.primary_field and self.field(self.primary_field):
            return self.field(self.primary_field)
        for f in self.fields:
            if f.ftype.searchable:
                return f
        return None

    def column(self, field: FieldDef) -> Any:
        """The SQL column a filter or sort on ``field`` works on (a JunctionRef for many-links)."""
        if field.ftype.system_column:
            return self.table.c[field.ftype.system_column]
        if is_many_link(field):
            return JunctionRef(self.junctions[field.name], self.table.c.id)
        return self.table.c[field.column_name]

    def writable_fields(self) -> list[FieldDef]:
        return list(self._writable_fields)

    @cached_property
    def _writable_fields(self) -> tuple[FieldDef, ...]:
        return tuple(f for f in self.fields if not f.ftype.read_only)

    @cached_property
    def _memo(self) -> dict:
        return {}

    def memo(self, key: Any, build: Callable[["TypeDef"], Any]) -> Any:
        """``build(self)``, computed once per snapshot and key (read plans, schemas, admin views ...).

        A TypeDef never changes, and a schema change makes new ones, so whatever is
        derived from it alone can be kept on it: that is what keys such caches on the
        schema version (and, for a policy's view with hidden fields, on that view)."""
        memo = self._memo
        try:
            return memo[key]
        except KeyError:
            value = memo[key] = build(self)
            return value


class RuntimeSchema:
    """All live record types at one schema version."""

    def __init__(self, version: int, types: dict[str, TypeDef], metadata: MetaData):
        self.version = version
        self.types = types
        self.metadata = metadata
        self.by_id = {t.id: t for t in types.values()}
        self._mapped: dict[tuple, tuple[Table, type]] = {}
        self._registry = registry(metadata=metadata)
        self._lock = threading.Lock()
        self._backlinks: Optional[dict[str, list[tuple[TypeDef, FieldDef]]]] = None

    def get(self, name: str) -> TypeDef:
        try:
            return self.types[name]
        except KeyError:
            raise NotFound(f"No record type named '{name}'", {"type": name}) from None

    def ordered(self) -> list[TypeDef]:
        return sorted(self.types.values(), key=lambda t: (t.app or "", t.position, t.label.casefold()))

    def backlinks(self, typedef: TypeDef) -> list[tuple[TypeDef, FieldDef]]:
        """The (type, link field) pairs that point at ``typedef`` (worked out once per snapshot: an API
        GET of one record asks every time)."""
        memo = self._backlinks
        if memo is None:
            memo = {}
            for t in self.ordered():
                for f in t.fields:
                    if f.field_type == "link":
                        memo.setdefault(f.options.get("target"), []).append((t, f))
            self._backlinks = memo
        return list(memo.get(typedef.name, ()))

    def mapped_class(self, typedef: TypeDef) -> type:
        """A class mapped onto the type's table, attributes named by field API names (for Flask-Admin).

        ``typedef`` may be the full type or a policy's narrowed view of it (hidden fields left
        out): the class maps exactly the columns of the fields it is given, so it is cached by
        the table and those columns, never by the type name alone (a class built for a user with
        hidden fields would lack attributes another user's pages need, and the other way round
        would load hidden values)."""
        props = {f.name: typedef.table.c[f.column_name] for f in typedef.fields if has_own_column(f)}
        key = (id(typedef.table), tuple((name, col.name) for name, col in props.items()))
        with self._lock:
            found = self._mapped.get(key)
            if found is not None:
                return found[1]
            # one class name per mapping: the registry looks classes up by name
            shapes = sum(1 for table, _cls in self._mapped.values() if table is typedef.table)
            cls = type(f"Record_{typedef.name}" + (f"_{shapes}" if shapes else ""), (), {"__rb_type__": typedef.name,
                                  "__repr__": lambda s: f"<{typedef.name} {s.id}>"})
            self._registry.map_imperatively(cls, typedef.table, properties=props)
            self._mapped[key] = (typedef.table, cls)  # the table is kept so that its id stays its own
            return cls


def load_schema(session: Session, version: int) -> RuntimeSchema:
    """Build a snapshot from the metamodel tables."""
    types = session.scalars(select(RecordTypeModel).where(RecordTypeModel.deleted_at.is_(None))).all()
    fields = session.scalars(select(FieldModel).where(FieldModel.deleted_at.is_(None))
                             .order_by(FieldModel.position, FieldModel.id)).all()
    by_type: dict[int, list[FieldDef]] = {}
    for fm in fields:
        by_type.setdefault(fm.type_id, []).append(field_def(fm))
    derive_lookup_choices(by_type, {t.name: t.id for t in types})
    names = {t.name: table_name(t.id) for t in types}
    layouts = dict(session.execute(select(FormLayoutModel.type_id, FormLayoutModel.document)).all())
    metadata = MetaData()
    # first every table, so that link foreign keys and junctions can refer to any of them
    tables: dict[int, Table] = {}
    for t in types:
        cols = system_columns()
        for f in by_type.get(t.id, []):
            if has_own_column(f):
                target = names.get(f.options.get("target", "")) if f.field_type == "link" else None
                cols.append(field_column(f, target))
        tables[t.id] = Table(table_name(t.id), metadata, *cols)
    out: dict[str, TypeDef] = {}
    for t in types:
        tfields = by_type.get(t.id, [])
        junctions = {}
        for f in tfields:
            if is_many_link(f) and f.options.get("target") in names:
                junctions[f.name] = junction_table(metadata, f, table_name(t.id), names[f.options["target"]])
        live = tuple(f for f in tfields if not (is_many_link(f) and f.name not in junctions))
        out[t.name] = TypeDef(id=t.id, name=t.name, label=t.label, label_zh=t.label_zh,
                              description=t.description, description_zh=t.description_zh, app=t.app, primary_field=t.primary_field,
                              position=t.position or 0, fields=live, table=tables[t.id], junctions=junctions,
                              title_format=t.title_format, form_layout=layouts.get(t.id) or {},
                              clear_hidden_values=bool(t.clear_hidden_values))
    return RuntimeSchema(version, out, metadata)


def derive_lookup_choices(by_type: dict[int, list[FieldDef]], type_ids: dict[str, int]) -> None:
    """Give each lookup of a select (or of a choice-valued formula, or of such a lookup) the
    choices it shows its values with (several values, as of a multi select or many linked records,
    are stored joined by ', ') (``FieldDef.derived_choices``), in place. A new snapshot is built
    whenever a field changes, so a relabelled choice shows on every lookup of it at once."""
    def named(type_id: int, name: str) -> Optional[FieldDef]:
        return next((f for f in by_type.get(type_id, []) if f.name == name), None)

    for _round in range(4):  # a lookup of a lookup of a select: one hop per round
        changed = False
        for type_id, fields in by_type.items():
            for i, f in enumerate(fields):
                if f.field_type != "lookup":
                    continue
                link_name = str(f.options.get("link", ""))
                if "." in link_name:  # the reverse side of another type's link: the values of that type
                    source_type = type_ids.get(link_name.split(".", 1)[0])
                else:
                    link = named(type_id, link_name)
                    source_type = type_ids.get(link.options.get("target", "")) if link is not None \
                        and link.field_type == "link" else None
                target = named(source_type, f.options.get("target_field", "")) if source_type else None
                choices = tuple(target.ftype.choices_of(target)) if target is not None else ()
                if choices != f.derived_choices:
                    fields[i] = replace(f, derived_choices=choices)
                    changed = True
        if not changed:
            return


def field_def(fm: FieldModel) -> FieldDef:
    get_field_type(fm.field_type)
    return FieldDef(id=fm.id, type_id=fm.type_id, name=fm.name, label=fm.label, label_zh=fm.label_zh,
                    field_type=fm.field_type, required=bool(fm.required), unique=bool(fm.unique),
                    indexed=bool(fm.indexed), default=fm.default, help_text=fm.help_text,
                    help_text_zh=fm.help_text_zh,
                    options=dict(fm.options or {}), position=fm.position or 0, section=fm.section,
                    show_in_list=bool(fm.show_in_list), conditions=fm.conditions or None)


# built once, on the table (no ORM layer): it runs on every request
_VERSION = select(SchemaState.__table__.c.version).where(SchemaState.__table__.c.id == 1)


def version_column() -> Any:
    """The schema version as a scalar subquery, to read it along with another query."""
    return _VERSION.scalar_subquery()


def read_version(session: Session) -> int:
    v = session.execute(_VERSION).scalar()
    return int(v or 0)


class SchemaCache:
    """Per-process cache of the runtime schema, keyed by the version stored in the database."""

    def __init__(self) -> None:
        self._current: Optional[RuntimeSchema] = None
        self._lock = threading.Lock()

    def get(self, session: Session, version: Optional[int] = None) -> RuntimeSchema:
        """The snapshot of the stored version (``version``: already read by the caller, in ``session``)."""
        if version is None:
            version = read_version(session)
        current = self._current
        if current is not None and current.version == version:
            return current
        with self._lock:
            current = self._current
            if current is None or current.version != version:
                current = load_schema(session, version)
                self._current = current
            return current

    def invalidate(self) -> None:
        self._current = None
