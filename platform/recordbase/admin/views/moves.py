"""A drag on a board or calendar is an ordinary record update: ``RecordStore.update`` with the
version the card was shown with (a stale one is refused), under the mover's policy (rights, row
limits, read-only fields), with rules and workflows firing as for any write. The answer is JSON:
the record's new version, or the refusal's message (the page puts the card back and shows it).
"""
from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_babel import gettext as _

from ...context import db_session
from ...errors import RecordbaseError
from ..records.present import request_store


def move(type_name: str, record_id: Any, version: Any, values: dict) -> Any:
    """Update one record (one transaction); JSON ``{"id", "version"}`` or ``{"error": {"message"}}``."""
    store = request_store()
    try:
        rid = int(record_id)
        ver = int(version)
    except (TypeError, ValueError):
        return jsonify({"error": {"code": "bad_request", "message": _("The card is out of date; reload the page.")}}), 400
    try:
        record = store.update(type_name, rid, values, version=ver)
        db_session().commit()
    except RecordbaseError as exc:
        db_session().rollback()
        return jsonify({"error": {"code": exc.code, "message": exc.message}}), exc.status
    return jsonify({"id": record.id, "version": record.version})
