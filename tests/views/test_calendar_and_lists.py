"""The calendar (a month of records on their days, a drag that reschedules), the gallery, and the
records list through a saved view, grouped, and saved from the admin."""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

from .helpers import ok, page_csrf, sign_in


def _days(html: str) -> dict:
    out = {}
    for m in re.finditer(r'<td data-day="([\d-]+)"[^>]*>(.*?)</td>', html, re.S):
        out[m.group(1)] = [int(x) for x in re.findall(r'rb-cal-item"[^>]*data-id="(\d+)"', m.group(2))]
    return out


def test_a_month_shows_records_on_their_days(admin_client, tasks):
    days = _days(admin_client.get("/admin/calendar/task/?date_field=due&date=2026-12-01").get_data(as_text=True))
    assert days["2026-12-01"] == [tasks["t1"]] and days["2026-12-12"] == [tasks["t12"]]
    assert "2026-11-30" in days and days["2026-11-30"] == []  # the week the month starts in
    week = _days(admin_client.get("/admin/calendar/task/?date_field=due&date=2026-12-09&mode=week")
                 .get_data(as_text=True))
    assert sorted(week) == [f"2026-12-{d:02d}" for d in range(7, 14)]
    spans = _days(admin_client.get("/admin/calendar/task/?start_field=starts&end_field=ends&date=2026-12-01")
                  .get_data(as_text=True))
    assert len(spans["2026-12-10"]) == 12 and len(spans["2026-12-12"]) == 12 and spans["2026-12-13"] == []


def _reschedule(client, rid, version, src, dst, query="date_field=due"):
    token = page_csrf(client, f"/admin/calendar/task/?{query}")
    return client.post(f"/admin/calendar/task/move/?{query}", data={
        "id": rid, "version": version, "from": src, "to": dst, "csrf_token": token})


def test_a_drag_reschedules_and_a_stale_one_is_refused(admin_client, api, tasks):
    rid = tasks["t3"]
    ok(_reschedule(admin_client, rid, 1, "2026-12-03", "2026-12-20"))
    assert ok(api.get(f"/api/v1/records/task/{rid}"))["fields"]["due"] == "2026-12-20"
    assert _reschedule(admin_client, rid, 1, "2026-12-20", "2026-12-21").status_code == 409
    # a start/end pair moves whole
    ok(_reschedule(admin_client, rid, 2, "2026-12-11", "2026-12-14", "start_field=starts&end_field=ends"))
    fields = ok(api.get(f"/api/v1/records/task/{rid}"))["fields"]
    assert (fields["starts"], fields["ends"]) == ("2026-12-13", "2026-12-15")


def test_a_viewer_cannot_reschedule(app, api, tasks):
    vera = sign_in(app, "vera@example.com")
    assert 'data-readonly="true"' in vera.get("/admin/calendar/task/?date_field=due&date=2026-12-01").get_data(as_text=True)
    assert _reschedule(vera, tasks["t1"], 1, "2026-12-01", "2026-12-02").status_code == 403
    assert ok(api.get(f"/api/v1/records/task/{tasks['t1']}"))["fields"]["due"] == "2026-12-01"


def test_the_calendar_keeps_to_the_readers_rows(app, tasks):
    rita = sign_in(app, "rita@example.com")
    days = _days(rita.get("/admin/calendar/task/?date_field=due&date=2026-12-01").get_data(as_text=True))
    assert sorted(i for ids in days.values() for i in ids) == sorted(tasks[f"t{i}"] for i in range(1, 6))


def test_the_gallery_shows_cards_with_titles(admin_client, tasks):
    html = admin_client.get("/admin/gallery/task/").get_data(as_text=True)
    assert html.count('class="card rb-gallery-card"') == 12 and "Task 12" in html


def _list_ids(html: str) -> list[int]:
    table = re.search(r'<table class="[^"]*model-list.*?</table>', html, re.S).group(0)
    return list(dict.fromkeys(int(x) for x in re.findall(r'details/\?[^"]*?\bid=(\d+)', table)))


def test_a_saved_view_filters_sorts_and_is_a_stable_link(admin_client, api, tasks):
    view = ok(api.post("/api/v1/views", json={"type": "task", "name": "Doing", "name_zh": "进行中的",
                                              "filter": {"field": "status", "op": "eq", "value": "doing"},
                                              "sort": "-points", "columns": ["title", "points"]}), 201)
    resp = admin_client.get(f"/admin/records/task/?view={view['id']}")
    assert resp.status_code == 302 and "cols=title%2Cpoints" in resp.headers["Location"]
    html = admin_client.get(resp.headers["Location"]).get_data(as_text=True)
    assert _list_ids(html) == [tasks["t9"], tasks["t8"], tasks["t7"], tasks["t6"]]
    assert f'data-view-id="{view["id"]}"' in html
    assert admin_client.get("/admin/records/task/?view=99999").status_code == 404


def test_group_counts_follow_the_filters_and_a_group_narrows_the_list(admin_client, tasks):
    html = admin_client.get("/admin/records/task/?group=status").get_data(as_text=True)
    counts = dict(re.findall(r'data-group="([^"]+)".*?rb-group-count">(\d+)<', html, re.S))
    assert counts == {"todo": "5", "doing": "4", "done": "3"}
    narrowed = admin_client.get("/admin/records/task/?group=status&in=done").get_data(as_text=True)
    assert sorted(_list_ids(narrowed)) == sorted(tasks[f"t{i}"] for i in (10, 11, 12))


def test_rows_limit_group_counts(app, tasks):
    rita = sign_in(app, "rita@example.com")
    html = rita.get("/admin/records/task/?group=status").get_data(as_text=True)
    assert dict(re.findall(r'data-group="([^"]+)".*?rb-group-count">(\d+)<', html, re.S)) == {"todo": "5"}
    assert "Secret" not in re.search(r'<select id="rb-group".*?</select>', html, re.S).group(0)


def test_save_the_current_list_as_a_personal_view_and_reopen_it(app, api, tasks):
    vera = sign_in(app, "vera@example.com")
    html = vera.get("/admin/records/task/?group=status&cols=title,due").get_data(as_text=True)
    save = re.search(r'class="btn btn-sm btn-outline-success mr-2 rb-save-view" href="([^"]+)"', html).group(1)
    save = save.replace("&amp;", "&")
    args = parse_qs(urlsplit(save).query)
    assert args["columns"] == ["title,due"] and args["group_by"] == ["status"]
    form = vera.get(save).get_data(as_text=True)
    assert 'name="shared"' not in form  # a viewer may not share
    token = page_csrf(vera, save)
    resp = vera.post(save, data={"csrf_token": token, "name": "My tasks", "kind": "grid", "grid__group_by": "status",
                                 "columns": "title,due", "sort": "-due",
                                 "filter": json.dumps({"field": "points", "op": "gte", "value": 4})})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    views = ok(api.get("/api/v1/views?type=task"))["views"]
    assert views == []  # personal: not even the owner sees it
    reopened = vera.get(resp.headers["Location"], follow_redirects=True).get_data(as_text=True)
    # grouped by status in its choices' order (to do, doing, done), each group by due date, latest first
    # (the view's group and sort were once dropped: the list came newest record first)
    assert _list_ids(reopened) == [tasks[f"t{i}"] for i in (5, 4, 3, 9, 8, 7, 6, 12, 11, 10)]
    assert "rb-group-count" in reopened


def test_a_refused_save_shows_the_reason_beside_the_field(admin_client, api, tasks):
    ok(api.post("/api/v1/views", json={"type": "task", "name": "Taken"}), 201)
    url = "/admin/saved-views/task/new/?kind=board"
    token = page_csrf(admin_client, url)
    html = admin_client.post(url, data={"csrf_token": token, "name": "Taken", "kind": "board", "shared": "y",
                                        "board__group_by": "status"}).get_data(as_text=True)
    assert "is-invalid" in html and "already has a view named" in html
    html = admin_client.post(url, data={"csrf_token": token, "name": "No column", "kind": "board",
                                        "shared": "y"}).get_data(as_text=True)
    assert "invalid-feedback" in html
    resp = admin_client.post(url, data={"csrf_token": token, "name": "Board", "kind": "board", "shared": "y",
                                        "board__group_by": "status", "board__card_fields": ["due", "points"]})
    assert resp.status_code == 302 and "/admin/board/task/?view=" in resp.headers["Location"]
    view = [v for v in ok(api.get("/api/v1/views?type=task"))["views"] if v["name"] == "Board"][0]
    assert view["options"] == {"group_by": "status", "card_fields": ["due", "points"]} and view["shared"]


def _grid_rows(html: str) -> list:
    """The grid's body rows in order: ("group", key, label, count) or ("record", id)."""
    body = re.search(r'<table class="[^"]*rb-grid.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    out = []
    for m in re.finditer(r'<tr class="rb-group-row" data-group="([^"]+)"><td colspan="\d+">.*?>([^<]+)</span> '
                         r'<span class="badge badge-pill badge-secondary rb-group-count">(\d+)</span>|<tr data-id="(\d+)"',
                         body, re.S):
        out.append(("record", int(m.group(4))) if m.group(4) else ("group", m.group(1), m.group(2), int(m.group(3))))
    return out


def test_a_grouped_list_draws_each_groups_row_above_its_records(admin_client, tasks, switch_language):
    """Grouped (and in its groups' order), the grid shows each group's label and count on a row of its
    own above the group's records, as Airtable's grouped rows; in Chinese the choices' labels."""
    rows = _grid_rows(admin_client.get("/admin/records/task/?group=status").get_data(as_text=True))
    groups = [r for r in rows if r[0] == "group"]
    assert groups == [("group", "todo", "To do", 5), ("group", "doing", "Doing", 4), ("group", "done", "Done", 3)]
    spans = {}
    current = None
    for r in rows:
        if r[0] == "group":
            current = r[1]
        else:
            spans.setdefault(current, []).append(r[1])
    assert rows[0][0] == "group"
    assert sorted(spans["done"]) == sorted(tasks[f"t{i}"] for i in (10, 11, 12))
    assert sorted(spans["todo"]) == sorted(tasks[f"t{i}"] for i in range(1, 6))
    # sorted by a column, or narrowed to one group, the rows are not in groups: no group rows
    assert not [r for r in _grid_rows(admin_client.get("/admin/records/task/?group=status&sort=1").get_data(as_text=True))
                if r[0] == "group"]
    assert not [r for r in _grid_rows(admin_client.get("/admin/records/task/?group=status&in=done").get_data(as_text=True))
                if r[0] == "group"]
    switch_language(admin_client, "zh")
    zh = _grid_rows(admin_client.get("/admin/records/task/?group=status").get_data(as_text=True))
    assert [r[2] for r in zh if r[0] == "group"] == ["待办", "进行中", "完成"]


def test_a_list_grouped_by_a_user_names_each_group(admin_client, api, tasks):
    rid = tasks["t1"]
    ok(api.patch(f"/api/v1/records/task/{rid}", json={"version": 1, "fields": {"assignee": "eddie@example.com"}}))
    rows = _grid_rows(admin_client.get("/admin/records/task/?group=assignee").get_data(as_text=True))
    groups = [r for r in rows if r[0] == "group"]
    assert len(groups) == 2 and groups[0][3] == 1 and groups[1][3] == 11
    assert rows[1] == ("record", rid) and "eddie" in groups[0][2].lower()
