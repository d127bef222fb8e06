"""Menu entries that show a count beside their name while it is not zero: "Inbox (3)", "My approvals (2)".

The counts are asked together, in one statement per page (:func:`menu_counts`, run on the driver):
the unread notifications and the approval steps waiting for the user (the delegations read inside it).
"""
from __future__ import annotations

import functools
from typing import Any

from flask import g
from flask_admin.menu import MenuView
from sqlalchemy import Date, Integer, bindparam, func, select


class CountedMenuView(MenuView):
    """Flask-Admin's menu entry of a view, its name followed by :meth:`count` when that is not zero."""

    def count(self) -> int:
        raise NotImplementedError

    @property
    def name(self) -> str:
        base = str(self._base_name)
        try:
            n = self.count()
        except Exception:  # noqa: BLE001 - never break the menu
            n = 0
        return f"{base} ({n})" if n else base

    @name.setter
    def name(self, value: str) -> None:
        self._base_name = value


def count_in_menu(view: Any, menu_class: type[CountedMenuView]) -> None:
    """Make the menu entry Flask-Admin made for ``view`` (added to the admin) a ``menu_class``."""
    item = getattr(view, "menu", None)
    if isinstance(item, MenuView):
        base = item.name
        item.__class__ = menu_class
        item.name = base


def menu_counts() -> None:
    """Ask the menu's counts for the signed-in user in one statement, into ``g._rb_unread`` and
    ``g._rb_approvals`` (a count the page already knows is kept)."""
    from ..context import current_user, record_store
    from ..storage.driver_query import fetch_all

    user = current_user()
    if user is None:
        return
    store = record_store()
    params = {"rb_user": user.id, "rb_today": store.local_now().date()}
    found = fetch_all(store.session, _counts_statement(), params)[1][0]
    if "_rb_unread" not in g:
        g._rb_unread = int(found[0] or 0)
    if "_rb_approvals" not in g:
        g._rb_approvals = int(found[1] or 0)


@functools.cache
def _counts_statement() -> Any:
    """The statement of :func:`menu_counts`, built once per process (its values are parameters)."""
    from ..automation.models import Notification
    from ..workflow.inbox import count_query

    user, today = bindparam("rb_user", type_=Integer), bindparam("rb_today", type_=Date)
    unread = select(func.count()).select_from(Notification).where(
        Notification.user_id == user, Notification.read_at.is_(None)).scalar_subquery()
    # (each column labelled: the statement runs on the driver, storage/driver_query.py)
    return select(unread.label("unread"), count_query(user, today).label("approvals"))
