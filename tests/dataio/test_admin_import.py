"""The admin import page: upload, mapping, preview (dry run), run, report, error CSV."""
from __future__ import annotations

import io
import re

from .helpers import records
from .files import csv_bytes, supplier_workbook
from support import csrf_token_from



def _upload(client, data: bytes, filename: str, **form):
    page = client.get("/admin/import/?type=supplier")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "供应商" in html or "Supplier" in html
    token = csrf_token_from(html)
    resp = client.post("/admin/import/upload/", data={"csrf_token": token, "type": "supplier",
                                                      "file": (io.BytesIO(data), filename), **form},
                       content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return resp.get_data(as_text=True)


def _run(client, html: str, action: str, **overrides):
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    fields = dict(re.findall(r'<select name="(map_\d+)"[^>]*>(?:(?!</select>).)*?<option value="([^"]*)" selected', html, re.S))
    data = {"csrf_token": csrf_token_from(html), "token": token, "action": action}
    for m in re.findall(r'name="(map_\d+)"', html):
        data[m] = fields.get(m, "")
    data.update(overrides)
    resp = client.post("/admin/import/run/", data=data)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return resp.get_data(as_text=True)


def test_admin_upload_map_preview_and_run(admin_client, types, store_in):
    html = _upload(admin_client, supplier_workbook(), "suppliers.xlsx")
    assert "联系方式 联系电话" in html and 'value="contact_phone" selected' in html
    report = _run(admin_client, html, "preview")
    assert "3 records would be created" in report and records(store_in) == []
    assert "洁净服务有限公司" in report  # the preview rows
    done = _run(admin_client, report, "run")
    assert "3 records were created" in done
    assert len(records(store_in)) == 3


def test_admin_refused_file_shows_rows_and_offers_the_error_csv(admin_client, types, store_in):
    data = csv_bytes([["Name", "Since"], ["A", "2026-01-05"], ["B", "2026-02-30"]])
    html = _upload(admin_client, data, "s.csv")
    report = _run(admin_client, html, "run")
    assert "Nothing was imported" in report and "2026-02-30" in report and records(store_in) == []
    link = re.search(r'href="(/admin/import/errors/[^"]+\.csv)"', report).group(1)
    csv_resp = admin_client.get(link)
    assert csv_resp.status_code == 200 and b"3,Since,since,2026-02-30" in csv_resp.data
    # the mapping can be changed: leave the bad column out and import
    token = re.search(r'/admin/import/errors/([^"]+)\.csv', link).group(1)
    html2 = _upload(admin_client, data, "s.csv", mode="skip")
    done = _run(admin_client, html2, "run")
    assert "1 rows skipped" in done
    assert [r.values["name"] for r in records(store_in)] == ["A"]
    assert token


def test_admin_import_needs_sign_in(app, types):
    resp = app.test_client().get("/admin/import/?type=supplier")
    assert resp.status_code in (302, 303) and "/admin/login/" in resp.headers["Location"]


def test_a_long_import_runs_in_the_worker_and_shows_its_progress_while_it_holds_the_database(
        app, admin_client, types, store_in, monkeypatch):
    """A file above the inline size is a job of the automation worker (the web process only queues it);
    a page without database access (on SQLite the import holds the one write lock) shows the rows done,
    then hands over to the report."""
    import threading
    import time

    import recordbase.dataio as dataio
    from recordbase.automation import worker as automation_worker
    from recordbase.automation.queue import get_huey
    from recordbase.context import platform

    real_run_import, release, in_worker = dataio.run_import, threading.Event(), []

    def slow_run_import(store, type_name, table, options, progress=None):
        in_worker.append(threading.current_thread().name)
        store.session.execute(__import__("sqlalchemy").text("SELECT 1"))  # the transaction (and its lock) has begun
        progress(1, 3)
        assert release.wait(30)
        return real_run_import(store, type_name, table, options, progress=progress)

    monkeypatch.setattr(dataio, "run_import", slow_run_import)
    app.config["IMPORT_INLINE_BYTES"] = 0
    html = _upload(admin_client, supplier_workbook(), "suppliers.xlsx")
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    data = {"csrf_token": csrf_token_from(html), "token": token, "action": "run"}
    data.update(dict(re.findall(r'<select name="(map_\d+)"[^>]*>(?:(?!</select>).)*?<option value="([^"]*)" selected',
                                html, re.S)))
    resp = admin_client.post("/admin/import/run/", data=data)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/admin/import/progress/{token}/")
    assert in_worker == [] and records(store_in) == []  # queued, not run by the web process
    with app.app_context():
        assert [t.name for t in get_huey().pending()] == ["recordbase.import"]
    waiting = admin_client.get(f"/admin/import/progress/{token}/").get_data(as_text=True)
    assert "Waiting for the worker" in waiting
    assert admin_client.post("/admin/import/run/", data=data).headers["Location"].endswith(
        f"/admin/import/progress/{token}/")  # a second click: the same job, nothing queued twice
    with app.app_context():
        assert len(get_huey().pending()) == 1

    def work():
        with app.app_context():
            automation_worker.configure(sessions=platform(app).sessions, timezone_name="UTC", worker_id="test-worker")
            automation_worker.run_once()

    worker = threading.Thread(target=work, name="test-worker")
    worker.start()
    deadline = time.monotonic() + 30
    while not in_worker and time.monotonic() < deadline:
        time.sleep(0.05)
    assert in_worker == ["test-worker"]  # the worker's task runs it
    started = time.monotonic()
    page = admin_client.get(f"/admin/import/progress/{token}/")
    assert time.monotonic() - started < 5  # answered while the import holds the database
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "1 of about 3 rows" in body and 'http-equiv="refresh"' in body
    assert "<script" not in body
    assert app.test_client().get(f"/admin/import/progress/{token}/").status_code == 302  # signed-in users only
    assert admin_client.get("/admin/import/progress/someone-elses/").status_code == 404
    release.set()
    worker.join(60)
    page = admin_client.get(f"/admin/import/progress/{token}/")
    assert page.status_code == 302 and page.headers["Location"].endswith(f"/admin/import/job/{token}/")
    report = admin_client.get(f"/admin/import/job/{token}/").get_data(as_text=True)
    assert "3 records were created" in report
    assert len(records(store_in)) == 3


def test_the_key_choice_offers_only_fields_an_import_can_match_on(admin_client, types, sessions):
    from recordbase.metamodel.service import MetamodelService

    with sessions.begin() as s:
        svc = MetamodelService(s)
        svc.add_field("supplier", {"name": "files", "label": "Files", "type": "attachment"})
        svc.add_field("supplier", {"name": "no", "label": "Number", "type": "autonumber"})
    page = admin_client.get("/admin/import/?type=supplier").get_data(as_text=True)
    select = page[page.index('name="key"'):page.index("</select>", page.index('name="key"'))]
    offered = re.findall(r'<option value="([a-z_]+)">', select)
    assert "name" in offered and "no" in offered and "credit_code" in offered
    assert "files" not in offered and "certifications" not in offered  # an attachment, a multiple select
