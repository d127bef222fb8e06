"""The ``Admin`` subclass whose menu lists the record types of the current schema, per request.

Flask-Admin builds its menu once, from registered views, and caches each
item's URL. Record types come and go at runtime and there is one registered
records view for all of them, so the type entries are made for each request
from the runtime schema (grouped by the type's ``app``) and the registered
records view is left out of the static menu.
"""
from __future__ import annotations

from typing import Any

from flask import g, url_for
from flask_admin import Admin
from flask_admin.menu import BaseMenu, MenuCategory, MenuLink
from flask_babel import gettext as _

from ..context import current_lang, current_schema, current_user, db_session
from ..metamodel.runtime import RuntimeSchema, TypeDef


class TypeMenuLink(MenuLink):
    """A record type's entry; active while one of that type's pages is shown."""

    def __init__(self, typedef: TypeDef, lang: str) -> None:
        super().__init__(typedef.display_label(lang), url=url_for("records.index_view", type_name=typedef.name))
        self.type_name = typedef.name

    def is_active(self, view: Any) -> bool:
        typedef = getattr(view, "typedef", None)
        return typedef is not None and typedef.name == self.type_name


def type_groups(schema: RuntimeSchema) -> list[tuple[str, list[TypeDef]]]:
    """The types grouped by ``app`` (types without one under "Records"), in menu order."""
    from ..access import current_policy

    policy = current_policy()  # only the types the user may read
    groups: dict[str, list[TypeDef]] = {}
    for t in schema.ordered():
        if policy is None or policy.can("read", t.name):
            groups.setdefault(t.app or "", []).append(t)
    from ..packs import app_labels  # a template pack names its menu group in Chinese too

    names = app_labels(db_session(), current_lang())
    out = [(names.get(app, app), types) for app, types in groups.items() if app]
    if "" in groups:
        out.append((_("Records"), groups[""]))
    return out


class RecordbaseAdmin(Admin):
    """Flask-Admin with a per-request menu of record types."""

    def _add_view_to_menu(self, view: Any) -> None:
        if getattr(view, "hide_from_menu", False):
            return
        super()._add_view_to_menu(view)

    def menu(self) -> list[BaseMenu]:
        static = list(self._menu)
        if current_user() is None:
            return static
        cached = g.get("_rb_admin_menu")
        if cached is not None:
            return cached
        lang = current_lang()
        dynamic: list[BaseMenu] = []
        for label, types in type_groups(current_schema()):
            category = MenuCategory(label)
            for t in types:
                category.add_child(TypeMenuLink(t, lang))
            dynamic.append(category)
        menu = static[:1] + dynamic + static[1:]
        g._rb_admin_menu = menu
        return menu
