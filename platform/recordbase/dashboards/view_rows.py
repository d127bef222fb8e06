"""The saved-view list widget's rows: the first records of a saved view (its filter, its sort, its columns,
or the type's first listed fields), as the reader may read them, each value formatted as the lists show
it (a linked record by its title, :class:`~recordbase.storage.titles.RecordTitles`: one query per linked
type), each row with the link to its record."""
from __future__ import annotations

from typing import Any

from flask import url_for

from ..packs.views import ViewService
from ..storage.titles import RecordTitles

MAX_COLUMNS = 6


def view_rows(store: Any, type_name: str, ref: Any, n: int) -> dict:
    view = ViewService(store.session, store.schema, store.ctx, store.policy).find(type_name, ref)
    visible = store.visible_type(type_name)
    names = [c for c in (view.columns or []) if visible.field(c) is not None] or \
        [f.name for f in visible.fields if f.show_in_list and f.field_type not in ("attachment", "long_text")]
    fields = [visible.field(c) for c in names[:MAX_COLUMNS]]
    page = store.list(type_name, filter=view.filter, sort=view.sort, limit=n)
    lang = store.lang or "en"
    titles = _link_titles(store, fields, page.records)
    rows = []
    for rec in page.records:
        rows.append({"cells": [_cell(f, rec.values.get(f.name), titles, store) for f in fields],
                     "link": url_for("records.details_view", type_name=type_name, id=rec.id)})
    return {"columns": [f.display_label(lang) for f in fields], "rows": rows,
            "name": view.name_zh if lang.startswith("zh") and view.name_zh else view.name,
            "link": url_for("records.index_view", type_name=type_name)}


def _ids(value: Any) -> list:
    return [v for v in (value if isinstance(value, list) else [value]) if v is not None]


def _link_titles(store: Any, fields: list, records: list) -> dict[str, dict[int, str]]:
    """{target type: {id: title}} of the records the page's link cells name, as the reader may read them."""
    wanted: dict[str, set[int]] = {}
    for f in fields:
        if f.field_type == "link":
            for rec in records:
                wanted.setdefault(f.options["target"], set()).update(_ids(rec.values.get(f.name)))
    reader = RecordTitles.for_store(store)
    return {target: reader.of(target, ids) for target, ids in wanted.items() if ids}


def _cell(f: Any, value: Any, titles: dict[str, dict[int, str]], store: Any) -> str:
    if f.field_type != "link":
        return f.ftype.format(value, f, store.ctx)
    found = titles.get(f.options["target"], {})
    return ", ".join(found.get(v) or f"#{v}" for v in _ids(value))  # (one the reader may not read: its id)
