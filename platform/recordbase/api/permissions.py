"""What the metamodel, import, export and attachment endpoints need of the caller's policy.

:func:`endpoint_permissions` runs before each ``/api/v1`` request and looks the endpoint up
in :data:`ENDPOINT_RULES` (the record endpoints are checked by the record store itself).
Separate from :mod:`.access` (the users, roles, tokens, audit and forms endpoints) because
it guards *other* modules' endpoints and adds no routes of its own.
"""
from __future__ import annotations

from typing import Callable

from flask import g, request
from sqlalchemy import select

from . import auth  # noqa: F401  (its authentication hook runs before the permission hook below)
from ..access import Policy, current_policy
from ..context import current_schema, db_session, record_store
from ..errors import Forbidden, NotFound, RecordbaseError
from ..models import FieldModel
from .blueprint import bp


def policy() -> Policy:
    """The caller's policy (API endpoints always run inside a request, so it is never None)."""
    return current_policy()


def _not_found_type(name: str) -> NotFound:
    return NotFound(f"No record type named '{name}'", {"type": name})


def _configure_any(args: dict) -> None:
    if not policy().can_configure():
        raise Forbidden("You are not allowed to change the structure (record types, fields)",
                        {"action": "configure"})


def configure_type(args: dict) -> None:
    """Refuse unless the caller may configure ``args["type_name"]`` (404 when they may not even see it)."""
    name = args.get("type_name", "")
    p = policy()
    if not p.can_configure(name):
        if not (p.can("read", name) or p.can("configure", name)):
            raise _not_found_type(name)
        raise Forbidden(f"You are not allowed to configure the record type {name}",
                        {"action": "configure", "type": name})


def _see_type(args: dict) -> None:
    name = args.get("type_name", "")
    p = policy()
    if not (p.can("read", name) or p.can("configure", name)):
        raise _not_found_type(name)


def _import(args: dict) -> None:
    name = args.get("type_name", "")
    p = policy()
    if not p.can("import", name):
        raise Forbidden(f"You are not allowed to import into {name}", {"action": "import", "type": name})
    if name not in current_schema().types and not p.can_configure():
        raise _not_found_type(name)


def _export(args: dict) -> None:
    name = args.get("type_name", "")
    store = record_store()
    store.type(name)
    store.require("export", name)


def _field_access(type_name: str, field_name: str, write: bool) -> None:
    p = policy()
    store = record_store()
    store.type(type_name)
    if write:
        if not (p.can("create", type_name) or p.can("update", type_name)):
            raise Forbidden(f"You are not allowed to change {type_name} records", {"type": type_name})
    else:
        store.require("read", type_name)
    if field_name in p.hidden(type_name):
        raise NotFound(f"Record type '{type_name}' has no field named '{field_name}'", {"field": field_name})
    if write and field_name in p.readonly(type_name):
        raise Forbidden(f"You may not change the field {field_name} of {type_name} records",
                        {"fields": {field_name: ["read-only for your role"]}})


def _upload(args: dict) -> None:
    type_name, field_name = request.form.get("type", ""), request.form.get("field", "")
    if type_name and field_name:
        _field_access(type_name, field_name, write=True)


def _download(args: dict) -> None:
    from ..models import Attachment

    key = args.get("key", "")
    row = db_session().scalars(select(Attachment).where(Attachment.key == key)).first()
    if row is None:
        return  # the endpoint answers 404
    fm = db_session().get(FieldModel, row.field_id)
    schema = current_schema()
    typedef = schema.by_id.get(fm.type_id) if fm is not None else None
    if typedef is None:
        return
    try:
        _field_access(typedef.name, fm.name, write=False)
    except RecordbaseError:
        raise NotFound("No such attachment", {"key": key}) from None


ENDPOINT_RULES: dict[str, Callable[[dict], None]] = {
    "create_type": _configure_any, "trash": _configure_any,
    "update_type": configure_type, "delete_type": configure_type, "restore_type": configure_type,
    "add_field": configure_type, "reorder_fields": configure_type, "update_field": configure_type,
    "delete_field": configure_type, "restore_field": configure_type,
    "get_type": _see_type, "list_fields": _see_type, "get_field": _see_type,
    "get_form_layout": _see_type, "set_form_layout": configure_type,
    "import_records": _import, "export_records": _export,
    "upload_attachment": _upload, "download_attachment": _download,
}


@bp.before_request
def endpoint_permissions() -> None:
    if request.method == "OPTIONS" or g.get("rb_user") is None:
        return
    endpoint = (request.endpoint or "").rpartition(".")[2]
    check = ENDPOINT_RULES.get(endpoint)
    if check is not None:
        check(request.view_args or {})
