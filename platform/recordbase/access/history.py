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

import functools
import json
import weakref
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Optional

import orjson
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..models import User, iso_utc, utcnow
from ..storage.fast_insert import gc_paused, insert_plan
from .models import RecordHistory

if TYPE_CHECKING:
    from ..metamodel.runtime import TypeDef
    from ..storage import RecordStore
    from .policy import Policy

STORES_KEY = "rb_history_stores"
MAX_TEXT = 10_000
#: a workflow decision's entry (action ``workflow``: transition, approval, rejection; recordbase.workflow.journal)
WORKFLOW_KEY = "_workflow"


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
    if ev.action == "create":
        return _create_changes(store, typedef, ev.after)
    for f in typedef.fields:
        if f.ftype.system_column:
            continue  # created/updated at/by: the entry itself says who and when
        old = ev.before.get(f.name)
        new = ev.after.get(f.name)
        if old == new or (_empty(old) and _empty(new)):
            continue
        out[f.name] = [_json(store, f, old), _json(store, f, new)]
    return out


def _create_changes(store: "RecordStore", typedef: "TypeDef", after: dict) -> dict:
    """A create's changes: each non-empty field value as [None, its JSON] (what changes_of gives)."""
    out: dict[str, list] = {}
    get = after.get
    for name, f, convert, numeric in _json_plan(store, typedef):
        new = get(name)
        if new is None:
            continue
        kind = new.__class__
        if numeric and (kind is int or kind is float or kind is bool or kind is Decimal):  # never empty; cannot fail
            out[name] = [None, new if convert is None else convert(new)]
            continue
        if kind is str or kind is list or kind is dict:
            if not new:
                continue  # _empty
            if kind is str:
                out[name] = [None, new if convert is None and len(new) <= MAX_TEXT else _json(store, f, new)]
                continue
        elif isinstance(new, (str, list, dict)) and _empty(new):
            continue
        if convert is None:
            out[name] = [None, new]
        else:
            try:
                out[name] = [None, convert(new)]
            except Exception:  # noqa: BLE001 - as _json: history must never fail a write
                out[name] = [None, _json(store, f, new)]
    return out


def _json_plan(store: "RecordStore", typedef: "TypeDef") -> list[tuple[str, Any, Any, bool]]:
    """(name, field, converter, numeric) of the fields history shows, once per store and type. The converter
    is None where ``to_json`` is the identity, else a one-argument ``to_json`` (strings go through _json);
    numeric: the converter is None or ``json_number``, which give an int, float or bool as it is or
    (an integral float) as an int, a (finite, as stored) Decimal as an int or float, and never fail."""
    cache = store.__dict__.setdefault("_rb_history_plans", {})
    entry = cache.get(typedef.name)
    if entry is None or entry[0] is not typedef:
        from ..metamodel.fieldtypes.base import FieldType
        from ..metamodel.fieldtypes.numbers import NumberLike, json_number

        fields = []
        for f in typedef.fields:
            if f.ftype.system_column:
                continue
            method = type(f.ftype).to_json
            if method is FieldType.to_json:
                convert = None
            elif method is NumberLike.to_json:
                convert = json_number
            else:
                convert = functools.partial(_to_json, f.ftype, f, store.ctx)
            fields.append((f.name, f, convert, convert is None or convert is json_number))
        entry = cache[typedef.name] = (typedef, fields)
    return entry[1]


def _to_json(ftype: Any, f: Any, ctx: Any, value: Any) -> Any:
    out = ftype.to_json(value, f, ctx)
    if isinstance(out, str) and len(out) > MAX_TEXT:
        out = out[:MAX_TEXT] + "…"
    return out


HISTORY_KEYS = ("type_id", "type_name", "record_id", "action", "user_id", "actor", "at", "changes")


@event.listens_for(Session, "before_commit")
def _write_history(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: history is written once, when the whole transaction commits
    pending = []
    for store in _stores(session):
        events = store.events
        start = min(getattr(store, "_history_mark", 0), len(events))
        if start < len(events):
            pending.append((store, events[start:]))
        store._history_mark = len(events)
    if not pending:
        return
    # one executemany for the whole transaction, the shared time converted once (storage.fast_insert)
    with gc_paused():
        _write_rows(session, pending)


def _json_dumps() -> Any:
    """``json.dumps(value)`` with default arguments (the JSON column's own serialiser, so the text stored
    is the same), without building a new C encoder per call as ``json.dumps`` does."""
    from json import encoder

    make = getattr(encoder, "c_make_encoder", None)
    if make is None:
        return json.dumps
    c = make(None, json.JSONEncoder().default, encoder.encode_basestring_ascii, None, ": ", ", ",
             False, False, True)
    join = "".join
    return lambda value: join(c(value, 0))


_DUMPS = _json_dumps()


def _orjson_dumps(value: Any) -> str:
    """The changes as JSON text through orjson (several times faster than the C ``json`` encoder on
    these small objects); the rare value orjson refuses (an integer beyond 64 bits) through ``json``.
    The text differs from ``json.dumps``'s only in spacing and in writing non-ASCII as is: it reads back
    the same."""
    try:
        return orjson.dumps(value).decode()
    except (orjson.JSONEncodeError, TypeError):
        return _DUMPS(value)


def _changes_converter(session: Session, proc: Any) -> Any:
    """What the ``changes`` values go through: the JSON text itself where the column's bind processor
    would only call the default ``json.dumps`` (SQLite stores that text; on PostgreSQL the statement
    casts the bound text ``::JSON``), else the column's own processor."""
    dialect = session.get_bind().dialect
    if getattr(dialect, "_json_serializer", None) is None and (
            dialect.name == "sqlite" or (dialect.name == "postgresql" and dialect.driver == "psycopg")):
        return _orjson_dumps
    return proc


#: (insert plan, dialect) -> how a history row's values become the plan's row (:func:`_row_plan`)
_ROW_PLANS: dict[tuple, tuple] = {}


def _row_plan(session: Session, plan: Any) -> tuple:
    """(the conversions of the values per position, the ``changes`` converter, the reordering or None),
    worked out once per insert plan and dialect (per write it cost about a fifth of a single history row)."""
    key = (plan, session.get_bind().dialect)
    found = _ROW_PLANS.get(key)
    if found is None:
        if len(_ROW_PLANS) > 64:
            _ROW_PLANS.clear()
        found = _ROW_PLANS[key] = (
            [(HISTORY_KEYS.index(plan.keys[i]), proc) for i, proc in plan.processors_except("at", "changes")],
            _changes_converter(session, plan.processors[plan.slot("changes")]),
            None if plan.keys == HISTORY_KEYS else [HISTORY_KEYS.index(k) for k in plan.keys])
    return found


def _write_rows(session: Session, pending: list) -> None:
    plan = insert_plan(session, RecordHistory.__table__, HISTORY_KEYS)
    at = plan.convert("at", utcnow())
    convert, dumps, reorder = _row_plan(session, plan)
    rows = []
    for store, events in pending:
        actor = getattr(store, "actor", None)
        types = store.schema.types
        for ev in events:
            typedef = types.get(ev.type_name)
            if typedef is None:
                continue
            changes = changes_of(store, typedef, ev)
            if ev.action == "update" and not changes:
                continue
            row = [typedef.id, ev.type_name, ev.record_id, ev.action, ev.user_id, actor, at,
                   changes if dumps is None else dumps(changes)]
            for i, proc in convert:
                if row[i] is not None:
                    row[i] = proc(row[i])
            rows.append(row if reorder is None else [row[i] for i in reorder])
    plan.execute(session, rows)


@event.listens_for(Session, "after_transaction_end")
def _forget_history(session: Session, transaction: Any) -> None:
    """When the whole transaction ends (committed: written above; rolled back: never to be written)."""
    if transaction.parent is not None:
        return
    for store in _stores(session):
        store._history_mark = len(store.events)


# -- reading -------------------------------------------------------------------------------


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
        changes = {k: v for k, v in (r.changes or {}).items()
                   if k == WORKFLOW_KEY or (k not in hidden and (k in known or policy is None))}
        if r.action == "update" and not changes and r.changes:
            continue
        out.append({"id": r.id, "action": r.action,
                    "user": emails.get(r.user_id) if r.user_id is not None else r.actor,
                    "at": iso_utc(r.at), "changes": changes})
    return out
