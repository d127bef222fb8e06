"""The records grid (admin/records/grid.py, grid_edit.py): columns chosen in the URL, the record
count, inline edit of a cell (version conflict, permissions, computed and read-only fields refused,
validation errors), bulk edit (all or nothing), XLSX export."""
from __future__ import annotations

import io
import re

import openpyxl
import pytest

from support import csrf_token_from


@pytest.fixture
def deals(api):
    resp = api.post("/api/v1/types", json={"name": "deal", "label": "Deal", "label_zh": "商机", "fields": [
        {"name": "title", "label": "Title", "label_zh": "标题", "type": "text", "required": True},
        {"name": "amount", "label": "Amount", "label_zh": "金额", "type": "number"},
        {"name": "stage", "label": "Stage", "label_zh": "阶段", "type": "single_select",
         "options": {"choices": [{"value": "new", "label": "New", "label_zh": "新建"},
                                 {"value": "won", "label": "Won", "label_zh": "赢单"}]}},
        {"name": "email", "label": "E-mail", "type": "email"},
        {"name": "double", "label": "Double", "type": "formula", "options": {"expression": "{amount} * 2"}},
        {"name": "notes", "label": "Notes", "type": "long_text", "show_in_list": False},
    ]})
    assert resp.status_code == 201, resp.get_json()
    ids = []
    for i in range(3):
        r = api.post("/api/v1/records/deal", json={"fields": {"title": f"Deal {i}", "amount": i * 10, "stage": "new"}})
        assert r.status_code == 201, r.get_json()
        ids.append(r.get_json()["id"])
    return ids


def _csrf(client) -> str:
    return csrf_token_from(client.get("/admin/records/deal/").get_data(as_text=True))


def _save(client, body: dict, url: str = "/admin/records/deal/cell/"):
    return client.post(url, json=body, headers={"X-CSRFToken": _csrf(client)})


def test_columns_chosen_in_the_url_and_the_count(admin_client, deals):
    page = admin_client.get("/admin/records/deal/").get_data(as_text=True)
    assert "3 records" in page
    assert 'data-field="title"' in page and 'data-field="notes"' not in page  # notes: not in the list by default
    assert 'data-edit="number"' in page and 'data-field="double"' in page
    assert not re.search(r'data-field="double" data-edit', page)  # computed: not editable
    page = admin_client.get("/admin/records/deal/?cols=notes,title,nope").get_data(as_text=True)
    heads = re.findall(r'<th class="column-header[^"]*" data-field="(\w+)"', page)
    assert heads == ["notes", "title"]
    assert "cols=notes%2Ctitle%2Cnope" in page or "cols=notes,title,nope" in page  # sort links keep the choice


def test_inline_edit_saves_with_the_version_and_shows_the_cell(admin_client, deals):
    cell = admin_client.get(f"/admin/records/deal/cell/?id={deals[0]}&field=stage").get_json()
    assert cell == {"value": "new", "version": 1, "edit": "select"}
    resp = _save(admin_client, {"id": deals[0], "field": "stage", "value": "won", "version": 1})
    assert resp.status_code == 200, resp.get_json()
    assert "Won" in resp.get_json()["html"] and resp.get_json()["version"] == 2
    # a stale version: nothing written, the current value shown
    resp = _save(admin_client, {"id": deals[0], "field": "stage", "value": "new", "version": 1})
    assert resp.status_code == 409
    body = resp.get_json()
    assert body["value"] == "won" and body["version"] == 2 and "Won" in body["html"] and body["error"]


def test_inline_edit_reports_the_field_types_error(admin_client, deals):
    resp = _save(admin_client, {"id": deals[1], "field": "email", "value": "not an address", "version": 1})
    assert resp.status_code == 422 and resp.get_json()["error"]
    resp = _save(admin_client, {"id": deals[1], "field": "amount", "value": "ten", "version": 1})
    assert resp.status_code == 422
    resp = _save(admin_client, {"id": deals[1], "field": "double", "value": "3", "version": 1})
    assert resp.status_code == 400  # computed: refused
    resp = _save(admin_client, {"id": deals[1], "field": "updated_at", "value": "x", "version": 1})
    assert resp.status_code == 400
    resp = _save(admin_client, {"id": deals[1], "field": "title", "value": "", "version": 1})
    assert resp.status_code == 422  # required
    resp = admin_client.post("/admin/records/deal/cell/", json={"id": deals[1], "field": "title", "value": "x",
                                                                "version": 1})
    assert resp.status_code == 400  # no CSRF token


def test_bulk_edit_is_all_or_nothing(admin_client, api, deals):
    resp = _save(admin_client, {"ids": deals[:2], "field": "amount", "value": "42"}, "/admin/records/deal/bulk/")
    assert resp.status_code == 200 and resp.get_json() == {"updated": 2}
    amounts = [api.get(f"/api/v1/records/deal/{i}").get_json()["fields"]["amount"] for i in deals]
    assert amounts == [42, 42, 20]
    resp = _save(admin_client, {"ids": deals, "field": "title", "value": ""}, "/admin/records/deal/bulk/")
    assert resp.status_code == 422
    body = resp.get_json()
    assert [r["id"] for r in body["records"]] == deals and body["records"][0]["title"] == "Deal 0"
    titles = [api.get(f"/api/v1/records/deal/{i}").get_json()["fields"]["title"] for i in deals]
    assert titles == ["Deal 0", "Deal 1", "Deal 2"]


def test_read_only_users_cannot_edit_cells(app, deals, sessions):
    from recordbase.auth import create_user

    with sessions.begin() as s:
        create_user(s, "viewer@example.com", "correct horse battery", role="viewer")
    client = app.test_client()
    token = csrf_token_from(client.get("/admin/login/").get_data(as_text=True))
    client.post("/admin/login/", data={"email": "viewer@example.com", "password": "correct horse battery",
                                       "csrf_token": token})
    page = client.get("/admin/records/deal/").get_data(as_text=True)
    assert "data-edit=" not in page
    resp = _save(client, {"id": deals[0], "field": "title", "value": "Mine", "version": 1})
    assert resp.status_code == 403


def test_xlsx_export_beside_csv(admin_client, deals):
    page = admin_client.get("/admin/records/deal/").get_data(as_text=True)
    assert "/admin/records/deal/export/xlsx/" in page
    resp = admin_client.get("/admin/records/deal/export/xlsx/")
    assert resp.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(resp.data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("ID", "Title", "Amount")
    assert {r[1] for r in rows[1:]} == {"Deal 0", "Deal 1", "Deal 2"}


def test_the_list_page_asks_a_fixed_few_statements(app, api, admin_client, deals, monkeypatch):
    """A list page's statements, counted at the driver: the session (which brings the schema version
    and the user's role signature along), the rows, their link titles, the count, the menu's counts
    (one statement: unread notifications and approvals with delegations), the saved views. A link
    filter's target records are not read (the picker finds them by typing)."""
    from recordbase.context import platform

    from support import driver_statements

    r = api.post("/api/v1/types", json={"name": "party", "label": "Party", "fields": [
        {"name": "name", "label": "Name", "type": "text"}]})
    assert r.status_code == 201, r.get_json()
    r = api.post("/api/v1/types/deal/fields", json={"name": "party", "label": "Party", "type": "link",
                                                     "options": {"target": "party"}})
    assert r.status_code == 201, r.get_json()
    for i in range(3):
        assert api.post("/api/v1/records/party", json={"fields": {"name": f"Party {i}"}}).status_code == 201
    admin_client.get("/admin/records/deal/")  # (the first page builds the views)
    with driver_statements(app, monkeypatch) as seen:
        admin_client.get("/admin/records/deal/")  # (new connections: SQLite's are traced)
        seen.clear()
        page = admin_client.get("/admin/records/deal/").get_data(as_text=True)
        seen = list(seen)
    assert "3 records" in page
    with platform(app).sessions() as s:
        party = platform(app).schema_cache.get(s).get("party").table.name
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert [s for s in selects if party in s] == []  # (no link cell holds a party: no title read either)
    assert sum("rb_notification" in s for s in selects) == 1
    assert sum("rb_delegation" in s for s in selects) == 1  # inside the menu's one statement
    along = [s for s in selects if "rb_schema_state" in s or "rb_user_role" in s]
    assert len(along) == 1 and "rb_session" in along[0], along  # read with the session, not apart
    assert sum("rb_view" in s for s in selects) == 1
    assert len(selects) <= 5, "\n".join(seen)


def test_the_record_count_with_records_in_the_trash(app, api, admin_client, deals):
    """The count of a list nothing narrows (on SQLite without reading the rows: grid.live_count_statement)
    leaves out the trash, and says "about" (the planner's estimate) past the cap."""
    from recordbase.admin.records import grid

    api.delete(f"/api/v1/records/deal/{deals[1]}")
    assert "2 records" in admin_client.get("/admin/records/deal/").get_data(as_text=True)
    assert "1 record<" in admin_client.get("/admin/records/deal/?search=Deal%200").get_data(as_text=True)
    original = grid.COUNT_CAP
    grid.COUNT_CAP = 1
    try:  # (a delegate keeps its statement: a new one for the new cap)
        api.post("/api/v1/types/deal/fields", json={"name": "extra", "label": "Extra", "type": "text"})
        page = admin_client.get("/admin/records/deal/").get_data(as_text=True)
    finally:
        grid.COUNT_CAP = original
    assert re.search(r"About \d+ records|More than 1 records", page), page[:2000]


@pytest.mark.parametrize("rows,trashed", [(0, 0), (4, 0), (4, 4), (5, 0), (6, 0), (6, 1), (7, 1), (7, 2), (9, 3),
                                          (20, 14), (20, 5), (20, 6), (11, 5), (10, 5)])
def test_the_live_count_statement_counts_as_reading_the_rows(rows, trashed):
    """``live_count_statement`` gives what counting the live rows up to the cap gives, whatever the
    trash holds (below, at and above the cap); SQLite, with the trash index every record table has."""
    import random

    from sqlalchemy import Column, DateTime, Integer, MetaData, Table, create_engine, func, select

    from recordbase.admin.records.grid import live_count_statement

    cap = 5
    t = Table("rb_rec_1", MetaData(), Column("id", Integer, primary_key=True), Column("deleted_at", DateTime))
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        t.metadata.create_all(conn)
        conn.exec_driver_sql("CREATE INDEX ix_rb_rec_1_deleted_at ON rb_rec_1 (deleted_at) "
                             "WHERE deleted_at IS NOT NULL")
        for i in range(rows):
            conn.execute(t.insert().values(id=i + 1))
        gone = random.Random(rows * 100 + trashed).sample(range(1, rows + 1), trashed)
        if gone:
            conn.execute(t.update().where(t.c.id.in_(gone)).values(deleted_at=func.current_timestamp()))
        expected = conn.execute(select(func.count()).select_from(
            select(t.c.id).where(t.c.deleted_at.is_(None)).limit(cap + 1).subquery())).scalar()
        assert conn.execute(live_count_statement(t, cap)).scalar() == expected == min(rows - trashed, cap + 1)


def test_list_urls_are_flask_admins_built_once(app, admin_client, deals):
    """The list's sort, page and page-size URLs (built from one base URL a page) are the URLs
    Flask-Admin's own ``_get_list_url`` builds, with search, filters, page, sort and the columns."""
    import flask
    from flask_admin.contrib.sqla import ModelView

    page = admin_client.get("/admin/records/deal/").get_data(as_text=True)
    import html
    import json

    groups = json.loads(html.unescape(re.search(r'<div id="filter-groups-data" class="d-none">(.*?)</div>',
                                                page, re.S).group(1)))
    arg = next(i["arg"] for i in groups["Title"] if i["operation"] == "contains")
    query = f"?search=Deal&sort=1&desc=1&page=0&page_size=50&cols=title,amount&flt0_{arg}=a%20b,c%26d"
    seen = []
    original = ModelView._get_list_url

    def both(self, view_args):
        ours = type(self)._rb_list_url(self, view_args)
        cols = flask.request.args.get("cols")
        theirs = original(self, view_args)
        from urllib.parse import urlencode
        theirs = theirs + ("&" if "?" in theirs else "?") + urlencode({"cols": cols}) if cols else theirs
        seen.append((ours, theirs))
        return ours
    from recordbase.admin.records.delegate import RecordModelView
    RecordModelView._rb_list_url = RecordModelView._get_list_url
    try:
        RecordModelView._get_list_url = both
        assert admin_client.get("/admin/records/deal/" + query).status_code == 200
    finally:
        RecordModelView._get_list_url = RecordModelView._rb_list_url
        del RecordModelView._rb_list_url
    assert len(seen) > 5 and any("flt0_" in ours and "search=Deal" in ours for ours, _ in seen)
    for ours, theirs in seen:
        assert ours == theirs


def test_the_list_orders_by_id_as_its_index_runs(app, admin_client, deals):
    """The default order (newest first) is ``id DESC`` without a NULLS clause (PostgreSQL walks the
    primary key only in its own NULLS order: ``id DESC NULLS LAST`` sorted every row of the table);
    a column sort keeps empty values last (in parts) and the id after it in the sort's direction."""
    from sqlalchemy import event

    from recordbase.context import platform

    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)
    engine = platform(app).engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        page = admin_client.get("/admin/records/deal/").get_data(as_text=True)
        default = [s for s in seen if "ORDER BY" in s and "LIMIT" in s]
        seen.clear()
        admin_client.get("/admin/records/deal/?sort=1&desc=1")
        by_amount = [s for s in seen if "ORDER BY" in s and "LIMIT" in s]
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert re.findall(r'<tr data-id="(\d+)"', page) == [str(i) for i in reversed(deals)]
    assert len(default) == 1 and re.search(r"ORDER BY \w+\.id DESC\s+LIMIT", default[0]), default
    # a column sort is read in parts (admin/records/list_parts.py): the records with a value, then the
    # empty ones, each a range of the (column, id) index walked in the sort's direction, no NULLS clause
    assert 1 <= len(by_amount) <= 2 and all("NULLS" not in s for s in by_amount), by_amount
    assert re.search(r"(\w+\.\w+) IS NOT NULL ORDER BY \1 DESC, \w+\.id DESC\s+LIMIT", by_amount[0]), by_amount
    assert len(by_amount) == 1 or re.search(r"(\w+\.\w+) IS NULL ORDER BY \1 DESC, \w+\.id DESC\s+LIMIT",
                                            by_amount[1]), by_amount
