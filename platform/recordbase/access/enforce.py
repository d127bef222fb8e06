"""How the record store applies its :class:`~recordbase.access.policy.Policy` (the one place that enforces).

The store's public reads (``list``, ``count``, ``get``) ask :func:`require` and add
:func:`row_condition`; its writes (``create``, ``create_many``, ``update``, ``delete``,
``restore``, ``purge``) are wrapped by :func:`guarded`, which checks the action, the record's
rows and the fields written before the write, and the new record's rows after it; an update's
record, as written, must still lie within the rows the user may update (:func:`check_written`). While a
guarded write runs (validation lookups, computed fields, automation rules acting on the
event), the store is unchecked: rules run with their owner's rights (owners and builders
write rules, and they reach every record), never with the triggering user's.

Denials: an action the user lacks, a record outside the action's rows that the user can
read, a read-only field written: 403 ``forbidden``. A record outside the rows the user may
read: 404, as if it did not exist. A hidden field written: 422 unknown field, as if it did
not exist.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable, Iterable

from sqlalchemy import false, select

from ..errors import FilterError, Forbidden, NotFound, ValidationError
from ..i18n import translate

if TYPE_CHECKING:
    from ..metamodel.runtime import TypeDef
    from ..storage import RecordStore

#: the action a store method needs
WRITE_ACTIONS = {"create": "create", "create_many": "create", "update": "update", "delete": "delete",
                 "restore": "delete", "purge": "delete"}


def active(store: "RecordStore") -> bool:
    """Whether the store's policy applies now (it has one, and no guarded write is running)."""
    return getattr(store, "policy", None) is not None and not getattr(store, "_unchecked", 0)


def require(store: "RecordStore", action: str, type_name: str) -> None:
    if active(store):
        store.type(type_name)  # an unknown type is a 404 before it is a 403
        store.policy.require(action, type_name)


def visible(store: "RecordStore", typedef: "TypeDef") -> "TypeDef":
    return store.policy.visible(typedef) if active(store) else typedef


def row_condition(store: "RecordStore", typedef: "TypeDef", action: str = "read") -> Any:
    """The SQL condition limiting ``action`` to the user's rows (None: every row)."""
    if not active(store):
        return None
    return _row_sql(store, typedef, action)


def _row_sql(store: "RecordStore", typedef: "TypeDef", action: str) -> Any:
    tree = store.policy.rows(action, typedef.name)
    if tree is None:
        return None
    cache = store.__dict__.setdefault("_rb_row_sql", {})
    key = (id(typedef), action)
    if key not in cache:
        from ..metamodel.filters import compile_filter

        try:
            compiled = compile_filter(tree, typedef, store.ctx)
            cache[key] = (typedef, compiled.sql() if compiled is not None else None)
        except FilterError:
            cache[key] = (typedef, false())  # a limit that no longer compiles (a field was deleted) lets nothing through
    return cache[key][1]


def in_rows(store: "RecordStore", typedef: "TypeDef", action: str, ids: Iterable[int],
            include_deleted: bool = True, policy_applies: bool = True) -> set[int]:
    """Which of ``ids`` lie within the user's rows for ``action``."""
    ids = list(ids)
    cond = row_condition(store, typedef, action) if policy_applies else _row_sql(store, typedef, action)
    if cond is None or not ids:
        return set(ids)
    t = typedef.table
    stmt = select(t.c.id).where(t.c.id.in_(ids), cond)
    if not include_deleted:
        stmt = stmt.where(t.c.deleted_at.is_(None))
    return set(store.session.scalars(stmt))


def check_fields(store: "RecordStore", typedef: "TypeDef", values: Any) -> None:
    """Hidden fields do not exist for the user (422); read-only fields may not be written (403)."""
    if not isinstance(values, dict):
        return
    hidden = store.policy.hidden(typedef.name)
    readonly = store.policy.readonly(typedef.name)
    unknown = [n for n in values if n in hidden]
    if unknown:
        raise ValidationError(f"Invalid {typedef.name}: {unknown[0]}: unknown field (record type '{typedef.name}' "
                              f"has no field '{unknown[0]}')", {n: ["unknown field"] for n in unknown})
    locked = [n for n in values if n in readonly]
    if locked:
        raise Forbidden(f"You may not change the field(s) {', '.join(locked)} of {typedef.name} records",
                        {"fields": {n: ["read-only for your role"] for n in locked}})


def _record_id(args: tuple, kwargs: dict) -> Any:
    return kwargs.get("record_id", args[0] if args else None)


def _check_record(store: "RecordStore", typedef: "TypeDef", action: str, record_id: Any, trashed: bool) -> None:
    try:
        rid = int(record_id)
    except (TypeError, ValueError):
        return  # the write itself answers 404
    if isinstance(record_id, bool):
        return
    readable = in_rows(store, typedef, "read", [rid])
    if not readable:
        t = typedef.table
        if store.session.scalar(select(t.c.id).where(t.c.id == rid)) is not None:
            raise NotFound(f"No {typedef.name} record with id {rid}", {"type": typedef.name, "id": rid})
        return
    if not in_rows(store, typedef, action, [rid]):
        raise Forbidden(f"You are not allowed to {'change' if action == 'update' else action} this {typedef.name} "
                        f"record", {"action": action, "type": typedef.name, "id": rid})


def before_write(store: "RecordStore", method: str, type_name: str, args: tuple, kwargs: dict) -> None:
    action = WRITE_ACTIONS[method]
    typedef = store.type(type_name)
    store.policy.require(action, type_name)
    if method == "create":
        check_fields(store, typedef, kwargs.get("values", args[0] if args else None))
    elif method == "create_many":
        for values in kwargs.get("rows", args[0] if args else None) or []:
            check_fields(store, typedef, values)
    else:
        _check_record(store, typedef, action, _record_id(args, kwargs), method in ("restore", "purge"))
        if method == "update":
            check_fields(store, typedef, kwargs.get("values", args[1] if len(args) > 1 else None))


def after_write(store: "RecordStore", method: str, type_name: str, result: Any) -> None:
    """A new record must lie within the rows the user may create (a supplier manager creates their suppliers)."""
    if method not in ("create", "create_many") or result is None:
        return
    typedef = store.type(type_name)
    ids = [result.id] if method == "create" else [i for i in result.ids if i is not None]
    outside = set(ids) - in_rows(store, typedef, "create", ids)
    if outside:
        raise Forbidden(f"You may only create {type_name} records within your rows "
                        f"({store.policy.rows('create', type_name)})",
                        {"action": "create", "type": type_name, "rows": store.policy.rows("create", type_name)})


def check_written(store: "RecordStore", typedef: "TypeDef", record_id: int) -> None:
    """An update must leave the record within the rows the user may update, as a create must (a
    role limited to ``region = east`` may not move a record to ``west``).

    :meth:`RecordStore.update` calls this after writing the record and recomputing its computed
    fields, before any event is emitted (no rule runs, no history, no outbox for a refused
    change); the caller's transaction (or the import's savepoint) undoes the write. Only the
    guarded write itself is checked (:func:`guarded` arms the check, the first call takes it):
    automation rules acting during the write run with their owner's rights."""
    if not store.__dict__.pop("_rows_after_update", False):
        return
    if store.policy.rows("update", typedef.name) is None:
        return
    if not in_rows(store, typedef, "update", [record_id], policy_applies=False):
        raise Forbidden(translate("You may only change %(type)s records within your rows: this change would move "
                                  "the record outside them, so it was not saved", type=typedef.name),
                        {"action": "update", "type": typedef.name, "id": record_id,
                         "rows": store.policy.rows("update", typedef.name)})


def guarded(method: Callable) -> Callable:
    """Wrap a record store write with the policy's checks (see the module docstring), after
    :meth:`RecordStore.hold_schema` (every write of every store goes through here)."""
    name = method.__name__

    @functools.wraps(method)
    def wrapper(store: "RecordStore", type_name: str, *args: Any, **kwargs: Any) -> Any:
        store.hold_schema()  # every write, checked or not, first: no write on a stale snapshot
        if not active(store):
            return method(store, type_name, *args, **kwargs)
        before_write(store, name, type_name, args, kwargs)
        store._unchecked += 1
        store._rows_after_update = name == "update"  # armed for check_written
        try:
            result = method(store, type_name, *args, **kwargs)
        finally:
            store._unchecked -= 1
            store._rows_after_update = False
        after_write(store, name, type_name, result)
        return result

    return wrapper


def hidden_fields(store: "RecordStore", type_name: str) -> frozenset:
    return store.policy.hidden(type_name) if active(store) else frozenset()


def unchecked(store: "RecordStore") -> Any:
    """``with unchecked(store):`` — the store acts without its policy (the system acting for the user)."""
    import contextlib

    @contextlib.contextmanager
    def cm():
        store._unchecked = getattr(store, "_unchecked", 0) + 1
        try:
            yield store
        finally:
            store._unchecked -= 1

    return cm()

