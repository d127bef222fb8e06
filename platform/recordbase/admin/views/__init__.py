"""The admin pages of the view kinds other than the grid: ``/admin/board/<type>/``,
``/admin/calendar/<type>/``, ``/admin/gallery/<type>/`` (one registered Flask-Admin view per kind,
generic over record types like the record views, design §6), the drag-and-drop update they share
(:mod:`.moves`), and the list page's saved views (selector, save, group by: :mod:`.saved`).
"""
from __future__ import annotations

from typing import Any


def register_views(admin: Any) -> None:
    from .board import BoardView
    from .calendar import CalendarView
    from .gallery import GalleryView
    from .saved import SavedViewsView

    from .listing import template_context

    for view in (BoardView(), CalendarView(), GalleryView(), SavedViewsView()):
        admin.add_view(view)
    admin.app.jinja_env.globals["rb_list_views"] = template_context
