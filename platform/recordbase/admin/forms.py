"""Form base classes of the admin.

CSRF is checked for every POST by Flask-WTF's ``CSRFProtect`` (see
:mod:`recordbase.security`); the templates put ``csrf_token()`` in every form.
Form classes derive from Flask-Admin's ``BaseForm`` so that WTForms' own
messages ("This field is required.") follow the user's language.
"""
from __future__ import annotations

from flask_admin.form import BaseForm
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, validators


class AdminForm(BaseForm):
    """Base of every admin form (translated WTForms messages; CSRF by CSRFProtect)."""


class LoginForm(AdminForm):
    email = StringField(_l("Email"), validators=[validators.InputRequired(), validators.Length(max=255)])
    password = PasswordField(_l("Password"), validators=[validators.InputRequired(), validators.Length(max=1024)])
