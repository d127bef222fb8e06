"""Field operations of the metamodel service: add, change, trash, restore, purge and reorder fields.

A mixin of :class:`~recordbase.metamodel.service.MetamodelService` (kept apart to keep one module
per concern), with the checks of a field's options, flags and default, and the work a change of
type or flags needs on existing records (autonumbering them, refusing duplicates before a field
becomes unique). It uses the service's ``session``, ``schema``, ``ddl``, ``bump_version``,
``type_model``, ``field_model``, ``lookup_type`` and ``_forget_field``; payloads are checked by
:mod:`~recordbase.metamodel.payloads`.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, ValidationError
from ..models import Counter, FieldModel, utcnow
from . import computed_fields, field_conditions
from .conversion import convert_column
from .fieldtypes import ValueContext, get_field_type
from .payloads import FIELD_SCHEMA, check_api_name, check_payload
from .runtime import RuntimeSchema, field_def, is_many_link, table_name


class FieldOperations:
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
        if ftype.name == "currency" and "code" not in options:  # the instance's default currency
            from ..settings import default_currency

            options = {**options, "code": default_currency(self.session)}
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
                        default=data.get("default"), help_text=data.get("help_text"),
                        help_text_zh=data.get("help_text_zh"), options=options,
                        position=position, section=data.get("section"),
                        show_in_list=bool(data.get("show_in_list", True)),
                        conditions=self._checked_conditions(type_name, name, data, snapshot, against_type=_bump))
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
        t = Table(table_name(type_id), MetaData(), Column("id", Integer, primary_key=True),
                  Column(fd.column_name, String(64)))
        ids = list(self.session.scalars(select(t.c.id).order_by(t.c.id)))
        now = datetime.now(timezone.utc)
        if ids:
            self.session.execute(t.update().where(t.c.id == bindparam("rid")).values({fd.column_name: bindparam("v")}),
                                 [{"rid": rid, "v": fd.ftype.generate(fd, i + 1, now)} for i, rid in enumerate(ids)])
        self.session.add(Counter(field_id=fd.id, value=len(ids)))

    def _checked_conditions(self, type_name: str, field_name: str, data: dict,
                            snapshot: Optional[RuntimeSchema], against_type: bool = True) -> Optional[dict]:
        """The field's show / required / read-only conditions, checked against the type (None: none).

        Bulk work (a pack install, ``against_type=False``) checks their shape only: they may name a
        field added after this one; the installer checks them against the finished type."""
        if not data.get("conditions"):
            return None
        typedef = (snapshot or self.schema()).types.get(type_name) if against_type else None
        return field_conditions.check_conditions(data["conditions"], typedef, field_name)

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
            for key in ("label", "label_zh", "help_text", "help_text_zh", "section", "position", "show_in_list", "required", "unique",
                        "indexed", "default"):
                if key in data:
                    setattr(fm, key, data[key].strip() if key == "label" else data[key])
            if "conditions" in data:
                fm.conditions = self._checked_conditions(type_name, field_name, data, None)
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
        if fm.deleted_at is None:
            raise Conflict(f"Field '{field_name}' is not in the trash", {"field": field_name})
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
