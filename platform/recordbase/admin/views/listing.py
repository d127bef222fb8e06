"""The records list through a saved view and grouped: what the list's delegate and its template ask.

- ``?view=<id>``: the view's filter narrows the list (with any filters of the page), its sort is the
  order when the page names none, and its columns are put in the URL's ``?cols=`` (the column
  chooser's argument) by a redirect, so the link stays the same and the page shows the view.
- ``?group=<field>`` (a single select, user or single link field, or the grid view's ``group_by``):
  group counts above the list (through :func:`recordbase.views.counts.group_counts`: SQL under the
  reader's policy and the page's filters), the list ordered by the group, ``&in=<value>`` narrowing it
  to one group.
- :func:`current_document`: the page's filters (Flask-Admin's ``flt`` arguments, each a filter-language
  node), sort and columns as a view document, for "save as a view".
"""
from __future__ import annotations

from typing import Any, Optional

from flask import abort, g, request
from flask_babel import gettext as _

from ...errors import FilterError, NotFound, RecordbaseError
from ...metamodel.fieldtypes.display import safe_colour, text_colour
from ...metamodel.runtime import TypeDef
from ...packs.views import ViewService
from ...views.counts import EMPTY, and_filters, group_counts
from ...views.kinds import get_kind
from ..records import list_parts
from ..records.present import request_store

MAX_GROUPS = 200


def active_view(typedef: TypeDef) -> Any:
    """The saved view of ``?view=`` (a grid view of this type the reader may see; else 404), or None."""
    ref = request.args.get("view", "").strip()
    if not ref:
        return None
    cache = g.setdefault("_rb_active_views", {})
    if typedef.name not in cache:
        store = request_store()
        try:
            view = ViewService(store.session, store.schema, store.ctx, store.policy).find(typedef.name, ref)
        except NotFound:
            abort(404)
        if view.kind != "grid":
            abort(404)
        cache[typedef.name] = view
    return cache[typedef.name]


def group_field(typedef: TypeDef) -> Any:
    """The field the list is grouped by (``?group=``, else the view's ``group_by``), or None."""
    view = active_view(typedef)
    name = request.args.get("group") if "group" in request.args else ((view.options or {}).get("group_by") if view else None)
    if not name:
        return None
    if get_kind("grid").check({"group_by": name}, typedef):
        return None  # not a field a list groups by (or hidden from the reader): no grouping
    return typedef.field(name)


def _group_node(f: Any, key: str) -> dict:
    if key == EMPTY:
        return {"field": f.name, "op": "is_empty"}
    value: Any = key
    if f.field_type in ("user", "link"):
        try:
            value = int(key)
        except ValueError:
            abort(404)
    return {"field": f.name, "op": "eq", "value": value}


def list_filter(typedef: TypeDef) -> Optional[Any]:
    """The filter tree the view and the chosen group add to the list (None: nothing)."""
    view = active_view(typedef)
    f = group_field(typedef)
    chosen = request.args.get("in")
    return and_filters(view.filter if view is not None else None,
                       _group_node(f, chosen) if f is not None and chosen is not None else None)


def list_condition(typedef: TypeDef) -> Any:
    """:func:`list_filter` as SQL on the type's table (through the record store's compiler), compiled
    once a request (the list's query, its count and the check whether anything narrows it ask)."""
    cache = g.setdefault("_rb_list_conditions", {})
    if typedef.name not in cache:
        cache[typedef.name] = _list_condition(typedef)
    return cache[typedef.name]


def _list_condition(typedef: TypeDef) -> Any:
    tree = list_filter(typedef)
    if tree is None:
        return None
    store = request_store()
    try:
        compiled = store.compile(typedef, tree)
    except FilterError:
        abort(404)  # (a view naming a field hidden from the reader does not exist for them)
    return compiled.sql() if compiled is not None else None


def default_order(delegate: Any) -> Optional[list]:
    """(column, joins, descending) of the group (first) and the view's sort, when the page names no sort."""
    if request.args.get("sort") is not None:
        return None
    typedef = delegate.typedef
    names: list[tuple[str, bool]] = []
    f = group_field(typedef)
    if f is not None:
        names.append((f.name, False))
    view = active_view(typedef)
    for item in str(view.sort or "").split(",") if view is not None else []:
        item = item.strip()
        if item:
            names.append((item.lstrip("+-"), item.startswith("-")))
    out = []
    for name, desc in names:
        column = _sort_column(delegate, name)
        if column is not None:
            out.append((column, [], desc))
    return out or None


def _sort_column(delegate: Any, name: str) -> Any:
    """What the list orders by for the field ``name``: as its column header sorts (a select in its
    choices' order); None for a field the list cannot sort on (or hidden from the reader)."""
    if name in ("id", "created_at", "updated_at", "created_by", "updated_by"):
        return getattr(delegate.model, name, None)
    f = delegate.typedef.field(name)
    return None if f is None else list_parts.sort_expression(delegate.model, f)


def columns_redirect(typedef: TypeDef) -> Optional[str]:
    """The list's URL with the view's columns as ``?cols=`` when the page has none (else None)."""
    view = active_view(typedef)
    if view is None or not view.columns or "cols" in request.args:
        return None
    args = request.args.to_dict(flat=False)
    args["cols"] = [",".join(view.columns)]
    from urllib.parse import urlencode

    return request.path + "?" + urlencode(args, doseq=True)


def group_headers(delegate: Any) -> Optional[tuple[Any, dict]]:
    """(the group field, {key: group of :func:`groups`}) when the list's rows come in its groups' order
    (grouped, no column sort, not narrowed to one group): the grid then draws each group's label and
    count on a row of its own above the group's first record, as Airtable's grouped rows. None else."""
    if request.args.get("sort") is not None or request.args.get("in") is not None:
        return None
    f = group_field(delegate.typedef)
    found = groups(delegate) if f is not None else []
    return (f, {grp["key"]: grp for grp in found}) if found else None


def groups(delegate: Any) -> list[dict]:
    """The group panel: each value of the group field with records, its count under the page's filters
    (one ``GROUP BY`` of the aggregation engine), a select's choices with their labels and colours.
    Worked out once a request (the panel and the grid's group rows both ask)."""
    typedef = delegate.typedef
    memo = g.setdefault("_rb_list_groups", {})
    key = (id(typedef), getattr(delegate, "lang", "en"))
    if key not in memo:
        memo[key] = _groups(delegate)
    return memo[key]


def _groups(delegate: Any) -> list[dict]:
    typedef = delegate.typedef
    f = group_field(typedef)
    if f is None:
        return []
    store = request_store()
    lang = getattr(delegate, "lang", "en")
    choices = {}
    if f.field_type == "single_select":
        for c in (f.options or {}).get("choices") or []:
            c = c if isinstance(c, dict) else {"value": c}
            label = (c.get("label_zh") if lang.startswith("zh") else None) or c.get("label") or c["value"]
            choices[str(c["value"])] = (label, safe_colour(c.get("color")))
    base = and_filters(page_filter(delegate), active_view(typedef).filter if active_view(typedef) else None)
    try:
        counted = group_counts(store, typedef.name, f.name, base)
    except RecordbaseError:
        return []
    chosen = request.args.get("in")
    out = []
    for key, label, count in counted[:MAX_GROUPS]:
        label, colour = choices.get(key, (label, None))
        if key == EMPTY:
            label = _("No value")
        out.append({"key": key, "label": label, "colour": colour, "count": count, "active": chosen == key,
                    "text_colour": text_colour(colour) if colour else ""})
    return out


def page_filter(delegate: Any) -> Optional[Any]:
    """The page's Flask-Admin filters (``flt<pos>_<index>``) as one filter tree (None: no filters)."""
    nodes = []
    for idx, _name, value in delegate._get_list_filter_args() or []:
        flt = delegate._filters[idx]
        tree = getattr(flt, "tree", None)
        if tree is None:
            continue
        try:
            nodes.append(tree(flt.clean(value)))
        except (RecordbaseError, ValueError):
            continue
    return and_filters(*nodes)


def current_document(delegate: Any) -> dict:
    """The page's filters, sort and columns as a view document (what "save as a view" stores)."""
    typedef = delegate.typedef
    view = active_view(typedef)
    flt = and_filters(view.filter if view is not None else None, page_filter(delegate))
    sort = view.sort if view is not None else None
    idx = request.args.get("sort", type=int)
    column = delegate._get_column_by_idx(idx) if idx is not None else None
    if column is not None:
        sort = ("-" if request.args.get("desc", type=int) else "") + column[0]
    cols = [c for c in (request.args.get("cols") or "").split(",") if c] or list(view.columns or []) if view else \
        [c for c in (request.args.get("cols") or "").split(",") if c]
    f = group_field(typedef)
    return {"filter": flt, "sort": sort, "columns": cols, "group_by": f.name if f is not None else None}


def template_context(delegate: Any) -> dict:
    """What ``_list_views.html`` shows above a list (``rb_list_views(admin_view)`` in the template)."""
    from flask import url_for
    import json as _json
    from urllib.parse import urlencode

    from ...views.sharing import may_change

    typedef = delegate.typedef
    lang = getattr(delegate, "lang", "en")
    store = request_store()
    views = []
    for v in ViewService(store.session, store.schema, store.ctx, store.policy).shown(typedef.name):
        kind = get_kind(v.kind)
        views.append({"id": v.id, "kind": v.kind, "kind_label": kind.display_label(lang), "personal": v.owner_id is not None,
                      "label": (v.name_zh or v.name) if lang.startswith("zh") else v.name,
                      "url": url_for(f"{kind.endpoint}.index_view", type_name=typedef.name, view=v.id)})
    active = active_view(typedef)
    f = group_field(typedef)
    grid = get_kind("grid")
    # (kept on the records delegate: one type as the user sees it, schema version and language)
    key, groupable = delegate.__dict__.get("_rb_groupable", (None, None))
    if key != (id(typedef), lang):
        groupable = [(x.name, x.display_label(lang)) for x in typedef.fields if not grid.check({"group_by": x.name}, typedef)]
        delegate.__dict__["_rb_groupable"] = ((id(typedef), lang), groupable)
    args = request.args.to_dict(flat=False)
    keep = [(k, v) for k, v in args.items() if k not in ("group", "in", "page")]
    out_groups = groups(delegate)
    for grp in out_groups:
        grp["url"] = request.path + "?" + urlencode({**{k: v for k, v in args.items() if k not in ("in", "page")},
                                                     "group": [f.name], "in": [grp["key"]]}, doseq=True)
    doc = current_document(delegate)
    save_args = {"filter": _json.dumps(doc["filter"], ensure_ascii=False) if doc["filter"] else None,
                 "sort": doc["sort"], "columns": ",".join(doc["columns"]) or None, "group_by": doc["group_by"]}
    return {"typedef": typedef, "views": views, "active": active, "group": f, "groupable": groupable,
            "groups": out_groups, "keep_args": keep, "group_chosen": request.args.get("in") is not None,
            "all_groups_url": request.path + "?" + urlencode({k: v for k, v in args.items() if k not in ("in", "page")},
                                                             doseq=True),
            "save_url": url_for("saved_views.new_view", type_name=typedef.name,
                                **{k: v for k, v in save_args.items() if v}),
            "may_change_active": active is not None and may_change(store.policy, active)}
