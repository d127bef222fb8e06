"""The template pack catalogue in the admin: ``/admin/packs/``.

Each pack of ``templates_catalog/`` with its description, record types, rules and views, and
whether (which version) it is installed; a preview page with every type's fields; an install
button with "include sample data" (installing a newer version upgrades, keeping the user's own
changes); uninstall (the pack's types to the trash). Owners and builders only. Every action
goes through :mod:`recordbase.packs.installer`, in one transaction, as the CLI and API do.

Self-contained: :func:`register_packs` adds the view (one line in ``init_admin``); templates
live in ``templates/packs/``. Its words are in the message catalogue (Flask-Babel).
"""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..context import current_lang, current_user, db_session
from ..errors import RecordbaseError
from ..packs import PackError, catalog
from ..packs.installer import install, installed_packs, uninstall
from ..settings import instance_timezone
from .access import BuildersOnly
from .metamodel.forms import type_choices



def pick(obj: dict, key: str, lang: str) -> Any:
    """``obj[key + '_zh']`` in Chinese when there is one, else ``obj[key]``."""
    if lang.startswith("zh") and obj.get(f"{key}_zh"):
        return obj[f"{key}_zh"]
    return obj.get(key)


class PacksView(BuildersOnly, BaseView):
    def __init__(self) -> None:
        super().__init__(name=_l("Template packs"), endpoint="packs", url="/admin/packs")

    def _packs(self) -> tuple[list, dict]:
        return catalog(), installed_packs(db_session())

    def _source(self, pack_id: str):
        src = next((s for s in catalog() if s.id == pack_id), None)
        if src is None:
            abort(404)
        return src

    @expose("/")
    def index(self) -> Any:
        sources, installed = self._packs()
        return self.render("packs/index.html", packs=sources, installed=installed, lang=current_lang(),
                           pick=pick)

    @expose("/<pack_id>/")
    def preview(self, pack_id: str) -> Any:
        src = self._source(pack_id)
        counts: dict[str, int] = {}
        for s in src.samples:
            if isinstance(s.data, dict):
                counts[s.data.get("type", "")] = counts.get(s.data.get("type", ""), 0) + len(s.data.get("records") or [])
        lang = current_lang()
        type_names = {t["name"]: pick(t, "label", lang) for t in src.manifest.get("types") or () if t.get("name")}
        return self.render("packs/preview.html", pack=src, m=src.manifest, installed=installed_packs(db_session()).get(pack_id),
                           sample_counts=counts, lang=lang, pick=pick, type_labels=dict(type_choices(lang)),
                           type_names=type_names)

    @expose("/<pack_id>/install/", methods=("POST",))
    def install_view(self, pack_id: str) -> Any:
        src = self._source(pack_id)
        session = db_session()
        try:
            report = install(session, src, sample_data=bool(request.form.get("sample_data")),
                             user_id=current_user().id, timezone_name=instance_timezone())
            session.commit()
        except PackError as exc:
            session.rollback()
            flash(_("The pack was refused; nothing was installed") + ": " + "; ".join(f"{p['path']}: {p['message']}" for p in exc.problems[:10]),
                  "error")
            return redirect(url_for(".preview", pack_id=pack_id))
        except RecordbaseError as exc:
            session.rollback()
            flash(exc.message, "error")
            return redirect(url_for(".preview", pack_id=pack_id))
        flash(report.summary(), "success")
        for c in report.conflicts[:10]:
            flash(_("Kept your change") + f": {c['item']} — {c['message']}", "warning")
        for s in report.skipped[:10]:
            flash(_("Skipped") + f": {s['item']} — {s['message']}", "info")
        return redirect(url_for(".index"))

    @expose("/<pack_id>/uninstall/", methods=("POST",))
    def uninstall_view(self, pack_id: str) -> Any:
        session = db_session()
        try:
            result = uninstall(session, pack_id)
            session.commit()
        except RecordbaseError as exc:
            session.rollback()
            flash(exc.message, "error")
            return redirect(url_for(".index"))
        flash(f"{pack_id}: {len(result['trashed_types'])} → 🗑 ({', '.join(result['trashed_types'])})", "success")
        return redirect(url_for(".index"))


def register_packs(admin) -> None:
    """Add the pack catalogue to ``admin`` (call once, from ``init_admin``)."""
    admin.add_view(PacksView())
