"""The labels of an aggregate's group keys, in the store's language: a choice's label, a linked record's
title, a user's name, a checkbox's yes or no, a date bucket's label (:mod:`.date_buckets`), an empty
group's "(empty)". Looked up once per result (one query per link or user dimension), never per row.

A linked record's title comes from :class:`recordbase.storage.titles.RecordTitles` when it is there;
else from the target type's title field as the reader sees it, among the target records the reader may
read (a record they may not read, or a target type they may not read, shows as ``#id``).
"""
from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import select

from ..i18n import translate as _
from ..metamodel.fieldtypes.display import choice_label
from ..models import User
from . import date_buckets


class Labeller:
    """Keys and labels of the groups of one result, for its dimensions' sources."""

    def __init__(self, store: Any, sources: Sequence[Any], dimensions: Sequence[Any]) -> None:
        self.store = store
        self.sources = list(sources)
        self.dimensions = list(dimensions)

    def key(self, index: int, raw: Any) -> Any:
        """A stored group key as JSON: a bucket's ISO first day, a checkbox as a boolean."""
        kind = self.sources[index].kind
        if raw is None:
            return None
        if kind in ("date", "datetime"):
            return date_buckets.bucket_key(raw)
        if kind == "boolean":
            return bool(raw)
        if kind in ("user", "link"):
            return int(raw)
        return raw

    def labels(self, keys: list[tuple]) -> list[tuple]:
        """Each row's labels (``keys``: each row's keys, as :meth:`key` gives them)."""
        lookups = []
        for i, src in enumerate(self.sources):
            wanted = {k[i] for k in keys if k[i] is not None}
            lookups.append(self._lookup(i, src, wanted))
        return [tuple(self._label(i, k[i], lookups[i]) for i in range(len(self.sources))) for k in keys]

    def _lookup(self, index: int, src: Any, wanted: set) -> dict:
        if not wanted:
            return {}
        if src.kind == "user":
            rows = self.store.session.execute(select(User.id, User.display_name, User.email)
                                              .where(User.id.in_(sorted(wanted))))
            return {uid: name or email for uid, name, email in rows}
        if src.kind == "link":
            return link_titles(self.store, src.field.options.get("target", ""), sorted(wanted))
        return {}

    def _label(self, index: int, key: Any, lookup: dict) -> str:
        if key is None:
            return _("(empty)")
        src = self.sources[index]
        lang = self.store.lang or "en"
        if src.kind in ("date", "datetime"):
            return date_buckets.bucket_label(key, self.dimensions[index].bucket or "day", lang)
        if src.kind == "boolean":
            return _("Yes") if key else _("No")
        if src.kind == "single_select":
            field = src.field
            choices = field.derived_choices or field.ftype.choices_of(field) if hasattr(field.ftype, "choices_of") \
                else field.derived_choices
            for c in choices or ():
                if c["value"] == key:
                    return choice_label(c, lang)
            return str(key)
        if src.kind in ("user", "link"):
            return lookup.get(key) or f"#{key}"
        return str(key)


def link_titles(store: Any, target: str, ids: list[int]) -> dict[int, str]:
    """The titles of linked records the store's user may read (others left out)."""
    try:
        from .titles import RecordTitles  # the titles-grid helper's module, when merged
    except ImportError:
        RecordTitles = None
    if target not in store.schema.types or not store.can("read", target):
        return {}
    if RecordTitles is not None:
        return dict(RecordTitles(store).of(target, ids))
    typedef = store.type(target)
    visible = store.visible_type(target)
    tf = visible.title_field
    t = typedef.table
    if tf is None or not tf.ftype.has_column:
        return {}
    col = typedef.column(tf)
    stmt = select(t.c.id, col).where(t.c.id.in_(ids), t.c.deleted_at.is_(None))
    stmt = store._readable(stmt, typedef, None)
    out = {}
    for rid, value in store.session.execute(stmt):
        text = tf.ftype.format(tf.ftype.from_db(value, tf), tf, store.ctx)
        out[rid] = text or f"{visible.display_label(store.lang)} #{rid}"
    return out
