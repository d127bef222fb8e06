"""Attachments: upload (to a record's cell, or on its own for a later create) and download.

Files are stored under ``ATTACHMENTS_DIR`` by a random key, never by the
uploader's file name; the name is kept in ``rb_attachment`` and only used in the
download's ``Content-Disposition``. Downloads are always served as attachments
with ``nosniff``, so an uploaded HTML or SVG file can never run in the browser.
Size and type limits come from the field's options (``max_size_mb``,
``allowed_types``). A file written for a request whose transaction then fails
is removed again.
"""
from __future__ import annotations

import mimetypes
import os
import re
import secrets
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app, jsonify, request, send_file
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from ..context import current_user, db_session, record_store
from ..errors import NotFound, RecordbaseError, ValidationError
from ..metamodel.fieldtypes import FieldDef
from ..metamodel.fieldtypes.files import DEFAULT_MAX_MB, allowed, max_bytes
from ..metamodel.runtime import TypeDef
from ..models import Attachment
from .blueprint import bp, commit, version_value

if TYPE_CHECKING:
    from ..storage import RecordStore

KEY_RE = re.compile(r"^[0-9a-f]{32}$")
CHUNK = 64 * 1024


class PayloadTooLarge(RecordbaseError):
    code = "payload_too_large"


def storage_dir() -> Path:
    return Path(current_app.config["ATTACHMENTS_DIR"])


def file_path(key: str) -> Path:
    return storage_dir() / key[:2] / key


def clean_filename(name: str) -> str:
    """The uploader's file name without any path and without control characters (for display only)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C").strip()
    return (base or "file")[:255]


def attachment_field(typedef: TypeDef, name: str) -> FieldDef:
    field = typedef.field(name)
    if field is None:
        raise NotFound(f"Record type '{typedef.name}' has no field named '{name}'", {"field": name})
    if field.field_type != "attachment":
        raise ValidationError(f"'{name}' is a {field.field_type} field, not an attachment field",
                              {"field": ["not an attachment field"]})
    return field


def uploaded_files() -> list[FileStorage]:
    files = [f for f in request.files.getlist("file") if f and f.filename]
    if not files:
        raise ValidationError("Send the file as multipart/form-data in a part named 'file'", {"file": ["is required"]})
    return files


def describe(a: Attachment) -> dict:
    return {"key": a.key, "name": a.filename, "size": a.size, "content_type": a.content_type,
            "url": f"/api/v1/attachments/{a.key}"}


class Uploads:
    """Files written during one request; :meth:`discard` removes them when the transaction fails."""

    def __init__(self) -> None:
        self.paths: list[Path] = []

    def save(self, field: FieldDef, upload: FileStorage) -> Attachment:
        name = clean_filename(upload.filename or "")
        content_type = (upload.mimetype or mimetypes.guess_type(name)[0] or "application/octet-stream")[:127]
        if not allowed(field, name, content_type):
            types = ", ".join(field.options.get("allowed_types") or [])
            raise ValidationError(f"'{name}' is not an allowed file type for '{field.name}' (allowed: {types})",
                                  {field.name: [f"'{name}' is not an allowed file type"]})
        key = secrets.token_hex(16)
        path = file_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        limit = max_bytes(field)
        self.paths.append(path)
        size = 0
        with open(path, "xb") as out:
            while True:
                chunk = upload.stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    mb = field.options.get("max_size_mb", DEFAULT_MAX_MB)
                    raise PayloadTooLarge(f"'{name}' is larger than {mb} MB, the limit of '{field.name}'",
                                          {field.name: [f"larger than {mb} MB"]})
                out.write(chunk)
        user = current_user()
        row = Attachment(key=key, field_id=field.id, filename=name, content_type=content_type, size=size,
                         created_by=user.id if user else None)
        db_session().add(row)
        return row

    def discard(self) -> None:
        for p in self.paths:
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass


@bp.post("/attachments")
def upload_attachment():
    """Upload files for a later create or update: form values ``type`` and ``field``, parts ``file``."""
    store = record_store()
    type_name, field_name = request.form.get("type", ""), request.form.get("field", "")
    if not type_name or not field_name:
        raise ValidationError("Name the record type and the attachment field in the form values 'type' and 'field'",
                              {k: ["is required"] for k, v in (("type", type_name), ("field", field_name)) if not v})
    field = attachment_field(store.type(type_name), field_name)
    uploads = Uploads()
    try:
        rows = [uploads.save(field, f) for f in uploaded_files()]
        db_session().flush()
        commit()
    except BaseException:
        uploads.discard()
        raise
    return jsonify({"attachments": [describe(a) for a in rows]}), 201


@bp.post("/records/<type_name>/<int:record_id>/attachments/<field_name>")
def attach_to_record(type_name: str, record_id: int, field_name: str):
    """Upload files and append them to a record's attachment cell (``version`` as a form value or query)."""
    store = record_store()
    field = attachment_field(store.type(type_name), field_name)
    record = store.get(type_name, record_id)
    raw_version = request.form.get("version") or request.args.get("version")
    if raw_version is None:
        raise ValidationError("Send the record's 'version' (form value or query parameter)",
                              {"version": ["is required"]})
    version = version_value(raw_version)
    uploads = Uploads()
    try:
        rows = [uploads.save(field, f) for f in uploaded_files()]
        db_session().flush()
        cell = [{"key": a["key"]} for a in record.values.get(field_name) or []] + [{"key": a.key} for a in rows]
        updated = store.update(type_name, record.id, {field_name: cell}, version=version)
        commit()
    except BaseException:
        uploads.discard()
        raise
    return jsonify({"attachments": [describe(a) for a in rows], "record": store.to_json(updated)}), 201


@bp.get("/attachments/<key>")
def download_attachment(key: str):
    return send_attachment(readable_attachment(record_store(), key))


def readable_attachment(store: "RecordStore", key: str) -> Attachment:
    """The stored upload ``key``, if the store's user may read it
    (:meth:`~recordbase.storage.reading.ReadOperations.may_read_attachment`); anything else is the
    same 404 as a key that does not exist: a download link is not a key to the data."""
    row = store.session.scalars(select(Attachment).where(Attachment.key == key)).first() if KEY_RE.match(key) else None
    if row is None or not file_path(key).is_file() or not store.may_read_attachment(row):
        raise NotFound("No such attachment", {"key": key})
    return row


def send_attachment(row: Attachment):
    """The file as a download (never shown inline: an uploaded page or image cannot run here)."""
    resp = send_file(file_path(row.key), mimetype=row.content_type or "application/octet-stream", as_attachment=True,
                     download_name=row.filename, max_age=0, conditional=True)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
