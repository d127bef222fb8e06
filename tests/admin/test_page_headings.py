"""Each admin page names itself once: a page with its own heading puts it in Flask-Admin's ``page_title``
block instead of under the view's name (the settings, tokens, users, roles, audit log, workflows,
public forms, packs and import pages showed their name twice), in English and in Chinese."""
from __future__ import annotations

import html
import re

PAGES = ("/admin/settings/", "/admin/tokens/", "/admin/users/", "/admin/roles/", "/admin/audit/",
         "/admin/workflows/", "/admin/forms/", "/admin/packs/", "/admin/import/", "/admin/rules/",
         "/admin/metamodel/", "/admin/dashboards/", "/admin/inbox/", "/admin/approvals/")


def _headings(page: str) -> list[str]:
    body = page[page.index("<body"):]
    return [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", h))).strip()
            for h in re.findall(r"<h[1-5]\b[^>]*>(.*?)</h[1-5]>", body, re.S)]


def test_every_page_names_itself_once(app, admin_client, switch_language):
    for lang in ("en", "zh"):
        switch_language(admin_client, lang)
        for path in PAGES:
            resp = admin_client.get(path)
            assert resp.status_code == 200, (path, resp.status_code)
            heads = [h for h in _headings(resp.get_data(as_text=True)) if h]
            assert heads, (lang, path)
            assert len(set(heads)) == len(heads), (lang, path, heads)
