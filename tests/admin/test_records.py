"""The generic record pages of a record type created at runtime, after the app served requests."""
from __future__ import annotations

import csv
import io
import re

from admin_helpers import add_field, create_record, create_type, field_errors, page_text, post_form, token_for

from recordbase.context import platform
from recordbase.metamodel.runtime import load_schema, read_version
from recordbase.storage import RecordStore


def store_for(app, session):
    schema = load_schema(session, read_version(session))
    return RecordStore(session, schema)


def stored(app, type_name: str) -> list:
    with platform(app).sessions() as s:
        return store_for(app, s).list(type_name, limit=100).records


def ids_in_list(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="rowid" class="action-checkbox" value="(\d+)"', page)]


def test_list_create_edit_details(app, admin_client, supplier):
    assert admin_client.get("/admin/records/supplier/").status_code == 200
    new_page = page_text(admin_client.get("/admin/records/supplier/new/"))
    assert 'name="name"' in new_page and 'name="score"' in new_page
    resp = create_record(admin_client, "supplier", {"name": "Acme", "score": "87.5", "status": "active",
                                                    "email": "buyer@acme.example", "since": "2024-01-05"})
    assert resp.status_code == 302, page_text(resp)[-2000:]
    [rec] = stored(app, "supplier")
    assert rec.values["name"] == "Acme" and rec.values["score"] == 87.5 and rec.values["code"] == "S-001"

    listing = page_text(admin_client.get("/admin/records/supplier/"))
    assert "Acme" in listing and "S-001" in listing and "Active" in listing

    edit = page_text(admin_client.get(f"/admin/records/supplier/edit/?id={rec.id}"))
    assert 'value="Acme"' in edit
    assert re.search(r'name="RB_VERSION" type="hidden" value="1"', edit)
    assert "S-001" in edit and 'name="code"' not in edit  # autonumber shown, not editable
    resp = post_form(admin_client, f"/admin/records/supplier/edit/?id={rec.id}",
                     {"name": "Acme Ltd", "score": "90", "status": "paused", "email": "", "since": "2024-02-01",
                      "RB_VERSION": "1"})
    assert resp.status_code == 302, page_text(resp)[-2000:]
    [rec] = stored(app, "supplier")
    assert (rec.values["name"], rec.values["status"], rec.values["email"], rec.version) == ("Acme Ltd", "paused", None, 2)

    details = page_text(admin_client.get(f"/admin/records/supplier/details/?id={rec.id}"))
    for text in ("Acme Ltd", "90", "paused", "2024-02-01", "S-001", "owner@example.com"):
        assert text in details


def test_a_field_added_after_the_first_request_shows_at_once(app, admin_client, supplier):
    assert 'name="rating"' not in page_text(admin_client.get("/admin/records/supplier/new/"))
    add_field(app.extensions["recordbase"].sessions, "supplier",
              {"name": "rating", "label": "Rating", "type": "rating", "options": {"max": 5}})
    page = page_text(admin_client.get("/admin/records/supplier/new/"))
    assert 'name="rating"' in page
    resp = create_record(admin_client, "supplier", {"name": "Beta", "rating": "4"})
    assert resp.status_code == 302
    assert stored(app, "supplier")[0].values["rating"] == 4
    assert "★★★★☆" in page_text(admin_client.get("/admin/records/supplier/"))


def test_per_field_errors_and_nothing_written(app, admin_client, supplier):
    resp = create_record(admin_client, "supplier", {"name": "", "score": "lots", "email": "not-an-email"})
    assert resp.status_code == 200
    page = page_text(resp)
    assert field_errors(page, "name")            # required
    assert field_errors(page, "score")           # not a number
    # in the same submit, the field types' own judgement of the inputs WTForms let through
    assert any("not a valid email" in e for e in field_errors(page, "email")), field_errors(page, "email")
    assert field_errors(page, "status") == [] and field_errors(page, "since") == []
    assert stored(app, "supplier") == []
    resp = create_record(admin_client, "supplier", {"name": "Gamma", "email": "not-an-email"})
    page = page_text(resp)
    assert resp.status_code == 200
    assert any("not a valid email" in e for e in field_errors(page, "email")), field_errors(page, "email")
    assert field_errors(page, "name") == []
    assert stored(app, "supplier") == []


def test_stale_version_is_refused_with_a_clear_message(app, admin_client, supplier):
    create_record(admin_client, "supplier", {"name": "Acme"})
    [rec] = stored(app, "supplier")
    url = f"/admin/records/supplier/edit/?id={rec.id}"
    token = token_for(admin_client, url)
    first = admin_client.post(url, data={"name": "First", "RB_VERSION": "1", "csrf_token": token})
    assert first.status_code == 302
    second = admin_client.post(url, data={"name": "Second", "RB_VERSION": "1", "csrf_token": token})
    assert second.status_code == 200
    assert page_text(second).count("changed by someone else") == 1  # once, at the top
    [rec] = stored(app, "supplier")
    assert rec.values["name"] == "First" and rec.version == 2


def test_delete_moves_to_trash_and_restore_brings_back(app, admin_client, supplier):
    create_record(admin_client, "supplier", {"name": "Keep"})
    create_record(admin_client, "supplier", {"name": "Drop"})
    drop = next(r for r in stored(app, "supplier") if r.values["name"] == "Drop")
    resp = post_form(admin_client, "/admin/records/supplier/delete/", {"id": str(drop.id)},
                     token_url="/admin/records/supplier/")
    assert resp.status_code == 302
    listing = page_text(admin_client.get("/admin/records/supplier/"))
    assert "Keep" in listing and "Drop" not in listing
    assert admin_client.get(f"/admin/records/supplier/edit/?id={drop.id}").status_code == 302
    trash = page_text(admin_client.get("/admin/records/supplier/trash/"))
    assert "Drop" in trash and "Keep" not in trash
    resp = post_form(admin_client, "/admin/records/supplier/restore/", {"id": str(drop.id)},
                     token_url="/admin/records/supplier/trash/")
    assert resp.status_code == 302
    listing = page_text(admin_client.get("/admin/records/supplier/"))
    assert "Drop" in listing and "The record was restored." in listing
    assert "Drop" not in page_text(admin_client.get("/admin/records/supplier/trash/"))
    # restoring it again (a second tab, say) says so rather than "restored"
    resp = post_form(admin_client, "/admin/records/supplier/restore/", {"id": str(drop.id)},
                     token_url="/admin/records/supplier/trash/")
    assert "This record is not in the trash." in page_text(admin_client.get(resp.headers["Location"]))


def test_csv_export_has_formatted_values(app, admin_client, supplier):
    create_record(admin_client, "supplier", {"name": "Acme", "status": "active", "score": "3", "since": "2024-01-05"})
    create_record(admin_client, "supplier", {"name": "=1+1"})
    resp = admin_client.get("/admin/records/supplier/export/csv/")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:7] == ["ID", "Name", "Score", "Status", "Email", "Since", "Code"]
    by_name = {r[1]: r for r in rows[1:]}
    assert by_name["Acme"][2:7] == ["3", "Active", "", "2024-01-05", "S-001"]
    assert "'=1+1" in by_name  # a formula-looking value is exported as text


def test_search_sort_filter_and_page_size(app, admin_client, supplier):
    for name, score, status in (("Alpha", "10", "active"), ("Bravo", "30", "paused"), ("Charlie", "20", "active")):
        create_record(admin_client, "supplier", {"name": name, "score": score, "status": status})
    page = page_text(admin_client.get("/admin/records/supplier/?search=rav"))
    assert "Bravo" in page and "Alpha" not in page and "Charlie" not in page
    page = page_text(admin_client.get("/admin/records/supplier/?search=%25"))  # a wildcard is just a character
    assert "Alpha" not in page
    page = page_text(admin_client.get("/admin/records/supplier/?sort=1"))  # by score, ascending
    assert page.index("Alpha") < page.index("Charlie") < page.index("Bravo")
    page = page_text(admin_client.get("/admin/records/supplier/?sort=1&desc=1"))
    assert page.index("Bravo") < page.index("Charlie") < page.index("Alpha")
    listing = page_text(admin_client.get("/admin/records/supplier/"))
    flt = _filter_arg(listing, "Score", ">")
    page = page_text(admin_client.get(f"/admin/records/supplier/?flt0_{flt}=15"))
    assert "Bravo" in page and "Charlie" in page and "Alpha" not in page
    flt = _filter_arg(listing, "Status", "=")
    page = page_text(admin_client.get(f"/admin/records/supplier/?flt0_{flt}=paused"))
    assert "Bravo" in page and "Alpha" not in page
    flt = _filter_arg(listing, "Score", "is empty")
    assert ids_in_list(page_text(admin_client.get(f"/admin/records/supplier/?flt0_{flt}="))) == []
    assert len(ids_in_list(page_text(admin_client.get("/admin/records/supplier/?page_size=50")))) == 3
    assert 'page_size=100' in listing  # the page size choice is offered


def test_a_select_column_sorts_in_its_choices_order(app, admin_client, sessions):
    create_type(sessions, {"name": "task", "label": "Task", "fields": [
        {"name": "title", "label": "Title", "type": "text"},
        {"name": "stage", "label": "Stage", "type": "single_select", "options": {"choices": ["todo", "doing", "done"]}}]})
    for title, stage in (("Task one", "done"), ("Task two", "todo"), ("Task three", "doing"), ("Task four", "")):
        create_record(admin_client, "task", {"title": title, "stage": stage})

    def order(url: str) -> list[str]:  # the titles in the list's table, top to bottom
        page = page_text(admin_client.get(url))
        return re.findall(r"Task (?:one|two|three|four)", page[page.index("<table"):])
    assert order("/admin/records/task/?sort=1") == ["Task two", "Task three", "Task one", "Task four"]  # todo, doing, done, empty
    assert order("/admin/records/task/?sort=1&desc=1") == ["Task one", "Task three", "Task two", "Task four"]  # empty last


def test_link_filters_offer_the_targets_and_take_titles(app, admin_client, supplier, sessions):
    """A link filter finds the target's records by title as the user types (the picker endpoint, not
    a list in every page), shows an active filter's record by its title, and takes a typed title."""
    for name in ("Alpha", "Bravo"):
        create_record(admin_client, "supplier", {"name": name})
    create_type(sessions, {"name": "contract", "label": "Contract", "fields": [
        {"name": "title", "label": "Title", "type": "text"},
        {"name": "supplier", "label": "Supplier", "type": "link", "options": {"target": "supplier"}}]})
    add_field(sessions, "contract", {"name": "backups", "label": "Backups", "type": "link",
                                     "options": {"target": "supplier", "many": True}})
    ids = {r.values["name"]: r.id for r in stored(app, "supplier")}
    create_record(admin_client, "contract", {"title": "Contract one", "supplier": str(ids["Alpha"]),
                                             "backups": [str(ids["Bravo"])]})
    create_record(admin_client, "contract", {"title": "Contract two", "supplier": str(ids["Bravo"])})
    listing = page_text(admin_client.get("/admin/records/contract/"))
    import html
    import json

    def groups(page: str) -> dict:
        return json.loads(html.unescape(re.search(r'<div id="filter-groups-data" class="d-none">(.*?)</div>',
                                                  page, re.S).group(1)))

    def grid_data(page: str) -> dict:
        return json.loads(re.search(r'<script type="application/json" id="rb-grid-data">(.*?)</script>',
                                    page, re.S).group(1))
    eq = next(i for i in groups(listing)["Supplier"] if i["operation"] == "=")
    assert eq["type"] == "rb-link" and not eq.get("options")  # no records in the page
    assert eq["picker"] == "/admin/records/contract/link-options/?field=supplier"
    assert "Alpha" not in json.dumps(groups(listing)) and grid_data(listing)["link_titles"] == {}

    def offered() -> list:
        return [[r["id"], r["text"]] for r in admin_client.get(eq["picker"] + "&q=").get_json()["results"]]
    assert offered() == [[str(ids["Alpha"]), "Alpha"], [str(ids["Bravo"]), "Bravo"]]
    page = page_text(admin_client.get(f"/admin/records/contract/?flt0_{eq['arg']}={ids['Bravo']}"))
    assert "Contract two" in page and "Contract one" not in page
    assert grid_data(page)["link_titles"] == {str(ids["Bravo"]): "Bravo"}  # the active filter by its title
    # a title typed where an id was asked for
    contains = _filter_arg(listing, "Backups", "contains")
    page = page_text(admin_client.get(f"/admin/records/contract/?flt0_{contains}=Bravo"))
    assert "Contract one" in page and "Contract two" not in page
    page = page_text(admin_client.get(f"/admin/records/contract/?flt0_{contains}=Nobody"))
    assert "Invalid Filter Value" in page or "无效的过滤值" in page
    # the targets are data, asked when the user types (not kept from the page that first built the list)
    create_record(admin_client, "supplier", {"name": "Charlie"})
    ids = {r.values["name"]: r.id for r in stored(app, "supplier")}
    assert offered() == [[str(ids[n]), n] for n in ("Alpha", "Bravo", "Charlie")]


def _filter_arg(listing: str, label: str, operation: str) -> str:
    import html
    import json

    data = re.search(r'<div id="filter-groups-data" class="d-none">(.*?)</div>', listing, re.S).group(1)
    groups = json.loads(html.unescape(data))
    for item in groups[label]:
        if item["operation"] == operation:
            return item["arg"]
    raise AssertionError(f"no filter {label} {operation}")


def test_unknown_type_is_404(admin_client, supplier):
    for url in ("/admin/records/nope/", "/admin/records/nope/new/", "/admin/records/nope/edit/?id=1",
                "/admin/records/nope/export/csv/"):
        assert admin_client.get(url).status_code == 404, url


def test_another_types_record_is_never_shown(app, admin_client, supplier, sessions):
    create_type(sessions, {"name": "ticket", "label": "Ticket",
                           "fields": [{"name": "subject", "label": "Subject", "type": "text"}]})
    post_form(admin_client, "/admin/records/ticket/new/", {"subject": "SECRET-TICKET"})
    [ticket] = stored(app, "ticket")
    # no supplier has that id yet: the edit page of supplier finds nothing
    resp = admin_client.get(f"/admin/records/supplier/edit/?id={ticket.id}")
    assert resp.status_code == 302
    assert "SECRET-TICKET" not in page_text(admin_client.get(resp.headers["Location"]))
    # a supplier with the same id: its own data, never the ticket's
    create_record(admin_client, "supplier", {"name": "Acme"})
    [sup] = stored(app, "supplier")
    assert sup.id == ticket.id
    for url in (f"/admin/records/supplier/edit/?id={ticket.id}", f"/admin/records/supplier/details/?id={ticket.id}",
                "/admin/records/supplier/export/csv/"):
        page = page_text(admin_client.get(url))
        assert "Acme" in page and "SECRET-TICKET" not in page, url


def test_links_show_titles_choices_and_backlinks(app, admin_client, supplier, sessions):
    create_type(sessions, {"name": "contract", "label": "Contract", "primary_field": "title", "fields": [
        {"name": "title", "label": "Title", "type": "text"},
        {"name": "supplier", "label": "Supplier", "type": "link", "options": {"target": "supplier"}},
        {"name": "owner", "label": "Owner", "type": "user"}]})
    create_record(admin_client, "supplier", {"name": "Acme"})
    [sup] = stored(app, "supplier")
    form = page_text(admin_client.get("/admin/records/contract/new/"))
    assert 'data-rb-picker="/admin/records/contract/link-options/?field=supplier"' in form
    found = admin_client.get("/admin/records/contract/link-options/?field=supplier&q=acm").get_json()
    assert found["results"] == [{"id": str(sup.id), "text": "Acme"}]
    assert "owner@example.com" in form
    owner_id = re.search(r'<option value="(\d+)">[^<]*owner@example.com', form).group(1)
    resp = post_form(admin_client, "/admin/records/contract/new/",
                     {"title": "Cleaning 2024", "supplier": str(sup.id), "owner": owner_id})
    assert resp.status_code == 302, page_text(resp)[-1500:]
    listing = page_text(admin_client.get("/admin/records/contract/"))
    assert "Acme" in listing and "owner@example.com" in listing
    details = page_text(admin_client.get(f"/admin/records/supplier/details/?id={sup.id}"))
    assert "Cleaning 2024" in details and "/admin/records/contract/details/" in details
    # restricted: a linked supplier cannot go to the trash
    resp = post_form(admin_client, "/admin/records/supplier/delete/", {"id": str(sup.id)},
                     token_url="/admin/records/supplier/")
    assert resp.status_code == 302
    assert "still linked" in page_text(admin_client.get("/admin/records/supplier/"))
    assert len(stored(app, "supplier")) == 1


def test_bulk_action_moves_records_to_the_trash(app, admin_client, supplier):
    for name in ("One", "Two", "Three"):
        create_record(admin_client, "supplier", {"name": name})
    ids = {r.values["name"]: r.id for r in stored(app, "supplier")}
    token = token_for(admin_client, "/admin/records/supplier/")
    resp = admin_client.post("/admin/records/supplier/action/",
                             data={"action": "delete", "rowid": [str(ids["One"]), str(ids["Two"])],
                                   "csrf_token": token})
    assert resp.status_code == 302
    assert [r.values["name"] for r in stored(app, "supplier")] == ["Three"]
    trash = page_text(admin_client.get("/admin/records/supplier/trash/"))
    assert "One" in trash and "Two" in trash
    assert admin_client.post("/admin/records/supplier/ajax/update/", data={"csrf_token": token}).status_code == 404


def test_concurrent_pages_of_two_types_never_mix(app, admin_client, sessions):
    """Delegates are per type and never reconfigured, so threads never see another type's columns."""
    import threading

    create_type(sessions, {"name": "alpha", "label": "Alpha", "fields": [
        {"name": "alpha_col", "label": "AlphaColumn", "type": "text"}]})
    create_type(sessions, {"name": "beta", "label": "Beta", "fields": [
        {"name": "beta_col", "label": "BetaColumn", "type": "text"}]})
    cookie = admin_client.get_cookie("recordbase_session")
    problems: list[str] = []

    def worker(n: int) -> None:
        client = app.test_client()
        client.set_cookie(cookie.key, cookie.value)
        for i in range(12):
            name, other = (("alpha", "Beta"), ("beta", "Alpha"))[(n + i) % 2]
            page = page_text(client.get(f"/admin/records/{name}/"))
            if f"{other}Column" in page or f"{name.capitalize()}Column" not in page:
                problems.append(f"{name}: wrong columns")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert problems == []


def test_link_beyond_the_offered_choices_is_kept(app, admin_client, supplier, sessions):
    # the select offers no target up front (the searchable picker finds them), only the current ones
    create_type(sessions, {"name": "contract", "label": "Contract", "fields": [
        {"name": "title", "label": "Title", "type": "text"},
        {"name": "supplier", "label": "Supplier", "type": "link", "options": {"target": "supplier"}}]})
    for name in ("Aaa", "Bbb", "Zzz"):
        create_record(admin_client, "supplier", {"name": name})
    zzz = next(r for r in stored(app, "supplier") if r.values["name"] == "Zzz")
    assert f'value="{zzz.id}"' not in page_text(admin_client.get("/admin/records/contract/new/"))
    resp = post_form(admin_client, "/admin/records/contract/new/", {"title": "C1", "supplier": str(zzz.id)})
    assert resp.status_code == 302
    [contract] = stored(app, "contract")
    edit_url = f"/admin/records/contract/edit/?id={contract.id}"
    assert f'<option selected value="{zzz.id}">Zzz</option>' in page_text(admin_client.get(edit_url))
    resp = post_form(admin_client, "/admin/records/contract/new/", {"title": "C2", "supplier": "999"})
    assert resp.status_code == 200
    assert any("no supplier record with id 999" in e for e in field_errors(page_text(resp), "supplier"))
