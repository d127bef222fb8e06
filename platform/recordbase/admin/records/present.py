"""Values of the admin's record pages as text: every value goes through its ``FieldType.format``.

The list, details page and CSV export read rows as instances of the type's
runtime-mapped class. :class:`Presenter` turns their raw column values into
the field types' Python values (``from_db``), loads many-link values from the
junction tables, and formats them, showing a link as the target record's
title and a user as their e-mail. It works a page at a time (one query per
many-link field and per link target type), and lives for one request.
The text it returns is plain text: the templates escape it; :meth:`Presenter.html` gives the
cells of the list and details page as escaped HTML (badges, times with their zone).
"""
from __future__ import annotations

from typing import Any, Iterable

from flask import g
from markupsafe import Markup, escape
from sqlalchemy import select

from ...context import record_store
from ...metamodel.fieldtypes import FieldDef, get_field_type
from ...metamodel.runtime import TypeDef, has_own_column, is_many_link
from ...storage import RecordStore
from ...storage.titles import RecordTitles

CHUNK = 500
#: system columns shown on the details page and in exports, with their display field types
SYSTEM_COLUMNS = {"created_at": "created_at", "updated_at": "updated_at",
                  "created_by": "created_by", "updated_by": "updated_by"}
SYSTEM_LABELS = {"id": ("ID", "ID"), "created_at": ("Created time", "创建时间"),
                 "updated_at": ("Last modified time", "修改时间"), "created_by": ("Created by", "创建人"),
                 "updated_by": ("Last modified by", "修改人")}


def system_label(name: str, lang: str) -> str:
    en, zh = SYSTEM_LABELS[name]
    return zh if lang.startswith("zh") else en


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class Presenter:
    """Formats the records of one type for one request."""

    def __init__(self, store: RecordStore, typedef: TypeDef):
        self.store = store
        self.typedef = typedef
        self._many: dict[str, dict[int, list[int]]] = {f.name: {} for f in typedef.fields if is_many_link(f)}
        self._titles: dict[tuple[str, int], str] = {}
        self._texters: dict[str, Any] = {}
        self._htmlers: dict[str, Any] = {}

    # -- raw values ----------------------------------------------------------------
    def value(self, model: Any, name: str) -> Any:
        """The field type's Python value of field ``name`` (or of a system column) on ``model``."""
        if name == "id" or name in SYSTEM_COLUMNS:
            return getattr(model, name)
        f = self.typedef.field(name)
        if f is None:
            return None
        if f.ftype.system_column:
            return getattr(model, f.ftype.system_column)
        if is_many_link(f):
            known = self._many[name]
            if model.id not in known:
                self.prime([model])
            return known.get(model.id, [])
        if has_own_column(f):
            return f.ftype.from_db(getattr(model, name), f)
        return None

    def prime(self, models: list) -> None:
        """Load what formatting ``models`` needs in a few queries: many-links, users, link titles."""
        if not models:
            return
        ids = [m.id for m in models]
        for f in self.typedef.fields:
            if not is_many_link(f):
                continue
            known = self._many[f.name]
            todo = [i for i in ids if i not in known]
            j = self.typedef.junctions[f.name]
            for part in _chunks(todo):
                for i in part:
                    known[i] = []
                rows = self.store.session.execute(select(j.c.source_id, j.c.target_id)
                                                  .where(j.c.source_id.in_(part))
                                                  .order_by(j.c.source_id, j.c.position))
                for sid, tid in rows:
                    known[sid].append(tid)
        users: set[int] = set()
        wanted: dict[str, set[int]] = {}
        for m in models:
            users.update(x for x in (m.created_by, m.updated_by) if x is not None)
            for f in self.typedef.fields:
                if f.field_type in ("user", "created_by", "updated_by"):
                    v = self.value(m, f.name)
                    if v is not None:
                        users.add(v)
                elif f.field_type == "link":
                    v = self.value(m, f.name)
                    target = f.options.get("target", "")
                    for i in (v if isinstance(v, list) else [v] if v is not None else []):
                        if (target, i) not in self._titles:
                            wanted.setdefault(target, set()).add(i)
        self.store.prefetch_users(users)
        for target, tids in wanted.items():
            self.load_titles(target, sorted(tids))

    def load_titles(self, type_name: str, ids: list[int]) -> None:
        """Titles of live target records (:class:`~recordbase.storage.titles.RecordTitles`, one query
        per type); a trashed or missing one, or one the user may not read, shows as '#id'."""
        found = RecordTitles.for_store(self.store).of(type_name, ids)
        for i in ids:
            self._titles[(type_name, i)] = found.get(i, f"#{i}")

    def title(self, type_name: str, record_id: int) -> str:
        if (type_name, record_id) not in self._titles:
            self.load_titles(type_name, [record_id])
        return self._titles[(type_name, record_id)]

    # -- text ----------------------------------------------------------------------
    def text(self, model: Any, name: str) -> str:
        """The display text of field (or system column) ``name`` on ``model``."""
        texter = self._texters.get(name)
        if texter is None:
            texter = self._texters[name] = self._texter(name)
        return texter(model)

    def _texter(self, name: str) -> Any:
        """``model -> text`` for one column, with what :meth:`_text` asks per cell worked out once
        (a list page formats every cell of every row)."""
        f = self.typedef.field(name)
        if name == "id" or name in SYSTEM_COLUMNS or f is None or f.field_type == "link" \
                or not has_own_column(f) or f.ftype.system_column:
            return lambda model: self._text(model, name)
        ftype, ctx = f.ftype, self.store.ctx
        from_db, fmt = ftype.from_db, ftype.format
        return lambda model: fmt(from_db(getattr(model, name), f), f, ctx)

    def html(self, model: Any, name: str) -> Markup:
        """The cell of field (or system column) ``name`` on ``model`` as HTML: each field type's
        ``format_html`` (choices as badges, times with their zone), escaped text for the rest."""
        htmler = self._htmlers.get(name)
        if htmler is None:
            htmler = self._htmlers[name] = self._htmler(name)
        return htmler(model)

    def _htmler(self, name: str) -> Any:
        f = self.typedef.field(name)
        ctx = self.store.ctx
        if name in SYSTEM_COLUMNS:
            ftype = get_field_type(SYSTEM_COLUMNS[name])
            dummy = FieldDef(id=0, type_id=0, name=name, label=name, field_type=SYSTEM_COLUMNS[name])
            if ftype.system_column in ("created_at", "updated_at"):
                return lambda model: ftype.format_html(getattr(model, name), dummy, ctx)
        elif f is not None and f.field_type != "link" and has_own_column(f) and not f.ftype.system_column:
            ftype = f.ftype
            from_db, fmt = ftype.from_db, ftype.format_html
            return lambda model: fmt(from_db(getattr(model, name), f), f, ctx)
        elif f is not None and f.ftype.system_column in ("created_at", "updated_at"):
            return lambda model: f.ftype.format_html(getattr(model, f.ftype.system_column), f, ctx)
        return lambda model: escape(self.text(model, name))

    def _text(self, model: Any, name: str) -> str:
        value = self.value(model, name)
        if name == "id":
            return str(value)
        if name in SYSTEM_COLUMNS:
            return self.format_system(name, value)
        f = self.typedef.field(name)
        if f is None:
            return ""
        return self.format(f, value)

    def format(self, f: FieldDef, value: Any) -> str:
        if f.field_type == "link":
            target = f.options.get("target", "")
            if value is None or value == []:
                return ""
            ids = value if isinstance(value, list) else [value]
            return ", ".join(self.title(target, i) for i in ids)
        return f.ftype.format(value, f, self.store.ctx)

    def format_system(self, name: str, value: Any) -> str:
        ftype = get_field_type(SYSTEM_COLUMNS[name])
        dummy = FieldDef(id=0, type_id=0, name=name, label=name, field_type=SYSTEM_COLUMNS[name])
        return ftype.format(value, dummy, self.store.ctx)


def request_store() -> RecordStore:
    """This request's record store (one per request, so its caches serve the whole page)."""
    store = g.get("_rb_admin_store")
    if store is None:
        store = g._rb_admin_store = record_store()
    return store


def presenter(typedef: TypeDef) -> Presenter:
    """This request's presenter for ``typedef`` (made on first use)."""
    cache = g.get("_rb_presenters")
    if cache is None:
        cache = g._rb_presenters = {}
    p = cache.get(typedef.name)
    if p is None or p.typedef is not typedef:  # built from this very TypeDef (full or narrowed), not its name
        p = cache[typedef.name] = Presenter(request_store(), typedef)
    return p
