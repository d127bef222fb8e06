"""Ways of looking at a record type: the view kinds (grid, board, calendar, gallery) and who may see,
share and change a view.

A view is data (a row of ``rb_view``, see :mod:`recordbase.packs.views` for its document); its
``kind`` names a :class:`~recordbase.views.kinds.ViewKind`, which owns everything kind-specific: the
options' JSON schema, their checks against the record type, the admin form that edits them and the
page that shows them (``admin/views/``).
"""
from .kinds import KINDS, ViewKind, get_kind

__all__ = ["KINDS", "ViewKind", "get_kind"]
