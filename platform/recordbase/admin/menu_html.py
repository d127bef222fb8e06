"""The admin's main menu as HTML, written in Python.

The same markup as Flask-Admin's ``layout.menu()`` macro (Bootstrap 4 theme, Flask-Admin 2.2):
categories as dropdowns, nested categories as submenus, dividers, icons, the active entry marked.
Every admin page draws the menu (record types by group, metamodel, access, automation, packs,
dashboards: 40 and more entries), and the macro's per-entry Jinja calls were a fifth of a records
list page; this writes the same text in one pass. What each entry shows is still asked per
request (``is_accessible``, ``is_visible``, ``is_active``, the name with its counts).
"""
from __future__ import annotations

from typing import Any, Optional

from flask import url_for
from markupsafe import Markup, escape


def _icon(item: Any) -> str:
    kind = item.get_icon_type()
    if not kind:
        return ""
    value = item.get_icon_value()
    if kind == "glyph":
        return f'<i class="glyphicon {escape(value)}"></i>'
    if kind == "fa":
        return f'<i class="fa {escape(value)}"></i>'
    if kind == "image":
        return f'<img src="{escape(url_for("static", filename=value))}" alt="menu image">'
    if kind == "image-url":
        return f'<img src="{escape(value)}" alt="menu image">'
    return ""


def _target(item: Any) -> str:
    return f' target="{escape(item.target)}"' if getattr(item, "target", None) else ""


def _category(item: Any, view: Any, main: bool, out: list[str]) -> None:
    children = item.get_children()
    if not children:
        return
    class_name = item.get_class_name() or ""
    active = "active " if item.is_active(view) else ""
    own = f'<span class="{escape(item.class_name)}"></span> ' if getattr(item, "class_name", None) else ""
    chevron = "right" if "dropdown-submenu" in class_name else "down"
    out.append(f'<li class="{active}dropdown"><a class="dropdown-toggle {"nav-link" if main else "dropdown-item"}" '
               f'data-toggle="dropdown" href="javascript:void(0)">{own}{_icon(item)}{escape(item.name)}'
               f'<i class="glyphicon glyphicon-chevron-{chevron} small"></i></a><ul class="dropdown-menu">')
    for child in children:
        if child.is_category():
            _category(child, view, False, out)
            continue
        cls = child.get_class_name() or ""
        if "dropdown-divider" in cls:
            out.append(f'<li class="{escape(cls)}"></li>')
            continue
        state = "active " if child.is_active(view) else ""
        out.append(f'<li><a class="dropdown-item {state}{escape(cls)}" href="{escape(child.get_url())}"'
                   f'{_target(child)}>{_icon(child)}{escape(child.name)}</a></li>')
    out.append("</ul></li>")


def menu_html(view: Any, root: Optional[list] = None) -> Markup:
    """The main menu's ``<li>`` entries for the page of ``view`` (``admin_view`` in templates)."""
    out: list[str] = []
    for item in root if root is not None else view.admin.menu():
        if item.is_category():
            _category(item, view, True, out)
        elif item.is_accessible() and item.is_visible():
            cls = item.get_class_name() or ""
            li = '<li class="active">' if item.is_active(view) else "<li>"
            out.append(f'{li}<a class="nav-link {escape(cls)}" href="{escape(item.get_url())}"{_target(item)}>'
                       f'{_icon(item)}{escape(item.name)}</a></li>')
    return Markup("".join(out))
