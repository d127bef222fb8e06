"""Running one attempt of an admin import job: in the automation worker, or (a small file) in the request.

Why in the worker: 100,000 rows take tens of seconds, longer than a browser (or gunicorn's
worker timeout) should wait, and an import in a thread of a web process died with it — a restart
of the web servers, a worker recycled — leaving a status that said "running" for ever. The
worker (the Huey queue of :mod:`recordbase.automation.queue`: the embedded worker of ``recordbase
serve``, or standalone ``recordbase worker``\\ s sharing this instance folder) runs the task
``recordbase.import`` with the job's description (:func:`job_payload`); ``worker --once`` runs the
queued ones too. A file of at most ``IMPORT_INLINE_BYTES`` runs in the request instead (its report
comes back in the same response); both go through :func:`execute`, so both are idempotent.

:func:`execute` takes the attempt from ``queued`` to ``running`` (a queue that delivers twice, or a
task of an attempt that was replaced, does nothing), keeps its heartbeat while it runs, and does
the import as the CLI and the API do — its own session, the signed-in user's rights, one
transaction — with the upload's ``rb_import_job`` row inserted first and committed with the
records: a second run of the same upload fails on that row's unique key and reports the first.
"""
from __future__ import annotations

import contextvars
import json
import logging
import os
import socket
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Optional

from flask import Flask, g, has_request_context

from ...settings import settings_for
from .jobs import MAX_ERRORS, Heartbeat, update

log = logging.getLogger(__name__)

#: Flask apps of a worker process, one per (database, instance folder): built on the first import
_APPS: dict[tuple[str, str], Flask] = {}


def job_payload(*, folder: Path, key: str, attempt: str, upload: Path, filename: str, type_name: str,
                user_id: int, lang: str, sheet: Optional[str], options: Any) -> dict:
    """What the queue carries: plain JSON, no secret (the worker has its own database URL)."""
    return {"folder": str(folder), "key": key, "attempt": attempt, "upload": str(upload), "filename": filename,
            "type": type_name, "user_id": user_id, "lang": lang, "sheet": sheet,
            "options": {"mapping": {str(k): v for k, v in (options.mapping or {}).items()}, "key": options.key,
                        "skip_bad_rows": options.skip_bad_rows, "dry_run": options.dry_run,
                        "date_order": options.date_order, "run_rules": options.run_rules}}


def start(app: Flask, job: dict, inline: bool) -> None:
    """Run the claimed attempt now (``inline``) or hand it to the worker's queue."""
    if inline:
        execute(app, job)
        return
    from ...automation.queue import enqueue_import
    from ...i18n import translate

    try:
        enqueue_import(job)
    except Exception:  # noqa: BLE001 - the user must learn it did not start; the log gets the details
        log.exception("could not enqueue the import of %s", job["filename"])
        update(Path(job["folder"]), job["key"], job["attempt"], {
            "state": "failed", "message": translate("The import could not be handed to the worker; nothing was "
                                                    "written. Try again in a moment.")}, expect=("queued",))


def run_queued(job: dict) -> None:
    """The worker's task (``recordbase.import``)."""
    if not Path(job["folder"]).is_dir():  # a worker on another machine: the job stays queued until given up
        log.error("this worker does not see the upload folder %s of import %s: workers that run admin imports "
                  "need the web servers' instance folder (RECORDBASE_INSTANCE, shared)", job["folder"], job["key"])
        return
    execute(worker_app(Path(job["folder"]).parent), job)


def worker_app(instance: Path) -> Flask:
    """The app a worker imports with: the worker's database, the upload's instance folder."""
    from ...application import create_app
    from ...automation.queue import CONTEXT

    if CONTEXT.sessions is None:
        raise RuntimeError("this process is not a Recordbase worker (no database configured)")
    url = CONTEXT.sessions.kw["bind"].url.render_as_string(hide_password=False)
    key = (url, str(instance))
    app = _APPS.get(key)
    if app is None:  # (built outside any app context the caller may have: it is an app of its own)
        app = _APPS[key] = contextvars.Context().run(create_app, {"DATABASE_URL": url, "INSTANCE_PATH": str(instance)})
    return app


def execute(app: Flask, job: dict) -> str:
    """Run one attempt; ``"skipped"`` when it is not (or no longer) the upload's queued attempt."""
    folder, key, attempt = Path(job["folder"]), job["key"], job["attempt"]
    if not update(folder, key, attempt, {"state": "running", "started": time.time(),
                                         "worker": f"{socket.gethostname()}:{os.getpid()}"}, expect=("queued",)):
        return "skipped"
    beat = Heartbeat(folder, key, attempt).start()
    try:
        outcome = _import(app, job, beat)
    finally:
        beat.stop()
    update(folder, key, attempt, outcome, expect=("running",))
    return outcome["state"]


def _import(app: Flask, job: dict, beat: Heartbeat) -> dict:
    """The import in its own session and transaction; the status changes that end the attempt."""
    from ...dataio import ImportOptions

    opts = job["options"]
    options = ImportOptions(mapping={int(k): v for k, v in opts["mapping"].items()}, key=opts["key"],
                            skip_bad_rows=opts["skip_bad_rows"], dry_run=opts["dry_run"],
                            date_order=opts["date_order"], run_rules=opts["run_rules"])
    with nullcontext() if has_request_context() else app.test_request_context("/"):
        g.rb_lang = job["lang"]  # the messages of the report in the user's language
        return _import_in(app, job, options, beat)


def _import_in(app: Flask, job: dict, options: Any, beat: Heartbeat) -> dict:
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from ...access.policy import Policy
    from ...context import platform
    from ...dataio import open_table, run_import
    from ...dataio.models import ImportJob
    from ...errors import RecordbaseError
    from ...models import User
    from ...storage import RecordStore

    folder, key, upload = Path(job["folder"]), job["key"], Path(job["upload"])
    plat = platform(app)
    session = plat.sessions()
    try:
        row = None
        if not options.dry_run:  # first: a second run of this upload stops here, before any row
            row = ImportJob(upload=key, user_id=job["user_id"], type_name=job["type"], filename=job["filename"][:255])
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                first = session.scalar(select(ImportJob).where(ImportJob.upload == key))
                report = (first.report if first is not None else None) or {}
                return {"state": "done", "committed": True, "dry_run": False, "report": report,
                        "done": report.get("rows"), "total": report.get("rows")}
        user = session.get(User, job["user_id"])
        store = RecordStore(session, plat.schema_cache.get(session), user_id=job["user_id"],
                            timezone_name=settings_for(session, app.config).timezone, lang=job["lang"],
                            policy=Policy.for_user(session, user))
        store.require("import", job["type"])
        table = open_table(upload, job["filename"], sheet=job["sheet"])
        report = run_import(store, job["type"], table, options, progress=beat.progress)
        data = report.to_json(max_errors=MAX_ERRORS)
        if report.committed:
            row.report = json.loads(json.dumps(data, default=str))  # (as the status file has it)
            session.commit()
        else:
            session.rollback()
    except RecordbaseError as exc:
        session.rollback()
        return {"state": "failed", "message": exc.message}
    except Exception:  # noqa: BLE001 - the user must learn that it failed; the log gets the details
        session.rollback()
        log.exception("import of %s into %s failed", job["filename"], job["type"])
        return {"state": "failed", "message": None}
    finally:
        session.close()
    try:  # written or not, the import is over: what follows cannot change that
        (folder / f"{key}.errors.csv").write_text(report.errors_csv(), "utf-8")
        if report.committed:
            upload.unlink(missing_ok=True)
    except OSError:
        log.warning("could not write the error report of %s", key, exc_info=True)
    return {"state": "done", "committed": report.committed, "dry_run": options.dry_run, "report": data,
            "done": report.rows, "total": report.rows}
