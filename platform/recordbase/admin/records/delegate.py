"""The Flask-Admin ``ModelView`` of one record type at one schema version, in one language.

Flask-Admin's list, search, sort, filters, pagination, forms and export run
on the type's real table through the runtime-mapped class. Forms come from the
field-type registry and every write goes through the :class:`RecordStore`
(:mod:`.writes`); the trash pages are :mod:`.trash`, the link picker :mod:`.picker`,
child rows :mod:`.child_rows`, inline and bulk edits :mod:`.grid_edit`. A delegate is
built once per (type, schema version, language) and never changed afterwards:
per-request data (link choices, values, the database session) is looked up
per request, never stored on the view.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, Optional

from flask import Response, abort, request
from flask_admin import expose
from flask_admin.contrib.sqla import ModelView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.utils import secure_filename

from ...access import current_policy
from ...comments.export import CommentCountExport
from ...context import db_session
from ...metamodel.ids import as_id
from ...metamodel.runtime import RuntimeSchema, TypeDef, has_own_column
from ...storage.query import search_condition
from ...storage.titles import RecordTitles
from ...storage.sort_guard import index_serves
from ..access import SignedInOnly
from ..views import listing
from . import cells, grid, list_parts, list_urls
from . import forms as rf
from .filters import build_filters, filter_groups
from .grid_edit import GridEdits
from .picker import LinkPickerPages
from .child_rows import ChildRowPages
from . import details as record_details
from .present import SYSTEM_COLUMNS, presenter, request_store, system_label
from .trash import TrashPages
from .writes import RecordWrites

#: the highest list page number (times the largest page size, still a 32-bit offset)
MAX_PAGE_NUMBER = 10_000_000
#: a sort column Flask-Admin's list ignores (the page's order is applied by ``get_list``)
_UNSORTED = object()


class RequestSession:
    """Stands in for a session on a long-lived view: every use goes to this request's session."""

    @property
    def session(self) -> Any:  # Flask-Admin takes an object with ``.session`` for a database handle
        return db_session()

    def __getattr__(self, name: str) -> Any:
        return getattr(db_session(), name)


class RecordModelView(CommentCountExport, LinkPickerPages, ChildRowPages, TrashPages, RecordWrites, SignedInOnly, GridEdits,
                      ModelView):
    """Behaviour of the generic record pages (the registered view and every delegate share it)."""

    typedef: TypeDef
    list_template = "recordbase/records/list.html"
    details_template = "recordbase/records/details.html"
    create_template = "recordbase/records/create.html"
    edit_template = "recordbase/records/edit.html"
    can_view_details = True
    export_types = ["csv", "xlsx"]
    can_set_page_size = True
    page_size = 20
    page_size_options = (20, 50, 100)
    # Flask-Admin would count every matching row for each page; a simple pager needs no count.
    simple_list_pager = True
    column_display_pk = False
    column_default_sort = ("id", True)

    def __init__(self, schema: RuntimeSchema, typedef: TypeDef, lang: str, registered: Any,
                 readonly: frozenset = frozenset()):
        # ``typedef`` is the type as the user sees it (hidden fields left out: recordbase.access);
        # ``readonly`` the fields their role shows but may not change
        self.typedef = typedef
        self.readonly = readonly
        self.schema_version = schema.version
        self.lang = lang
        listed = [f for f in typedef.fields if has_own_column(f) or f.ftype.system_column
                  or f.field_type == "link"]  # (every field the grid's column chooser offers)
        self.default_columns = tuple(f.name for f in listed if f.show_in_list) or ("id",)
        self.column_list = [f.name for f in listed] or ["id"]
        self.column_details_list = ["id"] + [f.name for f in typedef.fields] + list(SYSTEM_COLUMNS)
        self.column_export_list = ["id"] + [f.name for f in typedef.fields] + ["created_at", "updated_at"]
        self.column_labels = {f.name: f.display_label(lang) for f in typedef.fields}
        self.column_labels.update({n: system_label(n, lang) for n in ("id", *SYSTEM_COLUMNS)})
        #: each field's help text in the page's language (the grid's and details page's tooltips)
        self.column_help = {f.name: h for f in typedef.fields if (h := f.display_help(lang))}
        names = list(dict.fromkeys(self.column_list + self.column_details_list + self.column_export_list))
        self.column_formatters = {n: cells.files if (f := typedef.field(n)) is not None and f.field_type == "attachment"
                                  else cells.text for n in names}
        self.column_formatters_export = {n: cells.export_text for n in names}
        self.column_sortable_list = self._sortables(schema.mapped_class(typedef), listed)
        slow = _l("Sorting by this column gets slow on large tables: no index serves it.")  # (the header's ? icon)
        self.column_descriptions = {f.name: slow for f in listed if f.name in dict(self.column_sortable_list)
                                    and not f.ftype.system_column and not index_serves(f)}
        self.column_searchable_list = [f.name for f in typedef.fields if f.ftype.searchable and has_own_column(f)]
        self.column_filters = build_filters(typedef, lang)
        self.form_create_rules = rf.form_rules(typedef, lang, editing=False, readonly=readonly)
        self.form_edit_rules = rf.form_rules(typedef, lang, editing=True, readonly=readonly)
        super().__init__(schema.mapped_class(typedef), RequestSession(), name=typedef.display_label(lang),
                         endpoint=registered.endpoint, url=registered.url)
        self.admin = registered.admin
        self.blueprint = registered.blueprint
        self.static_url_path = registered.static_url_path
        self.grid_columns = grid.build_columns(self)

    @staticmethod
    def _sortables(cls: type, listed: list) -> list:
        found = ((f.name, list_parts.sort_expression(cls, f)) for f in listed)
        return [(name, expr) for name, expr in found if expr is not None]

    def _run_view(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        # Flask-Admin's default turns any TypeError into "unexpected keyword argument 'cls'".
        return fn(self, *args, **kwargs)

    # -- what the user may do: asked per request of their policy (recordbase.access) ----------
    def _allowed(self, action: str) -> bool:
        typedef = getattr(self, "typedef", None)
        policy = current_policy()
        return typedef is None or policy is None or policy.can(action, typedef.name)

    can_create = property(lambda self: self._allowed("create"))
    can_edit = property(lambda self: self._allowed("update"))
    can_delete = property(lambda self: self._allowed("delete"))
    can_export = property(lambda self: self._allowed("export"))

    def is_action_allowed(self, name: str) -> bool:
        return self._allowed("delete") if name == "delete" else super().is_action_allowed(name)

    # -- queries: live records of this type, within the user's rows ---------------------------
    def _conditions(self) -> list:
        """What narrows the list beyond the live records: the user's rows, and the saved view or
        group shown (``?view=``, ``?group=&in=``: admin/views/listing.py)."""
        found = [request_store().row_condition(self.typedef, "read"), listing.list_condition(self.typedef)]
        return [c for c in found if c is not None]

    def _rows(self, query: Any) -> Any:
        for cond in self._conditions():
            query = query.filter(cond)
        return query

    def _get_default_order(self) -> Any:
        return listing.default_order(self) or super()._get_default_order()

    def get_query(self) -> Any:
        return self._rows(super().get_query().filter(self.model.deleted_at.is_(None)))

    def get_count_query(self) -> Any:
        return self._rows(super().get_count_query().filter(self.model.deleted_at.is_(None)))

    def get_one(self, id: Any) -> Any:
        rid = as_id(id)  # (text that is no id, or a number beyond the id column: no such record)
        if rid is None:
            return None
        return self.get_query().filter(self.model.id == rid).one_or_none()

    def _get_filter_groups(self) -> Any:
        return filter_groups(self)

    def _get_list_url(self, view_args: Any) -> str:
        """List URLs (sort, pages, page size) from one base URL a page, keeping the grid's chosen
        columns (``?cols=``)."""
        return list_urls.list_url(self, view_args)

    def get_url(self, endpoint: str, **kwargs: Any) -> str:
        if endpoint.endswith(".static") and not endpoint.startswith("."):
            return list_urls.static_url(endpoint, **kwargs)
        return super().get_url(endpoint, **kwargs)

    def _get_list_extra_args(self) -> Any:
        """The list's URL arguments, with a page number the database can take: below 0 is the first
        page, far past the end an empty page past the end (as any page past the end shows)."""
        args = super()._get_list_extra_args()
        args.page = min(max(args.page or 0, 0), MAX_PAGE_NUMBER)
        return args

    def get_list(self, page: Any, sort_column: Any, sort_desc: Any, search: Any, filters: Any,
                 execute: bool = True, page_size: Any = None) -> Any:
        if not execute:  # (the grid's count: the query, unpaged)
            return super().get_list(page, sort_column, sort_desc, search, filters, execute=False,
                                    page_size=page_size)
        keys = self._sort_keys(sort_column, sort_desc)
        base = None  # (the list's filtered query, unsorted and unpaged: also what the count counts)
        if not keys or any(joins for _field, joins, _desc in keys):
            count, data = super().get_list(page, sort_column, sort_desc, search, filters, page_size=page_size)
        else:  # read in parts when the first key may be empty (list_parts): an index serves each
            count, base = super().get_list(None, _UNSORTED, False, search, filters, execute=False, page_size=False)
            column = list_parts.nullable_column(keys[0][0])
            query = base.order_by(*list_parts.order_by([(f, d) for f, _j, d in keys], self.model.id, column is not None))
            data = list_parts.read_page(query, column, self.model.id, page,
                                        self.page_size if page_size is None else page_size)
        presenter(self.typedef).prime(list(data))
        if request.endpoint == "records.index_view":  # the grid's record count (capped: grid.py)
            if search or filters:
                if base is None:
                    _none, base = super().get_list(None, _UNSORTED, False, search, filters, execute=False,
                                                   page_size=False)
                grid.remember_count(self, base, True)
            elif self._conditions():  # (what Flask-Admin's list adds to get_query: search and filters)
                grid.remember_count(self, self.get_query(), False)
            else:
                grid.remember_live_count(self)
        return count, data

    def _sort_keys(self, sort_column: Any, sort_desc: Any) -> list:
        """(column, joins, descending) of the page's sort: the column clicked, else the default order
        (a saved view's sort, the group; else the newest record first)."""
        if sort_column is None:
            return list(self._get_default_order())
        if sort_column not in self._sortable_columns or isinstance(self._sortable_columns[sort_column], list):
            return []
        return [(self._sortable_columns[sort_column], self._sortable_joins.get(sort_column), bool(sort_desc))]

    def _order_by(self, query: Any, joins: Any, sort_joins: Any, sort_field: Any, sort_desc: bool) -> Any:
        """A column sort as the API's: empty values last either way (SQLite puts them first), then
        the record id in the sort's direction, so that pages do not shift between equal values.
        A column that is never empty (the id, the record's times) gets no NULLS clause: PostgreSQL
        walks an index only in its own NULLS order (``id DESC NULLS LAST`` sorted every row)."""
        if sort_field is None or sort_joins:
            return super()._order_by(query, joins, sort_joins, sort_field, sort_desc)
        return query.order_by(*list_parts.order_by([(sort_field, sort_desc)], self.model.id, False)), joins

    def _apply_search(self, query: Any, count_query: Any, joins: Any, count_joins: Any, search: str) -> Any:
        """The record store's search (LIKE with escaped wildcards), not Flask-Admin's raw ILIKE."""
        cond = search_condition(self.typedef, search)
        query = query.filter(cond)
        if count_query is not None:
            count_query = count_query.filter(cond)
        return query, count_query, joins, count_joins

    def search_placeholder(self) -> Optional[str]:
        return ", ".join(self.column_labels[n] for n in self.column_searchable_list) or None

    def get_export_name(self, export_type: str = "csv") -> str:
        return f"{self.typedef.name}_{datetime.now().strftime('%Y-%m-%d_%H-%M-%S')}.{export_type}"

    def _export_csv(self, return_url: Any) -> Any:
        """The CSV built inside the request (Flask-Admin streams it after the request's session has closed).

        Starts with a byte-order mark so that spreadsheet programs read the UTF-8 (Chinese) text correctly.
        """
        _count, data = self._export_data()
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([cells.neutral(str(label)) for _name, label in self._export_columns])  # labels are user text too
        for row in data:
            writer.writerow([self.get_export_value(row, name) for name, _label in self._export_columns])
        disposition = f"attachment;filename={secure_filename(self.get_export_name('csv'))}"
        return Response("\ufeff" + buf.getvalue(), headers={"Content-Disposition": disposition},
                        content_type="text/csv; charset=utf-8")

    def get_empty_list_message(self) -> str:
        return _("No records yet.")

    # -- page extras -----------------------------------------------------------------------
    def render(self, template: str, **kwargs: Any) -> Any:
        kwargs.setdefault("typedef", self.typedef)
        if template == self.list_template:
            kwargs["rb_grid"] = grid.context(self, self.lang, kwargs.get("active_filters"))
        if template == self.details_template and kwargs.get("model") is not None:
            from ...access.history import history

            rid = kwargs["model"].id
            store = request_store()
            kwargs["record_title"] = RecordTitles.for_store(store).text(self.typedef.name, rid)
            kwargs["field_blocks"] = record_details.field_blocks(self.typedef, self.lang)
            kwargs["related"] = record_details.related_tables(self.typedef, rid, self.lang)
            # the record's history, without the fields hidden from the user
            kwargs["history"] = [rf.readable_changes(self.typedef, h) for h in reversed(history(
                store.session, store.type(self.typedef.name), rid, store.policy, limit=200))]
            kwargs["field_labels"] = {f.name: f.display_label(self.lang) for f in self.typedef.fields}
        return super().render(template, **kwargs)

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self) -> Any:
        abort(404)  # no inline editing: every change goes through the form and the record store
