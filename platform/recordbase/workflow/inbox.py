""""My approvals": the steps waiting for a user's decision — as an approver, or as the substitute
of an approver whose delegation covers today — with one query for the page and one for the count
(the assignee index by user; never every step loaded into Python)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import and_, distinct, exists, func, or_, select

from ..metamodel.runtime import TypeDef
from .approvers import delegators, delegators_query
from .models import ApprovalAssignee, ApprovalStep, WorkflowDecision

if TYPE_CHECKING:
    from ..storage import RecordStore


def _waiting(user_id: int, acting_for: Any) -> Any:
    """Assignee rows of pending steps whose slot the user (or an approver they stand in for: a list
    of ids, or the ``SELECT`` of them) may still fill, on steps they have not decided: driven by the
    assignee index on (user, step)."""
    a = ApprovalAssignee
    d = WorkflowDecision
    taken = exists().where(d.step_id == a.step_id, or_(d.slot == a.slot, d.user_id == a.user_id,
                                                       d.on_behalf_of == a.user_id))
    me_decided = exists().where(d.step_id == a.step_id, or_(d.user_id == user_id, d.on_behalf_of == user_id))
    if isinstance(acting_for, list):
        return and_(a.user_id.in_([user_id] + acting_for), ApprovalStep.status == "pending", ~taken, ~me_decided)
    # (a statement of its own, without the join: the assignee's user index stays the one way in)
    pending = exists().where(ApprovalStep.id == a.step_id, ApprovalStep.status == "pending")
    return and_(or_(a.user_id == user_id, a.user_id.in_(acting_for)), pending, ~taken, ~me_decided)


def _condition(store: "RecordStore") -> Any:
    return _waiting(store.user_id, delegators(store.session, store.user_id, store.local_now().date()))


def _count(store: "RecordStore", cond: Any) -> int:
    a = ApprovalAssignee
    return store.session.scalar(select(func.count(distinct(a.step_id)))
                                .join(ApprovalStep, ApprovalStep.id == a.step_id).where(cond)) or 0


def count_for(store: "RecordStore") -> int:
    if store.user_id is None:
        return 0
    return _count(store, _condition(store))


def count_query(user_id: Any, today: Any) -> Any:
    """:func:`count_for` as one scalar subquery, the delegations read inside it (the menu asks its
    counts in one statement, built once with ``bindparam`` values: admin/menu_count.py)."""
    a = ApprovalAssignee
    cond = _waiting(user_id, delegators_query(user_id, today))
    return select(func.count(distinct(a.step_id))).where(cond).scalar_subquery()


def _titles(store: "RecordStore", type_name: str, ids: list[int]) -> dict[int, str]:
    """Each record's title (storage.titles: its title format or title field, one query per type, under
    the reader's policy); a record the reader has no title for shows as the type and its id."""
    from ..storage.titles import RecordTitles

    typedef: Optional[TypeDef] = store.schema.types.get(type_name)
    if typedef is None:
        return {}
    found = RecordTitles.for_store(store).of(type_name, ids)
    label = typedef.display_label(store.lang)
    return {rid: found.get(rid) or f"{label} #{rid}" for rid in ids}


def pending_for(store: "RecordStore", limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    """The page of steps waiting for the store's user (newest first) and their number."""
    if store.user_id is None:
        return [], 0
    cond = _condition(store)
    total = _count(store, cond)
    a = ApprovalAssignee
    # the page's step ids first, newest first along the assignee index (the limit stops the walk)
    page_ids = select(a.step_id).join(ApprovalStep, ApprovalStep.id == a.step_id).where(cond).distinct() \
        .order_by(a.step_id.desc()).limit(limit).offset(offset)
    steps = store.session.scalars(select(ApprovalStep).where(ApprovalStep.id.in_(page_ids))
                                  .order_by(ApprovalStep.id.desc())).all()
    by_type: dict[str, list[int]] = {}
    for s in steps:
        by_type.setdefault(s.type_name, []).append(s.record_id)
    titles = {}
    for type_name, ids in by_type.items():
        if store.can("read", type_name):
            titles[type_name] = _titles(store, type_name, ids)
    rows = []
    for s in steps:
        if s.type_name not in titles:
            continue  # a record type the user may not read
        typedef = store.schema.types.get(s.type_name)
        rows.append({"step_id": s.id, "type": s.type_name,
                     "type_label": typedef.display_label(store.lang) if typedef else s.type_name,
                     "record_id": s.record_id, "title": titles[s.type_name].get(s.record_id),
                     "state": s.state, "level": s.level, "required": s.required, "created_at": s.created_at,
                     "due_at": s.due_at})
    return rows, total
