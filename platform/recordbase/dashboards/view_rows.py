"""The saved-view list widget's rows: the first records of a saved view (its filter, its sort, its columns,
or the type's first listed fields), as the reader may read them, each value formatted as the lists show
it, each row with the link to its record."""
from __future__ import annotations

from typing import Any

from flask import url_for

from ..packs.views import ViewService

MAX_COLUMNS = 6


def view_rows(store: Any, type_name: str, ref: Any, n: int) -> dict:
    view = ViewService(store.session, store.schema, store.ctx, store.policy).find(type_name, ref)
    visible = store.visible_type(type_name)
    names = [c for c in (view.columns or []) if visible.field(c) is not None] or \
        [f.name for f in visible.fields if f.show_in_list and f.field_type not in ("attachment", "long_text")]
    fields = [visible.field(c) for c in names[:MAX_COLUMNS]]
    page = store.list(type_name, filter=view.filter, sort=view.sort, limit=n)
    lang = store.lang or "en"
    rows = []
    for rec in page.records:
        rows.append({"cells": [f.ftype.format(rec.values.get(f.name), f, store.ctx) for f in fields],
                     "link": url_for("records.details_view", type_name=type_name, id=rec.id)})
    return {"columns": [f.display_label(lang) for f in fields], "rows": rows,
            "name": view.name_zh if lang.startswith("zh") and view.name_zh else view.name,
            "link": url_for("records.index_view", type_name=type_name)}
