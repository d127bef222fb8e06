"""Imports started from the admin run beside the request, so that the browser can show their progress.

Why not in the request: 100,000 rows take tens of seconds, longer than a browser (or
gunicorn's worker timeout) should wait for one response, and the user wants to see how far
it got. Why not in the task queue's worker: the uploaded file lies in this machine's
instance folder, and an import must work with ``serve --no-worker`` too.

So the view starts :func:`start_import` — a thread of the web process with its own database
session, the signed-in user's rights and one transaction, exactly like the CLI and the API
(:func:`recordbase.dataio.run_import`) — waits briefly (a small file's report comes back in
the same response), and otherwise shows a page that refreshes itself and reads the status
file this module keeps beside the upload: ``{"state": "running"|"done"|"failed", "done",
"total", "report", "message"}``, written atomically (write, then rename) so a reader in any
process of this machine never sees half a file.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any, Optional

from flask import Flask

log = logging.getLogger(__name__)

#: at most one status write per this many seconds while rows are read
WRITE_EVERY = 0.5
#: errors kept in the status file (the full list goes to the error CSV)
MAX_ERRORS = 200


def write_status(path: Path, status: dict) -> None:
    """Replace the status file in one step (readers see the old or the new file, never a mix)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(status, ensure_ascii=False, default=str), "utf-8")
    tmp.replace(path)


def read_status(path: Path) -> Optional[dict]:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def start_import(app: Flask, *, status_path: Path, errors_path: Path, upload_path: Path, filename: str,
                 type_name: str, user_id: int, lang: str, sheet: Optional[str], options: Any) -> threading.Thread:
    """Start the import in a thread; its progress and outcome go to ``status_path``."""
    write_status(status_path, {"state": "running", "done": 0, "total": None, "dry_run": options.dry_run,
                               "started": time.time()})
    thread = threading.Thread(
        target=_run, name=f"recordbase-import-{status_path.stem}", daemon=True,
        args=(app, status_path, errors_path, upload_path, filename, type_name, user_id, lang, sheet, options))
    thread.start()
    return thread


def _run(app: Flask, status_path: Path, errors_path: Path, upload_path: Path, filename: str, type_name: str,
         user_id: int, lang: str, sheet: Optional[str], options: Any) -> None:
    from ...access.policy import Policy
    from ...context import platform
    from ...dataio import open_table, run_import
    from ...errors import RecordbaseError
    from ...models import User
    from ...storage import RecordStore

    started = time.time()
    last_write = [0.0]

    def progress(done: int, total: Optional[int]) -> None:
        now = time.monotonic()
        if now - last_write[0] >= WRITE_EVERY:
            last_write[0] = now
            write_status(status_path, {"state": "running", "done": done, "total": total,
                                       "dry_run": options.dry_run, "started": started})

    with app.app_context():
        plat = platform(app)
        session = plat.sessions()
        try:
            user = session.get(User, user_id)
            store = RecordStore(session, plat.schema_cache.get(session), user_id=user_id,
                                timezone_name=app.config["TIMEZONE"], lang=lang,
                                policy=Policy.for_user(session, user))
            store.require("import", type_name)
            table = open_table(upload_path, filename, sheet=sheet)
            report = run_import(store, type_name, table, options, progress=progress)
            if report.committed:
                session.commit()
            else:
                session.rollback()
            errors_path.write_text(report.errors_csv(), "utf-8")
            if report.committed and not options.dry_run:
                upload_path.unlink(missing_ok=True)
            write_status(status_path, {"state": "done", "done": report.rows, "total": report.rows,
                                       "dry_run": options.dry_run, "started": started,
                                       "report": report.to_json(max_errors=MAX_ERRORS)})
        except RecordbaseError as exc:
            session.rollback()
            write_status(status_path, {"state": "failed", "message": exc.message, "started": started})
        except Exception:  # noqa: BLE001 - the user must learn that it failed; the log gets the details
            session.rollback()
            log.exception("import of %s into %s failed", filename, type_name)
            write_status(status_path, {"state": "failed", "message": None, "started": started})
        finally:
            session.close()
