"""The board: columns in choice order with colours and counts, cards paged per column, and a drag
that is an ordinary update (version, rights, row limits), refused with a reason."""
from __future__ import annotations

import re

from .helpers import ok, page_csrf, sign_in
from support import without_csrf_tokens


def _columns(html: str) -> dict:
    """column key -> (count, card ids in order)"""
    out = {}
    for m in re.finditer(r'<section class="rb-board-column" data-column="([^"]+)">(.*?)</section>', html, re.S):
        count = int(re.search(r'rb-board-count[^>]*>(\d+)<', m.group(2)).group(1))
        out[m.group(1)] = (count, [int(x) for x in re.findall(r'data-id="(\d+)"', m.group(2))])
    return out


def test_board_columns_follow_the_choices_with_counts_and_colours(app, admin_client, tasks):
    html = admin_client.get("/admin/board/task/?group=status&cards=due,points").get_data(as_text=True)
    cols = _columns(html)
    assert list(cols) == ["todo", "doing", "done", "__empty__"]
    assert [c[0] for c in cols.values()] == [5, 4, 3, 0]
    assert len(cols["todo"][1]) == 5
    assert "background-color: #ffc107" in html and "Doing" in html
    assert "Task 1" in html  # the record's title on its card


def test_a_column_pages_with_load_more(app, admin_client, api, tasks):
    for i in range(25):
        ok(api.post("/api/v1/records/task", json={"fields": {"title": f"Bulk {i}", "status": "done"}}), 201)
    html = admin_client.get("/admin/board/task/?group=status").get_data(as_text=True)
    cols = _columns(html)
    assert cols["done"][0] == 28 and len(cols["done"][1]) == 20
    cursor = re.search(r'rb-board-more" data-cursor="([^"]+)"', html).group(1)
    more = ok(admin_client.get(f"/admin/board/task/cards/?group=status&column=done&cursor={cursor}"))
    assert len(more["cards"]) == 8 and more["next_cursor"] is None
    assert not set(c["id"] for c in more["cards"]) & set(cols["done"][1])


def _move(client, record_id, version, column, url="/admin/board/task/move/?group=status"):
    token = page_csrf(client, "/admin/board/task/?group=status")
    return client.post(url, data={"id": record_id, "version": version, "column": column, "csrf_token": token},
                       headers={"Accept": "application/json"})


def test_a_drag_is_an_update_and_a_stale_version_is_refused(app, admin_client, api, tasks):
    rid = tasks["t1"]
    body = ok(_move(admin_client, rid, 1, "doing"))
    assert body["version"] == 2
    assert ok(api.get(f"/api/v1/records/task/{rid}"))["fields"]["status"] == "doing"
    resp = _move(admin_client, rid, 1, "done")  # the card still says version 1
    assert resp.status_code == 409 and resp.get_json()["error"]["message"]
    assert ok(api.get(f"/api/v1/records/task/{rid}"))["fields"]["status"] == "doing"
    ok(_move(admin_client, rid, 2, "__empty__"))
    assert ok(api.get(f"/api/v1/records/task/{rid}"))["fields"]["status"] is None


def test_a_viewer_sees_the_board_but_a_drag_changes_nothing(app, api, tasks):
    vera = sign_in(app, "vera@example.com")
    html = vera.get("/admin/board/task/?group=status").get_data(as_text=True)
    assert 'data-readonly="true"' in html
    resp = _move(vera, tasks["t2"], 1, "done")
    assert resp.status_code == 403 and resp.get_json()["error"]["message"]
    assert ok(api.get(f"/api/v1/records/task/{tasks['t2']}"))["fields"]["status"] == "todo"


def test_row_limits_and_hidden_fields_shape_the_board(app, api, tasks):
    rita = sign_in(app, "rita@example.com")
    cols = _columns(rita.get("/admin/board/task/?group=status&cards=secret,points").get_data(as_text=True))
    # points = 2 * index < 10: tasks 1-5 (all to do)
    assert [c[0] for c in cols.values()] == [5, 0, 0, 0]
    html = without_csrf_tokens(rita.get("/admin/board/task/?group=status&cards=secret,points").get_data(as_text=True))
    assert "s0" not in html and "Secret" not in html  # a hidden field does not exist on cards either
    assert rita.get("/admin/board/task/?group=secret").status_code in (200, 404)
    # a drag of a record outside the rows is refused as if it did not exist
    resp = _move(rita, tasks["t9"], 1, "done")
    assert resp.status_code == 404
    assert ok(api.get(f"/api/v1/records/task/{tasks['t9']}"))["fields"]["status"] == "doing"


def test_a_board_by_user_has_a_column_per_user_with_records(app, admin_client, api, tasks, sessions):
    from recordbase.models import User
    from sqlalchemy import select

    ok(api.patch(f"/api/v1/records/task/{tasks['t1']}", json={"version": 1, "fields": {"assignee": "vera@example.com"}}))
    ok(api.patch(f"/api/v1/records/task/{tasks['t2']}", json={"version": 1, "fields": {"assignee": "vera@example.com"}}))
    with sessions() as s:
        vera = s.scalars(select(User.id).where(User.email == "vera@example.com")).one()
        eddie = s.scalars(select(User.id).where(User.email == "eddie@example.com")).one()
    cols = _columns(admin_client.get("/admin/board/task/?group=assignee").get_data(as_text=True))
    assert cols == {str(vera): (2, [tasks["t2"], tasks["t1"]]) if cols[str(vera)][1][0] == tasks["t2"]
                    else (2, [tasks["t1"], tasks["t2"]]), "__empty__": cols["__empty__"]}
    assert cols["__empty__"][0] == 10
    # a card dropped on a user's column is assigned to them
    body = ok(_move(admin_client, tasks["t3"], 1, str(vera), url="/admin/board/task/move/?group=assignee"))
    assert body["version"] == 2
    assert ok(api.get(f"/api/v1/records/task/{tasks['t3']}"))["fields"]["assignee"] == "vera@example.com"
    assert _move(admin_client, tasks["t3"], 2, str(eddie + 1000), url="/admin/board/task/move/?group=assignee"
                 ).status_code in (404, 422)
    assert ok(api.get(f"/api/v1/records/task/{tasks['t3']}"))["fields"]["assignee"] == "vera@example.com"
