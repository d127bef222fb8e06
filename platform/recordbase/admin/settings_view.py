"""``/admin/settings/``: the instance settings (time zone, default language, default currency), owners only.

A WTForms form (CSRF by Flask-WTF); each value is checked by :func:`recordbase.settings.check`, whose
refusal is shown beside its field. A setting overridden by the deployment (``RECORDBASE_TIMEZONE``...)
is shown read-only with the reason. Saving writes the audit log and drops this process's copy of the
settings (other processes see it within :data:`recordbase.settings.service.CACHE_SECONDS`).
"""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, validators

from .. import settings as instance_settings
from ..access import audit as audit_log
from ..context import current_user, db_session
from .access import OwnersOnly
from .forms import AdminForm

#: the refusals of recordbase.settings.check, in the page's language
MESSAGES = {"timezone": _l("Unknown time zone: use an IANA name such as Asia/Shanghai or Europe/Paris"),
            "language": _l("Choose English, Chinese or each browser's language"),
            "currency": _l("A currency is a three-letter ISO 4217 code, such as CNY or USD")}
LABELS = {"timezone": _l("Time zone"), "language": _l("Default language"), "currency": _l("Default currency")}
#: the environment variable that overrides each setting
ENVIRONMENT = instance_settings.service.ENVIRONMENT


class SettingsForm(AdminForm):
    timezone = StringField(_l("Time zone"), validators=[validators.InputRequired(), validators.Length(max=64)],
                           description=_l("Dates and times are shown, and TODAY() computed, in this zone."))
    language = SelectField(_l("Default language"),
                           choices=[("", _l("Each browser's language")), ("en", "English"), ("zh", "简体中文")],
                           description=_l("For visitors who have not chosen one (sign-in page, public forms)."))
    currency = StringField(_l("Default currency"), validators=[validators.InputRequired(), validators.Length(max=3)],
                           description=_l("The currency of new currency fields (ISO 4217 code, e.g. CNY)."))


class SettingsView(OwnersOnly, BaseView):
    def __init__(self) -> None:
        super().__init__(name=_l("Instance settings"), endpoint="instance_settings", url="/admin/settings",
                         category=_l("Settings"))

    @expose("/", methods=("GET", "POST"))
    def index(self):
        session = db_session()
        now = instance_settings.current()
        stored = instance_settings.stored(session)
        values = {key: stored.get(key, getattr(now, key)) for key in instance_settings.DEFAULTS}
        form = SettingsForm(request.form if request.method == "POST" else None, data=values)
        for key in now.overridden:  # shown, not editable (the deployment decides)
            del form[key]
        status = 200
        if request.method == "POST":
            if form.validate():
                wanted = {key: form[key].data or "" for key in values if key not in now.overridden}
                bad = {}
                for key, value in wanted.items():
                    try:
                        instance_settings.check(key, value)
                    except instance_settings.SettingError:
                        bad[key] = MESSAGES[key]
                for key, message in bad.items():
                    form[key].errors = [*form[key].errors, str(message)]
                if not bad:
                    changed = instance_settings.save(session, wanted, user_id=current_user().id)
                    if changed:
                        audit_log.record(session, "settings.change", "settings", ", ".join(sorted(changed)),
                                         changed)
                    session.commit()
                    instance_settings.forget()
                    flash(_("The settings were saved."), "success")
                    return redirect(url_for(".index"))
            status = 422
        overrides = {key: (ENVIRONMENT[key], getattr(now, key)) for key in now.overridden}
        return self.render("settings/index.html", form=form, overrides=overrides, labels=LABELS,
                           zones=sorted(instance_settings.zone_names())), status
