"""The audit log: schema changes (types, fields, rules, packs), sign-ins and account administration.

Schema changes are caught where they all pass, whichever surface made them (API, admin,
packs, CLI): a ``before_flush`` listener sees the metamodel rows (record types, fields,
rules, packs) being added, changed or deleted and adds an :class:`AuditEvent` in the same
transaction — the log holds exactly what was committed. Sign-ins and account changes are
recorded by the code that makes them (:func:`record`).

Who did it: the signed-in user of the request (``g.rb_user``), or the user named in
``session.info["rb_user_id"]`` (the CLI), else nobody (the system).
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Optional

from flask import g, has_request_context, request
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from ..automation.secrets import scrub
from ..models import RecordTypeModel, utcnow
from .models import AuditEvent

#: table -> (kind, attributes left out of the details)
WATCHED = {
    "rb_record_type": ("type", {"updated_at", "created_at"}),
    "rb_field": ("field", {"created_at"}),
    "rb_rule": ("rule", {"updated_at", "created_at"}),
    "rb_pack": ("pack", {"updated_at", "installed_at", "manifest"}),
    "rb_role": ("role", {"updated_at", "created_at"}),
    "rb_public_form": ("form", {"updated_at", "created_at", "submissions", "token"}),
}
SECRET_ATTRS = {"password_hash", "token", "token_hash", "secret"}
CREATED_KEY = "rb_audit_created"
MAX_VALUE = 500


def _plain(value: Any) -> Any:
    """A JSON-able, bounded form of a column value."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc).isoformat() if value.tzinfo is None else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dict, list)):
        value = scrub(value, ())  # a rule's webhook secret (any "secret" key) never reaches the log
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError):
        return str(value)[:MAX_VALUE]
    if len(text) > MAX_VALUE:
        return text[:MAX_VALUE] + "…"
    return value


def actor(session: Optional[Session] = None) -> tuple[Optional[int], Optional[str]]:
    if has_request_context():
        user = g.get("rb_user")
        if user is not None:
            return user.id, user.email
    uid = session.info.get("rb_user_id") if session is not None else None
    if uid is not None:
        return uid, session.info.get("rb_user_email")
    return None, None


def address() -> Optional[str]:
    return (request.remote_addr or None) if has_request_context() else None


def record(session: Session, action: str, target_kind: Optional[str] = None, target: Optional[str] = None,
           details: Any = None, user: Any = None, email: Optional[str] = None) -> AuditEvent:
    """Add one audit event to the session (it commits with the session's transaction)."""
    if user is not None:
        uid, mail = user.id, user.email
    else:
        uid, mail = actor(session)
    ev = AuditEvent(at=utcnow(), user_id=uid, user_email=email or mail, action=action, target_kind=target_kind,
                    target=(target or "")[:255] or None, address=address(), details=details)
    session.add(ev)
    return ev


def _target(session: Session, kind: str, obj: Any) -> str:
    if kind == "field":
        tm = session.get(RecordTypeModel, obj.type_id) if obj.type_id is not None else None
        return f"{tm.name if tm is not None else obj.type_id}.{obj.name}"
    if kind == "pack":
        return obj.pack_id
    if kind == "rule":
        return f"{obj.name} (#{obj.id})" if obj.id else obj.name
    if kind == "form":
        return f"{obj.type_name}: {obj.title}"
    return getattr(obj, "name", None) or str(getattr(obj, "id", ""))


def _changes(obj: Any, skip: set) -> dict:
    out = {}
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in skip or key in SECRET_ATTRS:
            continue
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old == new:
            continue
        out[key] = [_plain(old), _plain(new)]
    return out


def _snapshot(obj: Any, skip: set) -> dict:
    state = inspect(obj)
    return {a.key: _plain(getattr(obj, a.key)) for a in state.mapper.column_attrs
            if a.key not in skip and a.key not in SECRET_ATTRS and a.key not in ("id",)}


@event.listens_for(Session, "before_flush")
def _audit_schema_changes(session: Session, flush_context: Any, instances: Any) -> None:
    if session.info.get("rb_no_audit"):
        return
    events = []
    created = session.info.setdefault(CREATED_KEY, set())  # made in this transaction: later changes are part of it
    for obj in list(session.new):
        spec = WATCHED.get(getattr(obj, "__tablename__", ""))
        if spec:
            kind, skip = spec
            created.add(id(obj))
            events.append((f"{kind}.create", kind, _target(session, kind, obj), _snapshot(obj, skip)))
    for obj in list(session.dirty):
        spec = WATCHED.get(getattr(obj, "__tablename__", ""))
        if not spec or id(obj) in created or not session.is_modified(obj, include_collections=False):
            continue
        kind, skip = spec
        changes = _changes(obj, skip)
        if not changes:
            continue
        verb = "update"
        if "deleted_at" in changes:
            verb = "delete" if changes["deleted_at"][1] is not None else "restore"
        elif kind == "pack" and "status" in changes:
            verb = {"installed": "install", "uninstalled": "uninstall"}.get(changes["status"][1], "update")
        elif kind == "pack" and "version" in changes:
            verb = "upgrade"
        events.append((f"{kind}.{verb}", kind, _target(session, kind, obj), {"changes": changes}))
    for obj in list(session.deleted):
        spec = WATCHED.get(getattr(obj, "__tablename__", ""))
        if spec:
            kind, _skip = spec
            events.append((f"{kind}.purge" if kind in ("type", "field") else f"{kind}.delete", kind,
                           _target(session, kind, obj), None))
    for action, kind, target, details in events:
        if action == "pack.create":
            action = "pack.install"
        record(session, action, kind, target, details)


@event.listens_for(Session, "after_transaction_end")
def _transaction_over(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(CREATED_KEY, None)


# -- reading --------------------------------------------------------------------------------
def event_json(ev: AuditEvent) -> dict:
    return {"id": ev.id, "at": _plain(ev.at), "user": ev.user_email, "action": ev.action,
            "target_kind": ev.target_kind, "target": ev.target, "address": ev.address, "details": ev.details}


def query(session: Session, action: Optional[str] = None, user: Optional[str] = None,
          kind: Optional[str] = None, target: Optional[str] = None, since: Optional[datetime] = None,
          until: Optional[datetime] = None, before_id: Optional[int] = None, limit: int = 100) -> list[AuditEvent]:
    """Events newest first. ``action`` matches exactly or as a prefix ending in '.' ('type.' = every type change)."""
    stmt = select(AuditEvent)
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True) if action.endswith(".")
                          else AuditEvent.action == action)
    if user:
        stmt = stmt.where(AuditEvent.user_email == user)
    if kind:
        stmt = stmt.where(AuditEvent.target_kind == kind)
    if target:
        stmt = stmt.where(AuditEvent.target.contains(target, autoescape=True))
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.at < until)
    if before_id is not None:
        stmt = stmt.where(AuditEvent.id < before_id)
    return list(session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(limit)))

