"""Bulk data over the API: import a file, write a batch of records, export a list.

- ``POST /api/v1/records/<type>/import`` (multipart: ``file``; form or query fields
  ``dry_run``, ``key``, ``sheet``, ``skip_bad_rows``, ``date_order`` = dmy|mdy, ``mapping``
  = a JSON object column -> field, ``run_rules`` (``0`` skips the type's automation rules: only for
  a user who may configure the type, 403 for anyone else), ``create_type``): the import report
  (``?report=csv`` answers the error report as a CSV file instead). 200 when the import was
  written (or would be, for a dry run), 422 with the same report when it was refused.
- ``POST /api/v1/import/infer`` (multipart ``file``, ``name``): the record type the file
  suggests, ready for ``POST /api/v1/types``.
- ``POST /api/v1/records/<type>/batch`` ``{"records": [{"fields": {...}}, ...]}``: up to 1,000
  records created in one transaction, all or nothing (``"skip_invalid": true`` writes the
  valid ones and reports the others).
- ``GET /api/v1/records/<type>/export?format=csv|xlsx&filter=&sort=&search=&fields=&lang=``:
  the list, filtered and sorted as the list endpoint does it, streamed.
"""
from __future__ import annotations

from typing import Optional

from flask import Response, current_app, jsonify, request

from .. import json_input
from ..context import current_lang, record_store
from ..errors import RecordbaseError, ValidationError
from ..metamodel.filters import parse_filter_param
from .blueprint import FALSE_WORDS, TRUE_WORDS, bp, check_payload, commit, json_body, name_list, rollback

MAX_BATCH = 1000


def _value(name: str) -> Optional[str]:
    """A form field (else a query parameter) of an upload request; 422 when it comes more than once
    (which one counts would be a guess: a list sent as a form field arrives that way)."""
    values = request.form.getlist(name) or request.args.getlist(name)
    if len(values) > 1:
        raise ValidationError(f"'{name}' is given {len(values)} times; give it once", {name: ["given more than once"]})
    return values[0] if values else None


def _flag(name: str, default: bool = False) -> bool:
    raw = _value(name)
    if raw is None or raw.strip() == "":
        return default
    word = raw.strip().lower()
    if word not in TRUE_WORDS + FALSE_WORDS:
        raise ValidationError(f"'{name}' must be true or false", {name: ["must be true or false"]})
    return word in TRUE_WORDS


def _param(name: str) -> Optional[str]:
    raw = _value(name)
    return raw.strip() if raw and raw.strip() else None


def _require(store, action: str, type_name: str) -> None:
    """403 unless the token's user may ``action`` (import, export) records of the type."""
    fn = getattr(store, "require", None)
    if fn is not None:
        fn(action, type_name)


def _uploaded():
    f = request.files.get("file")
    if f is None or not f.filename:
        raise ValidationError("Send the file as multipart/form-data in a part named 'file'",
                              {"file": ["is required"]})
    return f


def _table(upload):
    from ..dataio import open_table

    return open_table(upload.stream, upload.filename, sheet=_param("sheet"), encoding=_param("encoding"),
                      delimiter=_param("delimiter"))


@bp.post("/records/<type_name>/import")
def import_records(type_name: str):
    from ..dataio import ImportOptions, propose_type, run_import
    from ..metamodel.service import MetamodelService

    upload = _uploaded()
    mapping = None
    if _param("mapping"):
        try:
            mapping = json_input.loads(_param("mapping"))
        except ValueError:
            raise ValidationError("'mapping' must be a JSON object of column -> field", {"mapping": ["not JSON"]}) from None
        if not isinstance(mapping, dict):
            raise ValidationError("'mapping' must be a JSON object of column -> field", {"mapping": ["not an object"]})
    options = ImportOptions(mapping=mapping, key=_param("key"), skip_bad_rows=_flag("skip_bad_rows"),
                            dry_run=_flag("dry_run"), date_order=_param("date_order"),
                            run_rules=_flag("run_rules", True))
    store = record_store()
    table = _table(upload)
    if _flag("create_type") and type_name not in store.schema.types:
        from flask import g

        from ..errors import Forbidden

        from .permissions import policy

        if getattr(g, "rb_user", None) is None or not policy().can_configure():
            raise Forbidden("Only owners and builders create record types", {"create_type": ["not allowed"]})
        MetamodelService(store.session).create_type(propose_type(table, type_name, _param("label")))
        from ..context import current_schema

        store = record_store(current_schema(refresh=True))
        upload.stream.seek(0)
        table = _table(upload)
    store.type(type_name)
    _require(store, "import", type_name)
    if not options.run_rules and not store.can("configure", type_name):
        from ..errors import Forbidden

        raise Forbidden(f"Only users who may configure {type_name} (builders and owners) may import without running "
                        "its automation rules: leave out run_rules=0", {"run_rules": ["needs configure"]})
    report = run_import(store, type_name, table, options)
    if report.committed:
        commit()
    else:
        rollback()
    if (request.args.get("report") or "").lower() == "csv":
        return Response(report.errors_csv().encode("utf-8"), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{type_name}-import-errors.csv"'})
    return jsonify(report.to_json()), (200 if report.ok else 422)


@bp.post("/import/infer")
def infer_type():
    from ..dataio import propose_type

    from ..metamodel.payloads import TYPE_SCHEMA, check_api_name, check_payload

    from .dataio_openapi import INFER_FORM

    upload = _uploaded()
    sent = {k: v for k in INFER_FORM if (v := _value(k)) is not None}
    check_payload(sent, {"type": "object", "properties": INFER_FORM})  # as sent, as documented
    name = check_api_name(_param("name") or "imported", "record type")
    label = _param("label") or None
    check_payload({"name": name, **({"label": label} if label else {})}, TYPE_SCHEMA)  # as it will be saved
    return jsonify(propose_type(_table(upload), name, label))


#: one item of a batch: an object with a ``fields`` object and nothing else, whatever ``skip_invalid``
#: says (only invalid values are skipped: a malformed batch is refused whole)
BATCH_ITEM = {"type": "object", "required": ["fields"], "additionalProperties": False,
              "properties": {"fields": {"type": "object"}}}
#: the batch body's shape, checked before the records (each record's values by the record store)
BATCH_OPTIONS = {"type": "object", "properties": {"records": {"type": "array", "items": BATCH_ITEM},
                                                  "skip_invalid": {"type": "boolean"}}}


def _batch_shape_ok(body: dict) -> bool:
    """What :data:`BATCH_OPTIONS` asks, checked in Python: the JSON-schema check of a thousand items
    cost a fifth of a batch request. When this says no, the schema check runs and words the errors."""
    items = body.get("records")
    if "skip_invalid" in body and not isinstance(body["skip_invalid"], bool):
        return False
    if items is None:
        return True
    if not isinstance(items, list):
        return False
    for item in items:
        if type(item) is not dict or len(item) != 1 or type(item.get("fields")) is not dict:
            return False
    return True


@bp.post("/records/<type_name>/batch")
def batch_create(type_name: str):
    store = record_store()
    store.type(type_name)
    body = json_body(allowed=("records", "skip_invalid"))
    if not _batch_shape_ok(body):
        check_payload(body, BATCH_OPTIONS)
    items = body.get("records")
    if not isinstance(items, list) or not items:
        raise ValidationError("The body needs 'records': a list of {\"fields\": {...}}", {"records": ["is required"]})
    if len(items) > MAX_BATCH:
        raise ValidationError(f"At most {MAX_BATCH} records per batch (got {len(items)})",
                              {"records": [f"at most {MAX_BATCH}"]})
    rows = [item["fields"] for item in items]  # validated by the record store, every record and field at once
    result = store.create_many(type_name, rows, skip_invalid=True)
    problems = sorted(({"index": j, "errors": errs} for j, errs in result.errors.items()), key=lambda p: p["index"])
    if problems and not body.get("skip_invalid"):
        raise ValidationError(f"{len(problems)} of {len(items)} records are not valid; nothing was written "
                              f"(the first: record {problems[0]['index']})", {"records": problems})
    ids = result.ids  # one per record, None where skipped
    created = [rid for rid in ids if rid is not None]
    # each new record as GET gives it (read back: rules and computed fields may have changed it)
    records = store.json_by_ids(type_name, created, rows_only=False) if created else {}
    body_out = {"records": [records[rid] if rid is not None else None for rid in ids],
                "created": len(created), "errors": problems}
    commit()
    return jsonify(body_out), 201


@bp.get("/records/<type_name>/export")
def export_records(type_name: str):
    from ..dataio.exporters import csv_chunks, export_rows, headers, write_xlsx

    store = record_store()
    _require(store, "export", type_name)
    typedef = store.visible_type(type_name) if hasattr(store, "visible_type") else store.type(type_name)
    given = request.args.getlist("format")  # exactly one of the documented values; left out: csv
    fmt = given[0] if len(given) == 1 else "csv" if not given else None
    if fmt not in ("csv", "xlsx"):
        raise RecordbaseError("The 'format' parameter must be csv or xlsx", {"format": ["csv or xlsx"]})
    lang = request.args.get("lang") or current_lang()
    store.lang = store.ctx.lang = lang
    names = name_list(request.args.get("fields")) or None
    if names:
        unknown = [n for n in names if typedef.field(n) is None]
        if unknown:
            raise RecordbaseError(f"Record type '{type_name}' has no field(s) {', '.join(unknown)}", {"fields": unknown})
    compiled = store.compile(typedef, parse_filter_param(request.args.get("filter")))
    sort = request.args.get("sort") or None
    search = request.args.get("search")
    from ..storage import query as q, sort_guard

    q.parse_sort(typedef, sort)  # a bad sort is a 400 now, not in the middle of the stream
    sort_guard.check_list_sort(store, type_name, sort, sort_guard.max_rows(current_app.config))
    filename = f"{type_name}.{fmt}"
    # Written to a spooled file first, then the transaction ends and the connection goes back to the
    # pool, then the file is streamed: a slow client never holds a database connection.
    import tempfile

    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    if fmt == "csv":
        cols, rows = export_rows(store, type_name, compiled, sort, search, names)
        for chunk in csv_chunks(headers(cols, lang), rows):
            spool.write(chunk)
        mimetype = "text/csv; charset=utf-8"
    else:
        cols, rows = export_rows(store, type_name, compiled, sort, search, names, native=True)
        write_xlsx(headers(cols, lang), rows, spool, cols, typedef.display_label(lang))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rollback()
    spool.seek(0)

    def chunks():
        try:
            while data := spool.read(256 * 1024):
                yield data
        finally:
            spool.close()

    return Response(chunks(), content_type=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
