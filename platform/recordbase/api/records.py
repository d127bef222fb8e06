"""Records: ``/api/v1/records/<type>`` (design §7), through the RecordStore.

Payloads are validated by the per-type marshmallow schema (:mod:`.schemas`),
then written by the record store, which validates again; each request's
writes are one transaction.
"""
from __future__ import annotations

from typing import Callable, Optional

from flask import current_app, jsonify, request
from sqlalchemy import select

from ..context import record_store
from ..errors import NotFound, RecordbaseError, ValidationError
from ..metamodel.filters import parse_filter_param
from ..metamodel.ids import MAX_ID
from ..metamodel.runtime import TypeDef, is_many_link
from ..storage import RecordStore, sort_guard
from ..packs.views import through_view
from ..storage.record_store import MAX_PAGE
from .blueprint import bp, commit, json_body, name_list, query_flag, query_int, version_value
from .schemas import validate_fields

DEFAULT_PAGE = 50
MAX_BACKLINKS = 1000


@bp.before_request
def _record_id_in_range() -> None:
    """An id no record can have is a 404 here, rather than an error from the database driver."""
    rid = (request.view_args or {}).get("record_id")
    if rid is not None and rid > MAX_ID:
        raise NotFound(f"No record with id {rid}", {"id": rid})


def _body_before_the_store(allowed: tuple[str, ...]) -> Callable[[], dict]:
    """The write's JSON body, parsed before the record store opens the write transaction (on SQLite
    the one write lock is taken there: parsing is no work to do while holding it); a refused body
    is raised only when the caller asks for it, after the store's 404s, as before."""
    try:
        body = json_body(allowed=allowed)
    except RecordbaseError as exc:
        refused = exc

        def fail() -> dict:
            raise refused
        return fail
    return lambda: body


def _selected_fields(typedef: TypeDef) -> Optional[list[str]]:
    """The ``fields=a,b`` parameter, checked against the type (400 naming unknown fields)."""
    names = name_list(request.args.get("fields"))
    if not names:
        return None
    unknown = [n for n in names if typedef.field(n) is None]
    if unknown:
        raise RecordbaseError(f"Record type '{typedef.name}' has no field(s) {', '.join(unknown)}",
                              {"fields": unknown})
    return names


@bp.get("/records/<type_name>")
def list_records(type_name: str):
    """``?filter=<json>&sort=-a,b&limit=N&cursor=C&fields=a,b&search=text&trash=1&count=1&view=<id or name>``."""
    store = record_store()
    typedef = store.type(type_name)
    wanted = _selected_fields(typedef)
    limit = query_int("limit", DEFAULT_PAGE, 1, MAX_PAGE)
    flt, sort = through_view(store, type_name, request.args.get("view"),  # ?view=<saved view id or name>
                             parse_filter_param(request.args.get("filter")), request.args.get("sort") or None)
    compiled = store.compile(typedef, flt)
    trash = query_flag("trash")
    search = request.args.get("search")
    sort_guard.check_list_sort(store, type_name, sort, sort_guard.max_rows(current_app.config))
    page = store.list_json(type_name, filter=compiled, sort=sort, search=search, limit=limit,
                           cursor=request.args.get("cursor") or None, trash=trash, fields=wanted)
    body = {"records": page.records, "next_cursor": page.next_cursor}
    if query_flag("count"):
        body["count"] = store.count(type_name, filter=compiled, trash=trash, search=search)
    return jsonify(body)


@bp.post("/records/<type_name>")
def create_record(type_name: str):
    read_body = _body_before_the_store(("fields",))
    store = record_store()
    typedef = store.type(type_name)
    body = read_body()
    if "fields" not in body:
        raise ValidationError("The body needs 'fields': an object of field API names to values",
                              {"fields": ["is required"]})
    values = validate_fields(typedef, body["fields"], store.ctx, creating=True)
    record = store.create(type_name, values)
    commit()
    return jsonify(store.to_json(record)), 201


@bp.get("/records/<type_name>/<int:record_id>")
def get_record(type_name: str, record_id: int):
    store = record_store()
    typedef = store.type(type_name)
    wanted = _selected_fields(typedef)
    body = store.get_json(type_name, record_id, include_deleted=query_flag("trash"), fields=wanted)
    body["backlinks"] = backlinks(store, typedef, body["id"])
    return jsonify(body)


@bp.patch("/records/<type_name>/<int:record_id>")
def update_record(type_name: str, record_id: int):
    """Change some fields; ``version`` (the version the client read) is required, stale is a 409."""
    read_body = _body_before_the_store(("fields", "version"))
    store = record_store()
    typedef = store.type(type_name)
    current = store.get(type_name, record_id)  # 404 before judging the payload
    body = read_body()
    problems = {}
    if "version" not in body:
        problems["version"] = ["is required (the version you read; a stale one is refused with 409)"]
    if "fields" not in body:
        problems["fields"] = ["is required"]
    if problems:
        raise ValidationError("The body needs " + " and ".join(f"'{k}'" for k in problems), problems)
    version = version_value(body["version"])
    values = validate_fields(typedef, body["fields"], store.ctx, creating=False)
    record = store.update(type_name, record_id, values, version=version, current=current)
    commit()
    return jsonify(store.to_json(record))


@bp.delete("/records/<type_name>/<int:record_id>")
def delete_record(type_name: str, record_id: int):
    """Move a record to the trash (``?version=N`` to guard it); ``?purge=1`` deletes a trashed one for good."""
    store = record_store()
    if query_flag("purge"):
        store.purge(type_name, record_id)
        commit()
        return jsonify({"id": record_id, "purged": True})
    version = query_int("version", None, 1)
    record = store.delete(type_name, record_id, version=version)
    commit()
    return jsonify(store.to_json(store.get(type_name, record.id, include_deleted=True)))


@bp.post("/records/<type_name>/<int:record_id>/restore")
def restore_record(type_name: str, record_id: int):
    store = record_store()
    record = store.restore(type_name, record_id)
    commit()
    return jsonify(store.to_json(record))


def backlinks(store: RecordStore, typedef: TypeDef, record_id: int) -> list[dict]:
    """The reverse side of links: for each link field pointing at this type, the live records linking here."""
    out = []
    for src, f in store.schema.backlinks(typedef):
        if not store.can("read", src.name) or store.visible_type(src.name).field(f.name) is None:
            continue  # types the caller may not read, and link fields hidden from them, are left out
        st = src.table
        if is_many_link(f):
            j = src.junctions[f.name]
            stmt = (select(j.c.source_id).join(st, st.c.id == j.c.source_id)
                    .where(j.c.target_id == record_id, st.c.deleted_at.is_(None)).order_by(j.c.source_id))
        else:
            col = st.c[f.column_name]
            stmt = select(st.c.id).where(col == record_id, st.c.deleted_at.is_(None)).order_by(st.c.id)
        rows_cond = store.row_condition(src)  # and only the linking records within the caller's rows
        if rows_cond is not None:
            stmt = stmt.where(rows_cond)
        ids = list(store.session.scalars(stmt.limit(MAX_BACKLINKS)))
        out.append({"type": src.name, "field": f.name, "ids": ids})
    return out
