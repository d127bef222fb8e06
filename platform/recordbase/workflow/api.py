"""Workflows over the API (routes on the ``/api/v1`` blueprint):

- ``GET /records/<type>/<id>/transitions``: what the caller may do on the record now, the state,
  and the approval step waiting (if any);
- ``POST /records/<type>/<id>/transitions/<name>``: take it (``approve``/``reject``: decide the
  step waiting for the caller); body ``{"comment", "fields", "version"}`` (marshmallow);
- ``GET /records/<type>/<id>/approvals``: the approval timeline;
- ``GET/PUT/DELETE /workflows/<type>``, ``GET /workflows``: workflow documents (configure on the type);
- ``GET /approvals``: what waits for the caller (also as a delegate);
- ``GET/POST /delegations``, ``DELETE /delegations/<id>``: the caller's substitutes.
"""
from __future__ import annotations

from datetime import date

import marshmallow
from flask import g, jsonify
from marshmallow import Schema, fields as mf, validate
from sqlalchemy import select

from ..api.blueprint import bp, commit, json_body, query_int
from ..context import current_schema, db_session, record_store
from ..errors import NotFound, ValidationError
from ..i18n import translate as _
from ..models import User, iso_utc
from . import journal
from .engine import MAX_COMMENT, WorkflowEngine
from .inbox import pending_for
from .models import Delegation
from .service import WorkflowService, workflow_of


class TransitionPayload(Schema):
    """The body of ``POST .../transitions/<name>``."""

    comment = mf.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_COMMENT))
    fields = mf.Dict(keys=mf.String(), load_default=None, allow_none=True)
    version = mf.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1))

    class Meta:
        unknown = marshmallow.RAISE


class DelegationPayload(Schema):
    substitute = mf.String(required=True, validate=validate.Length(min=1, max=255))
    starts_on = mf.Date(required=True)
    ends_on = mf.Date(required=True)

    class Meta:
        unknown = marshmallow.RAISE


def _load(schema: Schema, data: dict) -> dict:
    try:
        return schema.load(data)
    except marshmallow.ValidationError as exc:
        problems = {k: v if isinstance(v, list) else [str(v)] for k, v in exc.messages.items()}
        raise ValidationError(_("The body is not valid"), problems) from None


def _state(type_name: str, record) -> dict:
    store = record_store()
    wf = workflow_of(store.session, store.type(type_name))
    return {"field": wf.state_field, "value": record.values.get(wf.state_field)} if wf else {}


@bp.get("/records/<type_name>/<int:record_id>/transitions")
def record_transitions(type_name: str, record_id: int):
    store = record_store()
    engine = WorkflowEngine(store)
    engine.workflow(type_name)
    record = store.get(type_name, record_id)
    return jsonify({"state": _state(type_name, record), "version": record.version,
                    "transitions": engine.available(type_name, record)})


@bp.post("/records/<type_name>/<int:record_id>/transitions/<name>")
def take_transition(type_name: str, record_id: int, name: str):
    body = _load(TransitionPayload(), json_body())
    store = record_store()
    record = WorkflowEngine(store).take(type_name, record_id, name, body["comment"], body["fields"], body["version"])
    commit()
    return jsonify({"record": store.to_json(record), "state": _state(type_name, record)})


@bp.get("/records/<type_name>/<int:record_id>/approvals")
def record_approvals(type_name: str, record_id: int):
    store = record_store()
    store.get(type_name, record_id)  # (read rights on the record)
    items = journal.timeline(db_session(), type_name, record_id)
    for item in items:
        item["at"] = iso_utc(item["at"])
    return jsonify({"approvals": items})


@bp.get("/workflows")
def list_workflows():
    store = record_store()
    out = [w.definition for w in WorkflowService(db_session(), current_schema()).list()
           if store.can("read", w.type_name)]
    return jsonify({"workflows": out})


@bp.get("/workflows/<type_name>")
def get_workflow(type_name: str):
    store = record_store()
    store.require("read", type_name)
    model = WorkflowService(db_session(), current_schema()).get(type_name)
    if model is None:
        raise NotFound(_("Record type %(type)s has no workflow", type=type_name), {"type": type_name})
    return jsonify(model.definition)


@bp.put("/workflows/<type_name>")
def put_workflow(type_name: str):
    store = record_store()
    store.require("configure", type_name)
    document = json_body()
    if document.get("type", type_name) != type_name:
        raise ValidationError(_("The workflow's type is the one in the URL"), {"type": [type_name]})
    document["type"] = type_name
    model = WorkflowService(db_session(), current_schema()).save(document)
    commit()
    return jsonify(model.definition)


@bp.delete("/workflows/<type_name>")
def delete_workflow(type_name: str):
    store = record_store()
    store.require("configure", type_name)
    WorkflowService(db_session(), current_schema()).delete(type_name)
    commit()
    return jsonify({"type": type_name, "deleted": True})


@bp.get("/approvals")
def my_approvals():
    """What waits for the caller's decision (also as a delegate), newest first."""
    store = record_store()
    limit = query_int("limit", 50, 1, 500)
    rows, total = pending_for(store, limit=limit)
    return jsonify({"count": total, "approvals": [{**r, "created_at": iso_utc(r["created_at"]),
                                                     "due_at": iso_utc(r["due_at"])} for r in rows]})


def _delegation_json(d: Delegation, emails: dict) -> dict:
    return {"id": d.id, "user": emails.get(d.user_id), "substitute": emails.get(d.substitute_id),
            "starts_on": d.starts_on.isoformat(), "ends_on": d.ends_on.isoformat()}


@bp.get("/delegations")
def list_delegations():
    s = db_session()
    rows = s.scalars(select(Delegation).where((Delegation.user_id == g.rb_user.id)
                                              | (Delegation.substitute_id == g.rb_user.id))
                     .order_by(Delegation.starts_on)).all()
    uids = {u for d in rows for u in (d.user_id, d.substitute_id)}
    emails = dict(s.execute(select(User.id, User.email).where(User.id.in_(uids))).tuples().all()) if uids else {}
    return jsonify({"delegations": [_delegation_json(d, emails) for d in rows]})


def create_delegation_for(session, user: User, substitute: str, starts_on: date, ends_on: date) -> Delegation:
    """The user names a substitute for a date range (422 for an unknown substitute, themselves, a bad range)."""
    sub = session.scalar(select(User).where(User.email == substitute.strip().lower(), User.is_active.is_(True))) \
        or session.scalar(select(User).where(User.email == substitute.strip(), User.is_active.is_(True)))
    if sub is None:
        raise ValidationError(_("No active user with this e-mail"), {"substitute": [_("no active user with this e-mail")]})
    if sub.id == user.id:
        raise ValidationError(_("You cannot be your own substitute"), {"substitute": [_("must be someone else")]})
    if ends_on < starts_on:
        raise ValidationError(_("The range ends before it starts"), {"ends_on": [_("must not be before the start")]})
    d = Delegation(user_id=user.id, substitute_id=sub.id, starts_on=starts_on, ends_on=ends_on)
    session.add(d)
    session.flush()
    return d


@bp.post("/delegations")
def create_delegation():
    body = _load(DelegationPayload(), json_body())
    s = db_session()
    d = create_delegation_for(s, g.rb_user, body["substitute"], body["starts_on"], body["ends_on"])
    emails = dict(s.execute(select(User.id, User.email).where(User.id.in_([d.user_id, d.substitute_id]))).tuples().all())
    out = _delegation_json(d, emails)
    commit()
    return jsonify(out), 201


@bp.delete("/delegations/<int:delegation_id>")
def delete_delegation(delegation_id: int):
    s = db_session()
    d = s.get(Delegation, delegation_id)
    if d is None or d.user_id != g.rb_user.id:
        raise NotFound(_("No such delegation"), {"id": delegation_id})
    s.delete(d)
    commit()
    return jsonify({"id": delegation_id, "deleted": True})
