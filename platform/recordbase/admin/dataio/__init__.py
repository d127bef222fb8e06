"""The admin import page: ``/admin/import/?type=<type>`` for every record type.

Upload a CSV or XLSX file (sheet, day-first/month-first, all-or-nothing or skip bad rows,
"update existing records matching on" a key field, rules on or off for Builders), check
the column mapping (automatic, editable), preview it (a dry run: every problem with row,
column, value and reason, and the first rows as they will be stored), run it, and read the
report (the error report downloads as CSV). Everything goes through
:func:`recordbase.dataio.run_import`, in one transaction, as the CLI and the API do. A
preview or import of a small file answers in the request; a bigger one is a durable job of the
automation worker (:mod:`.runner`) while a self-refreshing page shows how many rows are done.
Each upload has at most one job and is imported at most once (:mod:`.jobs`): submitting the form
again shows the job's progress or its report.

Self-contained: :func:`register_import` adds the view and its templates (one line in
``init_admin``). The uploaded file waits in the instance folder between the steps, under a
random name tied to the signed-in user, and is removed after the import (or after a day).
"""
from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any, Optional

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...context import current_lang, current_schema, current_user, db_session, record_store
from ...errors import RecordbaseError
from ...metamodel.ids import digits_only
from ..access import SignedInOnly

#: an upload of at most this many bytes is previewed or imported in the request (its report comes back
#: at once); a bigger one goes to the worker (``IMPORT_INLINE_BYTES`` in the app's config or the environment)
INLINE_BYTES = 256 * 1024


def _upload_dir() -> Path:
    d = Path(current_app.instance_path) / "imports"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _limits() -> tuple[float, float]:
    """(seconds after which a running job without a heartbeat has stopped, seconds after which a job no
    worker started is given up): ``IMPORT_STALE_SECONDS``, ``IMPORT_QUEUE_SECONDS`` in the app's config
    (or ``RECORDBASE_IMPORT_…`` in the environment)."""
    from ...automation.settings import setting
    from .jobs import QUEUE_SECONDS, STALE_SECONDS

    return (float(setting("IMPORT_STALE_SECONDS", STALE_SECONDS)), float(setting("IMPORT_QUEUE_SECONDS", QUEUE_SECONDS)))


def _cleanup(folder: Path, max_age: float = 86400) -> None:
    now = time.time()
    for p in folder.glob("*"):
        try:
            if now - p.stat().st_mtime > max_age:
                p.unlink()
        except OSError:
            pass


class ImportView(SignedInOnly, BaseView):
    def __init__(self) -> None:
        super().__init__(name=_l("Import"), endpoint="records_import", url="/admin/import")

    # -- helpers ------------------------------------------------------------------------------
    def _typedef(self, name: Optional[str]):
        """The type as the signed-in user sees it (hidden fields left out: mapped as unknown columns)."""
        schema = current_schema()
        if name and name in schema.types:
            return record_store().visible_type(name)
        return None

    def _token_path(self, token: str, suffix: str) -> Path:
        if not token or not token.replace("-", "").replace("_", "").isalnum():
            abort(404)
        return _upload_dir() / f"{current_user().id}-{token}{suffix}"

    def _saved(self, token: str) -> tuple[Path, dict]:
        meta_path = self._token_path(token, ".json")
        if not meta_path.exists():
            flash(_("The uploaded file is no longer available; upload it again."), "error")
            return None, None  # type: ignore[return-value]
        meta = json.loads(meta_path.read_text("utf-8"))
        return self._token_path(token, meta["suffix"]), meta

    def _options(self, form, type_name: str) -> dict:
        order = form.get("date_order") or None
        return {"sheet": (form.get("sheet") or "").strip() or None,
                "date_order": order if order in ("dmy", "mdy") else None,
                "skip_bad_rows": form.get("mode") == "skip", "key": form.get("key") or None,
                "run_rules": bool(form.get("run_rules")) or not record_store().can("configure", type_name)}

    # -- pages ----------------------------------------------------------------------------------
    @expose("/")
    def index(self) -> Any:
        store = record_store()
        types = [t for t in current_schema().ordered() if store.can("import", t.name)]
        typedef = self._typedef(request.args.get("type"))
        if typedef is not None and typedef.name not in {t.name for t in types}:
            abort(403)
        from ...dataio.importer import key_fields

        return self.render("dataio/upload.html", typedef=typedef, types=types, lang=current_lang(),
                           builder=any(store.can("configure", t.name) for t in types),
                           key_fields=key_fields(typedef) if typedef is not None else [])

    @expose("/upload/", methods=("POST",))
    def upload(self) -> Any:
        from ...dataio import open_table

        typedef = self._typedef(request.form.get("type"))
        f = request.files.get("file")
        if typedef is None or f is None or not f.filename:
            flash(_("Choose a record type and a CSV or XLSX file."), "error")
            return redirect(url_for(".index", type=request.form.get("type") or ""))
        if not record_store().can("import", typedef.name):
            abort(403)
        folder = _upload_dir()
        _cleanup(folder)
        token = secrets.token_urlsafe(12)
        suffix = ".xlsx" if f.filename.lower().endswith((".xlsx", ".xlsm")) else ".csv"
        path = self._token_path(token, suffix)
        f.save(path)
        options = self._options(request.form, typedef.name)
        try:
            table = open_table(path, f.filename, sheet=options["sheet"])
        except RecordbaseError as exc:
            path.unlink(missing_ok=True)
            flash(exc.message, "error")
            return redirect(url_for(".index", type=typedef.name))
        meta = {"type": typedef.name, "filename": f.filename, "suffix": suffix, "options": options}
        self._token_path(token, ".json").write_text(json.dumps(meta), "utf-8")
        return self._mapping_page(typedef, token, meta, table)

    def _mapping_page(self, typedef, token: str, meta: dict, table=None, overrides: Optional[dict] = None) -> Any:
        """Step 2 (the column mapping) for an upload: after the upload, or to run a stopped job again."""
        from ...dataio import open_table
        from ...dataio.mapping import auto_map, importable

        if table is None:
            path = self._token_path(token, meta["suffix"])
            try:
                table = open_table(path, meta["filename"], sheet=meta["options"]["sheet"])
            except (OSError, RecordbaseError):
                flash(_("The uploaded file is no longer available; upload it again."), "error")
                return redirect(url_for(".index", type=typedef.name))
        overrides = {int(k): v for k, v in (overrides or {}).items()} or None
        mapping = [_column(m.to_json()) for m in auto_map(typedef, table.headers, overrides)]
        return self.render("dataio/mapping.html", typedef=typedef, token=token, meta=meta, mapping=mapping,
                           fields=[x for x in typedef.fields if importable(x)], lang=current_lang(), table=table)

    def _key(self, token: str) -> str:
        return self._token_path(token, "").name

    def _written(self, token: str) -> Optional[dict]:
        """The report of this upload's import if the database says it was written (else None)."""
        from sqlalchemy import select

        from ...dataio.models import ImportJob

        row = db_session().scalar(select(ImportJob).where(ImportJob.upload == self._key(token)))
        return (row.report or {}) if row is not None else None

    @expose("/run/", methods=("POST",))
    def run(self) -> Any:
        """Preview or import an upload: idempotent per upload (a second submit while the job is queued or
        running shows its progress; after the upload was imported, that import's report)."""
        from ...automation.settings import setting
        from ...dataio import ImportOptions

        from . import jobs, runner

        token = request.form.get("token", "")
        path, meta = self._saved(token)
        if path is None:
            return redirect(url_for(".index"))
        typedef = self._typedef(meta["type"])
        if typedef is None:
            abort(404)
        if not record_store().can("import", typedef.name):
            abort(403)  # a role without 'import' on this type (the job checks again, in its own session)
        mapping = {}
        for key, value in request.form.items():
            if key.startswith("map_") and digits_only(key[4:]) and len(key) < 10:
                mapping[int(key[4:]) + 1] = value or None
        opts = meta["options"]
        options = ImportOptions(mapping=mapping, key=opts["key"], skip_bad_rows=opts["skip_bad_rows"],
                                dry_run=request.form.get("action") != "run", date_order=opts["date_order"],
                                run_rules=opts["run_rules"])
        folder, key, (stale, queue) = _upload_dir(), self._key(token), _limits()
        if jobs.effective_state(jobs.read_status(jobs.status_path(folder, key)), stale, queue) not in jobs.LIVE:
            written = self._written(token)
            if written is not None:  # the database knows better than a status file its process left behind
                jobs.record_written(folder, key, written)
        outcome, attempt = jobs.claim(folder, key, dry_run=options.dry_run, upload_exists=path.exists(),
                                      mapping=mapping, stale=stale, queue=queue)
        if outcome == "live":  # a second click while it runs
            return redirect(url_for("recordbase_admin_dataio.progress", token=token))
        if outcome == "written":  # back and submit again, a reload: the first import's report, nothing twice
            return self.job(token)
        if outcome == "gone":
            flash(_("The uploaded file is no longer available; upload it again."), "error")
            return redirect(url_for(".index", type=typedef.name))
        job = runner.job_payload(folder=folder, key=key, attempt=attempt, upload=path, filename=meta["filename"],
                                 type_name=typedef.name, user_id=current_user().id, lang=current_lang(),
                                 sheet=opts["sheet"], options=options)
        inline = path.stat().st_size <= int(setting("IMPORT_INLINE_BYTES", INLINE_BYTES))
        db_session().rollback()  # end this request's transaction: on SQLite it holds the one write lock
        runner.start(current_app._get_current_object(), job, inline)
        if not inline:  # a big file: the worker runs it; the progress page needs no database
            return redirect(url_for("recordbase_admin_dataio.progress", token=token))
        return self.job(token)

    @expose("/job/<token>/")
    def job(self, token: str) -> Any:
        """The progress of a running preview or import, or its report once it is over."""
        from ...dataio.mapping import importable

        from . import jobs

        meta_path = self._token_path(token, ".json")
        folder, key = _upload_dir(), self._key(token)
        status = jobs.read_status(jobs.status_path(folder, key))
        if status is None or not meta_path.exists():
            abort(404)
        meta = json.loads(meta_path.read_text("utf-8"))
        typedef = self._typedef(meta["type"])
        if typedef is None:
            abort(404)
        state = jobs.effective_state(status, *_limits())
        if state in jobs.LIVE:
            return redirect(url_for("recordbase_admin_dataio.progress", token=token))
        if state in ("stopped", "unstarted"):
            written = self._written(token)
            if written is None:  # its process died (or no worker took it): the database rolled it back
                jobs.give_up(folder, key, status, state)
                flash(_("The import stopped before finishing; nothing was written; you can run it again.")
                      if state == "stopped" else
                      _("No worker started the import (is `recordbase worker` running?); nothing was written; "
                        "you can run it again."), "error")
                return self._mapping_page(typedef, token, meta, overrides=status.get("mapping"))
            jobs.record_written(folder, key, written)
            status = jobs.read_status(jobs.status_path(folder, key)) or status
        elif state == "failed":
            flash(status.get("message") or _("The import failed unexpectedly; nothing was written."), "error")
            return redirect(url_for(".index", type=typedef.name))
        report = status["report"]
        dry_run = report["dry_run"]
        upload = self._token_path(token, meta["suffix"])
        return self.render("dataio/report.html", typedef=typedef, report=report, token=token, meta=meta,
                           dry_run=dry_run, lang=current_lang(), mapping=[_column(m) for m in report["mapping"]],
                           fields=[x for x in typedef.fields if importable(x)],
                           can_run=dry_run and report["ok"] and upload.exists())

    @expose("/errors/<token>.csv")
    def errors(self, token: str) -> Any:
        p = self._token_path(token, ".errors.csv")
        if not p.exists():
            abort(404)
        return Response(p.read_text("utf-8").encode("utf-8"), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="import-errors.csv"'})


def _column(m: dict) -> dict:
    """One row of the mapping form from a column's JSON (the same shape before and after a run)."""
    return {"index": m["column"] - 1, "header": m["header"], "field": m["field"], "reason": m.get("reason")}


def progress(token: str) -> Any:
    """``/admin/import/progress/<token>``: how far a running import got, without the database.

    On SQLite the import holds the database's one write lock until it commits, so this page
    (unlike the admin pages that write, or that do not run in a read-only session) reads only the
    signed session cookie and the status file, and
    hands over to the admin's report page when the import is over.
    """
    from flask import render_template, session

    from ...i18n import lang_code
    from .jobs import LIVE, effective_state, read_status

    uid = session.get("uid")
    if uid is None:
        return redirect(url_for("admin.index"))
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        abort(404)
    folder = Path(current_app.instance_path) / "imports"
    status = read_status(folder / f"{uid}-{token}.status.json")
    meta = read_status(folder / f"{uid}-{token}.json")
    if status is None or meta is None:
        abort(404)
    if effective_state(status, *_limits()) not in LIVE:  # over, or stopped: the report page says which
        return redirect(url_for("records_import.job", token=token))
    done, total = status.get("done") or 0, status.get("total")
    return render_template("dataio/progress.html", token=token, meta=meta, done=done, total=total,
                           percent=min(99, int(done * 100 / total)) if total else None,
                           dry_run=status.get("dry_run"), lang=lang_code(session.get("lang")),
                           queued=status.get("state") == "queued",
                           seconds=int(time.time() - status.get("started", time.time())))


def register_import(admin) -> None:
    """Add the import page to ``admin`` (call once, from ``init_admin``)."""
    from ...security import DATABASE_FREE_ENDPOINTS

    bp = Blueprint("recordbase_admin_dataio", __name__, template_folder="templates")
    bp.add_url_rule("/admin/import/progress/<token>/", "progress", progress)
    admin.app.register_blueprint(bp)
    DATABASE_FREE_ENDPOINTS.add("recordbase_admin_dataio.progress")
    admin.add_view(ImportView())
