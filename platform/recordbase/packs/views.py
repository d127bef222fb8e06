"""Saved views: a named filter, sort and column list over one record type (``rb_view``).

A view is JSON like ``{"type": "contract", "name": "Expiring in 90 days", "name_zh": "90天内到期",
"filter": {"field": "end_date", "op": "within_next_days", "value": 90}, "sort": "end_date",
"columns": ["contract_no", "title", "supplier", "end_date"], "kind": "grid", "options": {}, "shared": true}``.
``kind`` is one of :data:`recordbase.views.kinds.KINDS` (grid, board, calendar, gallery) and ``options``
are checked by that kind; ``shared`` false makes a personal view, seen by its owner only
(:mod:`recordbase.views.sharing`: who may share). The filter is the filter language
(design §4), the sort the API's ``-a,b`` syntax; both are checked against the record type when
the view is saved. Listing records "through" a view (``?view=<id or name>``) applies its filter,
and its sort unless the request gives one.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, Optional

from jsonschema import Draft202012Validator
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ..errors import Conflict, FilterError, NotFound, RecordbaseError, ValidationError
from ..metamodel.fieldtypes import ValueContext
from ..metamodel.filters import compile_filter
from ..metamodel.ids import as_id
from ..metamodel.runtime import RuntimeSchema
from ..models import iso_utc, utcnow
from ..storage.driver_query import fetch_all
from ..views.kinds import KINDS, get_kind
from ..views.kinds import options_schema as kinds_options_schema
from ..views.sharing import require_change, require_keep
from .models import SavedView

VIEW_KEYS = ("type", "name", "name_zh", "description", "filter", "sort", "columns", "position", "kind", "options",
             "shared")
_TEXT_OR_NULL = {"type": ["string", "null"]}
#: a view's attributes as JSON Schema: what a payload is checked against before anything reads it, and
#: what the OpenAPI document shows (``SavedView``, ``SavedViewInput``)
VIEW_PROPERTIES = {
    "type": {"type": "string", "description": "the record type's API name (cannot change)"},
    "name": {"type": "string", "minLength": 1, "maxLength": 255},
    "name_zh": {"type": ["string", "null"], "maxLength": 255},
    "description": _TEXT_OR_NULL,
    "filter": {"type": ["object", "null"], "description": "a filter tree (the filter language)"},
    "sort": {"type": ["string", "null"], "description": "comma-separated field names, '-' for descending"},
    "columns": {"type": "array", "items": {"type": "string"}},
    "position": {"type": ["integer", "null"], "minimum": -2**31, "maximum": 2**31 - 1},
    "kind": {"enum": list(KINDS), "description": "how the records are shown (default grid)"},
    "options": kinds_options_schema(),
    "shared": {"type": "boolean", "description": "shared with everyone who may read the type (default), "
               "or false: a personal view of its maker; sharing needs 'configure' on the type"},
}
#: what POST and PATCH take: the view keys; id, timestamps and a pack's key are accepted and ignored
VIEW_INPUT_SCHEMA = {"type": "object", "additionalProperties": False,
                     "properties": {**VIEW_PROPERTIES, "id": {}, "created_at": {}, "updated_at": {}, "key": {}}}
_VIEW_INPUT = Draft202012Validator(VIEW_INPUT_SCHEMA)


def _json_path(parts: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _shape_problems(data: Any) -> list[tuple[str, str]]:
    """Each attribute of the wrong JSON type (a list for a name, true for a position ...)."""
    errors = sorted(_VIEW_INPUT.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    return [(_json_path(e.absolute_path), e.message) for e in errors]


def check_view(data: dict, schema: RuntimeSchema, ctx: Optional[ValueContext] = None,
               policy: Any = None) -> list[tuple[str, str]]:
    """Problems as (JSON path from the view's root, message); against the type as ``policy``'s user sees it."""
    from ..storage.query import parse_sort

    out: list[tuple[str, str]] = []
    if not isinstance(data, dict):
        return [("$", "a view must be a JSON object")]
    extra = sorted(set(data) - set(VIEW_KEYS) - {"id", "created_at", "updated_at", "key"})
    for k in extra:
        out.append((f"$.{k}", "unknown attribute"))
    shape = _shape_problems({k: v for k, v in data.items() if k not in extra})
    if shape:  # the checks below read the attributes as what they should be
        return out + shape
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        out.append(("$.name", "a view needs a name (at most 255 characters)"))
    if data.get("name_zh") is not None and (not isinstance(data["name_zh"], str) or len(data["name_zh"]) > 255):
        out.append(("$.name_zh", "must be text of at most 255 characters"))
    typedef = schema.types.get(data.get("type") or "")
    if typedef is not None and policy is not None:  # a hidden field, or a type they may not read, does not exist
        typedef = policy.visible(typedef) if policy.can("read", typedef.name) else None
    if typedef is None:
        out.append(("$.type", f"no record type named '{data.get('type')}'"))
        return out
    flt = data.get("filter")
    if flt not in (None, {}):
        if not isinstance(flt, dict):
            out.append(("$.filter", "must be a filter object"))
        else:
            try:
                compile_filter(flt, typedef, ctx)
            except FilterError as exc:
                path = (exc.details or {}).get("path", "$") if isinstance(exc.details, dict) else "$"
                msg = exc.message
                if msg.startswith(path + ":"):
                    msg = msg[len(path) + 1:].strip()
                out.append(("$.filter" + path[1:], msg))
    sort = data.get("sort")
    if sort not in (None, ""):
        if not isinstance(sort, str):
            out.append(("$.sort", "must be text such as '-end_date,name'"))
        else:
            try:
                parse_sort(typedef, sort)
            except RecordbaseError as exc:
                out.append(("$.sort", exc.message))
    cols = data.get("columns")
    if cols is not None:
        if not isinstance(cols, list) or not all(isinstance(c, str) for c in cols):
            out.append(("$.columns", "must be a list of field names"))
        else:
            for i, c in enumerate(cols):
                if typedef.field(c) is None and c not in ("id", "created_at", "updated_at", "created_by", "updated_by"):
                    out.append((f"$.columns[{i}]", f"record type '{typedef.name}' has no field '{c}'"))
    if data.get("position") is not None and (isinstance(data["position"], bool) or not isinstance(data["position"], int)):
        out.append(("$.position", "must be a whole number"))
    out += get_kind(data.get("kind")).check(data.get("options"), typedef)
    return out


def view_json(view: SavedView) -> dict:
    return {"id": view.id, "type": view.type_name, "name": view.name, "name_zh": view.name_zh,
            "description": view.description, "filter": view.filter, "sort": view.sort,
            "columns": view.columns or [], "position": view.position or 0,
            "kind": view.kind or "grid", "options": view.options or {}, "shared": view.owner_id is None,
            "created_at": iso_utc(view.created_at), "updated_at": iso_utc(view.updated_at)}


def view_definition(view: SavedView) -> dict:
    """A view as pack JSON (what an export writes and a fingerprint compares)."""
    out = {"type": view.type_name, "name": view.name}
    if view.name_zh:
        out["name_zh"] = view.name_zh
    if view.description:
        out["description"] = view.description
    out["filter"] = view.filter
    out["sort"] = view.sort
    out["columns"] = view.columns or []
    if (view.kind or "grid") != "grid":
        out["kind"] = view.kind
    if view.options:
        out["options"] = view.options
    return out


class ViewError(ValidationError):
    def __init__(self, problems: list[tuple[str, str]]):
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"Invalid view: {first[0]}: {first[1]}{more}",
                         {"path": first[0], "errors": [{"path": p, "message": m} for p, m in problems]})


#: a saved view as :meth:`ViewService.shown` reads it: its columns by name, read-only
ViewRow = namedtuple("ViewRow", [c.key for c in SavedView.__table__.columns])
_SHOWN = None


class ViewService:
    """Create, change, delete, find saved views; the caller owns the transaction."""

    def __init__(self, session: Session, schema: RuntimeSchema, ctx: Optional[ValueContext] = None,
                 policy: Any = None):
        self.session = session
        self.schema = schema
        self.ctx = ctx
        #: the caller's policy: the views it does not let them see do not exist for them (None: every view)
        self.policy = policy

    def _visible(self, view: Optional[SavedView]) -> Optional[SavedView]:
        from ..access.metamodel_view import view_visible

        return view if view is not None and view_visible(self.policy, view) else None

    def list(self, type_name: Optional[str] = None) -> list[SavedView]:
        stmt = select(SavedView).order_by(SavedView.type_name, SavedView.position, SavedView.id)
        if type_name:
            stmt = stmt.where(SavedView.type_name == type_name)
        return [v for v in self.session.scalars(stmt) if v.type_name in self.schema.types and self._visible(v)]

    def shown(self, type_name: str) -> list[Any]:
        """:meth:`list` of one type as read-only rows (:data:`ViewRow`: a view's columns by name),
        read on the driver (storage/driver_query.py): what every records list page shows above the
        grid, without loading ORM objects."""
        global _SHOWN
        if type_name not in self.schema.types:
            return []
        if _SHOWN is None:
            t = SavedView.__table__
            _SHOWN = select(*t.c).where(t.c.type_name == bindparam("type_name")).order_by(t.c.position, t.c.id)
        rows = fetch_all(self.session, _SHOWN, {"type_name": type_name})[1]
        return [v for v in map(ViewRow._make, rows) if self._visible(v)]

    def get(self, view_id: Any) -> SavedView:
        try:
            vid = int(view_id)
        except (TypeError, ValueError):
            vid = None
        view = self._visible(self.session.get(SavedView, vid) if vid is not None else None)
        if view is None:
            raise NotFound(f"No saved view with id {view_id}", {"id": view_id})
        return view

    def find(self, type_name: str, ref: Any) -> SavedView:
        """A view of ``type_name`` by id or by name (English or Chinese)."""
        text = str(ref).strip()
        view = None
        if as_id(text) is not None:
            view = self.session.get(SavedView, as_id(text))
            if view is not None and view.type_name != type_name:
                view = None
        if view is None:  # by name: the caller's own personal view first, then a shared one
            named = self.session.scalars(select(SavedView).where(
                SavedView.type_name == type_name,
                (func.lower(SavedView.name) == text.lower()) | (SavedView.name_zh == text))
                .order_by(SavedView.owner_id.is_(None), SavedView.id))
            view = next((v for v in named if self._visible(v) is not None), None)
        if self._visible(view) is None:
            raise NotFound(f"Record type '{type_name}' has no saved view '{text}'", {"view": text})
        return view

    def _check(self, data: dict, exclude_id: Optional[int] = None, owner_id: Optional[int] = None,
               keeping: Optional[bool] = None) -> None:
        """422 for a bad view (an unreadable type is no type: no oracle), then 403 when the caller may not
        keep it ``keeping`` shared (True) or personal (False), then 409 for a name taken in its scope."""
        problems = check_view(data, self.schema, self.ctx, self.policy)
        if problems:
            raise ViewError(problems)
        if keeping is not None:
            require_keep(self.policy, data["type"], keeping)
        # names are unique among the type's shared views, and among one user's personal ones
        owner = SavedView.owner_id.is_(None) if owner_id is None else SavedView.owner_id == owner_id
        clash = self.session.scalars(select(SavedView).where(SavedView.type_name == data["type"], owner,
                                                             SavedView.name == data["name"].strip())).first()
        if clash is not None and clash.id != exclude_id:
            raise Conflict(f"Record type '{data['type']}' already has a view named '{data['name']}'",
                           {"name": [f"'{data['name']}' is taken"]})

    def create(self, data: Any, user_id: Optional[int] = None) -> SavedView:
        if not isinstance(data, dict):
            raise ViewError([("$", "a view must be a JSON object")])
        data = {k: v for k, v in data.items() if k not in ("id", "created_at", "updated_at", "key")}
        shared = data.get("shared", True) is not False
        owner_id = None if shared else (self.policy.user_id if self.policy is not None else user_id)
        self._check(data, owner_id=owner_id, keeping=shared)
        view = SavedView(kind=data.get("kind") or "grid", options=data.get("options") or None, owner_id=owner_id,
                         type_name=data["type"], name=data["name"].strip(), name_zh=data.get("name_zh"),
                         description=data.get("description"), filter=data.get("filter") or None,
                         sort=data.get("sort") or None, columns=list(data.get("columns") or []),
                         position=data.get("position") or 0, created_by=user_id)
        self.session.add(view)
        self.session.flush()
        return view

    def update(self, view_id: Any, data: Any) -> SavedView:
        view = self.get(view_id)
        require_change(self.policy, view)
        if not isinstance(data, dict):
            raise ViewError([("$", "a view must be a JSON object")])
        if "type" in data and data["type"] != view.type_name:
            raise ViewError([("$.type", "a view's record type cannot change; make a new view")])
        merged = {**{k: v for k, v in view_json(view).items() if k in VIEW_KEYS}, **data}
        merged = {k: v for k, v in merged.items() if k not in ("id", "created_at", "updated_at")}
        owner_id, keeping = view.owner_id, None
        if isinstance(merged.get("shared"), bool) and merged["shared"] != (view.owner_id is None):
            keeping = merged["shared"]  # sharing it, or taking it back as the caller's own
            owner_id = None if keeping else (self.policy.user_id if self.policy is not None else view.created_by)
        self._check(merged, exclude_id=view.id, owner_id=owner_id, keeping=keeping)
        view.owner_id = owner_id
        view.kind = merged.get("kind") or "grid"
        view.options = merged.get("options") or None
        view.name, view.name_zh = merged["name"].strip(), merged.get("name_zh")
        view.description = merged.get("description")
        view.filter = merged.get("filter") or None
        view.sort = merged.get("sort") or None
        view.columns = list(merged.get("columns") or [])
        view.position = merged.get("position") or 0
        view.updated_at = utcnow()
        self.session.flush()
        return view

    def delete(self, view_id: Any) -> None:
        view = self.get(view_id)
        require_change(self.policy, view)
        self.session.delete(view)
        self.session.flush()


def through_view(store: Any, type_name: str, ref: Optional[str], flt: Any, sort: Optional[str]) -> tuple[Any, Optional[str]]:
    """A listing's filter and sort through the saved view ``ref`` (id or name): the view's filter AND the
    request's, and the request's sort else the view's. Unchanged when ``ref`` is empty."""
    if not ref or not str(ref).strip():
        return flt, sort
    view = ViewService(store.session, store.schema, store.ctx, getattr(store, "policy", None)).find(type_name, ref)
    if view.filter:
        flt = {"and": [view.filter, flt]} if flt else view.filter
    return flt, sort or view.sort
