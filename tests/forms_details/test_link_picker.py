"""The searchable link picker: type-ahead over the target's titles, a page at a time, only what the
user may read, never a hidden field; 1,200 targets and the last one is found and picked."""
from __future__ import annotations

from recordbase.context import platform

from .helpers import csrf_token_from, ok, records, store_of, text

URL = "/admin/records/evaluation_item/link-options/"


def _kpis(app, n: int) -> None:
    with platform(app).sessions.begin() as s:
        store_of(app, s).create_many("kpi", [{"name": f"KPI {i:04d}", "secret": f"hush-{i}"} for i in range(1, n + 1)])


def options(client, **args) -> dict:
    resp = client.get(URL, query_string=args)
    assert resp.status_code == 200, text(resp)[:500]
    assert resp.headers["Cache-Control"] == "no-store"
    return resp.get_json()


def test_the_last_of_1200_targets_is_found_by_typing_and_picked(app, world, admin_client):
    _kpis(app, 1200)
    found = options(admin_client, field="kpi", q="KPI 1200")
    assert found["results"] and found["results"][0]["text"] == "KPI 1200" and found["next"] is None
    last_id = found["results"][0]["id"]
    # an empty search pages through every target, 20 at a time, to the very last
    seen, after = [], None
    for _page in range(100):
        page = options(admin_client, field="kpi", q="", **({"after": after} if after else {}))
        assert len(page["results"]) <= 20
        seen += page["results"]
        after = page["next"]
        if not after:
            break
    assert len(seen) == 1200 and seen[-1]["id"] == last_id
    # picked: the create form takes it, the edit form shows its title
    ev = ok(world.post("/api/v1/records/evaluation", json={"fields": {"evaluation_no": "EV-1"}}), 201)["id"]
    token = csrf_token_from(text(admin_client.get("/admin/records/evaluation_item/new/")))
    resp = admin_client.post("/admin/records/evaluation_item/new/", data={
        "csrf_token": token, "evaluation": str(ev), "kpi": last_id, "score": "90"})
    assert resp.status_code == 302, text(resp)[-1500:]
    [item] = records(app, "evaluation_item")
    assert item.values["kpi"] == int(last_id)
    edit = text(admin_client.get(f"/admin/records/evaluation_item/edit/?id={item.id}"))
    assert f'<option selected value="{last_id}">KPI 1200</option>' in edit


def test_search_by_title_and_by_id_bounded_text(app, world, admin_client):
    _kpis(app, 30)
    assert [r["text"] for r in options(admin_client, field="kpi", q="kpi 002")["results"]] == [
        f"KPI {i:04d}" for i in range(20, 30)]
    assert options(admin_client, field="kpi", q="3")["results"][0]["id"] == "3"  # an id, or titles with a 3
    assert options(admin_client, field="kpi", q="nothing like it")["results"] == []
    assert options(admin_client, field="kpi", q="x" * 5000)["results"] == []  # cut, not refused
    assert options(admin_client, field="kpi", q="%")["results"] == []  # a wildcard is text
    assert options(admin_client, field="kpi", q="", after="not-a-cursor") == {"results": [], "next": None}
    assert admin_client.get(URL, query_string={"field": "score"}).status_code == 404  # not a link
    assert admin_client.get(URL, query_string={"field": "nope"}).status_code == 404


def test_only_targets_the_user_may_read_and_never_a_hidden_field(app, world, person):
    _kpis(app, 5)
    # reads items and the KPIs with a name ending in 2 or 4; the KPI title is visible
    rows = person({"name": "kpi_rows", "label": "KPI rows", "permissions": {
        "evaluation_item": {"actions": ["read", "create", "update"]},
        "kpi": {"actions": ["read"], "rows": {"or": [{"field": "name", "op": "contains", "value": "2"},
                                                      {"field": "name", "op": "contains", "value": "4"}]}}}})
    assert [r["text"] for r in rows.get(URL, query_string={"field": "kpi"}).get_json()["results"]] == [
        "KPI 0002", "KPI 0004"]
    assert rows.get(URL, query_string={"field": "kpi", "q": "1"}).get_json()["results"] == []  # id 1: not theirs
    # may not read KPIs at all: nothing is offered
    blind = person({"name": "no_kpi", "label": "No KPI", "permissions": {
        "evaluation_item": {"actions": ["read", "create"]}}})
    assert blind.get(URL, query_string={"field": "kpi", "q": "KPI"}).get_json() == {"results": [], "next": None}
    # the KPI's text fields hidden: neither searched nor shown (records show as "Kpi #id")
    hidden = person({"name": "kpi_hidden", "label": "KPI hidden", "permissions": {
        "evaluation_item": {"actions": ["read", "create"]},
        "kpi": {"actions": ["read"], "hidden_fields": ["name", "secret"]}}})
    body = hidden.get(URL, query_string={"field": "kpi", "q": ""}).get_json()
    assert [r["text"] for r in body["results"]] == [f"Kpi #{i}" for i in range(1, 6)]
    assert hidden.get(URL, query_string={"field": "kpi", "q": "KPI 0002"}).get_json()["results"] == []
    assert "hush" not in text(hidden.get(URL, query_string={"field": "kpi", "q": "hush"}))
    # the link field itself hidden from the user: as if it did not exist
    no_link = person({"name": "no_link", "label": "No link", "permissions": {
        "evaluation_item": {"actions": ["read", "create"], "hidden_fields": ["kpi"]}, "kpi": {"actions": ["read"]}}})
    assert no_link.get(URL, query_string={"field": "kpi"}).status_code == 404
    # a user who may not read the items' type: no picker for its fields
    other = person({"name": "other", "label": "Other", "permissions": {"kpi": {"actions": ["read"]}}})
    assert other.get(URL, query_string={"field": "kpi"}).status_code == 403


def test_many_links_take_several_values(app, world, admin_client):
    ok(world.post("/api/v1/types/evaluation/fields", json={
        "name": "kpis", "label": "KPIs", "type": "link", "options": {"target": "kpi", "many": True}}), 201)
    _kpis(app, 3)
    page = text(admin_client.get("/admin/records/evaluation/new/"))
    assert 'data-rb-many="1"' in page and 'multiple' in page
    token = csrf_token_from(page)
    resp = admin_client.post("/admin/records/evaluation/new/", data={
        "csrf_token": token, "evaluation_no": "EV-9", "kpis": ["1", "3"]})
    assert resp.status_code == 302, text(resp)[-1500:]
    [ev] = records(app, "evaluation")
    assert ev.values["kpis"] == [1, 3]
    edit = text(admin_client.get(f"/admin/records/evaluation/edit/?id={ev.id}"))
    assert "KPI 0001" in edit and "KPI 0003" in edit and "KPI 0002" not in edit


def test_the_pickers_urls_follow_the_script_root_of_each_request(app, world, admin_client):
    """The same app reached under two prefixes (a proxy's SCRIPT_NAME): the list's link filter and the
    form's link picker each name the picker under the prefix of the request that drew the page (the
    filter groups are kept per delegate: a URL kept from the first request would be wrong for the other)."""
    import html
    import json
    import re

    def picker_urls(prefix: str) -> tuple[set, str]:
        listing = text(admin_client.get("/admin/records/evaluation_item/", environ_overrides={"SCRIPT_NAME": prefix}))
        data = re.search(r'<div id="filter-groups-data" class="d-none">(.*?)</div>', listing, re.S).group(1)
        pickers = {i["picker"] for items in json.loads(html.unescape(data)).values() for i in items if i.get("picker")}
        form = text(admin_client.get("/admin/records/evaluation_item/new/", environ_overrides={"SCRIPT_NAME": prefix}))
        return pickers, re.search(r'data-rb-picker="([^"]+)"', form).group(1)

    for prefix in ("/one", "/two", ""):
        pickers, in_form = picker_urls(prefix)
        assert pickers and all(p.startswith(f"{prefix}/admin/records/evaluation_item/link-options/?field=")
                               for p in pickers), (prefix, pickers)
        assert in_form.startswith(f"{prefix}/admin/records/evaluation_item/link-options/?field="), (prefix, in_form)
