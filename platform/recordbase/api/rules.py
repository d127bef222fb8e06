"""Automation rules over the API (design §9): ``/api/v1/rules``, their runs, and the notification inbox.

- ``GET/POST /rules``, ``GET/PATCH/DELETE /rules/<id>`` — rules as JSON; a bad rule is a 422
  whose ``details`` give the first failing JSON path and every problem (``path``, ``message``).
- ``GET /rules/<id>/runs`` — the rule's run history, newest first (``?status=&record_id=&limit=``).
- ``POST /rules/<id>/run`` ``{"record_id": N, "dry_run": false}`` — run it now on one record
  (button rules; any rule for a test). ``dry_run`` shows what each action would do, undone.
- ``GET /runs?type=&record_id=&status=&rule_id=`` — runs of every rule (a record's history);
  ``GET /runs/<id>``; ``POST /runs/<id>/retry`` re-queues a run's failed webhooks and e-mails.
- ``GET /notifications`` — the caller's inbox (``?unread=1``) with the unread count;
  ``POST /notifications/<id>/read``, ``POST /notifications/read`` (``{"ids": [...]}`` or all),
  ``PATCH /notifications/<id>`` ``{"read": true|false}``.

Rules and runs are for whoever may configure the rule's record type (builders and owners; a custom
role per type): :mod:`recordbase.automation.visibility` decides, here and in the admin. Running a
button rule takes the right to change that record; a dry run, configure. Webhook secrets are
write-only (:mod:`recordbase.automation.secrets`).
"""
from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import func, select, update

from ..automation.engine import RuleEngine, run_json
from ..automation.models import Notification, RuleRun
from ..automation.outbox import retry_run
from ..automation.rules import RuleService, rule_from_model, rule_json
from ..automation.schema import RuleError
from ..automation.visibility import AutomationAccess
from ..context import current_schema, db_session, record_store
from ..errors import Conflict, NotFound, ValidationError
from ..models import iso_utc, utcnow
from .blueprint import bp, commit, json_body, query_flag, query_int


def _service() -> RuleService:
    return RuleService(db_session(), current_schema(), record_store().ctx)


def _access() -> AutomationAccess:
    """The caller's view of rules and runs (:mod:`recordbase.automation.visibility`); 403 for a caller
    who configures no record type at all."""
    from ..access import current_policy

    access = AutomationAccess(current_policy(), record_store())
    access.require_any()
    return access


def _compiled(access: AutomationAccess, rule) -> None:
    """403 (nothing is committed) unless the caller configures every type the saved rule touches."""
    store = access.store
    access.require_manage_rule(rule_from_model(rule, current_schema(), store.ctx))


def _rule(access: AutomationAccess, rule_id: int):
    return access.rule(_service().get(rule_id))


@bp.get("/rules")
def list_rules():
    access = _access()
    rules = access.rules(_service().list(request.args.get("type") or None))
    return jsonify({"rules": [rule_json(r) for r in rules]})


@bp.post("/rules")
def create_rule():
    access = _access()
    body = json_body()
    name = body.get("type") if isinstance(body.get("type"), str) else None
    if name and not access.sees(name) and not (access.policy and access.policy.can("read", name)):
        raise RuleError([{"path": "$.type", "message": f"no record type named '{name}'"}])  # as if it did not exist
    if name:
        access.require_manage(name)
    rule = _service().create(body, g.rb_user.id)
    _compiled(access, rule)
    commit()
    return jsonify(rule_json(rule)), 201


@bp.get("/rules/<int:rule_id>")
def get_rule(rule_id: int):
    return jsonify(rule_json(_rule(_access(), rule_id)))


@bp.patch("/rules/<int:rule_id>")
def update_rule(rule_id: int):
    access = _access()
    access.require_manage(_rule(access, rule_id).type_name)
    rule = _service().update(rule_id, json_body())
    _compiled(access, rule)
    commit()
    return jsonify(rule_json(rule))


@bp.delete("/rules/<int:rule_id>")
def delete_rule(rule_id: int):
    access = _access()
    access.require_manage(_rule(access, rule_id).type_name)
    _service().delete(rule_id)
    commit()
    return jsonify({"id": rule_id, "deleted": True})


def _runs_query(access: AutomationAccess, rule_id=None):
    stmt = select(RuleRun).where(RuleRun.dry_run.is_(False))
    types = access.visible_types()
    if types is not None:
        stmt = stmt.where(RuleRun.type_name.in_(types))
    if rule_id is not None:
        stmt = stmt.where(RuleRun.rule_id == rule_id)
    elif request.args.get("rule_id"):
        stmt = stmt.where(RuleRun.rule_id == query_int("rule_id", None, 1))
    status = request.args.get("status")
    if status:
        if status not in ("pending", "succeeded", "failed"):
            raise ValidationError("'status' must be pending, succeeded or failed", {"status": ["unknown status"]})
        stmt = stmt.where(RuleRun.status == status)
    if request.args.get("type"):
        stmt = stmt.where(RuleRun.type_name == request.args["type"])
    rid = query_int("record_id", None, 1)
    if rid is not None:
        stmt = stmt.where(RuleRun.record_id == rid)
    limit = query_int("limit", 50, 1, 500)
    return stmt.order_by(RuleRun.started_at.desc(), RuleRun.id.desc()).limit(limit)


def _runs_json(access: AutomationAccess, stmt) -> list[dict]:
    runs = access.visible_runs(db_session().scalars(stmt).all())
    return [access.run_view(run_json(r)) for r in runs]


@bp.get("/rules/<int:rule_id>/runs")
def rule_runs(rule_id: int):
    access = _access()
    _rule(access, rule_id)
    return jsonify({"runs": _runs_json(access, _runs_query(access, rule_id))})


@bp.post("/rules/<int:rule_id>/run")
def run_rule(rule_id: int):
    from ..access import current_policy

    body = json_body(allowed=("record_id", "dry_run"))
    rid = body.get("record_id")
    if isinstance(rid, bool) or not isinstance(rid, int) or rid < 1:
        raise ValidationError("'record_id' must be the id of a record of the rule's type", {"record_id": ["is required"]})
    dry_run = bool(body.get("dry_run", False))
    store = record_store()
    access = AutomationAccess(current_policy(), store)
    model = _service().get(rule_id)
    access.runnable(model)
    access.require_run(model.type_name, rid, dry_run)
    try:
        rule = rule_from_model(model, store.schema, store.ctx)
    except RuleError as exc:
        raise Conflict(f"The rule cannot run: {exc.message}", exc.details) from None
    if not model.enabled and not dry_run:
        raise Conflict("The rule is disabled; enable it first (or use dry_run)", {"enabled": False})
    engine = RuleEngine(store)
    store.rule_engine = engine
    run, matched = engine.run_on_record(rule, rid, trigger="button" if rule.on == "button" else "manual",
                                        dry_run=dry_run)
    if dry_run:
        return jsonify({"dry_run": True, "condition_matched": matched, "run": access.run_view(run)}), 200
    if run is None:
        raise Conflict(f"Record {rid} does not match the rule's condition", {"condition_matched": False},)
    commit()
    return jsonify(access.run_view(run_json(run))), 201


@bp.get("/runs")
def list_runs():
    access = _access()
    return jsonify({"runs": _runs_json(access, _runs_query(access))})


@bp.get("/runs/<int:run_id>")
def get_run(run_id: int):
    access = _access()
    run = access.run(db_session().get(RuleRun, run_id), run_id)
    return jsonify(access.run_view(run_json(run)))


@bp.post("/runs/<int:run_id>/retry")
def retry(run_id: int):
    access = _access()
    session = db_session()
    run = access.run(session.get(RuleRun, run_id), run_id)
    access.require_manage(run.type_name)
    ids = retry_run(session, run_id)
    if not ids:
        raise Conflict("This run has no failed webhook or e-mail to retry")
    commit()
    return jsonify(access.run_view(run_json(session.get(RuleRun, run_id))))


# -- the inbox ------------------------------------------------------------------------------
def notification_json(n: Notification) -> dict:
    return {"id": n.id, "message": n.message, "message_zh": n.message_zh, "rule_id": n.rule_id, "run_id": n.run_id,
            "type": n.type_name, "record_id": n.record_id, "created_at": iso_utc(n.created_at),
            "read": n.read_at is not None, "read_at": iso_utc(n.read_at)}


def unread_count(session, user_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(Notification)
                              .where(Notification.user_id == user_id, Notification.read_at.is_(None))) or 0)


@bp.get("/notifications")
def notifications():
    session = db_session()
    uid = g.rb_user.id
    stmt = select(Notification).where(Notification.user_id == uid)
    if query_flag("unread"):
        stmt = stmt.where(Notification.read_at.is_(None))
    rows = session.scalars(stmt.order_by(Notification.created_at.desc(), Notification.id.desc())
                           .limit(query_int("limit", 50, 1, 500))).all()
    return jsonify({"notifications": [notification_json(n) for n in rows], "unread": unread_count(session, uid)})


def _mark(ids, read: bool = True) -> int:
    stmt = update(Notification).where(Notification.user_id == g.rb_user.id)
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    stmt = stmt.where(Notification.read_at.is_(None) if read else Notification.read_at.isnot(None))
    return db_session().execute(stmt.values(read_at=utcnow() if read else None)).rowcount


def _own(notification_id: int) -> Notification:
    n = db_session().get(Notification, notification_id)
    if n is None or n.user_id != g.rb_user.id:
        raise NotFound(f"No notification with id {notification_id}", {"id": notification_id})
    return n


@bp.post("/notifications/<int:notification_id>/read")
def read_notification(notification_id: int):
    n = _own(notification_id)
    _mark([n.id])
    commit()
    return jsonify(notification_json(_own(notification_id)) | {"unread": unread_count(db_session(), g.rb_user.id)})


@bp.patch("/notifications/<int:notification_id>")
def patch_notification(notification_id: int):
    body = json_body(allowed=("read",))
    if not isinstance(body.get("read"), bool):
        raise ValidationError("'read' must be true or false", {"read": ["must be a boolean"]})
    n = _own(notification_id)
    _mark([n.id], body["read"])
    commit()
    db_session().refresh(n)
    return jsonify(notification_json(n))


#: the body of ``POST /notifications/read`` (the OpenAPI document shows this schema)
MARK_READ_SCHEMA = {"type": "object", "additionalProperties": False, "properties": {"ids": {
    "type": ["array", "null"], "maxItems": 1000, "items": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}}}


@bp.post("/notifications/read")
def read_all():
    raw = request.get_data(cache=True)
    ids = None
    if raw and raw.strip():
        ids = json_body(schema=MARK_READ_SCHEMA).get("ids")  # ids are whole numbers, never true/false
    marked = _mark(ids)
    commit()
    return jsonify({"marked": marked, "unread": unread_count(db_session(), g.rb_user.id)})
