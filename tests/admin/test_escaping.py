"""User text (type and field labels, values, help text, choices, sections) is always shown as text."""
from __future__ import annotations

from admin_helpers import create_record, create_type, page_text

XSS = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'


def test_html_in_labels_and_values_is_escaped(app, admin_client, sessions):
    create_type(sessions, {
        "name": "evil", "label": XSS, "label_zh": XSS, "app": IMG, "description": IMG,
        "fields": [
            {"name": "title", "label": IMG, "type": "text", "help_text": XSS, "section": XSS},
            {"name": "kind", "label": "Kind", "type": "single_select",
             "options": {"choices": [{"value": "a", "label": XSS}]}},
        ]})
    resp = create_record(admin_client, "evil", {"title": XSS, "kind": "a"})
    assert resp.status_code == 302, page_text(resp)[-1000:]
    pages = {url: page_text(admin_client.get(url)) for url in (
        "/admin/", "/admin/records/evil/", "/admin/records/evil/new/", "/admin/records/evil/edit/?id=1",
        "/admin/records/evil/details/?id=1", "/admin/metamodel/", "/admin/metamodel/types/evil/",
        "/admin/metamodel/types/evil/layout/", "/admin/metamodel/types/evil/preview/",
        "/admin/metamodel/types/evil/fields/title/edit/")}
    for url, page in pages.items():
        assert "<script>alert(1)" not in page, url
        assert "<img src=x" not in page, url
    listing = pages["/admin/records/evil/"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing  # the value and the label, as text
    assert "&lt;img src=x" in listing
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["/admin/records/evil/new/"]  # help text, section
    # filter names go through Flask-Admin's script, which parses HTML: no '<' reaches it
    assert "＜img src=x" in listing


def test_every_confirmation_prompt_is_one_intact_attribute(app, admin_client, sessions, switch_language):
    """A ``tojson`` text in a double-quoted attribute ended the attribute at its first quote: the
    trash buttons of types and fields trashed at once, without asking."""
    import json
    from html.parser import HTMLParser

    class Prompts(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found = []

        def handle_starttag(self, tag, attrs):
            if dict(attrs).get("onsubmit") is not None:
                self.found.append(dict(attrs))

    create_type(sessions, {"name": "supplier", "label": "Supplier",
                           "fields": [{"name": "name", "label": "Name", "type": "text"}]})
    for lang in ("en", "zh"):
        switch_language(admin_client, lang)
        for url in ("/admin/metamodel/", "/admin/metamodel/types/supplier/", "/admin/packs/", "/admin/rules/"):
            resp = admin_client.get(url)
            assert resp.status_code == 200, url
            parser = Prompts()
            parser.feed(page_text(resp))
            assert parser.found or not url.startswith("/admin/metamodel/"), url  # (no pack, no rule yet)
            for attrs in parser.found:
                prompt = attrs.get("onsubmit", "")
                assert prompt.startswith("return confirm(") and prompt.endswith(");"), (url, attrs)
                assert json.loads(prompt[len("return confirm("):-2]).endswith(("?", "？")), (url, prompt)
