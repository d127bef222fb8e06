"""The admin's workflow editor (``/admin/workflows/``): a workflow built through the form, a pack's
workflow saved unchanged gives the same document, problems beside the inputs, refused to viewers
and editors."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from werkzeug.datastructures import MultiDict

from support import csrf_token_from

from .helpers import ok, workflow_doc


class _FormFields(HTMLParser):
    """What a browser posts for the page's editor form (inputs, checked boxes, selected options, textareas)."""

    def __init__(self, form_class: str):
        super().__init__()
        self.form_class, self.inside, self.pairs = form_class, False, []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = self.form_class in (a.get("class") or "")
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.pairs.append((a["name"], a.get("value") or "y"))
            elif a.get("type") != "submit":
                self.pairs.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.pairs.append((self._select, a.get("value") or ""))
        elif tag == "textarea":
            self._textarea = [a.get("name"), ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.pairs.append(tuple(self._textarea))
            self._textarea = None


def posted(html: str) -> list[tuple[str, str]]:
    p = _FormFields("rb-workflow-editor")
    p.feed(html)
    return p.pairs


def _set(pairs: list, name: str, *values: str) -> list:
    return [kv for kv in pairs if kv[0] != name] + [(name, v) for v in values]


def test_build_a_workflow_through_the_form(flow, api, admin_client):
    ok(api.delete("/api/v1/workflows/contract"), 200) if api.get("/api/v1/workflows/contract").status_code == 200 else None
    page = admin_client.get("/admin/workflows/contract/").get_data(as_text=True)
    assert "Define" not in page and "草稿" not in page and "#f0ad4e" in page  # states with their colours
    pairs = posted(page)
    for name, values in {
        "initial": ["draft"], "name": ["Contract approval"], "name_zh": ["合同审批"],
        "transitions-0-name": ["submit"], "transitions-0-label": ["Submit"], "transitions-0-label_zh": ["提交"],
        "transitions-0-sources": ["draft", "rejected"], "transitions-0-to": ["in_approval"],
        "transitions-0-required_fields": ["value"], "transitions-0-user_fields": ["owner"],
        "transitions-0-roles": ["editor"], "transitions-0-users": ["boss@x.cn"],
        "transitions-0-condition": ['{"field": "value", "op": "gt", "value": 0}'],
        "transitions-1-name": ["terminate"], "transitions-1-label": ["Terminate"], "transitions-1-sources": ["active"],
        "transitions-1-to": ["draft"], "transitions-1-comment_required": ["y"],
        "states-1-approved": ["active"], "states-1-rejected": ["rejected"], "states-1-locked_fields": ["value"],
        "levels-0-state": ["in_approval"], "levels-0-label": ["Finance"], "levels-0-roles": ["owner", "builder"],
        "levels-0-policy": ["n_of_m"], "levels-0-n": ["2"],
    }.items():
        pairs = _set(pairs, name, *values)
    resp = admin_client.post("/admin/workflows/contract/", data=MultiDict(pairs))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    doc = ok(api.get("/api/v1/workflows/contract"))
    doc = doc.get("definition", doc)
    assert doc["name_zh"] == "合同审批" and doc["initial"] == "draft"
    submit = doc["transitions"][0]
    assert submit == {"name": "submit", "label": "Submit", "label_zh": "提交", "from": ["draft", "rejected"],
                      "to": "in_approval", "required_fields": ["value"],
                      "allowed": [{"role": "editor"}, {"user": "boss@x.cn"}, {"user_field": "owner"}],
                      "condition": {"field": "value", "op": "gt", "value": 0}}
    assert doc["transitions"][1]["comment_required"] is True and len(doc["transitions"]) == 2
    assert doc["states"] == [{"value": "in_approval", "locked_fields": ["value"], "approval": {
        "levels": [{"label": "Finance", "approvers": [{"role": "owner"}, {"role": "builder"}], "policy": "n_of_m", "n": 2}],
        "approved": "active", "rejected": "rejected", "allow_self_approval": False}}]


def test_a_pack_workflow_saved_unchanged_is_the_same_document(app, admin_client, sessions, switch_language):
    from recordbase.packs.installer import install
    from recordbase.packs.loader import load
    from recordbase.workflow.models import Workflow

    with sessions.begin() as s:
        install(s, load("outsourcing"))
    for type_name in ("contract", "supplier", "evaluation", "corrective_action"):
        with sessions() as s:
            before = s.query(Workflow).filter_by(type_name=type_name).one().definition
        page = admin_client.get(f"/admin/workflows/{type_name}/").get_data(as_text=True)
        resp = admin_client.post(f"/admin/workflows/{type_name}/", data=MultiDict(posted(page)))
        assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
        with sessions() as s:
            assert s.query(Workflow).filter_by(type_name=type_name).one().definition == before
    switch_language(admin_client, "zh")
    page = admin_client.get("/admin/workflows/contract/").get_data(as_text=True)
    assert "审批层级" in page and "提交审批" in page and "Transitions" not in page


def test_every_key_of_a_workflow_round_trips(flow, api, admin_client):
    doc = workflow_doc(allow_self_approval=True)
    doc.update(name="Contracts", name_zh="合同")
    level = doc["states"][0]["approval"]["levels"][0]
    level.update(due_days=3, on_overdue={"notify": True, "transition": "withdraw",
                                         "escalate_to": [{"role": "finance"}, {"user": "boss@x.cn"}, {"user_field": "owner"}]})
    doc["transitions"][0].update(condition={"and": [{"field": "value", "op": "gt", "value": 10}]},
                                 allowed=[{"role": "quality"}, {"user": "a@x.cn"}, {"user": "b@x.cn"}])
    doc["states"][0]["approval"]["levels"].append({"approvers": [{"user_field": "owner"}, {"user": "c@x.cn"}],
                                                   "policy": "n_of_m", "n": 2})
    ok(api.put("/api/v1/workflows/contract", json=doc))
    page = admin_client.get("/admin/workflows/contract/").get_data(as_text=True)
    resp = admin_client.post("/admin/workflows/contract/", data=MultiDict(posted(page)))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    got = ok(api.get("/api/v1/workflows/contract"))
    assert got.get("definition", got) == doc


def _beside(html: str, input_id: str) -> str:
    """What the page shows right after the input (its errors)."""
    m = re.search(rf'id="{input_id}"[^>]*>(?:</select>|</textarea></div>)?(.{{0,300}})', html, re.S)
    assert m, input_id
    return m.group(1).split('<div class="form-group')[0]


def test_problems_are_shown_beside_the_inputs(flow, admin_client):
    page = admin_client.get("/admin/workflows/contract/").get_data(as_text=True)
    pairs = _set(posted(page), "transitions-1-name", "approve")  # reserved
    pairs = _set(pairs, "transitions-2-user_fields", "note")  # not a user field: refused by the choices
    resp = admin_client.post("/admin/workflows/contract/", data=MultiDict(pairs))
    assert resp.status_code == 422
    assert "Not a valid choice: note" in _beside(resp.get_data(as_text=True), "transitions-2-user_fields")
    pairs = _set(pairs, "transitions-2-user_fields")
    pairs = _set(pairs, "levels-1-policy", "n_of_m")
    pairs = _set(pairs, "levels-1-n", "5")  # level 2 of in_approval has one approver
    resp = admin_client.post("/admin/workflows/contract/", data=MultiDict(pairs))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "correct the marked inputs" in html
    assert "reserved for approvals" in _beside(html, "transitions-1-name")
    assert "the level has 1 approvers" in _beside(html, "levels-1-n")
    assert "reserved" not in _beside(html, "transitions-0-name")
    pairs = _set(pairs, "transitions-1-name", "withdraw")
    pairs = _set(pairs, "levels-1-n", "1")
    pairs = _set(pairs, "transitions-2-to", "")  # a schema problem: "terminate" goes nowhere
    html = admin_client.post("/admin/workflows/contract/", data=MultiDict(pairs)).get_data(as_text=True)
    assert "should be non-empty" in _beside(html, "transitions-2-to")


def test_refused_to_viewers_and_editors(flow, app):
    from support import csrf_token_from as _csrf

    from .helpers import PASSWORD

    for role in ("viewer", "editor"):
        email = f"{role}-wf@x.cn"
        flow.user(email, role)
        client = app.test_client()
        token = _csrf(client.get("/admin/login/").get_data(as_text=True))
        assert client.post("/admin/login/", data={"email": email, "password": PASSWORD,
                                                   "csrf_token": token}).status_code in (302, 303)
        assert client.get("/admin/workflows/contract/").status_code in (403, 404)
        token = _csrf(client.get("/admin/workflows/").get_data(as_text=True))
        assert client.post("/admin/workflows/contract/delete/", data={"csrf_token": token}).status_code in (403, 404)
        assert "/admin/workflows/contract/" not in client.get("/admin/workflows/").get_data(as_text=True)


def test_delete(flow, api, admin_client):
    token = csrf_token_from(admin_client.get("/admin/workflows/contract/").get_data(as_text=True))
    assert admin_client.post("/admin/workflows/contract/delete/", data={"csrf_token": token}).status_code == 302
    assert api.get("/api/v1/workflows/contract").status_code == 404
