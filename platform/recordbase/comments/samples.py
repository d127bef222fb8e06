"""Comments in pack sample data: a sample record's ``"@comments": ["text", ...]`` become its
conversation, written as the installing user (no notifications: sample text mentions nobody real)."""
from __future__ import annotations

from typing import Any, Optional

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
