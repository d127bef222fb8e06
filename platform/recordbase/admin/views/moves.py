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
        record = _by_transition(store, type_name, rid, ver, values)
        if record is None:
            record = store.update(type_name, rid, values, version=ver)
        db_session().commit()
    except RecordbaseError as exc:
        db_session().rollback()
        return jsonify({"error": {"code": exc.code, "message": exc.message}}), exc.status
    return jsonify({"id": record.id, "version": record.version})


def _by_transition(store: Any, type_name: str, rid: int, version: int, values: dict) -> Any:
    """A drag that moves a workflow's state (a board grouped by it) takes the transition from the card's
    state to the column's, when the user may take exactly that one now and it asks for no comment or
    fields; None otherwise (the ordinary update then refuses, naming the transitions allowed)."""
    from ...workflow.engine import WorkflowEngine
    from ...workflow.service import workflow_of

    wf = workflow_of(store.session, store.type(type_name))
    if wf is None or set(values) != {wf.state_field}:
        return None
    engine = WorkflowEngine(store)
    record = store.get(type_name, rid)
    if record.version != version:
        return None  # (the update refuses the stale card)
    to = values[wf.state_field]
    fitting = [t for t in engine.available(type_name, record) if t["to"] == to and t["to"] is not None]
    if len(fitting) != 1 or fitting[0]["comment_required"] or fitting[0]["required_fields"]:
        return None
    return engine.take(type_name, rid, fitting[0]["name"], version=version)
