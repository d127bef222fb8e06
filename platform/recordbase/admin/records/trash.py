"""A record type's trash: its deleted records by title (newest first, a page at a time by cursor)
and restoring one. A mixin of :class:`~.delegate.RecordModelView`.
"""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, request
from flask_admin import expose
from flask_babel import gettext as _

from ...context import db_session
from ...errors import RecordbaseError
from ...storage.titles import RecordTitles
from .present import presenter, request_store


class TrashPages:
    """``/trash/`` and ``/restore/`` of the generic record pages."""

    @expose("/trash/")
    def trash_view(self) -> Any:
        store = request_store()
        try:
            page = store.list(self.typedef.name, trash=True, sort="-id", limit=self.page_size,
                              cursor=request.args.get("cursor") or None)
        except RecordbaseError:  # a cursor of no page of this list: from the start
            flash(_("That page of the trash does not exist; here is its first page."), "info")
            page = store.list(self.typedef.name, trash=True, sort="-id", limit=self.page_size)
        titles = RecordTitles.for_store(store).of_records(page.records)
        rows = [(r.id, titles.get(r.id, f"#{r.id}"), presenter(self.typedef).format_system("updated_at", r.deleted_at))
                for r in page.records]
        return self.render("recordbase/records/trash.html", rows=rows, next_cursor=page.next_cursor)

    @expose("/restore/", methods=("POST",))
    def restore_view(self) -> Any:
        session = db_session()
        try:
            store = request_store()
            if store.get(self.typedef.name, request.form.get("id"), include_deleted=True).deleted_at is None:
                flash(_("This record is not in the trash."), "info")
                return redirect(self.get_url(".trash_view"))
            store.restore(self.typedef.name, request.form.get("id"))
            session.commit()
            flash(_("The record was restored."), "success")
        except RecordbaseError as exc:
            session.rollback()
            flash(exc.message, "error")
        return redirect(self.get_url(".trash_view"))

