"""Record types and fields: ``/api/v1/types`` (design §7), through MetamodelService.

Each write is one transaction: the metamodel rows, the DDL and the schema
version bump commit together, or the error handler rolls all of it back.
"""
from __future__ import annotations

from flask import jsonify
from sqlalchemy import select

from ..access import current_policy, metamodel_view
from ..context import current_schema, db_session, record_store
from ..errors import NotFound, ValidationError
from ..metamodel.service import MetamodelService, field_to_json, type_to_json
from ..models import FieldModel, RecordTypeModel, iso_utc
from .blueprint import bp, commit, json_body, query_flag


def service() -> MetamodelService:
    return MetamodelService(db_session())


def _reader_type_json(tm: RecordTypeModel) -> dict:
    """A type as the caller may see it (:mod:`recordbase.access.metamodel_view`: no hidden field)."""
    return metamodel_view.type_json(current_policy(), current_schema(), type_to_json(tm))


def _type_json(tm: RecordTypeModel) -> dict:
    out = type_to_json(tm)
    if tm.deleted_at is not None:
        out["deleted_at"] = iso_utc(tm.deleted_at)
    return out


def _field_json(fm: FieldModel) -> dict:
    out = field_to_json(fm)
    if fm.deleted_at is not None:
        out["deleted_at"] = iso_utc(fm.deleted_at)
    return out


def _changed_field_json(type_name: str, fm: FieldModel) -> dict:
    """A field just added or changed; a required one also says how many records have no value in
    it yet (``records_without_value``): being required applies to new records and to edits."""
    out = _field_json(fm)
    if fm.required:
        out["records_without_value"] = record_store(current_schema(refresh=True)).count_empty(type_name, fm.name)
    return out


# -- types ----------------------------------------------------------------------------
@bp.get("/types")
def list_types():
    rows = db_session().scalars(select(RecordTypeModel).where(RecordTypeModel.deleted_at.is_(None))).all()
    rows = sorted(rows, key=lambda t: (t.app or "", t.position or 0, t.label.casefold(), t.name))  # as the menu
    policy = current_policy()  # only the types the caller may read or configure
    rows = [t for t in rows if policy is None or policy.can("read", t.name) or policy.can("configure", t.name)]
    return jsonify({"types": [_reader_type_json(tm) for tm in rows]})


@bp.post("/types")
def create_type():
    tm = service().create_type(json_body())
    commit()
    return jsonify(_type_json(tm)), 201


@bp.get("/types/<type_name>")
def get_type(type_name: str):
    return jsonify(_reader_type_json(service().type_model(type_name)))


@bp.patch("/types/<type_name>")
def update_type(type_name: str):
    tm = service().update_type(type_name, json_body())
    commit()
    return jsonify(_type_json(tm))


@bp.delete("/types/<type_name>")
def delete_type(type_name: str):
    """Move a type to the trash; ``?purge=1`` deletes a trashed type for good."""
    svc = service()
    if query_flag("purge"):
        svc.purge_type(type_name)
        commit()
        return jsonify({"name": type_name, "purged": True})
    tm = svc.delete_type(type_name)
    commit()
    return jsonify(_type_json(tm))


@bp.post("/types/<type_name>/restore")
def restore_type(type_name: str):
    tm = service().restore_type(type_name)
    commit()
    return jsonify(_type_json(tm))


@bp.get("/trash")
def trash():
    return jsonify(service().trash())


# -- fields ---------------------------------------------------------------------------
@bp.get("/types/<type_name>/fields")
def list_fields(type_name: str):
    return jsonify({"fields": _reader_type_json(service().type_model(type_name))["fields"]})


@bp.post("/types/<type_name>/fields")
def add_field(type_name: str):
    fm = service().add_field(type_name, json_body())
    commit()
    return jsonify(_changed_field_json(type_name, fm)), 201


@bp.post("/types/<type_name>/fields/order")
def reorder_fields(type_name: str):
    body = json_body(allowed=("order", "sections"))
    order, sections = body.get("order", []), body.get("sections")
    if not isinstance(order, list) or not all(isinstance(n, str) for n in order):
        raise ValidationError("'order' must be a list of field API names", {"order": ["must be a list of names"]})
    if sections is not None and (not isinstance(sections, dict)
                                 or not all(isinstance(v, (str, type(None))) for v in sections.values())):
        raise ValidationError("'sections' must map field API names to section titles",
                              {"sections": ["must be an object of names to titles"]})
    svc = service()
    svc.reorder_fields(type_name, order, sections)
    commit()
    return jsonify({"fields": type_to_json(svc.type_model(type_name))["fields"]})


@bp.get("/types/<type_name>/fields/<field_ref:field_name>")
def get_field(type_name: str, field_name: str):
    svc = service()
    tm = svc.type_model(type_name)
    policy = current_policy()
    if metamodel_view.field_hidden(policy, type_name, field_name):  # as if it did not exist
        raise NotFound(f"Record type '{type_name}' has no field named '{field_name}'", {"field": field_name})
    out = _field_json(svc.field_model(tm, field_name))
    return jsonify(metamodel_view.field_json(policy, current_schema(), type_name, out))


@bp.patch("/types/<type_name>/fields/<field_ref:field_name>")
def update_field(type_name: str, field_name: str):
    """Change a field; a type change converts the data (``"force": true`` clears what cannot convert)."""
    fm, report = service().update_field(type_name, field_name, json_body())
    commit()
    out = _changed_field_json(type_name, fm)
    out["conversion"] = report or None
    return jsonify(out)


@bp.delete("/types/<type_name>/fields/<field_ref:field_name>")
def delete_field(type_name: str, field_name: str):
    """Move a field to the trash; ``?purge=1`` drops a trashed field and its data for good."""
    svc = service()
    if query_flag("purge"):
        svc.purge_field(type_name, field_name)
        commit()
        return jsonify({"type": type_name, "name": field_name, "purged": True})
    fm = svc.delete_field(type_name, field_name)
    commit()
    return jsonify(_field_json(fm))


@bp.post("/types/<type_name>/fields/<field_ref:field_name>/restore")
def restore_field(type_name: str, field_name: str):
    fm = service().restore_field(type_name, field_name)
    commit()
    return jsonify(_field_json(fm))

