"""A record's conversation: list, add, edit and delete comments, with @mentions.

Rights (documented in ``docs/comments.md``):

- **read**: whoever may read the record (its type's ``read`` action and its rows, through the record
  store's :meth:`get`: a record outside them is the same 404 as one that does not exist) reads its
  comments, the record in the trash included;
- **write** (add a comment): whoever may read the record, except through a read-only token or
  session policy (a comment changes no field, so a viewer may take part in the conversation, as a
  commenter does in Airtable; a read-only token promised to write nothing);
- **edit**: the comment's author only (while they may still read the record);
- **delete**: the author, or whoever may configure the record's type (moderation).

An ``@mention`` is ``@`` followed by a user's e-mail address (``@ana@example.com``). Each mentioned,
active user who may read the record gets an inbox notification (``rb_notification``), in the same
transaction as the comment; a mention of someone who may not read the record notifies nobody (the
comment's text would tell them about a record they cannot see). An edit notifies only users it
newly mentions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import Forbidden, NotFound, ValidationError
from ..i18n import translate as _
from ..metamodel.ids import as_id
from ..models import User, iso_utc, utcnow
from ..storage import RecordStore
from .models import Comment

MAX_BODY = 10_000
MAX_MENTIONS = 20
MENTION_RE = re.compile(r"(?<![\w.+-])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def mentioned_emails(body: str) -> list[str]:
    """The e-mail addresses ``body`` mentions, lower-cased, in order, each once."""
    return list(dict.fromkeys(m.group(1).rstrip(".").lower() for m in MENTION_RE.finditer(body or "")))


@dataclass
class CommentRef:
    """A comment and the record it belongs to (after the reader's rights were checked)."""

    comment: Comment
    record: Any


class Comments:
    """Comments as one reader (the store's user and policy) may see and write them."""

    def __init__(self, store: RecordStore) -> None:
        self.store = store
        self.session: Session = store.session

    # -- rights ---------------------------------------------------------------------------------
    def _record(self, type_name: str, record_id: Any) -> Any:
        return self.store.get(type_name, record_id, include_deleted=True)  # read rights and rows, or 404

    def may_write(self) -> bool:
        return self.store.user_id is not None and not (self.store.policy is not None and self.store.policy.read_only)

    def may_edit(self, c: Comment) -> bool:
        return self.may_write() and c.user_id == self.store.user_id

    def may_delete(self, c: Comment) -> bool:
        if not self.may_write():
            return False
        p = self.store.policy
        return c.user_id == self.store.user_id or p is None or p.can_configure(c.type_name)

    # -- reading ----------------------------------------------------------------------------------
    def list(self, type_name: str, record_id: Any, limit: int = 500) -> list[Comment]:
        record = self._record(type_name, record_id)
        typedef = self.store.type(type_name)
        return list(self.session.scalars(select(Comment).where(
            Comment.type_id == typedef.id, Comment.record_id == record.id).order_by(Comment.id).limit(limit)))

    def counts(self, type_name: str, record_ids: Iterable[int]) -> dict[int, int]:
        """Comments per record, for records the caller has already read (exports): one query."""
        ids = [i for i in record_ids if isinstance(i, int)]
        if not ids:
            return {}
        typedef = self.store.type(type_name)
        rows = self.session.execute(select(Comment.record_id, func.count()).where(
            Comment.type_id == typedef.id, Comment.record_id.in_(ids)).group_by(Comment.record_id))
        return {rid: n for rid, n in rows}

    def get(self, type_name: str, record_id: Any, comment_id: Any) -> CommentRef:
        record = self._record(type_name, record_id)
        typedef = self.store.type(type_name)
        cid = as_id(comment_id)
        c = self.session.get(Comment, cid) if cid is not None else None
        if c is None or c.type_id != typedef.id or c.record_id != record.id:
            raise NotFound(_("No such comment on this record"), {"comment": comment_id})
        return CommentRef(c, record)

    # -- writing ----------------------------------------------------------------------------------
    def _clean(self, body: Any) -> str:
        if not isinstance(body, str) or not body.strip():
            raise ValidationError(_("A comment cannot be empty."), {"body": [_("is required")]})
        body = body.strip()
        if len(body) > MAX_BODY:
            msg = _("A comment is at most %(n)s characters long.", n=MAX_BODY)
            raise ValidationError(msg, {"body": [msg]})
        return body

    def add(self, type_name: str, record_id: Any, body: Any) -> Comment:
        record = self._record(type_name, record_id)
        if not self.may_write():
            raise Forbidden(_("You may not comment here."), {"action": "comment", "type": type_name})
        text = self._clean(body)
        typedef = self.store.type(type_name)
        c = Comment(type_id=typedef.id, type_name=typedef.name, record_id=record.id, user_id=self.store.user_id,
                    body=text, mentions=[], created_at=utcnow())
        self.session.add(c)
        self.session.flush()
        c.mentions = self._notify(c, record, text, already=())
        self.session.flush()
        return c

    def edit(self, type_name: str, record_id: Any, comment_id: Any, body: Any) -> Comment:
        ref = self.get(type_name, record_id, comment_id)
        if not self.may_edit(ref.comment):
            raise Forbidden(_("Only its author may change a comment."), {"action": "edit", "comment": ref.comment.id})
        c = ref.comment
        c.body = self._clean(body)
        c.updated_at = utcnow()
        c.mentions = list(c.mentions or []) + self._notify(c, ref.record, c.body, already=tuple(c.mentions or ()))
        self.session.flush()
        return c

    def delete(self, type_name: str, record_id: Any, comment_id: Any) -> Comment:
        ref = self.get(type_name, record_id, comment_id)
        if not self.may_delete(ref.comment):
            raise Forbidden(_("Only its author may delete a comment."),
                            {"action": "delete", "comment": ref.comment.id})
        self.session.delete(ref.comment)
        self.session.flush()
        return ref.comment

    # -- mentions ---------------------------------------------------------------------------------
    def _notify(self, c: Comment, record: Any, body: str, already: tuple) -> list[int]:
        from .mentions import notify_mentions

        emails = mentioned_emails(body)[:MAX_MENTIONS]
        if not emails:
            return []
        return notify_mentions(self.store, c, record, emails, skip=set(already) | {self.store.user_id})

    # -- JSON -------------------------------------------------------------------------------------
    def to_json(self, c: Comment, authors: Optional[dict[int, User]] = None) -> dict:
        author = (authors or {}).get(c.user_id) if c.user_id is not None else None
        if author is None and c.user_id is not None and authors is None:
            author = self.session.get(User, c.user_id)
        return {"id": c.id, "body": c.body, "author": author.email if author else None,
                "author_name": (author.display_name or author.email) if author else None,
                "created_at": iso_utc(c.created_at), "updated_at": iso_utc(c.updated_at) if c.updated_at else None,
                "can_edit": self.may_edit(c), "can_delete": self.may_delete(c)}

    def authors(self, comments: Iterable[Comment]) -> dict[int, User]:
        ids = {c.user_id for c in comments if c.user_id is not None}
        if not ids:
            return {}
        return {u.id: u for u in self.session.scalars(select(User).where(User.id.in_(ids)))}
