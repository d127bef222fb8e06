"""The conversation on a record's details page: an activity timeline (comments and history, newest
first), a form to comment, and one's own comments' edit and delete.

The details page includes ``comments/_record_activity.html``, which asks :func:`record_activity`
(a Jinja global) for the timeline. The form posts go to :class:`CommentsView`
(``/admin/comments/<type>/<id>/...``, hidden from the menu), which writes through
:class:`.service.Comments` (the same rights as the API) and returns to the details page.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField, validators

from ..admin.access import SignedInOnly
from ..admin.forms import AdminForm
from ..context import db_session
from ..errors import Forbidden, NotFound, RecordbaseError
from .service import MAX_BODY, Comments


class CommentForm(AdminForm):
    body = TextAreaField(_l("Comment"), validators=[validators.InputRequired(), validators.Length(max=MAX_BODY)])


def _when(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def record_activity(type_name: str, record_id: int, history: Any = None) -> dict:
    """The timeline of one record for the signed-in reader: comments (with what they may do to each)
    and the history entries already on the page, newest first; the comment form."""
    from ..admin.records.present import request_store

    comments = Comments(request_store())
    try:
        rows = comments.list(type_name, record_id)
    except RecordbaseError:
        return {"entries": [], "form": None}
    authors = comments.authors(rows)
    entries = [{"kind": "comment", "at": _when(c.created_at), **comments.to_json(c, authors)} for c in rows]
    entries += [{"kind": "history", "at": _when(h["at"]), "entry": h} for h in (history or []) if h.get("at")]
    entries.sort(key=lambda e: e["at"], reverse=True)
    return {"entries": entries, "form": CommentForm() if comments.may_write() else None,
            "count": len(rows)}


class CommentsView(SignedInOnly, BaseView):
    """The form posts of the conversation (no pages of its own)."""

    hide_from_menu = True

    def __init__(self) -> None:
        super().__init__(name=_l("Comments"), endpoint="comments", url="/admin/comments")

    def is_visible(self) -> bool:
        return False

    @expose("/")
    def index(self):
        return redirect(url_for("admin.index"))

    @staticmethod
    def _back(type_name: str, record_id: int):
        return redirect(url_for("records.details_view", type_name=type_name, id=record_id) + "#rb-activity")

    def _run(self, type_name: str, record_id: int, write: Any, done: str):
        from ..admin.records.present import request_store

        form = CommentForm(request.form)
        session = db_session()
        try:
            if write.__name__ != "delete" and not form.validate():
                raise RecordbaseError("; ".join(str(m) for m in form.body.errors) or _("A comment cannot be empty."))
            write(Comments(request_store()))
            session.commit()
            flash(done, "success")
        except (NotFound, Forbidden) as exc:  # a record out of reach, another's comment: no page, no redirect
            session.rollback()
            abort(404 if isinstance(exc, NotFound) else 403)
        except RecordbaseError as exc:
            session.rollback()
            flash(exc.message, "error")
        return self._back(type_name, record_id)

    @expose("/<type_name>/<int:record_id>/add/", methods=("POST",))
    def add(self, type_name: str, record_id: int):
        def add(c: Comments) -> None:
            c.add(type_name, record_id, request.form.get("body"))
        return self._run(type_name, record_id, add, _("Your comment was added."))

    @expose("/<type_name>/<int:record_id>/edit/<int:comment_id>/", methods=("POST",))
    def edit(self, type_name: str, record_id: int, comment_id: int):
        def edit(c: Comments) -> None:
            c.edit(type_name, record_id, comment_id, request.form.get("body"))
        return self._run(type_name, record_id, edit, _("Your comment was changed."))

    @expose("/<type_name>/<int:record_id>/delete/<int:comment_id>/", methods=("POST",))
    def delete(self, type_name: str, record_id: int, comment_id: int):
        def delete(c: Comments) -> None:
            c.delete(type_name, record_id, comment_id)
        return self._run(type_name, record_id, delete, _("The comment was deleted."))


def register_comments(admin: Any) -> None:
    """Add the comment posts to ``admin`` and the timeline to the templates (call once, from ``init_admin``)."""
    admin.add_view(CommentsView())
    if admin.app is not None:
        admin.app.jinja_env.globals.setdefault("rb_record_activity", record_activity)
