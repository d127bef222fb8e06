"""No English on the Chinese builder pages, public forms and flash messages either: the metamodel's
type, field (every field type's form) and layout pages, the rule builder, the workflow editor, the
dashboard builder, the "save as a view" dialog, the public forms' admin pages and the public pages
themselves (``?lang=zh``), and the messages shown after saving, deleting and a refused form.

On builder pages everything the pack carries (labels in both languages, API names, choice values,
formulas, rule documents) is text a builder typed, shown as typed: it is taken out with user data."""
from __future__ import annotations

import json
import re

from recordbase.dashboards.widgets import KINDS
from recordbase.metamodel.fieldtypes import field_types

from .crawl import english_words, pack_strings, user_text
from .test_chinese_crawl import PACK_DIR

TYPES = ("supplier", "evaluation", "evaluation_item", "risk", "contract")


def _get(client, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return resp.get_data(as_text=True)


def _links(page: str, pattern: str) -> list[str]:
    return sorted(set(re.findall(pattern, page)))


def _allowed() -> set[str]:
    return user_text() | pack_strings(json.loads((PACK_DIR / "pack.json").read_text())) | {"owner@example.com", "Owner"}


def _english(pages: dict[str, str]) -> dict[str, list[str]]:
    allowed = _allowed()
    found = {url: sorted(english_words(page, allowed)) for url, page in pages.items()}
    return {url: words for url, words in found.items() if words}


def _report(found: dict) -> str:
    return "English on Chinese pages:\n" + "\n".join(f"{u}: {' '.join(w[:25])}" for u, w in found.items())


def builder_urls(client) -> list[str]:
    urls = ["/admin/metamodel/", "/admin/metamodel/types/new/", "/admin/rules/", "/admin/rules/new/",
            "/admin/workflows/", "/admin/dashboards/", "/admin/forms/"]
    for t in TYPES:
        urls += [f"/admin/metamodel/types/{t}/", f"/admin/metamodel/types/{t}/edit/",
                 f"/admin/metamodel/types/{t}/layout/"]
        page = _get(client, f"/admin/metamodel/types/{t}/")
        urls += _links(page, rf'href="(/admin/metamodel/types/{t}/fields/\w+/edit/)"')
    urls += [f"/admin/metamodel/types/supplier/fields/new/?type={name}" for name in field_types()]
    urls += _links(_get(client, "/admin/rules/"), r'href="(/admin/rules/\d+/edit/)"')
    urls += _links(_get(client, "/admin/workflows/"), r'href="(/admin/workflows/\w+/)"')
    for board in _links(_get(client, "/admin/dashboards/"), r'href="/admin/dashboards/(\d+)/"'):
        urls.append(f"/admin/dashboards/{board}/edit/")
        edit = _get(client, f"/admin/dashboards/{board}/edit/")
        urls += _links(edit, rf'href="(/admin/dashboards/{board}/widgets/\d+/edit/)"')[:3]
        urls += [f"/admin/dashboards/{board}/widgets/new/?kind={kind}&type=evaluation"
                 for kind in _links(edit, r'<option value="(\w+)"')[:10] if kind in KINDS]
    listing = _get(client, "/admin/records/supplier/")
    urls += [re.sub("&amp;", "&", u) for u in _links(listing, r'rb-save-view" href="([^"]+)"')]
    urls += _links(_get(client, "/admin/forms/"), r'href="(/admin/forms/\d+/)"')
    urls += [f"/admin/forms/{t}/new/" for t in TYPES[:1]]
    return urls


def test_builder_pages_are_chinese(app, outsourcing, admin_client, switch_language):
    switch_language(admin_client, "zh")
    urls = builder_urls(admin_client)
    assert len(urls) > 60 and any("fields/new/?type=formula" in u for u in urls)
    pages = {url: _get(admin_client, url) for url in urls}
    found = _english(pages)
    assert not found, _report(found)


def test_public_forms_are_chinese(app, outsourcing, admin_client, switch_language):
    switch_language(admin_client, "zh")
    public = set()
    for url in _links(_get(admin_client, "/admin/forms/"), r'href="(/admin/forms/\d+/)"'):
        public.update(_links(_get(admin_client, url), r'(/f/[\w-]+)'))
    assert public
    anonymous = app.test_client()
    pages = {f"{u}?lang=zh": _get(anonymous, f"{u}?lang=zh") for u in public}
    # a refused submission (nothing filled in): the errors beside the fields
    for u in public:
        page = pages[f"{u}?lang=zh"]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        resp = anonymous.post(f"{u}?lang=zh", data={"csrf_token": token.group(1) if token else ""})
        assert resp.status_code in (200, 400, 422)
        pages[f"POST {u}"] = resp.get_data(as_text=True)
    found = _english(pages)
    assert not found, _report(found)


def _form_data(form: str) -> dict:
    """What the browser would post from a record form as it was shown (inputs, checked boxes, the
    options selected, text areas)."""
    import html

    data: dict = {}
    for tag in re.findall(r"<input\b[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        kind = (re.search(r'type="(\w+)"', tag) or re.search("()", "")).group(1)
        if not name or kind in ("submit", "button", "file") or (kind in ("checkbox", "radio") and "checked" not in tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data.setdefault(name.group(1), []).append(html.unescape(value.group(1)) if value else "")
    for name, body in re.findall(r'<select\b[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        data[name] = [html.unescape(v) for v in re.findall(r'<option[^>]*selected[^>]*value="([^"]*)"', body)]
    for name, body in re.findall(r'<textarea\b[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = [html.unescape(body.lstrip("\n"))]
    return data


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_flash_messages_are_chinese(app, outsourcing, admin_client, switch_language):
    switch_language(admin_client, "zh")
    pages: dict[str, str] = {}
    # a record saved through its form
    listing = _get(admin_client, "/admin/records/supplier/")
    rid = re.search(r'<tr data-id="(\d+)"', listing).group(1)
    form = _get(admin_client, f"/admin/records/supplier/edit/?id={rid}")
    data = _form_data(form)
    resp = admin_client.post(f"/admin/records/supplier/edit/?id={rid}", data=data, follow_redirects=True)
    pages["saved"] = resp.get_data(as_text=True)
    assert "alert-success" in pages["saved"], re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', pages["saved"], re.S)
    # a form refused: a stale version
    resp = admin_client.post(f"/admin/records/supplier/edit/?id={rid}", data={**data, "RB_VERSION": "0"},
                             follow_redirects=True)
    pages["stale"] = resp.get_data(as_text=True)
    # a form refused: a required field left empty
    resp = admin_client.post("/admin/records/supplier/new/", data={"csrf_token": data["csrf_token"]},
                             follow_redirects=True)
    pages["refused"] = resp.get_data(as_text=True)
    # records moved to the trash from the list, then one restored
    resp = admin_client.post("/admin/records/risk/action/", data={
        "action": "delete", "rowid": re.findall(r'<tr data-id="(\d+)"', _get(admin_client, "/admin/records/risk/"))[:2],
        "csrf_token": _csrf(listing)}, follow_redirects=True)
    pages["trashed"] = resp.get_data(as_text=True)
    trash = _get(admin_client, "/admin/records/risk/trash/")
    gone = re.search(r'name="id" value="(\d+)"', trash).group(1)
    resp = admin_client.post("/admin/records/risk/restore/", data={"id": gone, "csrf_token": _csrf(trash)},
                             follow_redirects=True)
    pages["restored"] = resp.get_data(as_text=True)
    for name, page in pages.items():
        assert 'class="alert' in page, name
    found = _english(pages)
    assert not found, _report(found)
