"""Workflows in the admin: "My approvals / 我的审批" (``/admin/approvals/``: what waits for me, also
as a delegate; approve or reject with a comment in one click; my substitutes), its menu entry with
the count, and the record details page's workflow panel (state, the transitions I may take, the
approval timeline), included by ``workflow/_panel.html``.

Every decision goes through :class:`~.engine.WorkflowEngine` (the same checks as the API).
"""
from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select
from wtforms import DateField, HiddenField, StringField, TextAreaField, validators

from ..admin.access import SignedInOnly
from ..admin.forms import AdminForm
from ..admin.menu_count import CountedMenuView, count_in_menu
from ..context import current_lang, current_user, db_session, record_store
from ..errors import RecordbaseError
from ..metamodel.fieldtypes.choices import normalize_choices
from ..models import User
from . import journal
from .engine import MAX_COMMENT, WorkflowEngine
from .inbox import pending_for
from .models import Delegation
from .service import workflow_of

PAGE = 50


class DecisionForm(AdminForm):
    """Approve, reject or take a transition: which record, which action, and the comment."""

    type_name = HiddenField(validators=[validators.InputRequired(), validators.Length(max=63)])
    record_id = HiddenField(validators=[validators.InputRequired(), validators.Regexp(r"^[0-9]{1,10}$")])
    action = HiddenField(validators=[validators.InputRequired(), validators.Length(max=63)])
    comment = TextAreaField(_l("Comment"), validators=[validators.Optional(), validators.Length(max=MAX_COMMENT)])
    next = HiddenField(validators=[validators.Optional(), validators.Length(max=500)])


class DelegationForm(AdminForm):
    substitute = StringField(_l("Substitute (e-mail)"), validators=[validators.InputRequired(), validators.Length(max=255)])
    starts_on = DateField(_l("From"), validators=[validators.InputRequired()])
    ends_on = DateField(_l("To"), validators=[validators.InputRequired()])


def waiting_count() -> int:
    user = current_user()
    if user is None:
        return 0
    if "_rb_approvals" not in g:
        from ..admin.menu_count import menu_counts

        menu_counts()  # (with the inbox's count: one statement)
    return g._rb_approvals


class ApprovalsView(SignedInOnly, BaseView):
    def __init__(self) -> None:
        super().__init__(name=_l("My approvals"), endpoint="approvals", url="/admin/approvals")

    @expose("/")
    def index(self):
        store = record_store()
        page = max(0, request.args.get("page", 0, type=int) or 0)
        rows, total = pending_for(store, limit=PAGE, offset=page * PAGE)
        g._rb_approvals = total  # (the menu's count: the same number, not asked twice)
        bases: dict[str, str] = {}
        for r in rows:  # (one url_for per type, not per row)
            base = bases.get(r["type"]) or bases.setdefault(r["type"], url_for("records.details_view", type_name=r["type"]))
            r["url"] = f"{base}?id={r['record_id']}"
        s = db_session()
        mine = s.scalars(select(Delegation).where(Delegation.user_id == store.user_id)
                         .order_by(Delegation.starts_on)).all()
        emails = dict(s.execute(select(User.id, User.email).where(
            User.id.in_({d.substitute_id for d in mine}))).tuples().all()) if mine else {}
        return self.render("workflow/approvals.html", rows=rows, total=total, page=page, pages=(total + PAGE - 1) // PAGE,
                           delegations=mine, emails=emails, delegation_form=DelegationForm(),
                           zh=current_lang().startswith("zh"))

    @expose("/decide/", methods=("POST",))
    def decide(self):
        form = DecisionForm(request.form)
        back = _safe_next(form.next.data) or url_for(".index")
        if not form.validate():
            flash(gettext("The decision could not be read: %(problems)s",
                          problems="; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items())), "error")
            return redirect(back)
        store = record_store()
        try:
            WorkflowEngine(store).take(form.type_name.data, int(form.record_id.data), form.action.data,
                                       form.comment.data or None)
            db_session().commit()
        except RecordbaseError as exc:
            db_session().rollback()
            flash(_problem_text(exc), "error")
            return redirect(back)
        flash(gettext("Done: %(action)s", action=_action_label(form.type_name.data, form.action.data)), "success")
        return redirect(back)

    @expose("/delegations/", methods=("POST",))
    def add_delegation(self):
        from .api import create_delegation_for

        form = DelegationForm(request.form)
        if not form.validate():
            flash(gettext("The substitute could not be saved: %(problems)s",
                          problems="; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items())), "error")
            return redirect(url_for(".index"))
        try:
            create_delegation_for(db_session(), current_user(), form.substitute.data, form.starts_on.data,
                                  form.ends_on.data)
            db_session().commit()
            flash(gettext("Substitute saved"), "success")
        except RecordbaseError as exc:
            db_session().rollback()
            flash(_problem_text(exc), "error")
        return redirect(url_for(".index"))

    @expose("/delegations/<int:delegation_id>/delete/", methods=("POST",))
    def delete_delegation(self, delegation_id: int):
        s = db_session()
        d = s.get(Delegation, delegation_id)
        if d is not None and d.user_id == current_user().id:
            s.delete(d)
            s.commit()
            flash(gettext("Substitute removed"), "success")
        return redirect(url_for(".index"))


def _problem_text(exc: RecordbaseError) -> str:
    details = exc.details if isinstance(exc.details, dict) else {}
    parts = [f"{k}: {', '.join(map(str, v))}" for k, v in details.items() if isinstance(v, list)
             and all(isinstance(x, str) for x in v)]
    return exc.message + (f" ({'; '.join(parts)})" if parts else "")


def _action_label(type_name: str, name: str) -> str:
    if name == "approve":
        return gettext("Approve")
    if name == "reject":
        return gettext("Reject")
    try:
        store = record_store()
        wf = workflow_of(store.session, store.type(type_name))
        t = wf.transition(name) if wf else None
        return t.display(current_lang()) if t else name
    except RecordbaseError:
        return name


def _safe_next(value: Any) -> str:
    if isinstance(value, str) and value.startswith("/admin/") and "//" not in value and "\\" not in value:
        return value
    return ""


class ApprovalsMenuView(CountedMenuView):
    """The menu entry: "My approvals (3)" while something waits for the user."""

    def count(self) -> int:
        return waiting_count()


def workflow_panel(type_name: str, record_id: int) -> dict:
    """For a record's details page: its state (label and colour), what the user may do, the timeline."""
    store = record_store()
    typedef = store.type(type_name)
    wf = workflow_of(store.session, typedef)
    if wf is None:
        return {}
    record = store.get(type_name, record_id)
    lang = current_lang()
    zh = lang.startswith("zh")
    sf = typedef.field(wf.state_field)
    choices = {c["value"]: c for c in normalize_choices(sf.options)}

    def label(value: Any) -> str:
        c = choices.get(value)
        if c is None:
            return value or ""
        return (c.get("label_zh") or c.get("label") or value) if zh else (c.get("label") or value)

    state = record.values.get(wf.state_field)
    steps = []
    for item in journal.timeline(store.session, type_name, record.id):
        item["from_label"], item["to_label"] = label(item["from"]), label(item["to"])
        t = wf.transition(item["action"]) if item["action"] else None
        item["action_label"] = t.display(lang) if t else None
        steps.append(item)
    from .approval import Approvals

    pending = Approvals(WorkflowEngine(store)).pending_step(type_name, record.id)
    return {"waiting": waiting_for(store, typedef, pending) if pending is not None else None,"state": state, "state_label": label(state), "state_color": (choices.get(state) or {}).get("color"),
            "name": (wf.name_zh or wf.name) if zh else wf.name,
            "transitions": WorkflowEngine(store).available(type_name, record), "timeline": steps,
            "pending": pending, "record_id": record.id, "type_name": type_name}


def waiting_for(store: Any, typedef: Any, step: Any) -> dict:
    """Whom a pending step waits for (``names``), or, when nobody could be found, why (``missing``: each
    approver entry in words: nobody holds the role, the user field is empty)."""
    from ..access.models import Role
    from .models import ApprovalAssignee

    s = store.session
    rows = s.execute(select(User.email, User.display_name).join(ApprovalAssignee, ApprovalAssignee.user_id == User.id)
                     .where(ApprovalAssignee.step_id == step.id)).all()
    if rows:
        return {"names": sorted({name or email for email, name in rows}), "missing": []}
    zh = current_lang().startswith("zh")
    missing = []
    for entry in step.slots or ():
        if "role" in entry:
            role = s.scalar(select(Role).where(Role.name == entry["role"]))
            label = ((role.label_zh if zh else None) or role.label) if role is not None else entry["role"]
            missing.append(gettext("nobody holds the role %(role)s", role=label))
        elif "user" in entry:
            missing.append(gettext("%(user)s is not an active user", user=entry["user"]))
        else:
            head, _dot, tail = entry.get("user_field", "").partition(".")
            f = typedef.field(head)
            label = f.display_label(current_lang()) if f is not None else head
            if tail and f is not None:
                target = store.schema.types.get(f.options.get("target", ""))
                g_ = target.field(tail) if target is not None else None
                label = f"{label} → {g_.display_label(current_lang()) if g_ is not None else tail}"
            missing.append(gettext("the field %(field)s is empty", field=label))
    return {"names": [], "missing": missing}


def register_workflows(admin: Any) -> None:
    """Add "My approvals" (with its counted menu entry) and the details panel's helper to ``admin``."""
    view = ApprovalsView()
    admin.add_view(view)
    count_in_menu(view, ApprovalsMenuView)
    if admin.app is not None:
        admin.app.jinja_env.globals.setdefault("rb_workflow_panel", workflow_panel)
