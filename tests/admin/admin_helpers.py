"""Helpers for the admin tests: forms are always posted with the CSRF token their page carries."""
from __future__ import annotations

import html
import re
from typing import Any


from recordbase.metamodel.service import MetamodelService
from support import csrf_token_from


def page_text(resp) -> str:
    return resp.get_data(as_text=True)



def token_for(client, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return csrf_token_from(page_text(resp))


def post_form(client, url: str, data: dict, token_url: str | None = None, **kw: Any):
    """POST ``data`` to ``url`` with the CSRF token of the page at ``token_url`` (default: ``url``)."""
    body = dict(data)
    body["csrf_token"] = token_for(client, token_url or url)
    return client.post(url, data=body, **kw)


def field_errors(page: str, input_name: str) -> list[str]:
    """The error messages Flask-Admin shows beside the input named ``input_name``."""
    m = re.search(r'<div class="form-group[^"]*">\s*<label for="%s".*?(?=<div class="form-group|<h3>|</fieldset>|</form>|<hr>|<button)'
                  % re.escape(input_name), page, re.S)
    assert m, f"no form group for {input_name}"
    block = m.group(0)
    feedback = re.search(r'<div class="invalid-feedback">(.*?)</div>', block, re.S)
    if not feedback:
        return []
    return [html.unescape(e).strip() for e in re.findall(r"<li>(.*?)</li>", feedback.group(1), re.S)]


def create_type(sessions, data: dict) -> None:
    with sessions.begin() as s:
        MetamodelService(s).create_type(data)


def add_field(sessions, type_name: str, data: dict) -> None:
    with sessions.begin() as s:
        MetamodelService(s).add_field(type_name, data)


SUPPLIER = {
    "name": "supplier", "label": "Supplier", "label_zh": "供应商", "app": "Procurement",
    "fields": [
        {"name": "name", "label": "Name", "label_zh": "名称", "type": "text", "required": True},
        {"name": "score", "label": "Score", "label_zh": "评分", "type": "number", "section": "Rating",
         "help_text": "From 0 to 100"},
        {"name": "status", "label": "Status", "label_zh": "状态", "type": "single_select",
         "options": {"choices": [{"value": "active", "label": "Active", "label_zh": "合作中"}, "paused"]}},
        {"name": "email", "label": "Email", "type": "email"},
        {"name": "since", "label": "Since", "type": "date"},
        {"name": "code", "label": "Code", "type": "autonumber", "options": {"pattern": "S-{000}"}},
    ],
}


def create_record(client, type_name: str, data: dict):
    return post_form(client, f"/admin/records/{type_name}/new/", data)
