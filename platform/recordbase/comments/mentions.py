"""@mentions reaching the inbox: who is mentioned, whether they may read the record, the notification,
and — when e-mail is configured (``RECORDBASE_SMTP_HOST``) — one e-mail through the automation outbox
(:func:`~recordbase.automation.outbox.queue_email`: the same worker, retries and record as the rules').

Kept apart from :mod:`.service` because it builds each mentioned user's own policy (their rights,
not the author's, decide whether they may be told about the record, by inbox or by e-mail).
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import func, select

from ..access import enforce
from ..access.policy import Policy
from ..automation.models import Notification
from ..automation.outbox import queue_email
from ..automation.settings import smtp_configured
from ..models import User
from ..storage import RecordStore
from .models import Comment

EXCERPT = 200


def _reader_store(store: RecordStore, user: User, type_name: str, record_id: int) -> Optional[RecordStore]:
    """A store as ``user`` sees the records, when they may read this one; else None."""
    policy = Policy.for_user(store.session, user)
    if not policy.can("read", type_name):
        return None
    theirs = RecordStore(store.session, store.schema, user_id=user.id, timezone_name=store.timezone,
                         lang=store.lang, policy=policy)
    theirs.rule_engine = None
    return theirs if record_id in enforce.in_rows(theirs, theirs.type(type_name), "read", [record_id]) else None


def _excerpt(body: str) -> str:
    one_line = " ".join(body.split())
    return one_line if len(one_line) <= EXCERPT else one_line[:EXCERPT - 1] + "…"


def notify_mentions(store: RecordStore, comment: Comment, record: Any, emails: list[str], skip: set) -> list[int]:
    """Notify the active users ``emails`` name who may read the record; the ids of those notified."""
    session = store.session
    users = session.scalars(select(User).where(func.lower(User.email).in_(emails), User.is_active.is_(True))).all()
    if not users:
        return []
    author = session.get(User, store.user_id) if store.user_id is not None else None
    who = (author.display_name or author.email) if author else "?"
    typedef = store.type(comment.type_name)
    text = _excerpt(comment.body)
    notified = []
    mail = smtp_configured()
    for user in users:
        theirs = None if user.id in skip else _reader_store(store, user, typedef.name, record.id)
        if theirs is None:
            continue
        title = theirs.title(record)  # as they see it: a title field hidden from them is not told
        about = (f"{who} mentioned you on {typedef.label} “{title}”",
                 f"{who} 在{typedef.label_zh or typedef.label}「{title}」的评论中提到了你")
        session.add(Notification(user_id=user.id, type_name=typedef.name, record_id=record.id,
                                 message=f"{about[0]}: {text}", message_zh=f"{about[1]}：{text}"))
        if mail and user.email:
            _email(session, user, typedef.name, record.id, about, comment.body)
        notified.append(user.id)
    return notified


def _email(session: Any, user: User, type_name: str, record_id: int, about: tuple[str, str], body: str) -> None:
    """The mention as an e-mail in the user's language: who mentioned them where, the comment, and a link
    to the record when there is a request to build it from."""
    subject = about[1] if (user.locale or "").startswith("zh") else about[0]
    link = _record_url(type_name, record_id)
    queue_email(session, user.email, subject, f"{subject}:\n\n{body}\n" + (f"\n{link}\n" if link else ""))


def _record_url(type_name: str, record_id: int) -> str:
    from flask import has_request_context, url_for

    if not has_request_context():
        return ""
    try:
        return url_for("records.details_view", type_name=type_name, id=record_id, _external=True)
    except Exception:  # noqa: BLE001 - no admin on this app: the e-mail goes without its link
        return ""
