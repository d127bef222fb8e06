"""The metamodel view: record types, their fields, the form layout and a form preview."""
from __future__ import annotations

from flask_admin import BaseView
from flask_babel import lazy_gettext as _l

from ..access import BuildersOnly
from .fields import FieldPages
from .layout import LayoutPages
from .types import TypePages


class MetamodelView(BuildersOnly, TypePages, FieldPages, LayoutPages, BaseView):
    """``/admin/metamodel/``: every change goes through the MetamodelService, in one transaction."""

    def __init__(self) -> None:
        super().__init__(name=_l("Record types"), endpoint="metamodel", url="/admin/metamodel")
