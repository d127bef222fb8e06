"""Admin import jobs are idempotent per upload and durable: a second submit shows the first job, a job
whose process died is reported as failed (nothing written) and runs again exactly once."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

from processes import recordbase_command

from .helpers import records
from .files import csv_bytes, supplier_workbook
from .test_admin_import import _run, _upload, csrf_token_from


def _form(html: str, action: str) -> dict:
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    data = {"csrf_token": csrf_token_from(html), "token": token, "action": action}
    data.update(dict(re.findall(r'<select name="(map_\d+)"[^>]*>(?:(?!</select>).)*?<option value="([^"]*)" selected',
                                html, re.S)))
    return data


def _status_file(app, owner, token: str) -> Path:
    return Path(app.instance_path) / "imports" / f"{owner.id}-{token}.status.json"


def _dead_worker(path: Path, seconds_ago: float = 3600) -> None:
    """What a worker killed mid-import leaves behind: 'running', with a heartbeat that stopped."""
    status = json.loads(path.read_text("utf-8")) if path.exists() else {}
    status.update({"state": "running", "attempt": "dead-worker", "dry_run": False, "done": 1000, "total": 3000,
                   "started": time.time() - seconds_ago, "heartbeat": time.time() - seconds_ago})
    status.pop("report", None)
    path.write_text(json.dumps(status), "utf-8")


def test_submitting_again_after_a_successful_import_shows_its_report_and_writes_nothing_twice(
        app, admin_client, owner, types, store_in):
    html = _upload(admin_client, supplier_workbook(), "suppliers.xlsx")
    form = _form(html, "run")
    first = admin_client.post("/admin/import/run/", data=form).get_data(as_text=True)
    assert "3 records were created" in first and len(records(store_in)) == 3
    for action in ("run", "run", "preview"):  # a double click, back and submit again, a reload
        again = admin_client.post("/admin/import/run/", data={**form, "action": action})
        body = again.get_data(as_text=True)
        assert again.status_code == 200 and "3 records were created" in body, body[:500]
        assert "failed" not in body and "no longer available" not in body
    assert len(records(store_in)) == 3
    status = json.loads(_status_file(app, owner, form["token"]).read_text("utf-8"))
    assert status["state"] == "done" and status["committed"] and status["report"]["created"] == 3
    assert "3 records were created" in admin_client.get(f"/admin/import/job/{form['token']}/").get_data(as_text=True)


def test_a_job_whose_worker_died_is_failed_and_runs_again_exactly_once(app, admin_client, owner, types, store_in,
                                                                        switch_language):
    html = _upload(admin_client, supplier_workbook(), "suppliers.xlsx")
    form = _form(html, "run")
    path = _status_file(app, owner, form["token"])
    _dead_worker(path)
    # the progress page (no database) hands over; the job page says it stopped, and offers to run it again
    progress = admin_client.get(f"/admin/import/progress/{form['token']}/")
    assert progress.status_code == 302 and progress.headers["Location"].endswith(f"/admin/import/job/{form['token']}/")
    page = admin_client.get(f"/admin/import/job/{form['token']}/", follow_redirects=True).get_data(as_text=True)
    assert "The import stopped before finishing; nothing was written; you can run it again." in page
    assert f'name="token" value="{form["token"]}"' in page and 'value="run"' in page  # the same upload
    assert records(store_in) == []
    switch_language(admin_client, "zh")
    zh = admin_client.get(f"/admin/import/job/{form['token']}/").get_data(as_text=True)
    assert "导入在完成前中止" in zh
    switch_language(admin_client, "en")
    rerun = admin_client.post("/admin/import/run/", data=_form(page, "run")).get_data(as_text=True)
    assert "3 records were created" in rerun
    again = admin_client.post("/admin/import/run/", data=form).get_data(as_text=True)
    assert "3 records were created" in again
    assert len(records(store_in)) == 3


def test_a_fresh_heartbeat_is_a_running_job_a_second_submit_does_not_start_another(app, admin_client, owner, types,
                                                                                   store_in):
    html = _upload(admin_client, supplier_workbook(), "suppliers.xlsx")
    form = _form(html, "run")
    _dead_worker(_status_file(app, owner, form["token"]), seconds_ago=1)  # beating a second ago: alive
    resp = admin_client.post("/admin/import/run/", data=form)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/admin/import/progress/{form['token']}/")
    assert "1,000 of about 3,000 rows" in admin_client.get(resp.headers["Location"]).get_data(as_text=True)
    assert records(store_in) == []


def test_a_worker_that_died_after_its_commit_is_reported_as_done_from_the_database(app, admin_client, owner, types,
                                                                                    store_in):
    """The records and the upload's rb_import_job row commit together: when the status file missed the end,
    the database says the import was written, and a new run writes nothing."""
    html = _upload(admin_client, supplier_workbook(), "suppliers.xlsx")
    form = _form(html, "run")
    assert "3 records were created" in admin_client.post("/admin/import/run/", data=form).get_data(as_text=True)
    path = _status_file(app, owner, form["token"])
    _dead_worker(path)
    report = admin_client.get(f"/admin/import/job/{form['token']}/").get_data(as_text=True)
    assert "3 records were created" in report and "stopped" not in report
    _dead_worker(path)
    again = admin_client.post("/admin/import/run/", data=form).get_data(as_text=True)
    assert "3 records were created" in again
    assert len(records(store_in)) == 3


def test_a_queued_attempt_that_was_replaced_does_nothing_when_the_worker_gets_to_it(app, admin_client, owner, types,
                                                                                    store_in):
    """No worker took the job: it is given up after IMPORT_QUEUE_SECONDS and can run again; the old task,
    delivered later, finds another attempt and does nothing."""
    from recordbase.automation import worker as automation_worker
    from recordbase.context import platform

    app.config.update(IMPORT_INLINE_BYTES=0, IMPORT_QUEUE_SECONDS=0)
    html = _upload(admin_client, supplier_workbook(), "suppliers.xlsx")
    form = _form(html, "run")
    assert admin_client.post("/admin/import/run/", data=form).status_code == 302
    page = admin_client.get(f"/admin/import/job/{form['token']}/").get_data(as_text=True)
    assert "No worker started the import" in page and records(store_in) == []
    app.config.update(IMPORT_INLINE_BYTES=10 ** 6, IMPORT_QUEUE_SECONDS=600)
    assert "3 records were created" in admin_client.post("/admin/import/run/", data=form).get_data(as_text=True)
    with app.app_context():
        automation_worker.configure(sessions=platform(app).sessions, timezone_name="UTC", worker_id="test-worker")
        automation_worker.run_once()
    assert len(records(store_in)) == 3
    assert "3 records were created" in admin_client.get(f"/admin/import/job/{form['token']}/").get_data(as_text=True)


def test_a_refused_import_and_a_preview_can_run_again(admin_client, types, store_in):
    data = csv_bytes([["Name", "Since"], ["A", "2026-01-05"], ["B", "2026-02-30"]])
    html = _upload(admin_client, data, "s.csv")
    refused = _run(admin_client, html, "run")
    assert "Nothing was imported" in refused
    preview = _run(admin_client, html, "preview", map_1="")  # leave the bad column out: the same upload
    assert "2 records would be created" in preview
    done = _run(admin_client, preview, "run", map_1="")
    assert "2 records were created" in done and len(records(store_in)) == 2


def test_killing_a_real_worker_mid_import_leaves_nothing_and_the_import_runs_again_once(
        app, admin_client, owner, types, store_in, database_url):
    """``recordbase worker`` (a real process) runs the import; SIGKILL it halfway: the page says it stopped,
    nothing was written, and running it again imports every row once."""
    rows = 30000
    app.config.update(IMPORT_INLINE_BYTES=0, IMPORT_STALE_SECONDS=4)
    data = csv_bytes([["Name", "Notes"]] + [[f"S{i}", f"note {i}"] for i in range(rows)])
    html = _upload(admin_client, data, "big.csv")
    form = _form(html, "run")
    assert admin_client.post("/admin/import/run/", data=form).status_code == 302
    path = _status_file(app, owner, form["token"])
    env = dict(os.environ, RECORDBASE_DATABASE_URL=database_url, RECORDBASE_INSTANCE=app.instance_path)
    proc = subprocess.Popen(recordbase_command() + ["worker", "--threads", "1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status = json.loads(path.read_text("utf-8"))
            if status["state"] == "running" and (status.get("done") or 0) >= 1000:
                break
            assert status["state"] in ("queued", "running"), status
            time.sleep(0.05)
        assert status["state"] == "running" and status["done"] < rows, status
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    deadline = time.monotonic() + 60
    while True:  # running (to the page) until its heartbeat is IMPORT_STALE_SECONDS old
        resp = admin_client.get(f"/admin/import/job/{form['token']}/")
        if resp.status_code != 302 or time.monotonic() > deadline:
            break
        assert resp.headers["Location"].endswith(f"/admin/import/progress/{form['token']}/")
        time.sleep(0.5)
    page = resp.get_data(as_text=True)
    assert "The import stopped before finishing; nothing was written" in page
    assert records(store_in) == []
    app.config["IMPORT_INLINE_BYTES"] = 10 ** 8
    done = admin_client.post("/admin/import/run/", data=_form(page, "run")).get_data(as_text=True)
    assert f"{rows} records were created" in done
    assert admin_client.post("/admin/import/run/", data=form).status_code == 200
    with store_in() as store:
        assert store.count("supplier") == rows


def test_the_database_refuses_a_second_run_of_the_same_upload(app, admin_client, owner, types, store_in):
    """Even an attempt that got past the status file (two processes racing, a lost status file) cannot
    import the upload twice: its rb_import_job row's unique key stops it, and it reports the first import."""
    from recordbase.admin.dataio import jobs, runner
    from recordbase.dataio import ImportOptions

    html = _upload(admin_client, supplier_workbook(), "suppliers.xlsx")
    form = _form(html, "run")
    folder, key = Path(app.instance_path) / "imports", f"{owner.id}-{form['token']}"
    upload = folder / f"{key}.xlsx"
    assert "3 records were created" in admin_client.post("/admin/import/run/", data=form).get_data(as_text=True)
    assert not upload.exists()  # removed once imported
    upload.write_bytes(supplier_workbook())
    jobs.write_status(jobs.status_path(folder, key), {"state": "failed", "attempt": "x"})  # the file forgot it
    outcome, attempt = jobs.claim(folder, key, dry_run=False, upload_exists=True, mapping={})
    assert outcome == "started"
    job = runner.job_payload(folder=folder, key=key, attempt=attempt, upload=upload, filename="suppliers.xlsx",
                             type_name="supplier", user_id=owner.id, lang="en", sheet=None, options=ImportOptions())
    with app.app_context():
        assert runner.execute(app, job) == "done"
        assert runner.execute(app, job) == "skipped"  # a queue that delivers twice
    status = jobs.read_status(jobs.status_path(folder, key))
    assert status["committed"] and status["report"]["created"] == 3
    assert len(records(store_in)) == 3
