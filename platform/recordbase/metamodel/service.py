"""MetamodelService: create, change, trash, restore and purge record types and fields.

Every change validates its input (payload JSON schema, API-name rules, the field
type's options schema), applies the DDL through :class:`SchemaManager` in the
same transaction, and bumps the schema version so every process rebuilds.
The caller owns the transaction (commit or rollback). The field operations are
the :class:`~recordbase.metamodel.field_operations.FieldOperations` mixin.
"""
from __future__ import annotations

from typing import Optional

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from ..i18n import translate as _
from ..errors import Conflict, NotFound, ValidationError
from ..models import Counter, FieldModel, RecordTypeModel, SchemaState, TrashedLink, iso_utc, utcnow
from ..formlayout.models import FormLayoutModel
from .field_operations import FieldOperations
from .fieldtypes import get_field_type
from .payloads import TYPE_SCHEMA, check_api_name, check_payload
from .runtime import RuntimeSchema, field_def, load_schema, read_version
from . import schema_lock, title_format
from .schema_manager import SchemaManager

class MetamodelService(FieldOperations):
    def __init__(self, session: Session):
        self.session = session

    # -- helpers -----------------------------------------------------------------
    def bump_version(self) -> None:
        self.session.execute(update(SchemaState).where(SchemaState.id == 1).values(version=SchemaState.version + 1))
        self.session.flush()
        schema_lock.changed(self.session)  # writes later in this transaction go by the new version

    def schema(self) -> RuntimeSchema:
        """A fresh snapshot that includes this transaction's uncommitted changes (never cached)."""
        self.session.flush()
        return load_schema(self.session, read_version(self.session))

    def ddl(self) -> SchemaManager:
        manager = SchemaManager(self.session.connection())
        manager.exclude_writers(self.session)  # no record write runs on the old snapshot meanwhile
        return manager

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
                             description=data.get("description"), description_zh=data.get("description_zh"),
                             app=data.get("app"), clear_hidden_values=bool(data.get("clear_hidden_values")),
                             position=data.get("position", 0))
        self.session.add(tm)
        self.session.flush()
        self.ddl().create_type_table(tm.id)
        for i, fdata in enumerate(data.get("fields") or []):
            self.add_field(name, dict({"position": i}, **fdata), _bump=False)
        if data.get("primary_field"):
            self._set_primary(tm, data["primary_field"])
        if data.get("title_format"):
            self._set_title_format(tm, data["title_format"])
        self.bump_version()
        return tm

    def _set_title_format(self, tm: RecordTypeModel, text: Optional[str]) -> None:
        """A title format (``{kpi} · {score}``) naming live fields that can be part of a title."""
        text = (text or "").strip() or None
        if text:
            live = {fm.name: field_def(fm) for fm in tm.fields if fm.deleted_at is None}
            problems = title_format.check(text, live)
            if problems:
                raise ValidationError(_("Invalid title format: %(problems)s", problems="; ".join(problems)),
                                      {"title_format": problems})
        tm.title_format = text

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
        for key in ("label", "label_zh", "description", "description_zh", "app", "position", "clear_hidden_values"):
            if key in data:
                setattr(tm, key, data[key].strip() if key == "label" else data[key])
        if "primary_field" in data:
            self._set_primary(tm, data["primary_field"])
        if "title_format" in data:
            self._set_title_format(tm, data["title_format"])
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
        memo = TrashedLink.__table__  # links kept for restoring its records, or through its fields
        self.session.execute(delete(memo).where(or_(memo.c.target_type_id == tm.id,
                                                    memo.c.field_id.in_([f.id for f in tm.fields]))))
        ddl.drop_type_table(tm.id)
        self.session.execute(delete(FormLayoutModel).where(FormLayoutModel.type_id == tm.id))
        self.session.delete(tm)
        self.bump_version()

    def _forget_field(self, tm: RecordTypeModel, fm: FieldModel) -> None:
        """Delete a field's metadata, its autonumber counter and the links kept through it for
        restores (its id may be given out again)."""
        self.session.execute(delete(Counter).where(Counter.field_id == fm.id))
        self.session.execute(delete(TrashedLink).where(TrashedLink.field_id == fm.id))
        tm.fields.remove(fm)
        self.session.delete(fm)

    def trash(self) -> dict:
        types = self.session.scalars(select(RecordTypeModel).where(RecordTypeModel.deleted_at.isnot(None))).all()
        fields = self.session.execute(select(RecordTypeModel.name, FieldModel).join(FieldModel).where(
            FieldModel.deleted_at.isnot(None), RecordTypeModel.deleted_at.is_(None))).all()
        return {"types": [{"name": t.name, "label": t.label, "deleted_at": iso_utc(t.deleted_at)} for t in types],
                "fields": [{"type": tn, "name": f.name, "label": f.label, "deleted_at": iso_utc(f.deleted_at)}
                           for tn, f in fields]}


def type_to_json(tm: RecordTypeModel, include_fields: bool = True) -> dict:
    out = {"name": tm.name, "label": tm.label, "label_zh": tm.label_zh, "description": tm.description,
           "description_zh": tm.description_zh, "app": tm.app, "primary_field": tm.primary_field, "title_format": tm.title_format,
           "clear_hidden_values": bool(tm.clear_hidden_values), "position": tm.position}
    if include_fields:
        out["fields"] = [field_to_json(f) for f in tm.fields if f.deleted_at is None]
    return out


def field_to_json(fm: FieldModel) -> dict:
    return {"name": fm.name, "label": fm.label, "label_zh": fm.label_zh, "type": fm.field_type,
            "required": bool(fm.required), "unique": bool(fm.unique), "indexed": bool(fm.indexed),
            "default": fm.default, "help_text": fm.help_text, "help_text_zh": fm.help_text_zh,
            "options": fm.options or {},
            "position": fm.position, "section": fm.section, "show_in_list": bool(fm.show_in_list),
            "conditions": fm.conditions or None, "read_only": get_field_type(fm.field_type).read_only}
