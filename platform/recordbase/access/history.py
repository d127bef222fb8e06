"""Record history: every create, update, delete and restore, with user, time and each field's old and new value.

The record store emits an event per write (:mod:`recordbase.storage.events`) into its
``events`` list. When the session commits, the events that survived (an automation rule
whose cascade was undone removes its events again) are written here in one INSERT, so
history is exactly what was committed — whichever surface wrote: API, admin, import,
automation, public form, CLI. A rolled-back transaction leaves no history.

Values are stored as the API shows them. Reading applies the reader's policy: fields hidden
from them are left out of every entry (an update that only touched hidden fields is left
out altogether).
"""
from __future__ import annotations

import weakref
from datetime import timezone
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from ..models import User, utcnow
from .models import RecordHistory

if TYPE_CHECKING:
    from ..metamodel.runtime import TypeDef
    from ..storage import RecordStore
    from .policy import Policy

STORES_KEY = "rb_history_stores"
MAX_TEXT = 10_000


def track(store: "RecordStore") -> None:
    """Have this store's events written as history when its session commits."""
    store._history_mark = 0
    store.session.info.setdefault(STORES_KEY, []).append(weakref.ref(store))


def _stores(session: Session) -> list["RecordStore"]:
    refs = session.info.get(STORES_KEY) or []
    alive = [r for r in refs if r() is not None]
    if len(alive) != len(refs):
        session.info[STORES_KEY] = alive
    return [r() for r in alive]


def _empty(v: Any) -> bool:
    return v is None or v == "" or v == [] or v == {}


def _json(store: "RecordStore", f: Any, value: Any) -> Any:
    try:
        out = f.ftype.to_json(value, f, store.ctx)
    except Exception:  # noqa: BLE001 - history must never fail a write
        out = str(value)
    if isinstance(out, str) and len(out) > MAX_TEXT:
        out = out[:MAX_TEXT] + "…"
    return out


def changes_of(store: "RecordStore", typedef: "TypeDef", ev: Any) -> dict:
    out: dict[str, list] = {}
    if ev.action not in ("create", "update"):
        return out
    for f in typedef.fields:
        if f.ftype.system_column:
            continue  # created/updated at/by: the entry itself says who and when
        old = ev.before.get(f.name) if ev.action == "update" else None
        new = ev.after.get(f.name)
        if ev.action == "create" and _empty(new):
            continue
        if ev.action == "update" and (old == new or (_empty(old) and _empty(new))):
            continue
        out[f.name] = [None if ev.action == "create" else _json(store, f, old), _json(store, f, new)]
    return out


@event.listens_for(Session, "before_commit")
def _write_history(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: history is written once, when the whole transaction commits
    rows = []
    now = utcnow()
    for store in _stores(session):
        events = store.events
        start = min(getattr(store, "_history_mark", 0), len(events))
        for ev in events[start:]:
            typedef = store.schema.types.get(ev.type_name)
            if typedef is None:
                continue
            changes = changes_of(store, typedef, ev)
            if ev.action == "update" and not changes:
                continue
            rows.append({"type_id": typedef.id, "type_name": ev.type_name, "record_id": ev.record_id,
                         "action": ev.action, "user_id": ev.user_id, "actor": getattr(store, "actor", None),
                         "at": now, "changes": changes})
        store._history_mark = len(events)
    if rows:
        session.execute(insert(RecordHistory.__table__), rows)


@event.listens_for(Session, "after_transaction_end")
def _forget_history(session: Session, transaction: Any) -> None:
    """When the whole transaction ends (committed: written above; rolled back: never to be written)."""
    if transaction.parent is not None:
        return
    for store in _stores(session):
        store._history_mark = len(store.events)


# -- reading -------------------------------------------------------------------------------
def _iso(dt: Any) -> Optional[str]:
    return None if dt is None else dt.replace(tzinfo=timezone.utc).isoformat()


def history(session: Session, typedef: "TypeDef", record_id: int, policy: Optional["Policy"] = None,
            limit: int = 1000) -> list[dict]:
    """A record's history, oldest first, as the reader may see it."""
    hidden = policy.hidden(typedef.name) if policy is not None else frozenset()
    known = {f.name for f in typedef.fields}
    rows = session.scalars(select(RecordHistory).where(RecordHistory.type_id == typedef.id,
                                                       RecordHistory.record_id == record_id)
                           .order_by(RecordHistory.id.desc()).limit(limit)).all()
    rows = list(reversed(rows))
    uids = sorted({r.user_id for r in rows if r.user_id is not None})
    emails = {uid: email for uid, email in session.execute(select(User.id, User.email).where(User.id.in_(uids)))} \
        if uids else {}
    out = []
    for r in rows:
        changes = {k: v for k, v in (r.changes or {}).items() if k not in hidden and (k in known or policy is None)}
        if r.action == "update" and not changes and r.changes:
            continue
        out.append({"id": r.id, "action": r.action,
                    "user": emails.get(r.user_id) if r.user_id is not None else r.actor,
                    "at": _iso(r.at), "changes": changes})
    return out
