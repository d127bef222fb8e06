"""The rule builder's value inputs for link fields search the target by title as one types (the record
forms' link picker), whatever the number of target records, as the user may read them; the records a
rule already names are shown by title."""
from __future__ import annotations

import html as htmllib
import json
import re

from recordbase.access.roles import create_role
from recordbase.auth import create_user
from recordbase.context import platform
from recordbase.metamodel.service import MetamodelService

from support import csrf_token_from

from .helpers import ok


def _attr(page: str, name: str, within: str = "") -> dict:
    m = re.search(within + r'[^>]*?' + name + r'="([^"]*)"', page, re.S)
    assert m, name
    return json.loads(htmllib.unescape(m.group(1)))


def _link_entry(catalog: dict, name: str) -> dict:
    return next(f for f in catalog["fields"] if f["name"] == name)


def test_link_values_are_searched_not_listed(evaluation, admin_client):
    auto = evaluation
    evs = [auto.create("evaluation", period=f"2026-{i:03d}", total=i) for i in range(1, 26)]
    late = evs[-1]
    rule = auto.rule(name="Follow up", type="corrective_action", trigger={"on": "record_created"},
                     condition={"field": "evaluation", "op": "eq", "value": late["id"]},
                     actions=[{"do": "create_record", "type": "corrective_action",
                               "values": {"title": "again", "evaluation": evs[3]["id"]}}])
    page = admin_client.get(f"/admin/rules/{rule['id']}/edit/").get_data(as_text=True)
    catalog = _attr(page, "data-catalog", 'class="rb-condition-builder"')
    entry = _link_entry(catalog, "evaluation")
    assert "choices" not in entry  # no list of the first N records: a search
    assert entry["picker"] == "/admin/records/corrective_action/link-options/?field=evaluation"
    chosen = {"evaluation": {str(late["id"]): "2026-025", str(evs[3]["id"]): "2026-004"}}
    assert catalog["titles"] == chosen  # (the condition's and the actions' records)
    # the actions builder: the same picker for a link value, and the chosen record's title
    types = _attr(page, "data-types")
    assert _link_entry(types["corrective_action"], "evaluation")["picker"] == entry["picker"]
    assert "choices" not in _link_entry(types["corrective_action"], "evaluation")
    assert _attr(page, "data-titles") == chosen
    assert "tom-select.complete.min.js" in page and "forms_details.js" in page
    # the picker finds any record by its title, a page at a time
    found = admin_client.get(entry["picker"] + "&q=2026-025").get_json()
    assert found["results"] == [{"id": str(late["id"]), "text": "2026-025"}]
    first = admin_client.get(entry["picker"] + "&q=2026").get_json()
    assert len(first["results"]) == 20 and first["next"]


def test_the_picker_offers_only_what_the_user_may_read(evaluation, app, admin_client):
    auto = evaluation
    auto.create("evaluation", period="secret-1", total=1)
    sessions = platform(app).sessions
    with sessions.begin() as s:
        create_role(s, {"name": "ca_only", "label": "CA only",
                        "permissions": {"corrective_action": {"actions": ["read", "create", "update"]}}},
                    MetamodelService(s).schema())
        create_user(s, "ca@example.com", "ca-password-1", role="ca_only")
    client = app.test_client()
    token = csrf_token_from(client.get("/admin/login/").get_data(as_text=True))
    client.post("/admin/login/", data={"email": "ca@example.com", "password": "ca-password-1", "csrf_token": token})
    body = client.get("/admin/records/corrective_action/link-options/?field=evaluation&q=secret").get_json()
    assert body == {"results": [], "next": None}
    assert ok(auto.api.get("/api/v1/records/evaluation"))["records"]  # (there is one to hide)
