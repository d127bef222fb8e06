"""Cells of the record pages: Flask-Admin column formatters of the list, the details page and
the CSV export, and the links of attachment files."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import url_for
from markupsafe import Markup

from ...dataio.exporters import neutralise
from ...metamodel.runtime import TypeDef
from .present import presenter

if TYPE_CHECKING:
    from .delegate import RecordModelView

def text(view: "RecordModelView", context: Any, model: Any, name: str) -> Markup:
    """A cell of the list or details page: its field type's HTML (escaped text, choice badges)."""
    return presenter(view.typedef).html(model, name)


def files(view: "RecordModelView", context: Any, model: Any, name: str) -> Markup:
    """An attachment cell: each file's name, a link to download it."""
    return file_links(view.typedef, presenter(view.typedef).value(model, name) or [])


def file_links(typedef: TypeDef, stored: list) -> Markup:
    """Links to download files of a record of ``typedef`` (the admin's download, for the signed-in user)."""
    return Markup(", ").join(Markup('<a href="{}">{}</a>').format(
        url_for("records.file_view", type_name=typedef.name, key=f["key"]), f["name"]) for f in stored)


def export_text(view: "RecordModelView", context: Any, model: Any, name: str) -> str:
    """Formatted text, with a leading ' before text a spreadsheet would run as a formula."""
    return neutral(presenter(view.typedef).text(model, name))


def neutral(text: str) -> str:
    """The exports' rule (:func:`recordbase.dataio.neutralise`), a negative number aside."""
    return text if text.startswith("-") and _is_number(text) else neutralise(text)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
        return True
    except ValueError:
        return False
