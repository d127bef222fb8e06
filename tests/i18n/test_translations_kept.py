"""Each domain's catalog is kept on the request's Babel context for its locale (i18n.remember_translations):
a locale changed within the request (``force_locale``, ``refresh``) still translates in the new one."""
from __future__ import annotations

from flask_babel import force_locale, gettext, refresh

from flask_admin.babel import gettext as admin_gettext


def test_a_locale_changed_within_a_request_translates_in_it(app):
    with app.test_request_context("/admin/", headers={"Accept-Language": "en"}):
        assert gettext("Sign out") == "Sign out"
        assert admin_gettext("List") == "List"
        with force_locale("zh_Hans_CN"):
            assert gettext("Sign out") == "退出登录"
            assert admin_gettext("List") != "List"
        assert gettext("Sign out") == "Sign out"
        assert admin_gettext("List") == "List"
        refresh()
        assert gettext("Sign out") == "Sign out"
