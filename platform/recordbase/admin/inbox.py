"""The notification inbox in the admin: ``/admin/inbox/`` (the signed-in user's notifications,
mark as read) and its menu entry, which shows the unread count.

Separate from :mod:`.rules` (the rule views) because the inbox is about one user's
notifications, not about rules; :func:`~.rules.register_automation` adds both to the admin.
"""
from __future__ import annotations

from flask import g, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..automation.models import Notification
from ..context import current_lang, current_schema, current_user, db_session
from ..metamodel.ids import as_id
from ..models import utcnow
from ..storage.titles import RecordTitles
from .access import SignedInOnly
from .menu_count import CountedMenuView, menu_counts
from .records.present import request_store


def unread_count() -> int:
    user = current_user()
    if user is None:
        return 0
    if "_rb_unread" not in g:
        menu_counts()  # (with the approvals' count: one statement)
    return g._rb_unread


class InboxView(SignedInOnly, BaseView):
    """``/admin/inbox/``: the signed-in user's notifications; the menu shows the unread count."""

    def __init__(self) -> None:
        super().__init__(name=_l("Inbox"), endpoint="inbox", url="/admin/inbox")

    @expose("/")
    def index(self):
        user = current_user()
        stmt = select(Notification).where(Notification.user_id == user.id)
        if request.args.get("unread"):
            stmt = stmt.where(Notification.read_at.is_(None))
        rows = db_session().scalars(stmt.order_by(Notification.created_at.desc(), Notification.id.desc())
                                    .limit(200)).all()
        titles = RecordTitles.for_store(request_store()).of_pairs(
            (n.type_name, n.record_id) for n in rows if n.record_id and n.type_name in current_schema().types)
        return self.render("rules/inbox.html", notifications=rows, lang=current_lang(), unread=unread_count(),
                           zh=current_lang().startswith("zh"), schema=current_schema(), titles=titles)

    @expose("/read/", methods=("POST",))
    def read(self):
        user = current_user()
        stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        ids = [as_id(i) for i in request.form.getlist("id") if as_id(i) is not None]
        if ids:
            stmt = stmt.where(Notification.id.in_(ids))
        db_session().execute(stmt.values(read_at=utcnow()))
        db_session().commit()
        g.pop("_rb_unread", None)
        return redirect(url_for(".index"))


class InboxMenuView(CountedMenuView):
    """The inbox's menu entry: "Inbox (3)" while there are unread notifications."""

    def count(self) -> int:
        return unread_count()
