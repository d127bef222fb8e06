"""The admin (Flask-Admin): sign-in, the generic record pages and the metamodel pages.

``init_admin(app)`` registers, once per app:

- the home view at ``/admin/`` with ``login/``, ``logout/`` and ``lang/<en|zh>``;
- one records view at ``/admin/records/<type_name>/`` serving every record type
  (see :mod:`recordbase.admin.records.view`);
- the metamodel view at ``/admin/metamodel/``;

under an ``Admin`` whose menu lists the record types per request. Templates
live in ``admin/templates/recordbase/`` and extend Flask-Admin's Bootstrap 4
theme.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from flask import Blueprint, Flask, render_template, request
from flask_admin.theme import Bootstrap4Theme
from flask_wtf.csrf import CSRFError

from ..context import READ_METHODS, current_lang, reads_only
from .access import safe_next
from .home import HomeView
from .metamodel import MetamodelView
from .records import RecordsView
from .site import RecordbaseAdmin


def init_admin(app: Flask) -> RecordbaseAdmin:
    # Our templates, found by name through the app's loader (Flask-Admin's own come from its blueprints).
    # Our static files (CSS, our scripts, vendored libraries under static/vendor/<lib>-<version>/)
    # at /admin/rb-static/: url_for('recordbase_admin.static', filename=...)
    app.register_blueprint(Blueprint("recordbase_admin", __name__, template_folder="templates",
                                     static_folder="static", static_url_path="/admin/rb-static"))
    app.jinja_env.globals.setdefault("rb_lang", current_lang)
    from .menu_html import menu_html

    app.jinja_env.globals.setdefault("rb_menu", menu_html)  # the main menu (frame.html)
    from .records.list_urls import static_urls

    app.jinja_env.globals.setdefault("rb_static_url", static_urls)  # admin_static.url (templates/admin/static.html)
    app.jinja_env.filters.setdefault("rb_time", shown_time)
    from .rule_labels import init_rule_labels

    init_rule_labels(app)  # run states, triggers, actions and rule names in the page's language
    # translations_path: our additions to Flask-Admin's own "admin" catalogue (translations/*/admin.po,
    # compiled with ours by recordbase.i18n), looked up before the one it ships
    admin = RecordbaseAdmin(app, name="Recordbase", url="/admin", index_view=HomeView(),
                            theme=Bootstrap4Theme(base_template="recordbase/base.html"),
                            translations_path=str(Path(app.instance_path) / "translations"))
    admin.add_view(RecordsView())
    admin.add_view(MetamodelView())
    from .access_views import register_access

    register_access(admin)  # users, roles, audit log, one-time account links (admin/access_views.py)
    from .rules import register_automation

    register_automation(admin)  # automation rules, run history, the inbox (admin/rules.py)
    from .packs import register_packs

    register_packs(admin)  # the template pack catalogue (admin/packs.py)
    from .dashboards import register_dashboards

    register_dashboards(admin)  # dashboards of widgets over the aggregation engine (admin/dashboards/)
    from .dataio import register_import

    register_import(admin)  # the import page for every record type (admin/dataio/)
    from ..comments.admin import register_comments

    register_comments(admin)  # a record's conversation on its details page (recordbase.comments)
    from ..publicforms.admin import register_public_forms

    register_public_forms(admin)  # the public form builder (recordbase.publicforms)
    from .conditions import register_conditions

    register_conditions(app)  # the condition builder and the record forms' live conditions (admin/conditions/)
    from .views import register_views

    register_views(admin)  # board, calendar, gallery and the list's saved views (admin/views/)
    from ..workflow.admin_views import register_workflows

    register_workflows(admin)  # "My approvals", the details page's workflow panel (recordbase.workflow)
    from ..workflow.editor_view import register_workflow_editor

    register_workflow_editor(admin)  # the workflow editor, no JSON needed (recordbase.workflow.editor_view)
    from .tokens_view import register_settings

    register_settings(admin)  # instance settings and API tokens (admin/settings_view.py, admin/tokens_view.py)
    from .url_numbers import init_url_numbers

    init_url_numbers(app, admin.url)  # ids and numbers no row can have: 404/400, never a 500

    @app.errorhandler(CSRFError)
    def _form_expired(exc: CSRFError) -> Any:
        """A form posted with a token of another session (opened before a sign-in or sign-out, say):
        a page in the user's language saying so and what to do, not Werkzeug's bare 400."""
        back = request.referrer or ""
        host = request.host_url.rstrip("/")
        back = safe_next(back[len(host):] if back.startswith(host + "/") else None, admin.url + "/")
        return render_template("recordbase/form_expired.html", back=back), 400

    @app.url_value_preprocessor
    def _admin_reads_only(endpoint: Optional[str], values: Optional[dict]) -> None:
        """The admin's GET pages only read (every change, the language switch included, is a POST):
        they run in a read-only session, so on SQLite they stay usable while an import holds the
        write lock, and a write slipped into one is refused (:class:`recordbase.db.WriteInReadOnlySession`).
        URL value preprocessors run before every ``before_request`` hook, so before the sign-in's
        first query."""
        if request.method in READ_METHODS and (request.path == admin.url or request.path.startswith(admin.url + "/")):
            reads_only()

    return admin


def shown_time(value: Any) -> str:
    """A stored time (datetime, or ISO text) as the admin shows times: in the instance's time zone,
    to the minute."""
    if not value:
        return ""
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from .records.present import request_store

    dt = datetime.fromisoformat(value) if isinstance(value, str) else value
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(ZoneInfo(request_store().ctx.timezone or "UTC")).strftime("%Y-%m-%d %H:%M")
