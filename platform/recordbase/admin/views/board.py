"""The board (kanban): ``/admin/board/<type_name>/?view=<id>`` (or ``?group=<field>&cards=a,b``).

One column per value of the group field, in choice order with the choice's colour (a single select)
or per user (a user field), and one for records without a value; each with its count and its first
page of cards. ``cards/`` pages a column (load more: the record store's keyset cursor, so a board
over 100k records reads a page per column); ``move/`` is the drag: an ordinary update (:mod:`.moves`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from flask import abort, jsonify, request
from flask_admin import expose
from flask_babel import gettext as _
from ...metamodel.fieldtypes.display import safe_colour, text_colour
from ...metamodel.runtime import TypeDef
from ...views.counts import EMPTY, and_filters, group_counts
from ..records.present import request_store
from .cards import card_json, cards
from .moves import move
from .pages import KindPage, Shown

PAGE = 20
#: at most this many user columns (the users with records)
MAX_USER_COLUMNS = 50


@dataclass
class Column:
    key: str
    #: the value a card dropped here gets (None: empties the field)
    value: Any
    label: str
    colour: Optional[str]
    condition: dict
    count: int = 0
    cards: list = field(default_factory=list)
    next_cursor: Optional[str] = None

    @property
    def text_colour(self) -> str:
        return text_colour(self.colour) if self.colour else ""


def columns(typedef: TypeDef, group: str, lang: str, counts: Optional[dict] = None) -> list[Column]:
    """The board's columns: a select's choices in order (with their colours), or the users with records
    (``counts``: key -> (label, count) from :func:`group_counts`; a user column needs it), then "no value"."""
    f = typedef.field(group)
    out = []
    if f.field_type == "single_select":
        for c in (f.options or {}).get("choices") or []:
            c = c if isinstance(c, dict) else {"value": c}
            value = c["value"]
            label = (c.get("label_zh") if lang.startswith("zh") else None) or c.get("label") or value
            out.append(Column(str(value), value, label, safe_colour(c.get("color")),
                              {"field": group, "op": "eq", "value": value}))
    else:  # a user field: a column per user with records (at most MAX_USER_COLUMNS)
        users = [(k, label) for k, (label, _n) in (counts or {}).items() if k != EMPTY][:MAX_USER_COLUMNS]
        for key, label in users:
            out.append(Column(key, int(key), label, None, {"field": group, "op": "eq", "value": int(key)}))
    out.append(Column(EMPTY, None, _("No value"), None, {"field": group, "op": "is_empty"}))
    return out


def column_of(typedef: TypeDef, group: str, key: str) -> Optional[Column]:
    """The column ``key`` names (a choice's value, a user's id, or :data:`EMPTY`), for paging and drops."""
    f = typedef.field(group)
    if key == EMPTY:
        return Column(EMPTY, None, "", None, {"field": group, "op": "is_empty"})
    if f.field_type == "single_select":
        return next((c for c in columns(typedef, group, "en") if c.key == key), None)
    try:
        uid = int(key)
    except ValueError:
        return None
    return Column(key, uid, "", None, {"field": group, "op": "eq", "value": uid})


class BoardView(KindPage):
    kind_name = "board"

    def url_options(self, typedef: TypeDef) -> dict:
        opts: dict = {}
        if request.args.get("group"):
            opts["group_by"] = request.args["group"]
        return self.card_fields_in_url(opts)

    def fallback_options(self, typedef: TypeDef) -> Optional[dict]:
        group = next((f.name for f in typedef.fields if f.field_type == "single_select"), None)
        if group is None:
            return None
        return {"group_by": group, "card_fields": [f.name for f in typedef.fields if f.show_in_list
                                                   and f.name != group][:3]}

    def _page(self, shown: Shown, column: Column, cursor: Optional[str] = None) -> None:
        store = request_store()
        page = store.list(shown.typedef.name, filter=and_filters(shown.filter, column.condition),
                          sort=shown.sort, limit=PAGE, cursor=cursor)
        from ...context import current_lang

        column.cards = cards(store, shown.typedef, page.records, shown.options.get("card_fields") or [],
                             current_lang())
        column.next_cursor = page.next_cursor

    @expose("/")
    def index_view(self):
        shown = self.shown()
        args = self.page_args(shown)
        group = shown.options["group_by"]
        counts = {k: (label, n) for k, label, n in group_counts(request_store(), shown.typedef.name, group,
                                                                shown.filter)}
        cols = columns(shown.typedef, group, args["lang"], counts)
        for c in cols:
            c.count = counts.get(c.key, ("", 0))[1]
            if c.count:
                self._page(shown, c)
        group_field = shown.typedef.field(group)
        return self.render("recordbase/views/board.html", columns=cols, group_field=group_field,
                           readonly=not request_store().can("update", shown.typedef.name), **args)

    @expose("/cards/")
    def cards_view(self):
        """One more page of a column: JSON ``{"cards": [...], "next_cursor"}``."""
        shown = self.shown()
        key = request.args.get("column", "")
        col = column_of(shown.typedef, shown.options["group_by"], key)
        if col is None:
            abort(404)
        self._page(shown, col, request.args.get("cursor") or None)
        return jsonify({"cards": [card_json(c) for c in col.cards], "next_cursor": col.next_cursor})

    @expose("/move/", methods=("POST",))
    def move_view(self):
        """A card dropped in another column: ``id``, ``version``, ``column`` (form fields, CSRF token)."""
        shown = self.shown()
        group = shown.options["group_by"]
        key = request.form.get("column", "")
        col = column_of(shown.typedef, group, key)
        if col is None:
            abort(404)
        return move(shown.typedef.name, request.form.get("id"), request.form.get("version"), {group: col.value})
