"""A webhook's secret is write-only: never shown (API, admin, pack export), kept when a change does not
speak of it (the admin's form saved as shown, a client sending back what it read), removed on request;
a webhook without one is sent without a signature."""
from __future__ import annotations

import hashlib
import hmac
import json

from .helpers import ok
from .test_admin import _csrf, builder_form

SECRET = "whsec-keep-me-7Hq"


def _hook_rule(auto, url: str) -> dict:
    return auto.rule(name="Hook", type="evaluation", trigger={"on": "record_updated", "fields": ["total"]},
                     actions=[{"do": "webhook", "url": url, "secret": SECRET}])


def _fire(auto, hook, total: int) -> dict:
    ev = auto.create("evaluation", period="p", total=1)
    auto.update("evaluation", ev["id"], total=total)
    auto.work()
    return hook.delivered[-1]


def _signed(request) -> bool:
    expected = "sha256=" + hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
    return request["headers"].get("X-Recordbase-Signature") == expected


def test_the_admin_form_shows_that_a_secret_is_set_and_keeps_it(evaluation, admin_client, hook):
    auto = evaluation
    rule = _hook_rule(auto, hook.url)
    edit = admin_client.get(f"/admin/rules/{rule['id']}/edit/").get_data(as_text=True)
    assert SECRET not in edit and "has_secret" in edit and "rb-clear-secrets" in edit
    for page in ("/admin/rules/", "/admin/rules/runs/"):
        assert SECRET not in admin_client.get(page).get_data(as_text=True)
    shown = [{"do": "webhook", "url": hook.url, "has_secret": True}]  # the actions as the form shows them
    form = builder_form(_csrf(admin_client, f"/admin/rules/{rule['id']}/edit/"), name="Hook", fields="total",
                        cond_field=[""], cond_op=["eq"], cond_value=[""], actions_json=json.dumps(shown))
    assert admin_client.post(f"/admin/rules/{rule['id']}/edit/", data=form).status_code == 302
    assert _signed(_fire(auto, hook, 50))  # the secret was kept: still signed with it
    # a failed save does not show a newly typed secret again
    bad = builder_form(_csrf(admin_client, f"/admin/rules/{rule['id']}/edit/"), name="", actions_json=json.dumps(
        [{"do": "webhook", "url": hook.url, "secret": "typed-new-secret"}]))
    page = admin_client.post(f"/admin/rules/{rule['id']}/edit/", data=bad).get_data(as_text=True)
    assert "typed-new-secret" not in page and "type it again" in page
    # the box removes it: the webhook is then sent unsigned
    form["csrf_token"] = _csrf(admin_client, f"/admin/rules/{rule['id']}/edit/")
    form["clear_secrets"] = "1"
    assert admin_client.post(f"/admin/rules/{rule['id']}/edit/", data=form).status_code == 302
    assert "has_secret" not in json.dumps(ok(auto.api.get(f"/api/v1/rules/{rule['id']}")))
    assert "X-Recordbase-Signature" not in _fire(auto, hook, 40)["headers"]


def test_a_client_sending_back_what_it_read_keeps_the_secret(evaluation, hook):
    auto = evaluation
    rule = _hook_rule(auto, hook.url)
    read = ok(auto.api.get(f"/api/v1/rules/{rule['id']}"))
    assert read["actions"] == [{"do": "webhook", "url": hook.url, "has_secret": True}]
    ok(auto.api.patch(f"/api/v1/rules/{rule['id']}", json=read))
    ok(auto.api.patch(f"/api/v1/rules/{rule['id']}", json={"actions": [{"do": "webhook", "url": hook.url}]}))
    assert _signed(_fire(auto, hook, 50))
    # another URL asks for the secret again; null removes it
    moved = ok(auto.api.patch(f"/api/v1/rules/{rule['id']}", json={"actions": [
        {"do": "webhook", "url": hook.url + "?v=2"}]}))
    assert "has_secret" not in moved["actions"][0]
    again = ok(auto.api.patch(f"/api/v1/rules/{rule['id']}", json={"actions": [
        {"do": "webhook", "url": hook.url, "secret": SECRET}]}))
    assert again["actions"][0]["has_secret"] is True
    gone = ok(auto.api.patch(f"/api/v1/rules/{rule['id']}", json={"actions": [
        {"do": "webhook", "url": hook.url, "secret": None}]}))
    assert "has_secret" not in gone["actions"][0]
