"""Records: ``/v0/{baseId}/{tableIdOrName}[/{recordId}]`` as Airtable's REST API answers them."""
from __future__ import annotations

import base64
import json
from typing import Any, Optional

from flask import jsonify, request
from jsonschema import Draft202012Validator

from ..context import db_session, record_store
from ..errors import NotFound, RecordbaseError, ValidationError
from ..metamodel.filters import CompiledFilter
from ..metamodel.runtime import TypeDef
from .common import (AirtableError, body, bp, check_base, field_or_fail, find_table, invalid, not_found, parse_id,
                     record_id, visible)
from .formula import compile_formula
from .values import Writer, record_json

MAX_PAGE = 100
MAX_WRITE = 10
SCAN_LIMIT = 5000  # records examined in Python per request for a formula SQL cannot express


# -- helpers ---------------------------------------------------------------------------------
def _int(value: Any, name: str, low: int, high: Optional[int] = None) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise invalid("INVALID_REQUEST_UNKNOWN", f"Invalid request: parameter validation failed. "
                                                 f"Check your request data ({name} must be an integer)", 422) from None
    if n < low or (high is not None and n > high):
        raise invalid("INVALID_REQUEST_UNKNOWN", f"Invalid request: {name} must be between {low} and {high}", 422)
    return n


_TEXT_OR_NUMBER = {"type": ["string", "integer", "null"]}
#: the JSON body of POST .../listRecords, as Airtable documents it
LIST_BODY = Draft202012Validator({"type": "object", "properties": {
    "pageSize": _TEXT_OR_NUMBER, "maxRecords": _TEXT_OR_NUMBER, "offset": {"type": ["string", "null"]},
    "fields": {"type": ["array", "null"], "items": {"type": "string"}},
    "sort": {"type": ["array", "null"], "items": {"type": "object", "required": ["field"], "properties": {
        "field": {"type": "string"}, "direction": {"type": ["string", "null"]}}}},
    "filterByFormula": {"type": ["string", "null"]}, "view": {"type": ["string", "null"]},
    "cellFormat": {"type": ["string", "null"]}, "timeZone": {"type": ["string", "null"]},
    "userLocale": {"type": ["string", "null"]}, "returnFieldsByFieldId": {"type": ["boolean", "null"]}}})


def _list_options() -> dict:
    """The list parameters from the query string, or from the JSON body of POST .../listRecords."""
    if request.method == "POST":
        data = body()
        problem = next(iter(sorted(LIST_BODY.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))), None)
        if problem is not None:  # each option of its JSON type before use (true is no list of fields)
            where = ".".join(str(p) for p in problem.absolute_path) or "body"
            raise invalid("INVALID_REQUEST_UNKNOWN", f"Invalid request: parameter validation failed: {where}: "
                                                     f"{problem.message[:200]}")
        sort = data.get("sort") or []
        return {"pageSize": data.get("pageSize"), "offset": data.get("offset"), "maxRecords": data.get("maxRecords"),
                "fields": data.get("fields") or [], "sort": sort, "filterByFormula": data.get("filterByFormula"),
                "view": data.get("view"), "cellFormat": data.get("cellFormat"),
                "returnFieldsByFieldId": bool(data.get("returnFieldsByFieldId"))}
    args = request.args
    sort = []
    i = 0
    while f"sort[{i}][field]" in args:
        sort.append({"field": args.get(f"sort[{i}][field]"), "direction": args.get(f"sort[{i}][direction]", "asc")})
        i += 1
    fields = args.getlist("fields[]") or args.getlist("fields")
    by_id = (args.get("returnFieldsByFieldId") or "").lower() in ("1", "true")
    return {"pageSize": args.get("pageSize"), "offset": args.get("offset"), "maxRecords": args.get("maxRecords"),
            "fields": fields, "sort": sort, "filterByFormula": args.get("filterByFormula"), "view": args.get("view"),
            "cellFormat": args.get("cellFormat"), "returnFieldsByFieldId": by_id}


def _encode_offset(cursor: str, served: int) -> str:
    raw = json.dumps({"c": cursor, "n": served}, separators=(",", ":")).encode()
    return "itr" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_offset(offset: str) -> tuple[str, int]:
    try:
        raw = base64.urlsafe_b64decode(offset[3:] + "=" * (-len(offset[3:]) % 4))
        data = json.loads(raw)
        return str(data["c"]), int(data["n"])
    except (ValueError, KeyError, TypeError):
        raise invalid("LIST_RECORDS_ITERATOR_NOT_AVAILABLE", "The offset is not valid (it may have expired)") from None


def _sort_param(typedef: TypeDef, sort: list) -> Optional[str]:
    keys = []
    for item in sort:
        if not isinstance(item, dict) or "field" not in item:
            raise invalid("INVALID_REQUEST_UNKNOWN", "Invalid request: each sort needs a field")
        f = field_or_fail(typedef, item["field"])
        direction = str(item.get("direction") or "asc").lower()
        if direction not in ("asc", "desc"):
            raise invalid("INVALID_SORT_DIRECTION", f'Invalid sort direction "{direction}"')
        keys.append(("-" if direction == "desc" else "") + f.name)
    return ",".join(keys) or None


def _wanted(typedef: TypeDef, names: list) -> Optional[set]:
    if not names:
        return None
    return {field_or_fail(typedef, n).name for n in names}


def _record(store, typedef: TypeDef, rec_id: str):
    rid = parse_id("rec", rec_id)
    if rid is None or rid > 2**31 - 1:
        raise not_found("Could not find a record with that id")
    try:
        return store.get(typedef.name, rid)
    except NotFound:
        raise not_found("Could not find a record with that id") from None


def _commit() -> None:
    db_session().commit()


# -- list / get ------------------------------------------------------------------------------
@bp.route("/<base>/<table>", methods=["GET"])
@bp.route("/<base>/<table>/listRecords", methods=["POST"])
def list_records(base: str, table: str):
    check_base(base)
    store = record_store()
    typedef = visible(store, find_table(table))
    opts = _list_options()
    page_size = _int(opts["pageSize"] or MAX_PAGE, "pageSize", 1, MAX_PAGE)
    max_records = _int(opts["maxRecords"], "maxRecords", 1) if opts["maxRecords"] not in (None, "") else None
    wanted = _wanted(typedef, opts["fields"])
    sort = _sort_param(typedef, opts["sort"])
    as_string = (opts["cellFormat"] or "json").lower() == "string"
    formula = None
    compiled: Optional[CompiledFilter] = None
    if opts["filterByFormula"] and str(opts["filterByFormula"]).strip():
        formula = compile_formula(typedef, str(opts["filterByFormula"]), store.ctx)
        if formula.tree is not None:
            compiled = store.compile(typedef, formula.tree)
        if formula.checked is None:
            formula = None
    cursor, served = (None, 0)
    if opts["offset"]:
        cursor, served = _decode_offset(str(opts["offset"]))
    want = page_size if max_records is None else max(0, min(page_size, max_records - served))
    out = []
    next_cursor = cursor
    scanned = 0
    try:
        while len(out) < want:
            page = store.list(typedef.name, filter=compiled, sort=sort, limit=want - len(out) if formula is None
                              else min(MAX_PAGE, want - len(out)), cursor=next_cursor)
            for r in page.records:
                scanned += 1
                if formula is None or formula.matches(r.values, r.id, store):
                    out.append(r)
            next_cursor = page.next_cursor
            if not next_cursor or scanned >= SCAN_LIMIT:
                break
    except RecordbaseError as exc:
        if exc.code == "invalid_sort":
            raise invalid("INVALID_REQUEST_UNKNOWN", exc.message) from None
        if "cursor" in str(exc.details or ""):
            raise invalid("LIST_RECORDS_ITERATOR_NOT_AVAILABLE", "The offset is not valid for this request") from None
        raise
    served += len(out)
    users = {r.values.get(f.name) for r in out for f in typedef.fields if f.field_type in ("user", "created_by",
                                                                                              "updated_by")}
    store.prefetch_users(users)
    result: dict = {"records": [record_json(store, typedef, r, wanted, opts["returnFieldsByFieldId"], as_string)
                                for r in out]}
    if next_cursor and (max_records is None or served < max_records) and want > 0:
        result["offset"] = _encode_offset(next_cursor, served)
    return jsonify(result)


@bp.get("/<base>/<table>/<rec_id>")
def get_record(base: str, table: str, rec_id: str):
    check_base(base)
    store = record_store()
    typedef = visible(store, find_table(table))
    by_id = (request.args.get("returnFieldsByFieldId") or "").lower() in ("1", "true")
    as_string = (request.args.get("cellFormat") or "json").lower() == "string"
    return jsonify(record_json(store, typedef, _record(store, typedef, rec_id), None, by_id, as_string))


# -- writes ----------------------------------------------------------------------------------
def _validation(exc: ValidationError, typedef: TypeDef) -> AirtableError:
    details = exc.details if isinstance(exc.details, dict) else {}
    for name, msgs in details.items():
        f = typedef.field(name)
        label = f.label if f else name
        msg = msgs[0] if isinstance(msgs, list) and msgs else str(msgs)
        if msg == "is required":
            return invalid("INVALID_VALUE_FOR_COLUMN", f'Field "{label}" is required')
        return invalid("INVALID_VALUE_FOR_COLUMN", f'Field "{label}" cannot accept the provided value: {msg}')
    return invalid("INVALID_REQUEST_UNKNOWN", exc.message)


def _write_options(data: dict) -> tuple[bool, bool]:
    return bool(data.get("typecast")), bool(data.get("returnFieldsByFieldId"))


@bp.post("/<base>/<table>")
def create_records(base: str, table: str):
    check_base(base)
    store = record_store()
    typedef = visible(store, find_table(table))
    data = body()
    typecast, by_id = _write_options(data)
    writer = Writer(store, typedef, typecast)
    single = "records" not in data
    items = [{"fields": data.get("fields")}] if single else data.get("records")
    if not isinstance(items, list) or not items:
        raise invalid("INVALID_RECORDS", "Could not find field \"records\" (a list of {\"fields\": {...}})")
    if len(items) > MAX_WRITE:
        raise invalid("INVALID_RECORDS", f"You can create at most {MAX_WRITE} records per request")
    created = []
    try:
        for item in items:
            if not isinstance(item, dict):
                raise invalid("INVALID_RECORDS", "Each record must be an object with \"fields\"")
            created.append(store.create(typedef.name, writer.values(item.get("fields") or {})))
    except ValidationError as exc:
        raise _validation(exc, typedef) from None
    _commit()
    out = [record_json(store, typedef, r, None, by_id) for r in created]
    return jsonify(out[0] if single else {"records": out})


@bp.route("/<base>/<table>/<rec_id>", methods=["PATCH", "PUT"])
def update_record(base: str, table: str, rec_id: str):
    check_base(base)
    store = record_store()
    typedef = visible(store, find_table(table))
    data = body()
    typecast, by_id = _write_options(data)
    record = _record(store, typedef, rec_id)
    values = Writer(store, typedef, typecast).values(data.get("fields") or {}, replace=request.method == "PUT")
    try:
        record = store.update(typedef.name, record.id, values)
    except ValidationError as exc:
        raise _validation(exc, typedef) from None
    _commit()
    return jsonify(record_json(store, typedef, record, None, by_id))


@bp.route("/<base>/<table>", methods=["PATCH", "PUT"])
def update_records(base: str, table: str):
    """Batch update; with ``performUpsert.fieldsToMergeOn``, records without an id are matched on
    those fields and updated, or created when nothing matches."""
    check_base(base)
    store = record_store()
    typedef = visible(store, find_table(table))
    data = body()
    typecast, by_id = _write_options(data)
    replace = request.method == "PUT"
    items = data.get("records")
    if not isinstance(items, list) or not items:
        raise invalid("INVALID_RECORDS", "Could not find field \"records\"")
    if len(items) > MAX_WRITE:
        raise invalid("INVALID_RECORDS", f"You can update at most {MAX_WRITE} records per request")
    upsert = data.get("performUpsert")
    merge_on = []
    if upsert is not None:
        names = upsert.get("fieldsToMergeOn") if isinstance(upsert, dict) else None
        if not isinstance(names, list) or not names or len(names) > 3:
            raise invalid("INVALID_REQUEST_UNKNOWN", "performUpsert.fieldsToMergeOn must list 1 to 3 fields")
        merge_on = [field_or_fail(typedef, n) for n in names]
    writer = Writer(store, typedef, typecast)
    results, created_ids, updated_ids = [], [], []
    try:
        for item in items:
            if not isinstance(item, dict):
                raise invalid("INVALID_RECORDS", "Each record must be an object")
            values = writer.values(item.get("fields") or {}, replace=replace)
            if item.get("id"):
                record = _record(store, typedef, item["id"])
                results.append(store.update(typedef.name, record.id, values))
                updated_ids.append(record.id)
                continue
            if not merge_on:
                raise invalid("INVALID_RECORDS", "Each record needs an \"id\" (or use performUpsert)")
            match = _find_match(store, typedef, merge_on, values)
            if match is None:
                results.append(store.create(typedef.name, {k: v for k, v in values.items() if v is not None}))
                created_ids.append(results[-1].id)
            else:
                results.append(store.update(typedef.name, match, values))
                updated_ids.append(match)
    except ValidationError as exc:
        raise _validation(exc, typedef) from None
    _commit()
    out: dict = {"records": [record_json(store, typedef, r, None, by_id) for r in results]}
    if merge_on:
        out["createdRecords"] = [record_id(i) for i in created_ids]
        out["updatedRecords"] = [record_id(i) for i in updated_ids]
    return jsonify(out)


def _find_match(store, typedef: TypeDef, merge_on: list, values: dict) -> Optional[int]:
    conditions = []
    for f in merge_on:
        if f.name not in values:
            raise invalid("INVALID_VALUE_FOR_COLUMN", f'Field "{f.label}" is used to merge on and must have a value')
        v = values[f.name]
        if v is None or v == "":
            conditions.append({"field": f.name, "op": "is_empty"})
        else:
            try:
                cleaned = f.ftype.clean(v, f, store.ctx)
            except ValueError as exc:
                raise invalid("INVALID_VALUE_FOR_COLUMN", f'Field "{f.label}" cannot accept the provided value: {exc}') from None
            conditions.append({"field": f.name, "op": "eq", "value": _filter_value(cleaned)})
    page = store.list(typedef.name, filter={"and": conditions}, sort="id", limit=2)
    if len(page.records) > 1:
        raise invalid("INVALID_RECORDS", "More than one record matches the fields to merge on")
    return page.records[0].id if page.records else None


def _filter_value(v: Any) -> Any:
    from datetime import date, datetime
    from decimal import Decimal

    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    return v


# -- deletes ---------------------------------------------------------------------------------
@bp.delete("/<base>/<table>/<rec_id>")
def delete_record(base: str, table: str, rec_id: str):
    check_base(base)
    store = record_store()
    typedef = visible(store, find_table(table))
    record = _record(store, typedef, rec_id)
    _delete(store, typedef, record.id)
    _commit()
    return jsonify({"id": record_id(record.id), "deleted": True})


@bp.delete("/<base>/<table>")
def delete_records(base: str, table: str):
    check_base(base)
    store = record_store()
    typedef = visible(store, find_table(table))
    ids = request.args.getlist("records[]") or request.args.getlist("records")
    if not ids:
        raise invalid("INVALID_REQUEST_UNKNOWN", "Give the records to delete as records[]=rec…")
    if len(ids) > MAX_WRITE:
        raise invalid("INVALID_RECORDS", f"You can delete at most {MAX_WRITE} records per request")
    records = [_record(store, typedef, i) for i in ids]
    for r in records:
        _delete(store, typedef, r.id)
    _commit()
    return jsonify({"records": [{"id": record_id(r.id), "deleted": True} for r in records]})


def _delete(store, typedef: TypeDef, rid: int) -> None:
    try:
        store.delete(typedef.name, rid)
    except RecordbaseError as exc:
        if exc.code == "restricted":
            raise invalid("CANNOT_DELETE_RECORD", exc.message) from None
        raise
