"""Dashboards in the admin: ``/admin/dashboards/``.

Everyone signed in sees the dashboards; a widget over a record type they may not read is not shown
(and its data is a 404), and every figure is worked out under their policy (row limits, hidden fields).
Owners and builders (who configure) build them: names and the app whose home page a dashboard is,
widgets added through a kind's form (:mod:`.forms`), removed, moved up or down, resized — every change
a POST with its CSRF token, checked as a whole document (:mod:`recordbase.dashboards.document`) and
saved in one transaction. The page draws each widget with ECharts (vendored) from its JSON
(``…/widgets/<n>/data``, :mod:`recordbase.dashboards.widgets`).
"""
from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...access import current_policy
from ...context import current_lang, current_schema, current_user, db_session, record_store
from ...dashboards.models import Dashboard
from ...dashboards.service import DashboardService
from ...dashboards.widgets import KINDS
from ...errors import NotFound, RecordbaseError
from ..access import SignedInOnly
from .forms import AddWidgetForm, DashboardForm, form_data, options_of, widget_form


def readable(policy: Any, type_name: str) -> bool:
    return policy is None or policy.can("read", type_name)


class DashboardsView(SignedInOnly, BaseView):
    def __init__(self) -> None:
        super().__init__(name=_l("Dashboards"), endpoint="dashboards", url="/admin/dashboards")

    # -- helpers ---------------------------------------------------------------------------
    def _service(self) -> DashboardService:
        return DashboardService(db_session(), current_schema())

    def _dashboard(self, dashboard_id: int) -> Dashboard:
        try:
            return self._service().get(dashboard_id)
        except NotFound:
            abort(404)

    def _builder(self) -> None:
        if not current_policy().can_configure():
            abort(403)

    def _widgets(self, d: Dashboard) -> list[dict]:
        return list((d.document or {}).get("widgets") or [])

    def _widget_at(self, dashboard_id: int, number: int) -> tuple[Dashboard, list[dict], int]:
        """For a builder: the dashboard, its widgets and the index of widget ``number`` (1-based); 404 for none."""
        self._builder()
        d = self._dashboard(dashboard_id)
        widgets = self._widgets(d)
        index = number - 1
        if index >= len(widgets):
            abort(404)
        return d, widgets, index

    def _save(self, d: Dashboard, widgets: list[dict], message: str) -> Any:
        session = db_session()
        try:
            self._service().update(d.id, {"widgets": widgets})
            session.commit()
            flash(message, "success")
        except RecordbaseError as exc:
            session.rollback()
            flash(exc.message, "error")
        return redirect(url_for(".edit", dashboard_id=d.id))

    def _types(self) -> list[tuple[str, str]]:
        policy, lang = current_policy(), current_lang()
        return [(t.name, t.display_label(lang)) for t in current_schema().ordered() if readable(policy, t.name)]

    def _apps(self) -> list[tuple[str, str]]:
        from ...packs.installer import installed_packs

        lang = current_lang()
        out = [("", _("(none)"))]
        for p in installed_packs(db_session()).values():
            for a in p.apps or []:
                out.append((a["name"], (a.get("label_zh") if lang.startswith("zh") else None) or a.get("label") or a["name"]))
        return out

    # -- reading ---------------------------------------------------------------------------
    @expose("/")
    def index(self) -> Any:
        can_build = current_policy().can_configure()
        form = DashboardForm() if can_build else None
        if form is not None:
            form.app.choices = self._apps()
        return self.render("dashboards/index.html", dashboards=self._service().list(), lang=current_lang(),
                           can_build=can_build, form=form)

    @expose("/<int:dashboard_id>/")
    def show(self, dashboard_id: int) -> Any:
        d = self._dashboard(dashboard_id)
        policy = current_policy()
        shown = [(i, w) for i, w in enumerate(self._widgets(d)) if readable(policy, w["type"])]
        return self.render("dashboards/show.html", d=d, widgets=shown, lang=current_lang(),
                           can_build=policy.can_configure(), kinds=KINDS)

    @expose("/<int:dashboard_id>/widgets/<int:number>/data")
    def data(self, dashboard_id: int, number: int) -> Any:
        index = number - 1  # (widgets are numbered from 1 in URLs: the admin's numbers in URLs start at 1)
        d = self._dashboard(dashboard_id)
        widgets = self._widgets(d)
        if index >= len(widgets) or not readable(current_policy(), widgets[index]["type"]):
            abort(404)
        w = widgets[index]
        try:
            body = KINDS[w["kind"]].data(record_store(), w["type"], w.get("options") or {})
        except RecordbaseError as exc:  # (a field hidden from this reader, or gone since)
            return jsonify({"error": exc.message}), 200
        return jsonify({"kind": w["kind"], **body})

    # -- building --------------------------------------------------------------------------
    @expose("/new/", methods=("POST",))
    def create(self) -> Any:
        self._builder()
        form = DashboardForm()
        form.app.choices = self._apps()
        if not form.validate():
            flash("; ".join(f"{form[k].label.text}: {', '.join(v)}" for k, v in form.errors.items()), "error")
            return redirect(url_for(".index"))
        session = db_session()
        d = self._service().create({"name": form.name.data, "name_zh": form.name_zh.data or None,
                                    "app": form.app.data or None, "widgets": []}, current_user().id)
        session.commit()
        return redirect(url_for(".edit", dashboard_id=d.id))

    @expose("/<int:dashboard_id>/edit/", methods=("GET", "POST"))
    def edit(self, dashboard_id: int) -> Any:
        self._builder()
        d = self._dashboard(dashboard_id)
        form = DashboardForm(data={"name": d.name, "name_zh": d.name_zh, "app": d.app or ""})
        form.app.choices = self._apps()
        if request.method == "POST" and form.validate_on_submit():
            session = db_session()
            try:
                self._service().update(d.id, {"name": form.name.data, "name_zh": form.name_zh.data or None,
                                              "app": form.app.data or None})
                session.commit()
                flash(_("Saved"), "success")
                return redirect(url_for(".edit", dashboard_id=d.id))
            except RecordbaseError as exc:
                session.rollback()
                flash(exc.message, "error")
        lang = current_lang()
        add = AddWidgetForm(formdata=None)
        add.kind.choices = [(k, kind.display_label(lang)) for k, kind in KINDS.items()]
        add.type.choices = self._types()
        return self.render("dashboards/edit.html", d=d, form=form, add=add, widgets=self._widgets(d),
                           kinds=KINDS, lang=lang, schema=current_schema())

    def _widget_page(self, d: Dashboard, kind: str, type_name: str, index: Any) -> Any:
        typedef = current_schema().types.get(type_name)
        if kind not in KINDS or typedef is None or not readable(current_policy(), type_name):
            abort(404)
        store = record_store()
        visible = store.visible_type(type_name)
        lang = current_lang()
        from ...packs.views import ViewService

        views = [(str(v.id), (v.name_zh if lang.startswith("zh") and v.name_zh else None) or v.name)
                 for v in ViewService(db_session(), current_schema(), store.ctx, store.policy).list(type_name)]
        widgets = self._widgets(d)
        current = widgets[index] if index is not None else {"kind": kind, "type": type_name}
        formdata = request.form if request.method == "POST" else None
        form = widget_form(kind, visible, lang, views, formdata=formdata,
                           data=None if formdata is not None else form_data(kind, current))
        if request.method == "POST" and form.validate():
            widget = {"kind": kind, "type": type_name, "width": int(form.width.data)}
            for key in ("title", "title_zh"):
                if form[key].data:
                    widget[key] = form[key].data
            widget["options"] = options_of(kind, form, current.get("options"))
            try:  # the figures once, as this builder sees them: a field that cannot be measured is told here
                KINDS[kind].data(store, type_name, widget["options"])
            except RecordbaseError as exc:
                form.title.errors = list(form.title.errors) + [exc.message]
            else:
                if index is None:
                    widgets.append(widget)
                else:
                    widgets[index] = widget
                return self._save(d, widgets, _("Widget saved"))
        return self.render("dashboards/widget.html", d=d, form=form, kind=KINDS[kind], type_label=typedef.display_label(lang),
                           index=index, type_name=type_name, lang=lang)

    @expose("/<int:dashboard_id>/widgets/new/", methods=("GET", "POST"))
    def widget_new(self, dashboard_id: int) -> Any:
        self._builder()
        d = self._dashboard(dashboard_id)
        return self._widget_page(d, request.values.get("kind", ""), request.values.get("type", ""), None)

    @expose("/<int:dashboard_id>/widgets/<int:number>/edit/", methods=("GET", "POST"))
    def widget_edit(self, dashboard_id: int, number: int) -> Any:
        d, widgets, index = self._widget_at(dashboard_id, number)
        return self._widget_page(d, widgets[index]["kind"], widgets[index]["type"], index)

    @expose("/<int:dashboard_id>/widgets/<int:number>/move/", methods=("POST",))
    def widget_move(self, dashboard_id: int, number: int) -> Any:
        d, widgets, index = self._widget_at(dashboard_id, number)
        other = index - 1 if request.form.get("direction") == "up" else index + 1
        if not 0 <= other < len(widgets):
            abort(404)
        widgets[index], widgets[other] = widgets[other], widgets[index]
        return self._save(d, widgets, _("Widget moved"))

    @expose("/<int:dashboard_id>/widgets/<int:number>/remove/", methods=("POST",))
    def widget_remove(self, dashboard_id: int, number: int) -> Any:
        d, widgets, index = self._widget_at(dashboard_id, number)
        del widgets[index]
        return self._save(d, widgets, _("Widget removed"))

    @expose("/<int:dashboard_id>/delete/", methods=("POST",))
    def delete(self, dashboard_id: int) -> Any:
        self._builder()
        self._dashboard(dashboard_id)
        self._service().delete(dashboard_id)
        db_session().commit()
        flash(_("Dashboard deleted"), "success")
        return redirect(url_for(".index"))


def register_dashboards(admin: Any) -> None:
    admin.add_view(DashboardsView())
