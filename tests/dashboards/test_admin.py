"""Building a dashboard in the admin (forms, no JSON), its widgets' data and their links to the records."""
from __future__ import annotations

import re

from sqlalchemy import select

from recordbase.dashboards.models import Dashboard

from support import csrf_token_from


def post(client, url, data, page=None):
    token = csrf_token_from(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def make_dashboard(client) -> int:
    resp = post(client, "/admin/dashboards/new/", {"name": "Overview", "name_zh": "总览", "app": ""},
                page="/admin/dashboards/")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:800]
    return int(re.search(r"/admin/dashboards/(\d+)/edit/", resp.headers["Location"]).group(1))


def test_build_a_chart_and_follow_a_bar(admin_client, tickets, sessions):
    did = make_dashboard(admin_client)
    url = f"/admin/dashboards/{did}/widgets/new/?kind=chart&type=ticket"
    page = admin_client.get(url).get_data(as_text=True)
    assert 'name="group_by_field"' in page and "<textarea" not in page
    resp = post(admin_client, url, {"kind": "chart", "type": "ticket", "title": "By status", "width": "6",
                                    "chart": "bar", "group_by_field": "status", "split_by_field": "region",
                                    "metric_function": "sum", "metric_of": "amount", "target": "8"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    with sessions() as s:
        d = s.scalars(select(Dashboard).where(Dashboard.id == did)).one()
        assert d.document["widgets"] == [{"kind": "chart", "type": "ticket", "width": 6, "title": "By status", "options": {
            "chart": "bar", "group_by": {"field": "status"}, "split_by": {"field": "region"},
            "metric": {"function": "sum", "field": "amount"}, "target": 8.0, "stacked": False}}]
    show = admin_client.get(f"/admin/dashboards/{did}/").get_data(as_text=True)
    assert "echarts-5.5.1/echarts.min.js" in show and "By status" in show
    resp = admin_client.get(f"/admin/dashboards/{did}/widgets/1/data")
    assert resp.status_code == 200 and resp.is_json, resp.get_data(as_text=True)[:3000]
    data = resp.get_json()
    assert data["categories"] == ["Open", "Done"]
    assert [(s["name"], [p["value"] for p in s["points"]]) for s in data["series"]] == [
        ("east", [10, 7.5]), ("west", [5, 0])]
    link = data["series"][0]["points"][0]["link"]
    listed = admin_client.get(link).get_data(as_text=True)
    assert "T open 10" in listed and "T open 5" not in listed and "T done" not in listed


def test_a_sum_of_text_is_told_beside_the_form(admin_client, tickets):
    did = make_dashboard(admin_client)
    url = f"/admin/dashboards/{did}/widgets/new/?kind=number&type=ticket"
    resp = post(admin_client, url, {"kind": "number", "type": "ticket", "width": "3", "metric_function": "sum",
                                    "metric_of": "status", "period": "month"})
    assert resp.status_code == 200 and "needs a number field" in resp.get_data(as_text=True)


def test_move_and_remove(admin_client, tickets, sessions):
    did = make_dashboard(admin_client)
    for kind, extra in (("number", {"metric_function": "count", "period": "month"}),
                        ("top_n", {"group_by_field": "status", "metric_function": "count", "n": "5"})):
        url = f"/admin/dashboards/{did}/widgets/new/?kind={kind}&type=ticket"
        assert post(admin_client, url, {"kind": kind, "type": "ticket", "width": "4", **extra}).status_code == 302
    edit = f"/admin/dashboards/{did}/edit/"
    assert post(admin_client, f"/admin/dashboards/{did}/widgets/1/move/", {"direction": "down"}, page=edit).status_code == 302
    with sessions() as s:
        assert [w["kind"] for w in s.get(Dashboard, did).document["widgets"]] == ["top_n", "number"]
    top = admin_client.get(f"/admin/dashboards/{did}/widgets/1/data").get_json()
    assert [(r["label"], r["value"]) for r in top["rows"]] == [("Open", 2), ("Done", 1)]
    assert post(admin_client, f"/admin/dashboards/{did}/widgets/1/remove/", {}, page=edit).status_code == 302
    with sessions() as s:
        assert [w["kind"] for w in s.get(Dashboard, did).document["widgets"]] == ["number"]
    number = admin_client.get(f"/admin/dashboards/{did}/widgets/1/data").get_json()
    assert number["value"] == 3



def _labels(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r"<label[^>]*>(.*?)</label>", page, re.S)]


def _selected(page: str, name: str) -> str:
    """The value of the option selected in the page's select ``name``."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    option = re.search(r'<option (?:selected value="([^"]*)"|value="([^"]*)" selected)', select)
    return option.group(1) or option.group(2)


def test_each_dimension_has_its_own_dates_by(admin_client, tickets, sessions, switch_language):
    """Two dates, each bucketed its own way; each "dates by" field once, named for its dimension."""
    did = make_dashboard(admin_client)
    url = f"/admin/dashboards/{did}/widgets/new/?kind=chart&type=ticket"
    page = admin_client.get(url).get_data(as_text=True)
    assert page.count('name="group_by_bucket"') == 1 and page.count('name="split_by_bucket"') == 1
    assert 'name="bucket"' not in page
    labels = _labels(page)
    assert labels.count("Group dates by") == 1 and labels.count("Series dates by") == 1, labels
    assert len(labels) == len(set(labels)), labels
    # the bucket sits right after its dimension, and the page knows which fields are dates
    names = re.findall(r'<select[^>]*name="([a-z_]+)"', page)
    assert names.index("group_by_bucket") == names.index("group_by_field") + 1
    assert names.index("split_by_bucket") == names.index("split_by_field") + 1
    assert 'data-rb-bucket-of="split_by_field"' in page and "recordbase/widget_form.js" in page
    assert re.search(r'data-rb-dates="\[&#34;created_at&#34;, &#34;opened&#34;, &#34;updated_at&#34;\]"', page), page
    resp = post(admin_client, url, {"kind": "chart", "type": "ticket", "title": "Opened by month, per year", "width": "6",
                                    "chart": "bar", "group_by_field": "opened", "group_by_bucket": "month",
                                    "split_by_field": "created_at", "split_by_bucket": "year", "metric_function": "count"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    with sessions() as s:
        options = s.get(Dashboard, did).document["widgets"][0]["options"]
    assert options["group_by"] == {"field": "opened", "bucket": "month"}
    assert options["split_by"] == {"field": "created_at", "bucket": "year"}
    data = admin_client.get(f"/admin/dashboards/{did}/widgets/1/data").get_json()
    assert data["categories"] == ["2026-01", "2026-02"] and len(data["series"]) == 1, data
    assert [p["value"] for p in data["series"][0]["points"]] == [1, 2]
    edit = admin_client.get(f"/admin/dashboards/{did}/widgets/1/edit/").get_data(as_text=True)
    assert (_selected(edit, "group_by_bucket"), _selected(edit, "split_by_bucket")) == ("month", "year")
    # a bucket on what is not a date is told beside that bucket; the other dimension's bucket stands
    heat = url.replace("chart", "heatmap")
    resp = post(admin_client, heat, {"kind": "heatmap", "type": "ticket", "width": "6", "x_field": "status",
                                     "x_bucket": "week", "y_field": "opened", "y_bucket": "month",
                                     "metric_function": "count"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and body.count("Only a date is grouped by a period") == 1
    assert re.search(r'name="x_bucket".*?</select>\s*<div class="invalid-feedback d-block">Only a date', body, re.S)
    with sessions() as s:
        assert len(s.get(Dashboard, did).document["widgets"]) == 1
    switch_language(admin_client, "zh")
    labels = _labels(admin_client.get(heat).get_data(as_text=True))
    assert labels.count("列日期粒度") == 1 and labels.count("行日期粒度") == 1 and "Column dates by" not in labels, labels
    assert len(labels) == len(set(labels)), labels


def _headings(page: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", m).split()) for m in re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", page, re.S)]


def test_each_dashboards_page_has_its_title_once(admin_client, tickets):
    """Flask-Admin's heading (the view's name) is not repeated by the page's own."""
    did = make_dashboard(admin_client)
    index = _headings(admin_client.get("/admin/dashboards/").get_data(as_text=True))
    assert index.count("Dashboards") == 1, index
    for url, title in ((f"/admin/dashboards/{did}/", "Overview Edit"),
                       (f"/admin/dashboards/{did}/edit/", "Edit dashboard: Overview Open the dashboard"),
                       (f"/admin/dashboards/{did}/widgets/new/?kind=chart&type=ticket", "Chart · Ticket")):
        headings = _headings(admin_client.get(url).get_data(as_text=True))
        assert headings[0] == title and "Dashboards" not in headings and \
            sum(1 for h in headings if "Overview" in h or "Chart" in h) == 1, (url, headings)
