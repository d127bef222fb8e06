"""What a workflow decision leaves behind: its row in the approval timeline
(``rb_workflow_decision``), an entry in the record's history (action ``workflow``, its
``changes`` under the key ``_workflow``), and notifications in the inbox (``rb_notification``)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Optional

from sqlalchemy import insert, select

from ..access.models import RecordHistory
from ..automation.models import Notification
from ..models import User, utcnow
from .models import WorkflowDecision

if TYPE_CHECKING:
    from ..storage import RecordStore

HISTORY_KEY = "_workflow"


def record(store: "RecordStore", type_name: str, record_id: int, kind: str, *, action: Optional[str] = None,
           from_state: Any = None, to_state: Any = None, step_id: Optional[int] = None, slot: Optional[int] = None,
           level: Optional[int] = None, on_behalf_of: Optional[int] = None, comment: Optional[str] = None) -> None:
    """One decision: the timeline row and the history entry, in the caller's transaction.

    The timeline row is inserted alone (its unique (step, slot) is what makes two approvers filling
    the same slot at once one decision, not two: the caller runs this in a savepoint)."""
    now = utcnow()
    store.session.execute(insert(WorkflowDecision).values(
        type_name=type_name, record_id=record_id, kind=kind, action=action, from_state=from_state,
        to_state=to_state, step_id=step_id, slot=slot, level=level, user_id=store.user_id,
        on_behalf_of=on_behalf_of, comment=comment, at=now))
    typedef = store.type(type_name)
    entry = {k: v for k, v in {"kind": kind, "action": action, "from": from_state, "to": to_state, "level": level,
                               "comment": comment, "on_behalf_of": _email(store, on_behalf_of)}.items()
             if v is not None}
    store.session.execute(insert(RecordHistory).values(
        type_id=typedef.id, type_name=type_name, record_id=record_id, action="workflow", user_id=store.user_id,
        actor=getattr(store, "actor", None), at=now, changes={HISTORY_KEY: entry}))


def _email(store: "RecordStore", uid: Optional[int]) -> Optional[str]:
    return store._user_email(uid) if uid is not None else None


def notify(store: "RecordStore", user_ids: Iterable[int], type_name: str, record_id: int, message: str,
           message_zh: str) -> None:
    """A notification to each user (never to the one acting)."""
    rows = [{"user_id": uid, "type_name": type_name, "record_id": record_id, "message": message,
             "message_zh": message_zh, "created_at": utcnow()}
            for uid in sorted(set(user_ids)) if uid is not None and uid != store.user_id]
    if rows:
        store.session.execute(insert(Notification), rows)


def timeline(session: Any, type_name: str, record_id: int) -> list[dict]:
    """A record's decisions, oldest first, with the users' e-mails."""
    rows = session.scalars(select(WorkflowDecision).where(WorkflowDecision.type_name == type_name,
                                                          WorkflowDecision.record_id == record_id)
                           .order_by(WorkflowDecision.id)).all()
    uids = {u for r in rows for u in (r.user_id, r.on_behalf_of) if u is not None}
    emails = dict(session.execute(select(User.id, User.email).where(User.id.in_(uids))).tuples().all()) if uids else {}
    return [{"kind": r.kind, "action": r.action, "from": r.from_state, "to": r.to_state, "level": r.level,
             "user": emails.get(r.user_id), "on_behalf_of": emails.get(r.on_behalf_of), "comment": r.comment,
             "at": r.at} for r in rows]
