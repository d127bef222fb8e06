"""The comment count in a record type's export: a last column "Comments" (评论数), present when the type
has comments at all (so an export of a type without any reads as before), filled per page by one
``GROUP BY`` query on ``rb_comment``."""
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
