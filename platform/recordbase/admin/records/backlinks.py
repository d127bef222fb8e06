"""The records that link to a record, by title, for its details page ("Linked from")."""
from __future__ import annotations

from ...context import current_lang
from ...metamodel.runtime import TypeDef
from ...storage.titles import RecordTitles
from .present import request_store


def backlinks(typedef: TypeDef, record_id: int, limit: int = 50) -> list[dict]:
    """Records of any type whose link fields point at this record (a page of each, by title)."""
    store = request_store()
    lang = current_lang()
    out = []
    for src, f in store.schema.backlinks(typedef):
        if not store.can("read", src.name) or store.visible_type(src.name).field(f.name) is None:
            continue  # types the user may not read, and link fields hidden from them, are left out
        op = "contains" if f.options.get("many") else "eq"
        page = store.list(src.name, filter={"field": f.name, "op": op, "value": record_id}, limit=limit)
        if page.records:
            titles = RecordTitles.for_store(store).of_records(page.records)
            out.append({"type": src, "type_label": src.display_label(lang), "field_label": f.display_label(lang),
                        "records": [(r.id, titles.get(r.id, f"#{r.id}")) for r in page.records],
                        "more": page.next_cursor is not None})
    return out
