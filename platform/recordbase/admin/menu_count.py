"""Menu entries that show a count beside their name while it is not zero: "Inbox (3)", "My approvals (2)"."""
from __future__ import annotations

from typing import Any

from flask_admin.menu import MenuView


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
