"""The gallery: ``/admin/gallery/<type_name>/?view=<id>`` (or ``?cover=<attachment field>&cards=a,b``):
a card per record with the first picture of the cover field (downloaded through the record pages'
own file route, so the reader's rights apply), its title and the chosen fields; paged by the record
store's keyset cursor (``?cursor=``)."""
from __future__ import annotations

from typing import Optional

from flask import request, url_for
from flask_admin import expose

from ...metamodel.runtime import TypeDef
from ..records.present import request_store
from .cards import cards
from .pages import KindPage

PAGE = 48
IMAGE_ENDINGS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp")


def cover_url(typedef: TypeDef, files: Optional[list]) -> Optional[str]:
    for f in files or []:
        if not isinstance(f, dict) or not f.get("key"):
            continue
        kind = str(f.get("content_type") or f.get("type") or "")
        if kind.startswith("image/") or str(f.get("name") or "").lower().endswith(IMAGE_ENDINGS):
            return url_for("records.file_view", type_name=typedef.name, key=f["key"])
    return None


class GalleryView(KindPage):
    kind_name = "gallery"

    def url_options(self, typedef: TypeDef) -> dict:
        opts: dict = {}
        if request.args.get("cover"):
            opts["cover_field"] = request.args["cover"]
        return self.card_fields_in_url(opts)

    def fallback_options(self, typedef: TypeDef) -> Optional[dict]:
        cover = next((f.name for f in typedef.fields if f.field_type == "attachment"), None)
        if cover is None:
            return None
        return {"cover_field": cover, "card_fields": [f.name for f in typedef.fields if f.show_in_list
                                                      and f.field_type != "attachment"][:3]}

    @expose("/")
    def index_view(self):
        shown = self.shown()
        args = self.page_args(shown)
        store = request_store()
        page = store.list(shown.typedef.name, filter=shown.filter, sort=shown.sort, limit=PAGE,
                          cursor=request.args.get("cursor") or None)
        shown_cards = cards(store, shown.typedef, page.records, shown.options.get("card_fields") or [], args["lang"])
        cover = shown.options["cover_field"]
        covers = {c.id: cover_url(shown.typedef, c.values.get(cover)) for c in shown_cards}
        return self.render("recordbase/views/gallery.html", cards=shown_cards, covers=covers,
                           next_cursor=page.next_cursor, url_options=self.url_options(shown.typedef), **args)
