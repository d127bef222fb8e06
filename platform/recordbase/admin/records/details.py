"""What the details page's panels show: the record's title, its fields by form section, and its
related records (each backlink as a small table; master-detail ones with rows edited in place).

The page is a sequence of panels, each its own partial template under
``templates/recordbase/records/details/`` (``details.html`` includes them one line each; other
features add theirs the same way). Everything here reads through the record store and the
user's policy: a type the user may not read is not shown, a hidden field does not exist.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import Any, Optional

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ...formlayout.document import DEFAULT_RELATED_COLUMNS, Section, layout_of
from ...metamodel.fieldtypes import FieldDef
from ...metamodel.runtime import TypeDef
from . import forms as rf
from .present import SYSTEM_COLUMNS, presenter, request_store, system_label
from .sections import section_blocks

#: related records a table shows at most (a link to the filtered list shows the rest)
RELATED_ROWS = 50


@dataclass
class FieldBlock:
    section: Optional[Section]
    fields: list[tuple[str, str]]  # (name, label)


@dataclass
class RelatedRow:
    id: int
    version: int
    cells: list[str]
    form: Any = None  # the row's inline form (master-detail tables the user may change)


@dataclass
class RelatedTable:
    type: TypeDef
    link: FieldDef
    title: str
    columns: list[FieldDef]
    rows: list[RelatedRow]
    more: bool
    list_url: str
    add_url: Optional[str]
    inline: bool = False
    can_update: bool = False
    can_delete: bool = False
    new_form: Any = None
    inputs: list[str] = dc_field(default_factory=list)  # input names of the inline columns, in order
    link_input: str = ""  # the input of the link back to this record


def field_blocks(typedef: TypeDef, lang: str) -> list[FieldBlock]:
    """The record's fields grouped as its form groups them, then the record's system columns."""
    layout = layout_of(typedef)
    out = [FieldBlock(layout.section(key) if key else None, [(f.name, f.display_label(lang)) for f in fields])
           for key, fields in section_blocks(typedef.fields)]
    system = Section(key="", label=_("Record"))
    out.append(FieldBlock(system, [(n, system_label(n, lang)) for n in ("id", *SYSTEM_COLUMNS)]))
    return out


def default_columns(src: TypeDef, link: FieldDef) -> list[FieldDef]:
    return [f for f in src.fields if f.show_in_list and f.name != link.name][:DEFAULT_RELATED_COLUMNS]


def related_tables(typedef: TypeDef, record_id: int, lang: str) -> list[RelatedTable]:
    """Each backlink the user may read (with records, or named by the layout), as a table of its chosen
    columns (the layout's, or the source type's first list columns), with "add" (the create form with
    the link filled in) and, for
    master-detail tables (``inline`` in the layout), the inline forms of its rows."""
    store = request_store()
    layout = layout_of(typedef)
    out = []
    for src_full, link_full in store.schema.backlinks(typedef):
        if not store.can("read", src_full.name):
            continue
        src = store.visible_type(src_full.name)
        link = src.field(link_full.name)
        if link is None:
            continue  # a link field hidden from the user
        chosen = layout.related_for(src.name, link.name)
        columns = [c for c in (src.field(n) for n in chosen.columns) if c is not None] if chosen and chosen.columns \
            else default_columns(src, link)
        op = "contains" if link.options.get("many") else "eq"
        flt = {"field": link.name, "op": op, "value": record_id}
        page = store.list(src.name, filter=flt, sort="id", limit=RELATED_ROWS)
        if not page.records and chosen is None:
            continue  # an empty backlink the layout does not name: nothing to show
        p = presenter(src)
        readonly = store.policy.readonly(src.name) if store.policy is not None else frozenset()
        can_create = store.can("create", src.name) and link.name not in readonly
        table = RelatedTable(
            type=src, link=link, title=f"{src.display_label(lang)} · {link.display_label(lang)}", columns=columns,
            rows=[RelatedRow(r.id, r.version, [_cell(p, c, r.values.get(c.name)) for c in columns])
                  for r in page.records],
            more=page.next_cursor is not None,
            list_url=url_for("records.index_view", type_name=src.name),
            add_url=url_for("records.create_view", type_name=src.name,
                            url=url_for("records.details_view", type_name=typedef.name, id=record_id),
                            **{rf.PREFILL_PREFIX + link.name: record_id}) if can_create else None,
            inline=bool(chosen and chosen.inline))
        if table.inline:
            _inline_forms(table, src, link, record_id, page.records, readonly, can_create, lang)
        out.append(table)
    return out


def _cell(p: Any, column: FieldDef, value: Any) -> Markup:
    """A backlink table's cell as the list and the details page show it: a choice as its badge, a number
    in its places, a time with its zone in the title (the field type's ``format_html``); a link by its
    records' titles."""
    if column.field_type == "link":
        return escape(p.format(column, value))
    return column.ftype.format_html(value, column, p.store.ctx)


def _inline_forms(table: RelatedTable, src: TypeDef, link: FieldDef, record_id: int, records: list,
                  readonly: frozenset, can_create: bool, lang: str) -> None:
    """Forms for the rows of a master-detail table: one per row the user may change, one for a new row."""
    store = request_store()
    table.can_update = store.can("update", src.name)
    table.can_delete = store.can("delete", src.name)
    cls = rf.build_form_class(src, rf.form_context(lang), editing=False, readonly=readonly)
    table.inputs = [rf.input_name(c) for c in table.columns]
    table.link_input = rf.input_name(link)
    if table.can_update:
        for row, rec in zip(table.rows, records):
            form = cls(prefix=f"r{rec.id}-", **rf.prefill(src, rec.values))
            rf.offer_current_links(src, form)
            row.form = form
    if can_create:
        linked = [str(record_id)] if link.options.get("many") else str(record_id)
        form = cls(prefix="new-", **{**rf.defaults(src), rf.input_name(link): linked})
        rf.offer_current_links(src, form)
        table.new_form = form
