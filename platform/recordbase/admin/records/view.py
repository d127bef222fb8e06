"""The one registered records view: ``/admin/records/<type_name>/...`` for every record type.

Flask cannot add URL rules once it has served a request, so a record type
created at runtime cannot get a view of its own. One view is registered with
the type name as a variable in its URL prefix (design §6): the blueprint pops
``type_name`` into ``g`` before the view runs and puts it back into every URL
built for the blueprint, and ``_run_view`` runs Flask-Admin's view function
on the delegate for that type at the current schema version.
"""
from __future__ import annotations

import threading
from typing import Any

from flask import Blueprint, abort, g, request
from flask_admin import helpers as h
from flask_admin.base import BaseView

from ...access import current_policy
from ...context import current_lang, current_schema
from ...metamodel.ids import as_id
from ...metamodel.runtime import RuntimeSchema, TypeDef
from ..type_in_url import carry_type_name
from .delegate import RecordModelView


class DelegateCache:
    """Delegates per (type, language) for one schema version; replaced whole when the version moves.

    A delegate is never changed after it is built, so concurrent requests can share it.
    """

    def __init__(self) -> None:
        self._state: tuple[int, dict] = (-1, {})
        self._lock = threading.Lock()

    def get(self, schema: RuntimeSchema, typedef: TypeDef, lang: str, registered: Any,
            policy: Any = None) -> RecordModelView:
        # the user's hidden and read-only fields shape the pages: one delegate per distinct set
        shape = policy.signature(typedef.name) if policy is not None else ((), ())
        version, table = self._state
        key = (typedef.name, lang, shape)
        if version == schema.version and key in table:
            return table[key]
        with self._lock:
            version, table = self._state
            if version == schema.version and key in table:
                return table[key]
            delegate = RecordModelView(schema, policy.visible(typedef) if policy is not None else typedef, lang,
                                       registered, readonly=frozenset(shape[1]))
            if schema.version > version:
                self._state = (schema.version, {key: delegate})
            elif schema.version == version:
                self._state = (version, {**table, key: delegate})
            # an older version (another process is ahead of this request): serve it, do not cache it
            return delegate


class RecordsView(RecordModelView):
    """Registered once at ``/admin/records/<type_name>``; every page runs on the type's delegate."""

    hide_from_menu = True

    def __init__(self) -> None:
        # Only the view's identity here: the scaffolding happens per type in the delegates.
        BaseView.__init__(self, name="Records", endpoint="records", url="/admin/records/<type_name>")
        self.delegates = DelegateCache()

    def is_visible(self) -> bool:
        return False

    def create_blueprint(self, admin: Any) -> Blueprint:
        return carry_type_name(super().create_blueprint(admin))

    def delegate(self) -> RecordModelView:
        schema = current_schema()
        typedef = schema.types.get(g.get("rb_type_name") or "")
        if typedef is None:
            abort(404)
        return self.delegates.get(schema, typedef, current_lang(), self, current_policy())

    def _run_view(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        delegate = self.delegate()
        check_page(fn.__name__, delegate.typedef)  # every record page asks the user's policy first
        if fn.__name__ == "index_view":
            from ..views.listing import columns_redirect

            target = columns_redirect(delegate.typedef)  # a saved view's columns into ?cols=
            if target:
                from flask import redirect

                return redirect(target)
        h.set_current_view(delegate)
        return fn(delegate, *args, **kwargs)


#: the action each record page needs (pages not named here need "read")
PAGE_ACTIONS = {"create_view": "create", "edit_view": "update", "delete_view": "delete", "export": "export",
                "restore_view": "delete", "trash_view": "read", "grid_cell": "update", "grid_cell_save": "update",
                "grid_bulk": "update"}


def check_page(page: str, typedef: TypeDef) -> None:
    """403 unless the user may do what the page does; an edit page also needs the record in their rows."""
    from ...access.enforce import in_rows
    from .present import request_store

    policy = current_policy()
    if policy is None:
        return
    action = PAGE_ACTIONS.get(page, "read")
    if not policy.can("read", typedef.name) or not policy.can(action, typedef.name):
        abort(403)
    if page == "edit_view" and policy.rows("update", typedef.name) is not None:
        rid = as_id(request.args.get("id", ""))
        if rid is None:
            return  # (no such record: the page says so)
        store = request_store()
        if in_rows(store, typedef, "read", [rid]) and not in_rows(store, typedef, "update", [rid]):
            abort(403)
