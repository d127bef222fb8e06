"""MetamodelService: create, change, trash, restore and purge record types and fields.

Every change validates its input (payload JSON schema, API-name rules, the field
type's options schema), applies the DDL through :class:`SchemaManager` in the
same transaction, and bumps the schema version so every process rebuilds.
The caller owns the transaction (commit or rollback).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

import jsonschema
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound, RecordbaseError, ValidationError
from ..models import Counter, FieldModel, RecordTypeModel, SchemaState, utcnow
from . import computed_fields
from .conversion import convert_column
from .fieldtypes import ValueContext, field_types, get_field_type
from .fieldtypes.base import API_NAME_PATTERN
from .runtime import RuntimeSchema, field_def, is_many_link, load_schema, read_version
from .schema_manager import SchemaManager

RESERVED_NAMES = frozenset({"id", "version", "created_at", "updated_at", "created_by", "updated_by", "deleted_at",
                            "fields", "record", "records", "type", "types", "select", "where", "order", "null",
                            "true", "false", "and", "or", "not", "_", "self"})

_TEXT = {"type": ["string", "null"], "maxLength": 255}
TYPE_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {"name": {"type": "string"}, "label": {"type": "string", "minLength": 1, "maxLength": 255},
                   "label_zh": _TEXT, "description": {"type": ["string", "null"], "maxLength": 5000},
                   "app": _TEXT, "primary_field": {"type": ["string", "null"]},
                   "position": {"type": "integer"}, "fields": {"type": "array"}},
}
FIELD_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {"name": {"type": "string"}, "label": {"type": "string", "minLength": 1, "maxLength": 255},
                   "label_zh": _TEXT, "type": {"type": "string"}, "required": {"type": "boolean"},
                   "unique": {"type": "boolean"}, "indexed": {"type": "boolean"}, "default": {},
                   "help_text": {"type": ["string", "null"], "maxLength": 2000}, "options": {"type": "object"},
                   "position": {"type": "integer"}, "section": _TEXT, "show_in_list": {"type": "boolean"},
                   "force": {"type": "boolean"}},
}


def check_payload(data: Any, schema: dict, required: tuple[str, ...] = ()) -> None:
    if not isinstance(data, dict):
        raise ValidationError("The body must be a JSON object")
    problems: dict[str, list[str]] = {}
    for err in jsonschema.Draft202012Validator(schema).iter_errors(data):
        key = ".".join(str(p) for p in err.path) or "body"
        if err.validator == "additionalProperties":
            extra = sorted(set(data) - set(schema["properties"]))
            for k in extra:
                problems.setdefault(k, []).append("unknown attribute")
            continue
        problems.setdefault(key, []).append(err.message)
    for r in required:
        if r not in data or data[r] in (None, ""):
            problems.setdefault(r, []).append("is required")
    if problems:
        raise ValidationError("Invalid " + ("record type" if schema is TYPE_SCHEMA else "field") + ": "
                              + "; ".join(f"{k}: {', '.join(v)}" for k, v in problems.items()), problems)


def check_api_name(name: Any, what: str) -> str:
    import re

    if not isinstance(name, str) or not re.match(API_NAME_PATTERN, name):
        raise ValidationError(f"The {what} name {name!r} must be a lowercase identifier (a-z, 0-9, _; starting with a letter)",
                              {"name": ["must be a lowercase identifier"]})
    if name in RESERVED_NAMES:
        raise ValidationError(f"'{name}' is a reserved name", {"name": [f"'{name}' is reserved"]})
    return name


class MetamodelService:
    def __init__(self, session: Session):
        self.session = session

    # -- helpers -----------------------------------------------------------------
    def bump_version(self) -> None:
        self.session.execute(update(SchemaState).where(SchemaState.id == 1).values(version=SchemaState.version + 1))
        self.session.flush()

    def schema(self) -> RuntimeSchema:
        """A fresh snapshot that includes this transaction's uncommitted changes (never cached)."""
        self.session.flush()
        return load_schema(self.session, read_version(self.session))

    def ddl(self) -> SchemaManager:
        return SchemaManager(self.session.connection())

    def type_model(self, name: str, include_deleted: bool = False) -> RecordTypeModel:
        q = select(RecordTypeModel).where(RecordTypeModel.name == name)
        if not include_deleted:
            q = q.where(RecordTypeModel.deleted_at.is_(None))
        tm = self.session.scalars(q).first()
        if tm is None:
            raise NotFound(f"No record type named '{name}'", {"type": name})
        return tm

    def field_model(self, tm: RecordTypeModel, name: str, include_deleted: bool = False) -> FieldModel:
        for fm in tm.fields:
            if fm.name == name and (include_deleted or fm.deleted_at is None):
                return fm
        raise NotFound(f"Record type '{tm.name}' has no field named '{name}'", {"field": name})

    def lookup_type(self, name: str) -> Optional[RecordTypeModel]:
        return self.session.scalars(select(RecordTypeModel).where(
            RecordTypeModel.name == name, RecordTypeModel.deleted_at.is_(None))).first()

    # -- types -------------------------------------------------------------------
    def create_type(self, data: dict) -> RecordTypeModel:
        check_payload(data, TYPE_SCHEMA, ("name", "label"))
        name = check_api_name(data["name"], "record type")
        if self.session.scalars(select(RecordTypeModel).where(RecordTypeModel.name == name)).first():
            raise Conflict(f"A record type named '{name}' already exists (perhaps in the trash)", {"name": [f"'{name}' is taken"]})
        tm = RecordTypeModel(name=name, label=data["label"].strip(), label_zh=data.get("label_zh"),
                             description=data.get("description"), app=data.get("app"),
                             position=data.get("position", 0))
        self.session.add(tm)
        self.session.flush()
        self.ddl().create_type_table(tm.id)
        for i, fdata in enumerate(data.get("fields") or []):
            self.add_field(name, dict({"position": i}, **fdata), _bump=False)
        if data.get("primary_field"):
            self._set_primary(tm, data["primary_field"])
        self.bump_version()
        return tm

    def _set_primary(self, tm: RecordTypeModel, name: Optional[str]) -> None:
        if name:
            fm = self.field_model(tm, name)
            if get_field_type(fm.field_type).read_only and fm.field_type != "autonumber":
                raise ValidationError("The primary field must be a field users can see and write",
                                      {"primary_field": ["not a suitable field"]})
        tm.primary_field = name

    def update_type(self, name: str, data: dict) -> RecordTypeModel:
        check_payload(data, TYPE_SCHEMA)
        tm = self.type_model(name)
        if "name" in data and data["name"] != tm.name:
            raise ValidationError("A record type's API name cannot change; change its label instead",
                                  {"name": ["cannot change"]})
        if "fields" in data:
            raise ValidationError("Change fields through the fields endpoints", {"fields": ["not allowed here"]})
        for key in ("label", "label_zh", "description", "app", "position"):
            if key in data:
                setattr(tm, key, data[key].strip() if key == "label" else data[key])
        if "primary_field" in data:
            self._set_primary(tm, data["primary_field"])
        self.bump_version()
        return tm

    def delete_type(self, name: str) -> RecordTypeModel:
        """Move a type to the trash (its table and data stay until purged)."""
        tm = self.type_model(name)
        users = [f"{t.name}.{f.name}" for t, f in self._links_to(name) if t.name != name]
        if users:
            raise Conflict(f"Record type '{name}' is linked from {', '.join(users)}; remove those links first",
                           {"linked_from": users}, code="restricted")
        tm.deleted_at = utcnow()
        self.bump_version()
        return tm

    def _links_to(self, name: str) -> list[tuple[RecordTypeModel, FieldModel]]:
        rows = self.session.execute(select(RecordTypeModel, FieldModel).join(FieldModel).where(
            FieldModel.field_type == "link", FieldModel.deleted_at.is_(None),
            RecordTypeModel.deleted_at.is_(None))).all()
        return [(t, f) for t, f in rows if (f.options or {}).get("target") == name]

    def restore_type(self, name: str) -> RecordTypeModel:
        tm = self.type_model(name, include_deleted=True)
        tm.deleted_at = None
        self.bump_version()
        return tm

    def purge_type(self, name: str) -> None:
        """Delete a trashed type for good: its table, junctions and metadata."""
        tm = self.type_model(name, include_deleted=True)
        if tm.deleted_at is None:
            raise Conflict("Move the type to the trash before purging it")
        ddl = self.ddl()
        # links to this type from other types (trashed fields, or fields of trashed types) could never be
        # restored: purge them too (a many-link's junction refers to this table and would block the drop)
        rows = self.session.execute(select(RecordTypeModel, FieldModel).join(FieldModel).where(
            FieldModel.field_type == "link", RecordTypeModel.id != tm.id)).all()
        for other, fm in rows:
            if (fm.options or {}).get("target") == name:
                ddl.drop_field(other.id, field_def(fm))
                if other.primary_field == fm.name:
                    other.primary_field = None
                self._forget_field(other, fm)
        for fm in tm.fields:
            if fm.field_type == "link" and (fm.options or {}).get("many"):
                ddl.drop_field(tm.id, field_def(fm))
        self.session.execute(delete(Counter).where(Counter.field_id.in_([f.id for f in tm.fields])))
        ddl.drop_type_table(tm.id)
        self.session.delete(tm)
        self.bump_version()

    def _forget_field(self, tm: RecordTypeModel, fm: FieldModel) -> None:
        """Delete a field's metadata and its autonumber counter (its id may be given out again)."""
        self.session.execute(delete(Counter).where(Counter.field_id == fm.id))
        tm.fields.remove(fm)
        self.session.delete(fm)

    # -- fields ------------------------------------------------------------------
    def add_field(self, type_name: str, data: dict, _bump: bool = True, snapshot: Optional[RuntimeSchema] = None,
                  finish: bool = True) -> FieldModel:
        """Add a field (its column or junction in the same transaction).

        For bulk work (a pack install adding dozens of computed fields) the caller may pass
        ``snapshot``, the runtime schema to check a computed field's options against (instead of
        reloading it), and ``finish=False`` to skip the cycle check and backfill; it must then run
        :func:`computed_fields.finish_computed` (or its parts) itself once the fields are in."""
        check_payload(data, FIELD_SCHEMA, ("name", "label", "type"))
        tm = self.type_model(type_name)
        name = check_api_name(data["name"], "field")
        if any(f.name == name for f in tm.fields):
            raise Conflict(f"Record type '{type_name}' already has a field named '{name}' (perhaps in the trash)",
                           {"name": [f"'{name}' is taken"]})
        ftype = get_field_type(data["type"])
        options = data.get("options") or {}
        self._check_options(ftype, options)
        if ftype.computed:
            snapshot = snapshot or self.schema()
            options = computed_fields.prepare_options(snapshot, snapshot.get(type_name), name, ftype.name, options)
        position = data.get("position")
        if position is None:
            position = max([f.position for f in tm.fields] + [-1]) + 1
        fm = FieldModel(type_id=tm.id, name=name, label=data["label"].strip(), label_zh=data.get("label_zh"),
                        field_type=ftype.name, required=bool(data.get("required", False)),
                        unique=bool(data.get("unique", False)), indexed=bool(data.get("indexed", False)),
                        default=data.get("default"), help_text=data.get("help_text"), options=options,
                        position=position, section=data.get("section"),
                        show_in_list=bool(data.get("show_in_list", True)))
        self._check_flags(fm)
        self._check_default(fm)
        tm.fields.append(fm)
        self.session.flush()
        target_id = None
        if ftype.name == "link":
            target_id = self.lookup_type(options["target"]).id
        self.ddl().add_field(tm.id, field_def(fm), target_id)
        if ftype.name == "autonumber":
            self._number_existing(tm.id, field_def(fm))
        if ftype.computed and finish:
            computed_fields.finish_computed(self.session, self.schema(), type_name, [name])
        if _bump:
            self.bump_version()
        return fm

    def _number_existing(self, type_id: int, fd) -> None:
        """Give existing records numbers in creation order and start the counter after them."""
        from datetime import datetime, timezone

        from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam

        from ..models import Counter
        from .runtime import table_name

        t = Table(table_name(type_id), MetaData(), Column("id", Integer, primary_key=True),
                  Column(fd.column_name, String(64)))
        ids = list(self.session.scalars(select(t.c.id).order_by(t.c.id)))
        now = datetime.now(timezone.utc)
        if ids:
            self.session.execute(t.update().where(t.c.id == bindparam("rid")).values({fd.column_name: bindparam("v")}),
                                 [{"rid": rid, "v": fd.ftype.generate(fd, i + 1, now)} for i, rid in enumerate(ids)])
        self.session.add(Counter(field_id=fd.id, value=len(ids)))

    def _check_options(self, ftype, options: dict) -> None:
        problems = ftype.validate_options(options, self.lookup_type)
        if problems:
            raise ValidationError("Invalid options: " + "; ".join(problems), {"options": problems})

    def _check_flags(self, fm: FieldModel) -> None:
        fd = field_def(fm)
        ft = fd.ftype
        if fm.unique and (not ft.has_column or is_many_link(fd) or fm.field_type in ("boolean", "attachment", "multi_select", "long_text")):
            raise ValidationError(f"A {fm.field_type} field cannot be unique", {"unique": ["not supported for this type"]})
        if fm.required and ft.read_only:
            raise ValidationError("A read-only field cannot be required", {"required": ["not for read-only fields"]})
        if fm.indexed and (not ft.has_column or is_many_link(fd) or not ft.sortable):
            raise ValidationError(f"A {fm.field_type} field cannot be indexed", {"indexed": ["not supported for this type"]})

    def _check_default(self, fm: FieldModel) -> None:
        if fm.default is None:
            return
        fd = field_def(fm)
        if fd.ftype.read_only or fd.field_type in ("link", "attachment", "user"):
            raise ValidationError("This field type cannot have a default", {"default": ["not supported"]})
        try:
            fd.ftype.clean(fm.default, fd, ValueContext())
        except ValueError as exc:
            raise ValidationError(f"Invalid default: {exc}", {"default": [str(exc)]}) from None

    def update_field(self, type_name: str, field_name: str, data: dict) -> tuple[FieldModel, dict]:
        """Change a field. Returns the model and a report ({"converted": n, "cleared": [ids]})."""
        check_payload(data, FIELD_SCHEMA)
        tm = self.type_model(type_name)
        fm = self.field_model(tm, field_name)
        if "name" in data and data["name"] != fm.name:
            raise ValidationError("A field's API name cannot change; change its label instead", {"name": ["cannot change"]})
        before = field_def(fm)
        report: dict = {}
        new_type = data.get("type", fm.field_type)
        ftype = get_field_type(new_type)
        if "options" in data:
            options = data["options"]
        elif new_type == fm.field_type or not ftype.validate_options(fm.options or {}, self.lookup_type):
            options = fm.options or {}  # kept when the new type understands them (single -> multi select)
        else:
            options = {}
        self._check_options(ftype, options)
        if ftype.computed != before.ftype.computed:
            raise ValidationError("A computed field cannot become a stored field or the other way round; "
                                  "add a new field instead", {"type": ["cannot switch between computed and stored"]})
        if ftype.computed:
            snapshot = self.schema()
            options = computed_fields.prepare_options(snapshot, snapshot.get(type_name), field_name, new_type, options)
        if before.field_type == "link" and (new_type != "link" or options.get("target") != before.options.get("target")
                                           or bool(options.get("many")) != bool(before.options.get("many"))):
            raise ValidationError("A link's target and cardinality cannot change; add a new link field instead",
                                  {"options": ["target/many cannot change"]})
        try:
            for key in ("label", "label_zh", "help_text", "section", "position", "show_in_list", "required", "unique",
                        "indexed", "default"):
                if key in data:
                    setattr(fm, key, data[key].strip() if key == "label" else data[key])
            fm.options = options
            fm.field_type = new_type
            self._check_flags(fm)
            self._check_default(fm)
            after = field_def(fm)
            if ftype.computed:
                if after.options.get("result_type") != before.options.get("result_type") or new_type != before.field_type:
                    computed_fields.refuse_if_used(self.schema(), type_name, field_name, "change the result type of")
                    self.ddl().replace_column(tm.id, before, after)  # values are recomputed just below
                else:
                    self.ddl().sync_indexes(tm.id, after, before)
            elif new_type != before.field_type or self._storage_changed(before, after):
                if new_type != before.field_type and new_type not in before.ftype.convertible_to:
                    raise ValidationError(f"A {before.field_type} field cannot be converted to {new_type}",
                                          {"type": [f"cannot convert {before.field_type} to {new_type}"]})
                try:
                    report = convert_column(self.session, self.ddl(), tm.id, before, after,
                                            force=bool(data.get("force")))
                except IntegrityError:
                    raise Conflict(f"Field '{field_name}' must be unique, but its converted values are not",
                                   {"unique": ["converted values are not unique"]}) from None
            else:
                if after.unique and not before.unique:
                    self._check_no_duplicates(tm.id, before)
                self.ddl().sync_indexes(tm.id, after, before)
        except Exception:
            self.session.expire(fm)  # nothing was flushed: forget the half-applied change
            raise
        self.session.flush()
        if ftype.computed:
            computed_fields.finish_computed(self.session, self.schema(), type_name, [field_name])
        elif new_type != before.field_type:
            computed_fields.recheck_dependents(self.session, self.schema(), type_name, field_name)
        self.bump_version()
        return fm, report

    def _check_no_duplicates(self, type_id: int, fd) -> None:
        """Refuse to make a field unique while live records share a value (listing them)."""
        from sqlalchemy import Column, DateTime, Integer, MetaData, Table, func

        from .runtime import table_name

        t = Table(table_name(type_id), MetaData(), Column("id", Integer, primary_key=True),
                  Column(fd.column_name, fd.ftype.column_type(fd)), Column("deleted_at", DateTime))
        col = t.c[fd.column_name]
        live = t.c.deleted_at.is_(None)
        shared = select(col).where(live, col.isnot(None)).group_by(col).having(func.count() > 1)
        ids = list(self.session.scalars(select(t.c.id).where(live, col.in_(shared)).order_by(t.c.id).limit(1000)))
        if ids:
            raise Conflict(f"Field '{fd.name}' cannot be made unique: records {', '.join(map(str, ids))} share values",
                           {"unique": ["existing values are not unique"], "record_ids": ids})

    @staticmethod
    def _storage_changed(before, after) -> bool:
        if before.field_type in ("decimal", "currency"):
            return before.options.get("precision") != after.options.get("precision")
        if before.field_type in ("single_select", "multi_select"):
            old = {c if isinstance(c, str) else c["value"] for c in before.options.get("choices", [])}
            new = {c if isinstance(c, str) else c["value"] for c in after.options.get("choices", [])}
            return bool(old - new)
        return False

    def delete_field(self, type_name: str, field_name: str) -> FieldModel:
        """Move a field to the trash: it disappears from forms and the API, its column stays."""
        tm = self.type_model(type_name)
        fm = self.field_model(tm, field_name)
        computed_fields.refuse_if_used(self.schema(), type_name, field_name)
        if tm.primary_field == field_name:
            tm.primary_field = None
        fm.deleted_at = utcnow()
        self.bump_version()
        return fm

    def restore_field(self, type_name: str, field_name: str) -> FieldModel:
        tm = self.type_model(type_name)
        fm = self.field_model(tm, field_name, include_deleted=True)
        if fm.field_type == "link" and self.lookup_type((fm.options or {}).get("target", "")) is None:
            raise Conflict("The link's target type is in the trash; restore it first")
        fm.deleted_at = None
        self.session.flush()
        if get_field_type(fm.field_type).computed:
            computed_fields.finish_computed(self.session, self.schema(), type_name, [field_name])
        self.bump_version()
        return fm

    def purge_field(self, type_name: str, field_name: str) -> None:
        tm = self.type_model(type_name)
        fm = self.field_model(tm, field_name, include_deleted=True)
        if fm.deleted_at is None:
            raise Conflict("Move the field to the trash before purging it")
        self.ddl().drop_field(tm.id, field_def(fm))
        self._forget_field(tm, fm)
        self.bump_version()

    def reorder_fields(self, type_name: str, order: list[str], sections: Optional[dict] = None) -> None:
        """Set field positions (and optionally form sections) from a list of API names."""
        tm = self.type_model(type_name)
        live = {f.name: f for f in tm.fields if f.deleted_at is None}
        unknown = [n for n in order if n not in live]
        if unknown:
            raise ValidationError(f"Unknown fields: {', '.join(unknown)}", {"order": unknown})
        rest = [n for n in sorted(live, key=lambda n: live[n].position) if n not in order]
        for i, n in enumerate(list(order) + rest):
            live[n].position = i
            if sections and n in sections:
                live[n].section = sections[n] or None
        self.bump_version()

    def trash(self) -> dict:
        types = self.session.scalars(select(RecordTypeModel).where(RecordTypeModel.deleted_at.isnot(None))).all()
        fields = self.session.execute(select(RecordTypeModel.name, FieldModel).join(FieldModel).where(
            FieldModel.deleted_at.isnot(None), RecordTypeModel.deleted_at.is_(None))).all()
        return {"types": [{"name": t.name, "label": t.label, "deleted_at": t.deleted_at.isoformat()} for t in types],
                "fields": [{"type": tn, "name": f.name, "label": f.label, "deleted_at": f.deleted_at.isoformat()}
                           for tn, f in fields]}


def type_to_json(tm: RecordTypeModel, include_fields: bool = True) -> dict:
    out = {"name": tm.name, "label": tm.label, "label_zh": tm.label_zh, "description": tm.description,
           "app": tm.app, "primary_field": tm.primary_field, "position": tm.position}
    if include_fields:
        out["fields"] = [field_to_json(f) for f in tm.fields if f.deleted_at is None]
    return out


def field_to_json(fm: FieldModel) -> dict:
    return {"name": fm.name, "label": fm.label, "label_zh": fm.label_zh, "type": fm.field_type,
            "required": bool(fm.required), "unique": bool(fm.unique), "indexed": bool(fm.indexed),
            "default": fm.default, "help_text": fm.help_text, "options": fm.options or {},
            "position": fm.position, "section": fm.section, "show_in_list": bool(fm.show_in_list),
            "read_only": get_field_type(fm.field_type).read_only}
