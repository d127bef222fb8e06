"""Record titles: how a record is named wherever it appears (link cells, pickers, backlinks,
history, inbox, run history, exports' link columns).

A type's title is its title format (``{kpi} · {score}``: :mod:`recordbase.metamodel.title_format`)
or its title field (the primary field, else the first text field). Values are formatted by their
field types' ``format`` in the reader's language (choice labels, numbers with their places); a link
in a title shows the target's own title (to :data:`MAX_DEPTH` links deep). Everything is read as
the store's user: rows they may not read have no title, a hidden field never shows in one.

Reading the titles of any number of records of a type is one query, plus one per type a title
links to (and a user e-mail lookup when a title shows users).
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Optional, Union

from sqlalchemy import false, func, or_, select

from ..access import enforce
from ..metamodel.fieldtypes import FieldDef
from ..metamodel.ids import as_id
from ..metamodel.runtime import TypeDef
from ..metamodel.title_format import title_parts
from .record_store import Record, RecordStore

#: how many links deep a title shows the linked record's title (then '#id')
MAX_DEPTH = 3
#: the most rows one type-ahead search returns
MAX_SEARCH = 100
_TRIM = " \t·-–—|,;:/"
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]|（\s*）|【\s*】")
_SEPARATOR_RUN = re.compile(r"\s*([·\-–—|,;/])(?:\s*[·\-–—|,;/])+\s*")


def _tidy(title: str) -> str:
    """A title with a part that showed nothing, without what was around it only for that part:
    empty brackets, doubled separators, separators at either end, runs of spaces."""
    title = _EMPTY_BRACKETS.sub("", title)
    title = _SEPARATOR_RUN.sub(lambda m: f" {m.group(1)} ", title)
    return " ".join(title.split()).strip(_TRIM)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _ascii_folds_enough(text: str) -> bool:
    """Whether folding only ASCII letters finds what full Unicode lower-casing finds for ``text``:
    each character is ASCII or has no case (Chinese, digits, punctuation). Not so for a text with
    a cased non-ASCII letter ('É', 'ß', 'Ж'), which SQLite's LIKE compares case-sensitively."""
    return all(c.isascii() or (c.lower() == c and c.upper() == c) for c in text)


def _contains(column: Any, needle: str, dialect: str) -> Any:
    """``column`` contains ``needle`` (LIKE wildcards in it escaped), case-insensitively, with what
    the database does natively: PostgreSQL's ILIKE; SQLite's built-in LIKE, which folds ASCII case
    (wrapping the column in ``lower()`` would call our Python ``lower()`` per row, ~7x slower), or
    ``lower()`` on both sides when the needle has a cased non-ASCII letter. (The one difference left
    on SQLite: 'k'/'i' no longer find the Kelvin sign 'K' / dotted 'İ', whose lower case is ASCII.)"""
    if dialect == "postgresql":
        return column.ilike(f"%{_like_escape(needle)}%", escape="\\")
    if dialect == "sqlite" and _ascii_folds_enough(needle):
        return column.like(f"%{_like_escape(needle)}%", escape="\\")
    return func.lower(column).like(f"%{_like_escape(needle.lower())}%", escape="\\")


class RecordTitles:
    """The titles of records as one reader (the store's user and language) sees them."""

    def __init__(self, store: RecordStore) -> None:
        self.store = store
        self._known: dict[tuple[str, int], str] = {}

    @classmethod
    def for_store(cls, store: RecordStore) -> "RecordTitles":
        """The titles reader kept on ``store`` (a request's pages share what it has read)."""
        found = store.__dict__.get("_rb_titles")
        if found is None:
            found = store.__dict__["_rb_titles"] = cls(store)
        return found

    # -- public --------------------------------------------------------------------
    def of(self, type_name: str, ids: Iterable[int]) -> dict[int, str]:
        """The titles of the live records ``ids`` of a type the reader may read (one query);
        a missing, trashed or unreadable record is left out (callers show it as ``#id``)."""
        return self._of(type_name, ids, 0)

    def text(self, type_name: str, record_id: int) -> str:
        """One record's title, or ``#id`` when the reader has none for it."""
        return self.of(type_name, [record_id]).get(record_id, f"#{record_id}")

    def of_pairs(self, pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
        """Titles of records of several types, as ``{(type, id): title}`` (one query per type)."""
        by_type: dict[str, set[int]] = {}
        for type_name, rid in pairs:
            if type_name and rid is not None:
                by_type.setdefault(type_name, set()).add(int(rid))
        return {(type_name, rid): title for type_name, ids in by_type.items()
                for rid, title in self.of(type_name, ids).items()}

    def of_records(self, records: list[Record]) -> dict[int, str]:
        """Titles of records already read (of one type; no query but for the targets of links
        the title shows)."""
        if not records:
            return {}
        visible = self._visible(records[0].type_name)
        if visible is None:
            return {}
        parts = title_parts(visible)
        rows = [(r.id, [r.values.get(p.name) if not p.ftype.system_column else getattr(r, p.ftype.system_column,
                         r.values.get(p.name)) for p in parts if isinstance(p, FieldDef)]) for r in records]
        return self._format(visible, parts, rows, 0, converted=True)

    def search(self, type_name: str, text: str, *, limit: int = 20, filter: Optional[dict] = None,
               after: Optional[int] = None) -> list[tuple[int, str]]:
        """Type-ahead for link pickers: up to ``limit`` (id, title) of the records the reader may read
        (under ``filter``, our filter language) whose title's text fields (or a linked record's
        title text) contain ``text``, case-insensitively, or whose id is ``text``; by id, after
        ``after``. One bounded query, walking the id index (plus the titles of linked records)."""
        enforce.require(self.store, "read", type_name)
        typedef = self.store.type(type_name)
        visible = self._visible(type_name)
        parts = title_parts(visible) if visible is not None else []
        fields = [p for p in parts if isinstance(p, FieldDef)]
        t = typedef.table
        stmt = select(t.c.id, *[visible.column(f) for f in fields]).where(t.c.deleted_at.is_(None))
        stmt = self.store._readable(stmt, typedef, filter)
        needle = (text or "").replace("\x00", "").strip()
        if needle:
            stmt = stmt.where(self._match(visible, fields, needle))
        if after is not None:
            stmt = stmt.where(t.c.id > int(after))
        stmt = stmt.order_by(t.c.id).limit(max(1, min(int(limit), MAX_SEARCH)))
        rows = [(row[0], list(row[1:])) for row in self.store.session.execute(stmt)]
        titles = self._format(visible, parts, rows, 0)
        return [(rid, titles[rid]) for rid, _values in rows]

    # -- reading -------------------------------------------------------------------
    def _visible(self, type_name: str) -> Optional[TypeDef]:
        store = self.store
        if type_name not in store.schema.types or not store.can("read", type_name):
            return None
        return store.visible_type(type_name)

    def _of(self, type_name: str, ids: Iterable[int], depth: int) -> dict[int, str]:
        wanted = sorted({int(i) for i in ids if i is not None})
        out = {i: self._known[(type_name, i)] for i in wanted if (type_name, i) in self._known}
        todo = [i for i in wanted if i not in out]
        visible = self._visible(type_name) if todo else None
        if visible is None:
            return out
        typedef = self.store.type(type_name)
        parts = title_parts(visible)
        fields = [p for p in parts if isinstance(p, FieldDef)]
        t = typedef.table
        stmt = select(t.c.id, *[visible.column(f) for f in fields]).where(t.c.id.in_(todo), t.c.deleted_at.is_(None))
        stmt = self.store._readable(stmt, typedef, None)
        rows = [(row[0], list(row[1:])) for row in self.store.session.execute(stmt)]
        found = self._format(visible, parts, rows, depth)
        for rid, title in found.items():
            self._known[(type_name, rid)] = title
        out.update(found)
        return out

    def _match(self, visible: TypeDef, fields: list[FieldDef], needle: str) -> Any:
        dialect = self.store.session.get_bind().dialect.name
        conds = []
        for f in fields:
            col = visible.column(f)
            if f.field_type == "link":
                target = self.store.schema.types.get(f.options.get("target", ""))
                tvis = self._visible(target.name) if target is not None else None
                if tvis is None:
                    continue
                tfields = [p for p in title_parts(tvis) if isinstance(p, FieldDef)
                           and p.ftype.searchable and p.field_type != "link"]
                if tfields:  # the linked record's title text (the target's own row conditions apply)
                    tt = target.table
                    sub = select(tt.c.id).where(or_(*[_contains(tvis.column(p), needle, dialect)
                                                      for p in tfields]), tt.c.deleted_at.is_(None))
                    conds.append(col.in_(self.store._readable(sub, target, None)))
            elif f.ftype.searchable:
                conds.append(_contains(col, needle, dialect))
        rid = as_id(needle)
        if rid is not None:
            conds.append(visible.table.c.id == rid)
        return or_(*conds) if conds else false()

    # -- formatting ----------------------------------------------------------------
    def _format(self, visible: TypeDef, parts: list[Union[str, FieldDef, None]], rows: list[tuple[int, list]],
                depth: int, converted: bool = False) -> dict[int, str]:
        """``{id: title}`` of rows given as (id, the raw values of the title's fields in order)."""
        store, ctx = self.store, self.store.ctx
        fields = [p for p in parts if isinstance(p, FieldDef)]
        values: list[tuple[int, list]] = []
        links: dict[str, set[int]] = {}
        users: set[int] = set()
        for rid, raw in rows:
            vals = []
            for f, v in zip(fields, raw):
                if not converted and not f.ftype.system_column:
                    v = f.ftype.from_db(v, f)
                vals.append(v)
                if v is None:
                    continue
                if f.field_type == "link":
                    links.setdefault(f.options.get("target", ""), set()).add(int(v))
                elif f.field_type in ("user", "created_by", "updated_by"):
                    users.add(int(v))
            values.append((rid, vals))
        if users:
            store.prefetch_users(users)
        linked = {target: (self._of(target, ids, depth + 1) if depth < MAX_DEPTH else {})
                  for target, ids in links.items()}
        label = visible.display_label(store.lang)
        out: dict[int, str] = {}
        for rid, vals in values:
            texts = iter(vals)
            pieces, empty, shown = [], False, False
            for p in parts:
                if isinstance(p, str):
                    pieces.append(p)
                    continue
                if p is None:  # a field the reader cannot see
                    empty = True
                    continue
                v = next(texts)
                if v is None or v == "" or v == []:
                    s = ""
                elif p.field_type == "link":
                    s = linked.get(p.options.get("target", ""), {}).get(int(v), f"#{v}")
                else:
                    s = p.ftype.format(v, p, ctx)
                empty = empty or not s
                shown = shown or bool(s.strip())
                pieces.append(s)
            title = "".join(pieces) if shown else ""
            if empty:
                title = _tidy(title)
            out[rid] = title.strip() or f"{label} #{rid}"
        return out
