"""Comments in pack sample data: a sample record's ``"@comments": ["text", ...]`` become its
conversation, written as the installing user (no notifications: sample text mentions nobody real);
a pack exported with its records carries each record's comments the same way (:func:`sample_comments`)."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import utcnow
from .models import Comment
from .service import MAX_BODY


def add_sample_comments(session: Session, typedef: Any, record_id: int, bodies: list, user_id: Optional[int]) -> int:
    n = 0
    for body in bodies:
        text = str(body or "").strip()[:MAX_BODY]
        if text:
            session.add(Comment(type_id=typedef.id, type_name=typedef.name, record_id=record_id, user_id=user_id,
                                body=text, mentions=[], created_at=utcnow()))
            n += 1
    return n


#: at most this many comments of a record travel in a pack (the pack schema's limit), the first ones
MAX_PER_RECORD = 50


def sample_comments(session: Session, typedef: Any, record_ids: list[int]) -> dict[int, list[str]]:
    """The comments of ``record_ids`` (of ``typedef``) as sample data: ``{record id: [text, ...]}``, oldest first."""
    out: dict[int, list[str]] = {}
    if not record_ids:
        return out
    for start in range(0, len(record_ids), 500):
        chunk = record_ids[start:start + 500]
        rows = session.execute(select(Comment.record_id, Comment.body).where(
            Comment.type_id == typedef.id, Comment.record_id.in_(chunk)).order_by(Comment.id))
        for rid, body in rows:
            bodies = out.setdefault(rid, [])
            if len(bodies) < MAX_PER_RECORD and (body or "").strip():
                bodies.append(body[:MAX_BODY])
    return out
