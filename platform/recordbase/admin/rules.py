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
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .rule_labels import rule_name as rb_rule_name
from .rule_labels import run_status
from ..automation.engine import RuleEngine, run_json
from ..automation.models import Rule, RuleRun
from ..automation.outbox import retry_run
from ..automation.rules import RuleService, rule_from_model, rule_json
from ..automation.schema import RuleError
from ..automation.secrets import secrets_of
from ..automation.visibility import AutomationAccess
from ..context import current_lang, current_schema, current_user, db_session, record_store
from ..errors import Forbidden, NotFound, RecordbaseError
from ..metamodel.ids import as_id
from .access import BUILDER_ROLES, SignedInOnly
from ..storage.titles import RecordTitles
from .inbox import InboxMenuView, InboxView
from .menu_count import count_in_menu
from .conditions.rule_page import rule_page_context
from .records.present import request_store
from .rule_form import form_state, rule_from_document, rule_from_form
from .rule_steps import StepWords
from .rule_words import RuleWords


def _access() -> AutomationAccess:
    """The signed-in user's view of rules and runs (:mod:`recordbase.automation.visibility`)."""
    from ..access import current_policy

    return AutomationAccess(current_policy(), record_store())


def _can_edit() -> bool:
    """Does the user configure some record type (and so write rules of it)?"""
    types = _access().visible_types()
    return types is None or bool(types)


def _require_editor() -> AutomationAccess:
    access = _access()
    if not _can_edit():
        abort(403)
    return access


def _allowed(fn, *args: Any) -> Any:
    """``fn(*args)`` with the API's denials as the admin's: 404 (not found) and 403 (forbidden) pages."""
    try:
        return fn(*args)
    except NotFound:
        abort(404)
    except Forbidden:
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


def _shown_document(rule: Any) -> str:
    """The rule as the JSON tab shows it: never a webhook secret (not even one just typed)."""
    if not isinstance(rule, dict):
        return ""
    shown = {k: v for k, v in rule.items() if k not in ("id", "created_at", "updated_at", "created_by")}
    if isinstance(shown.get("actions"), list):
        shown["actions"] = [{k: v for k, v in a.items() if k != "secret"} if isinstance(a, dict) else a
                            for a in shown["actions"]]
    return json.dumps(shown, ensure_ascii=False, indent=2)


def _service() -> RuleService:
    return RuleService(db_session(), current_schema(), record_store().ctx)


class RulesView(SignedInOnly, BaseView):
    """``/admin/rules/``: the rules, the builder, run history and manual runs.

    Every page but the run of a button rule (any user who may change the record) is for users who
    configure the rule's type; the others get a 403, and a rule or run of a type they do not
    configure is a 404 (:class:`~recordbase.automation.visibility.AutomationAccess`)."""

    def __init__(self) -> None:
        super().__init__(name=_l("Automation"), endpoint="rules", url="/admin/rules")

    def is_visible(self) -> bool:
        return current_user() is not None and _can_edit()

    def _render(self, template: str, **kw: Any):
        schema = current_schema()
        return self.render(template, lang=current_lang(), can_edit=_can_edit(), schema=schema,
                           trigger_summary=trigger_summary, words=RuleWords(schema, current_lang()), **kw)

    @expose("/")
    def index(self):
        access = _require_editor()
        session = db_session()
        rules = access.rules(_service().list(request.args.get("type") or None))
        last = {}
        for rule in rules:
            run = session.scalars(select(RuleRun).where(RuleRun.rule_id == rule.id, RuleRun.dry_run.is_(False))
                                  .order_by(RuleRun.started_at.desc(), RuleRun.id.desc()).limit(1)).first()
            last[rule.id] = run
        return self._render("rules/index.html", rules=[rule_json(r) for r in rules], last=last)

    def _builder(self, rule_id: Optional[int]):
        access = _require_editor()
        model = _allowed(lambda: access.rule(_service().get(rule_id))) if rule_id else None
        errors: list[dict] = []
        mode = "builder"
        if request.method == "POST":
            posted_mode = "json" if request.form.get("mode") == "json" else "builder"
            switch = request.form.get("_switch")
            mode = switch if switch in ("builder", "json") else posted_mode
            data, state, errors = rule_from_document(request.form.get("document", "")) if posted_mode == "json" \
                else rule_from_form(request.form)
            if switch:
                state["document"] = _shown_document(data) if not errors else state.get("document", "")
                if errors and mode != posted_mode:
                    mode = posted_mode  # (the JSON does not parse: stay where it can be fixed)
                errors = errors if mode == posted_mode else []
            elif not errors:
                try:
                    if isinstance(data.get("type"), str) and data["type"] in current_schema().types:
                        access.require_manage(data["type"])
                    svc = _service()
                    saved = svc.update(rule_id, data, clear_secrets=request.form.get("clear_secrets") == "1") \
                        if rule_id else svc.create(data, current_user().id)
                    access.require_manage_rule(rule_from_model(saved, current_schema(), record_store().ctx))
                    db_session().commit()
                    flash(_("The rule “%(name)s” was saved.", name=saved.name), "success")
                    return redirect(url_for(".index"))
                except RuleError as exc:
                    db_session().rollback()
                    errors = exc.problems
                except RecordbaseError as exc:
                    db_session().rollback()
                    errors = [{"path": "$", "message": exc.message}]
            if errors and secrets_of(data.get("actions")):  # a secret is never shown again, not even the one typed
                state["actions_json"] = json.dumps([{k: v for k, v in a.items() if k != "secret"}
                                                    if isinstance(a, dict) else a for a in data["actions"]],
                                                   ensure_ascii=False, indent=2)
                state["document"] = _shown_document(data)
                errors.append({"path": "$.actions", "message": _("The webhook secret you typed was not kept: "
                                                                 "type it again.")})
        else:
            state = form_state(rule_json(model) if model else None)
            if model is None and request.args.get("type"):
                state["type"] = request.args["type"]
        if request.method != "POST":
            state["document"] = _shown_document(rule_json(model)) if model else state["document"]
        # the types (and their fields) offered are those the user configures, as the user sees them
        shown = [access.reader.visible(t) if access.reader is not None else t
                 for t in current_schema().ordered() if access.sees(t.name)]
        typedef = next((t for t in shown if t.name == state["type"]), None)
        if typedef is None and not state["type"] and shown:
            typedef = shown[0]
            state["type"] = typedef.name
        return self._render("rules/edit.html", rule=model, state=state, errors=errors, mode=mode,
                            secrets=bool(model and secrets_of((model.definition or {}).get("actions"))),
                            rule_types=shown,
                            **rule_page_context(typedef, shown, current_lang(), access.store, state))

    @expose("/new/", methods=("GET", "POST"))
    def create(self):
        return self._builder(None)

    @expose("/<int:rule_id>/edit/", methods=("GET", "POST"))
    def edit(self, rule_id: int):
        return self._builder(rule_id)

    @expose("/<int:rule_id>/toggle/", methods=("POST",))
    def toggle(self, rule_id: int):
        access = _require_editor()
        svc = _service()
        model = _allowed(lambda: access.rule(svc.get(rule_id)))
        _allowed(access.require_manage, model.type_name)
        try:
            svc.update(rule_id, {"enabled": not model.enabled})
            db_session().commit()
        except RuleError as exc:
            db_session().rollback()
            flash(exc.message, "error")
        return redirect(url_for(".index"))

    @expose("/<int:rule_id>/delete/", methods=("POST",))
    def delete(self, rule_id: int):
        access = _require_editor()
        model = _allowed(lambda: access.rule(_service().get(rule_id)))
        _allowed(access.require_manage, model.type_name)
        _service().delete(rule_id)
        db_session().commit()
        flash(_("The rule was deleted."), "success")
        return redirect(url_for(".index"))

    # -- run history -----------------------------------------------------------------------
    def _runs(self, rule: Optional[Rule]):
        access = _require_editor()
        stmt = select(RuleRun).where(RuleRun.dry_run.is_(False))
        types = access.visible_types()
        if types is not None:
            stmt = stmt.where(RuleRun.type_name.in_(types))
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
        runs = access.visible_runs(db_session().scalars(stmt.order_by(RuleRun.started_at.desc(), RuleRun.id.desc())
                                                        .limit(200)).all())
        names = {r.id: rb_rule_name(r) for r in access.rules(db_session().scalars(select(Rule)))}
        views = [access.run_view(run_json(r)) for r in runs]
        schema = current_schema()
        titles = RecordTitles.for_store(request_store()).of_pairs(
            (v.get("type"), v.get("record_id")) for v in views if v.get("record_id") and v.get("type") in schema.types)
        steps = StepWords(request_store(), RuleWords(schema, current_lang())).prime(views)
        return self._render("rules/runs.html", rule=rule, runs=views, names=names, filters=filters, titles=titles,
                            steps=steps)

    @expose("/runs/")
    def runs(self):
        return self._runs(None)

    @expose("/<int:rule_id>/runs/")
    def rule_runs(self, rule_id: int):
        access = _require_editor()
        return self._runs(_allowed(lambda: access.rule(_service().get(rule_id))))

    @expose("/runs/<int:run_id>/retry/", methods=("POST",))
    def retry(self, run_id: int):
        access = _require_editor()
        session = db_session()
        run = _allowed(access.run, session.get(RuleRun, run_id), run_id)
        _allowed(access.require_manage, run.type_name)
        if retry_run(session, run_id):
            session.commit()
            flash(_("The failed steps were queued again."), "success")
        else:
            flash(_("This run has nothing to retry."), "error")
        return redirect(request.form.get("next") or url_for(".runs"))

    # -- run on one record (the button on a record's page) ------------------------------------
    @expose("/<int:rule_id>/run/", methods=("POST",))
    def run(self, rule_id: int):
        access = _access()
        model = _allowed(lambda: access.runnable(_service().get(rule_id)))
        record_id = request.form.get("record_id", "")
        dry_run = request.form.get("dry_run") == "1"
        back = url_for("records.details_view", type_name=model.type_name, id=record_id) if as_id(record_id) \
            else url_for(".index")
        if not as_id(record_id):
            flash(_("Give a record id."), "error")
            return redirect(back)
        _allowed(access.require_run, model.type_name, int(record_id), dry_run)
        store = access.store
        try:
            rule = rule_from_model(model, store.schema, store.ctx)
            engine = RuleEngine(store)
            store.rule_engine = engine
            run, matched = engine.run_on_record(rule, int(record_id), trigger="button" if rule.on == "button"
                                                else "manual", dry_run=dry_run)
            if dry_run:
                db_session().rollback()
                shown = access.run_view(run)
                steps = StepWords(request_store(), RuleWords(store.schema, current_lang())).prime([shown or {}])
                return self._render("rules/dry_run.html", rule=rule_json(model), run=shown, matched=matched,
                                    record_id=int(record_id), back=back, steps=steps,
                                    record_title=RecordTitles.for_store(store).text(model.type_name, int(record_id)))
            if run is None:
                flash(_("The record does not match the rule's condition."), "error")
                return redirect(back)
            db_session().commit()
            flash(_("The rule “%(name)s” ran: %(status)s.", name=rb_rule_name(model), status=run_status(run.status)),
                  "success")
        except RecordbaseError as exc:
            db_session().rollback()
            flash(exc.message, "error")
        return redirect(back)


def register_automation(admin) -> None:
    """Add the automation views to ``admin`` (call once, from ``init_admin``)."""
    admin.add_view(RulesView())
    inbox = InboxView()
    admin.add_view(inbox)
    count_in_menu(inbox, InboxMenuView)
    app = admin.app
    if app is not None:
        app.jinja_env.globals.setdefault("rb_record_rules", record_rules)


def record_rules(type_name: str, record_id: int) -> dict:
    """For a record's details page: its button rules (for a user who may change the record), and for
    a user who configures the type, a test run of each rule and the record's latest runs."""
    session = db_session()
    access = _access()
    enabled = session.scalars(select(Rule).where(Rule.type_name == type_name, Rule.enabled.is_(True))
                              .order_by(Rule.id)).all()
    configures = access.sees(type_name)
    can_run = access.may_run(type_name, record_id)
    runs = []
    if configures:
        runs = access.visible_runs(session.scalars(
            select(RuleRun).where(RuleRun.type_name == type_name, RuleRun.record_id == record_id,
                                  RuleRun.dry_run.is_(False))
            .order_by(RuleRun.started_at.desc(), RuleRun.id.desc()).limit(20)).all())
    rules = [r for r in enabled if configures or (can_run and r.trigger == "button")]
    return {"buttons": [r for r in rules if r.trigger == "button" and can_run], "rules": rules,
            "runs": [access.run_view(run_json(r)) for r in runs], "names": {r.id: rb_rule_name(r) for r in rules},
            "can_run": can_run, "can_test": configures, "words": RuleWords(current_schema(), current_lang())}
