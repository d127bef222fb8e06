"""The comment count in a record type's export: a last column "Comments" (评论数), present when the type
has comments at all (so an export of a type without any reads as before), filled per page by one
``GROUP BY`` query on ``rb_comment``: in the API's and the CLI's exports (``dataio/exporters.py``) and
the admin list's (:class:`CommentCountExport`)."""
from __future__ import annotations

from typing import Any, Iterable, Optional

from sqlalchemy import func, select

from ..metamodel.fieldtypes import FieldDef
from ..metamodel.runtime import TypeDef
from .models import Comment

COLUMN = "_comments"


def comments_column(store: Any, typedef: TypeDef) -> Optional[FieldDef]:
    """The export's comment-count column, or None when no record of the type has a comment."""
    if store.session.scalar(select(Comment.id).where(Comment.type_id == typedef.id).limit(1)) is None:
        return None
    return FieldDef(id=0, type_id=typedef.id, name=COLUMN, label="Comments", label_zh="评论数", field_type="number")


def comment_counts(store: Any, typedef: TypeDef, record_ids: Iterable[int]) -> dict[int, int]:
    ids = list(record_ids)
    if not ids:
        return {}
    rows = store.session.execute(select(Comment.record_id, func.count()).where(
        Comment.type_id == typedef.id, Comment.record_id.in_(ids)).group_by(Comment.record_id))
    return {rid: n for rid, n in rows}


class CommentCountExport:
    """The admin list's CSV and XLSX exports end with the same count column as the API's and the CLI's.

    A mixin of the record views (``admin/records/delegate.py``). The delegate is shared by every request
    of its type, so nothing is stored on it per request: whether the column is there and the counts of
    the exported rows live on ``flask.g``; Flask-Admin's own column list is kept as it built it."""

    typedef: TypeDef
    lang: str

    @property
    def _export_columns(self) -> list:
        base = self.__dict__.get("_rb_export_columns", [])
        column = self._comments_column()
        return base + [(COLUMN, column.display_label(self.lang))] if column is not None else base

    @_export_columns.setter
    def _export_columns(self, value: list) -> None:
        self.__dict__["_rb_export_columns"] = value

    def _comments_column(self) -> Optional[FieldDef]:
        from flask import g, has_request_context

        if not has_request_context():
            return None
        cache = g.setdefault("rb_export_comments", {})
        if self.typedef.name not in cache:
            from ..admin.records.present import request_store

            cache[self.typedef.name] = comments_column(request_store(), self.typedef)
        return cache[self.typedef.name]

    def _export_data(self) -> tuple:
        from flask import g

        count, data = super()._export_data()  # type: ignore[misc]
        if self._comments_column() is not None:
            from ..admin.records.present import request_store

            g.rb_comment_counts = comment_counts(request_store(), self.typedef, [m.id for m in data])
        return count, data

    def get_export_value(self, model: Any, name: str) -> Any:
        if name == COLUMN:
            from flask import g

            return str(g.get("rb_comment_counts", {}).get(model.id, 0))
        return super().get_export_value(model, name)  # type: ignore[misc]
