"""Automation in the admin: the rule list and rule builder, run history (per rule, per record, all)
with retry, "run on this record" (and its dry run).

Self-contained: :func:`register_automation` adds the rule views and the notification inbox
(:mod:`.inbox`) to the admin (one line in ``init_admin``); templates live in ``templates/rules/``.
The builder form's translation to and from rule JSON is in :mod:`.rule_form`. Every change goes
through the same services as the API (:class:`~recordbase.automation.rules.RuleService`, the rule
engine), so the validation errors shown here are the API's, with their JSON paths.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.menu import MenuView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..automation.conditions import CHANGE_OPS
from ..automation.engine import RuleEngine, run_json
from ..automation.models import Rule, RuleRun
from ..automation.outbox import retry_run
from ..automation.rules import RuleService, rule_from_model, rule_json
from ..automation.schema import TRIGGERS, RuleError
from ..context import current_lang, current_schema, current_user, db_session, record_store
from ..errors import RecordbaseError
from ..metamodel.ids import as_id
from ..metamodel.operators import OPERATORS
from .access import BUILDER_ROLES, SignedInOnly
from .inbox import InboxMenuView, InboxView
from .rule_form import ACTION_EXAMPLES, CONDITION_ROWS, form_state, rule_from_form


def _can_edit() -> bool:
    user = current_user()
    return user is not None and user.role in BUILDER_ROLES


def _require_editor() -> None:
    if not _can_edit():
        abort(403)


def trigger_summary(trigger: dict, lang: str = "en") -> str:
    on = (trigger or {}).get("on", "")
    if on == "record_updated" and trigger.get("fields"):
        return f"{on} ({', '.join(trigger['fields'])})"
    if on == "schedule":
        return f"schedule {trigger.get('cron')} {trigger.get('timezone') or ''}".strip()
    if on == "date_relative":
        days = trigger.get("offset_days", 0)
        return f"date_relative {trigger.get('date_field')} {'+' if days >= 0 else ''}{days}d {trigger.get('at') or '09:00'}"
    return on


def _service() -> RuleService:
    return RuleService(db_session(), current_schema(), record_store().ctx)


class RulesView(SignedInOnly, BaseView):
    """``/admin/rules/``: the rules, the builder, run history and manual runs."""

    def __init__(self) -> None:
        super().__init__(name=_l("Automation"), endpoint="rules", url="/admin/rules")

    def _render(self, template: str, **kw: Any):
        schema = current_schema()
        return self.render(template, lang=current_lang(), can_edit=_can_edit(), schema=schema,
                           trigger_summary=trigger_summary, **kw)

    @expose("/")
    def index(self):
        session = db_session()
        rules = _service().list(request.args.get("type") or None)
        last = {}
        for rule in rules:
            run = session.scalars(select(RuleRun).where(RuleRun.rule_id == rule.id, RuleRun.dry_run.is_(False))
                                  .order_by(RuleRun.started_at.desc(), RuleRun.id.desc()).limit(1)).first()
            last[rule.id] = run
        return self._render("rules/index.html", rules=[rule_json(r) for r in rules], last=last)

    def _builder(self, rule_id: Optional[int]):
        model = _service().get(rule_id) if rule_id else None
        errors: list[dict] = []
        if request.method == "POST":
            _require_editor()
            data, state, errors = rule_from_form(request.form)
            if not errors:
                try:
                    svc = _service()
                    saved = svc.update(rule_id, data) if rule_id else svc.create(data, current_user().id)
                    db_session().commit()
                    flash(_("The rule “%(name)s” was saved.", name=saved.name), "success")
                    return redirect(url_for(".index"))
                except RuleError as exc:
                    db_session().rollback()
                    errors = exc.problems
                except RecordbaseError as exc:
                    db_session().rollback()
                    errors = [{"path": "$", "message": exc.message}]
        else:
            state = form_state(rule_json(model) if model else None)
            if model is None and request.args.get("type"):
                state["type"] = request.args["type"]
        while len(state["rows"]) < CONDITION_ROWS:
            state["rows"].append({"field": "", "op": "eq", "value": ""})
        operators = sorted(OPERATORS) + list(CHANGE_OPS)
        return self._render("rules/edit.html", rule=model, state=state, errors=errors, triggers=TRIGGERS,
                            operators=operators, examples=json.dumps(ACTION_EXAMPLES, ensure_ascii=False, indent=2))

    @expose("/new/", methods=("GET", "POST"))
    def create(self):
        return self._builder(None)

    @expose("/<int:rule_id>/edit/", methods=("GET", "POST"))
    def edit(self, rule_id: int):
        return self._builder(rule_id)

    @expose("/<int:rule_id>/toggle/", methods=("POST",))
    def toggle(self, rule_id: int):
        _require_editor()
        svc = _service()
        model = svc.get(rule_id)
        try:
            svc.update(rule_id, {"enabled": not model.enabled})
            db_session().commit()
        except RuleError as exc:
            db_session().rollback()
            flash(exc.message, "error")
        return redirect(url_for(".index"))

    @expose("/<int:rule_id>/delete/", methods=("POST",))
    def delete(self, rule_id: int):
        _require_editor()
        _service().delete(rule_id)
        db_session().commit()
        flash(_("The rule was deleted."), "success")
        return redirect(url_for(".index"))

    # -- run history -----------------------------------------------------------------------
    def _runs(self, rule: Optional[Rule]):
        stmt = select(RuleRun).where(RuleRun.dry_run.is_(False))
        filters = {k: request.args.get(k, "").strip() for k in ("status", "type", "record_id", "rule_id")}
        if rule is not None:
            stmt = stmt.where(RuleRun.rule_id == rule.id)
        elif as_id(filters["rule_id"]) is not None:
            stmt = stmt.where(RuleRun.rule_id == as_id(filters["rule_id"]))
        if filters["status"] in ("pending", "succeeded", "failed"):
            stmt = stmt.where(RuleRun.status == filters["status"])
        if filters["type"]:
            stmt = stmt.where(RuleRun.type_name == filters["type"])
        if as_id(filters["record_id"]) is not None:
            stmt = stmt.where(RuleRun.record_id == as_id(filters["record_id"]))
        runs = db_session().scalars(stmt.order_by(RuleRun.started_at.desc(), RuleRun.id.desc()).limit(200)).all()
        names = dict(db_session().execute(select(Rule.id, Rule.name)).all())
        return self._render("rules/runs.html", rule=rule, runs=[run_json(r) for r in runs], names=names,
                            filters=filters)

    @expose("/runs/")
    def runs(self):
        return self._runs(None)

    @expose("/<int:rule_id>/runs/")
    def rule_runs(self, rule_id: int):
        return self._runs(_service().get(rule_id))

    @expose("/runs/<int:run_id>/retry/", methods=("POST",))
    def retry(self, run_id: int):
        session = db_session()
        if session.get(RuleRun, run_id) is None:
            abort(404)
        if retry_run(session, run_id):
            session.commit()
            flash(_("The failed steps were queued again."), "success")
        else:
            flash(_("This run has nothing to retry."), "error")
        return redirect(request.form.get("next") or url_for(".runs"))

    # -- run on one record (the button on a record's page) ------------------------------------
    @expose("/<int:rule_id>/run/", methods=("POST",))
    def run(self, rule_id: int):
        model = _service().get(rule_id)
        record_id = request.form.get("record_id", "")
        dry_run = request.form.get("dry_run") == "1"
        back = url_for("records.details_view", type_name=model.type_name, id=record_id) if as_id(record_id) \
            else url_for(".index")
        if not as_id(record_id):
            flash(_("Give a record id."), "error")
            return redirect(back)
        store = record_store()
        try:
            rule = rule_from_model(model, store.schema, store.ctx)
            engine = RuleEngine(store)
            store.rule_engine = engine
            run, matched = engine.run_on_record(rule, int(record_id), trigger="button" if rule.on == "button"
                                                else "manual", dry_run=dry_run)
            if dry_run:
                db_session().rollback()
                return self._render("rules/dry_run.html", rule=rule_json(model), run=run, matched=matched,
                                    record_id=int(record_id), back=back)
            if run is None:
                flash(_("The record does not match the rule's condition."), "error")
                return redirect(back)
            db_session().commit()
            flash(_("The rule “%(name)s” ran: %(status)s.", name=model.name, status=run.status), "success")
        except RecordbaseError as exc:
            db_session().rollback()
            flash(exc.message, "error")
        return redirect(back)


def register_automation(admin) -> None:
    """Add the automation views to ``admin`` (call once, from ``init_admin``)."""
    admin.add_view(RulesView())
    inbox = InboxView()
    admin.add_view(inbox)
    item = getattr(inbox, "menu", None)  # Flask-Admin's MenuView for the view
    if isinstance(item, MenuView):
        base = item.name
        item.__class__ = InboxMenuView
        item.name = base
    app = admin.app
    if app is not None:
        app.jinja_env.globals.setdefault("rb_record_rules", record_rules)


def record_rules(type_name: str, record_id: int) -> dict:
    """For a record's details page: its button rules (to run) and its latest runs."""
    session = db_session()
    buttons = session.scalars(select(Rule).where(Rule.type_name == type_name, Rule.enabled.is_(True))
                              .order_by(Rule.id)).all()
    runs = session.scalars(select(RuleRun).where(RuleRun.type_name == type_name, RuleRun.record_id == record_id,
                                                 RuleRun.dry_run.is_(False))
                           .order_by(RuleRun.started_at.desc(), RuleRun.id.desc()).limit(20)).all()
    names = {r.id: r.name for r in buttons}
    return {"buttons": [r for r in buttons if r.trigger == "button"], "rules": buttons,
            "runs": [run_json(r) for r in runs], "names": names, "can_run": current_user() is not None}
