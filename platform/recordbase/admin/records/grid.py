"""The records list as a grid: which columns show (``?cols=a,b,c``, the column chooser), which
cells can be edited in place and how, and the record count (exact up to :data:`COUNT_CAP`, then
the planner's estimate or "10,000+", so a page costs the same at 10k and at 1M records).

The grid's rows are rendered by ``templates/recordbase/records/_grid.html`` with one URL built per
page (not per row) and each cell straight from the :class:`~.present.Presenter`; the inline and
bulk edit endpoints are in :mod:`.grid_edit`.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Optional

from flask import g, request
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import case, exists, func, select

from ...access import current_policy
from ...metamodel.fieldtypes import FieldDef
from ...metamodel.fieldtypes.display import badge
from ...metamodel.runtime import has_own_column
from ...metamodel.statistics import estimated_rows
from ...views.counts import EMPTY
from .present import presenter

if TYPE_CHECKING:
    from .delegate import RecordModelView

#: the list counts matching records exactly up to this many
COUNT_CAP = 10_000
#: field type -> how its cell is edited in place (others are edited on the record's form)
EDIT_KINDS = {"text": "text", "email": "text", "url": "text", "phone": "text", "long_text": "text",
              "number": "number", "decimal": "number", "currency": "number", "percent": "number",
              "rating": "number", "date": "date", "boolean": "bool", "single_select": "select"}
#: column width classes by field type (the header's language does not change them)
WIDE = {"long_text", "text", "link", "multi_select", "email", "url"}
NARROW = {"boolean", "number", "percent", "rating", "autonumber", "count"}


@dataclass(frozen=True)
class GridColumn:
    name: str
    label: str
    index: int  # its place in Flask-Admin's list columns (what a sort URL names)
    edit: Optional[str]  # how a cell is edited in place (EDIT_KINDS), None: not here
    width: str  # rb-w-s / rb-w-m / rb-w-l


def edit_kind(view: "RecordModelView", f: Optional[FieldDef]) -> Optional[str]:
    """How a cell of ``f`` is edited in place by this user, None when it is not (computed, read-only
    for them, a type of value edited on the form)."""
    if f is None or f.ftype.read_only or f.ftype.computed or f.name in view.readonly or not has_own_column(f):
        return None
    return EDIT_KINDS.get(f.field_type)


def width_class(f: Optional[FieldDef]) -> str:
    if f is None or f.field_type in NARROW:
        return "rb-w-s"
    return "rb-w-l" if f.field_type in WIDE else "rb-w-m"


def build_columns(view: "RecordModelView") -> tuple[GridColumn, ...]:
    """Every column the list can show (the chooser's choices), in the type's order (built once per
    delegate: a delegate is one type, schema version, language and shape of the user's rights)."""
    out = []
    for i, (name, label) in enumerate(view._list_columns):
        f = view.typedef.field(name)
        out.append(GridColumn(name, str(label), i, edit_kind(view, f), width_class(f)))
    return tuple(out)


def all_columns(view: "RecordModelView") -> tuple[GridColumn, ...]:
    return view.grid_columns


def chosen_names(view: "RecordModelView") -> list[str]:
    """The columns shown: ``?cols=a,b,c`` (unknown names ignored), else the type's list columns."""
    known = {c.name for c in all_columns(view)}
    raw = request.args.get("cols", "")
    names = [n for n in dict.fromkeys(x.strip() for x in raw.split(",")) if n in known] if raw else []
    return names or list(view.default_columns)


def shown_columns(view: "RecordModelView") -> list[GridColumn]:
    by_name = {c.name: c for c in all_columns(view)}
    may_edit = view.can_edit
    cols = [by_name[n] for n in chosen_names(view)]
    return cols if may_edit else [GridColumn(c.name, c.label, c.index, None, c.width) for c in cols]


def cell_html(view: "RecordModelView") -> Any:
    """``(model, name) -> Markup``: the presenter's cell, file links for attachments."""
    html = presenter(view.typedef).html
    files = {c.name for c in view.grid_columns if (f := view.typedef.field(c.name)) is not None
             and f.field_type == "attachment"}
    if not files:
        return html
    from .cells import file_links

    p = presenter(view.typedef)
    return lambda model, name: file_links(view.typedef, p.value(model, name) or []) if name in files \
        else html(model, name)


def rows_html(view: "RecordModelView", data: list, cols: list[GridColumn], with_checkbox: bool, details_base: str,
              edit_base: str, open_label: str) -> Markup:
    """The grid's rows as HTML, built in Python (a page is 20 to 100 rows of cells: Jinja's per-call
    cost was a third of the page). URLs end in the record id (made once per page, not per row)."""
    from ..views.listing import group_headers

    cell = cell_html(view)
    names = [c.name for c in cols]
    edits = [f' class="col-{c.name}{" rb-editable" if c.edit else ""}"' for c in cols]
    details, edit, label = escape(details_base), escape(edit_base), escape(open_label)
    grouped = group_headers(view)
    span = len(cols) + 1 + (1 if with_checkbox else 0)
    last: Any = None
    out = []
    for row in data:
        if grouped is not None:
            value = getattr(row, grouped[0].name, None)
            key = EMPTY if value is None else str(value)
            if key != last:
                last = key
                out.append(_group_row(grouped[1].get(key), key, span))
        rid = int(row.id)
        parts = [f'<tr data-id="{rid}" data-version="{int(row.version)}">']
        if with_checkbox:
            parts.append(f'<td class="rb-check"><input type="checkbox" name="rowid" class="action-checkbox" '
                         f'value="{rid}"></td>')
        parts.append(f'<td class="rb-open"><a href="{details}{rid}" title="{label}" class="fa fa-eye"></a>')
        if edit_base:
            parts.append(f'<a href="{edit}{rid}" class="fa fa-pencil"></a>')
        parts.append("</td>")
        for name, attr in zip(names, edits):
            parts.append(f"<td{attr}>{cell(row, name)}</td>")
        parts.append("</tr>")
        out.append("".join(parts))
    return Markup("\n".join(out))


def _group_row(grp: Optional[dict], key: str, span: int) -> str:
    """A group's row in a grouped list: its label as the list's cells show a choice (a badge) and its count."""
    if grp is None:  # (a group beyond the panel's limit)
        return f'<tr class="rb-group-row" data-group="{escape(key)}"><td colspan="{span}">{escape(key)}</td></tr>'
    label = badge(grp["label"], grp["colour"])
    return (f'<tr class="rb-group-row" data-group="{escape(key)}"><td colspan="{span}">{label} '
            f'<span class="badge badge-pill badge-secondary rb-group-count">{int(grp["count"])}</span></td></tr>')


def remember_count(view: "RecordModelView", query: Any, filtered: bool) -> None:
    """Count the list's matching records for the page (capped; see the module docstring)."""
    ids = query.with_entities(view.model.id).order_by(None).limit(COUNT_CAP + 1).subquery()
    session = query.session
    _remember(view, session, int(session.execute(select(func.count()).select_from(ids)).scalar() or 0), filtered)


def remember_live_count(view: "RecordModelView") -> None:
    """:func:`remember_count` of every live record of the type (a list nothing narrows): on SQLite
    by :func:`live_count_statement`, built once per delegate and run on the driver."""
    from ...storage.driver_query import fetch_all
    from .present import request_store

    session = request_store().session
    if session.get_bind().dialect.name != "sqlite":
        remember_count(view, view.get_query(), False)
        return
    stmt = view.__dict__.get("_rb_live_count")
    if stmt is None:
        stmt = view.__dict__["_rb_live_count"] = live_count_statement(view.typedef.table)
    _remember(view, session, int(fetch_all(session, stmt)[1][0][0] or 0), False)


def live_count_statement(t: Any, cap: Optional[int] = None) -> Any:
    """SQLite: how many live records ``t`` holds, up to ``COUNT_CAP + 1``, without reading the rows.

    Counting the live rows reads each row for its ``deleted_at`` (0.65 ms at 10,000 rows); skipping
    rows by their id (``OFFSET``) and counting a table are SQLite's cheap walks of the table's
    b-tree, and the trashed rows are found in the trash index (``deleted_at IS NOT NULL``). With at
    most ``COUNT_CAP`` rows in the trash: more than ``COUNT_CAP`` live rows when a row exists past
    the first ``trash + COUNT_CAP``, else (a table of at most ``2 × COUNT_CAP`` rows) all rows less
    the trash; with more in the trash, the rows are counted as :func:`remember_count` does.
    ``cap``: :data:`COUNT_CAP` unless given."""
    cap = COUNT_CAP if cap is None else cap

    def trash() -> Any:
        return select(func.count()).select_from(
            select(t.c.id).where(t.c.deleted_at.is_not(None)).limit(cap + 1).subquery()).scalar_subquery()

    live = select(func.count()).select_from(
        select(t.c.id).where(t.c.deleted_at.is_(None)).limit(cap + 1).subquery()).scalar_subquery()
    beyond = exists(select(t.c.id).order_by(t.c.id).limit(1).offset(trash() + cap))
    rows = select(func.count()).select_from(t).scalar_subquery()
    return select(case((trash() > cap, live), (beyond, cap + 1), else_=rows - trash()).label("n"))


def _remember(view: "RecordModelView", session: Any, n: int, filtered: bool) -> None:
    t = view.typedef.table
    about = False
    if n > COUNT_CAP:
        if filtered:
            n, about = COUNT_CAP, True
        else:
            estimate = estimated_rows(session.connection(), t)
            n, about = max(estimate, COUNT_CAP), True
    g._rb_grid_count = (n, about, n > COUNT_CAP or (about and filtered))


def count_text(lang: str) -> str:
    """'1,234 records', 'About 1,000,000 records', 'More than 10,000 records' (empty: not counted)."""
    from flask_babel import ngettext

    found = g.get("_rb_grid_count")
    if found is None:
        return ""
    n, about, capped = found
    shown, cap = format(n, ","), format(COUNT_CAP, ",")
    if about and capped:
        return _("More than %(num)s records", num=cap)
    if about:
        return _("About %(num)s records", num=shown)
    return ngettext("%(count)s record", "%(count)s records", n, count=shown)


def bulk_fields(view: "RecordModelView") -> list[GridColumn]:
    """The fields bulk edit can set: every field this user edits in place."""
    if not view.can_edit or current_policy() is not None and not current_policy().can("update", view.typedef.name):
        return []
    return [c for c in all_columns(view) if c.edit]


def select_choices(view: "RecordModelView", name: str, lang: str) -> list[tuple[str, str]]:
    f = view.typedef.field(name)
    return [(str(v), str(label)) for v, label in f.ftype.form_choices(f, lang)] if f is not None else []


def picker_assets() -> dict[str, str]:
    """The link picker's script and style (Tom Select, vendored), loaded by grid.js only when a link
    filter is opened (most list pages never need them)."""
    from .list_urls import static_url

    def static(name: str) -> str:
        return static_url("recordbase_admin.static", filename=name)
    return {"js": static("vendor/tom-select-2.4.3/tom-select.complete.min.js"),
            "css": static("vendor/tom-select-2.4.3/tom-select.bootstrap4.min.css")}


def context(view: "RecordModelView", lang: str, active_filters: Optional[list] = None) -> SimpleNamespace:
    """What the grid's templates need (``rb_grid``); ``active_filters``: Flask-Admin's (index, name,
    value) of the page's filters (a link filter's record is shown by its title in the picker)."""
    from .filters import active_link_titles

    shown = shown_columns(view)
    bulk = bulk_fields(view)
    choices = {c.name: select_choices(view, c.name, lang) for c in (*shown, *bulk) if c.edit == "select"}
    raw = request.args.get("cols", "")
    return SimpleNamespace(columns=shown, rows=lambda *a: rows_html(view, *a), all=all_columns(view), shown={c.name for c in shown}, cell=cell_html(view),
                           count=count_text(lang), bulk=bulk, cols_param=raw,
                           script_data={"choices": choices, "yes": _("Yes"), "no": _("No"),
                                        "saving": _("Saving…"), "link_titles": active_link_titles(view, active_filters),
                                        "picker": picker_assets(), "no_results": _("No matching records"),
                                        "loading": _("Searching…"), "conflict": _("Someone else changed this record: "
                                                                              "its current value is shown.")})
