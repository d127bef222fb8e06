"""The admin import page: ``/admin/import/?type=<type>`` for every record type.

Upload a CSV or XLSX file (sheet, day-first/month-first, all-or-nothing or skip bad rows,
"update existing records matching on" a key field, rules on or off for Builders), check
the column mapping (automatic, editable), preview it (a dry run: every problem with row,
column, value and reason, and the first rows as they will be stored), run it, and read the
report (the error report downloads as CSV). Everything goes through
:func:`recordbase.dataio.run_import`, in one transaction, as the CLI and the API do.

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
from flask_babel import LazyString

from ...context import current_lang, current_schema, current_user, db_session, record_store
from ...errors import RecordbaseError
from ..access import BUILDER_ROLES, SignedInOnly

WORDS = {
    "title": ("Import", "导入"),
    "intro": ("Import a CSV or Excel file into a record type. Columns are matched to fields by their English or "
              "Chinese label; nothing is written until you run the import, and by default a file with any bad row "
              "is refused whole.",
              "将 CSV 或 Excel 文件导入记录类型。列按中英文字段名称自动匹配；在运行导入之前不会写入任何数据，"
              "默认情况下只要有一行有误，整个文件都不会导入。"),
    "type": ("Record type", "记录类型"), "file": ("File (.csv or .xlsx)", "文件（.csv 或 .xlsx）"),
    "sheet": ("Sheet (XLSX; empty: the first)", "工作表（XLSX；留空为第一个）"),
    "dates": ("Dates like 05/01/2026", "形如 05/01/2026 的日期"), "dmy": ("day first (5 January)", "日在前（1月5日）"),
    "mdy": ("month first (May 1)", "月在前（5月1日）"), "none": ("refuse ambiguous dates", "拒绝有歧义的日期"),
    "mode": ("If some rows are bad", "如果某些行有误"), "all": ("import nothing", "全部不导入"),
    "skip": ("skip them, import the rest", "跳过这些行，导入其余行"),
    "key": ("Update existing records matching on", "按此字段匹配并更新已有记录"), "no_key": ("— (always create)", "—（总是新建）"),
    "rules": ("Run automation rules for the imported records", "为导入的记录运行自动化规则"),
    "upload": ("Upload and map columns", "上传并匹配列"), "mapping": ("Column mapping", "列映射"),
    "column": ("Column", "列"), "field": ("Field", "字段"), "skip_col": ("— not imported", "— 不导入"),
    "preview": ("Preview (dry run)", "预览（试运行）"), "run": ("Import", "导入"),
    "report": ("Report", "报告"), "row": ("Row", "行"), "value": ("Value", "值"), "reason": ("Reason", "原因"),
    "download": ("Download the error report (CSV)", "下载错误报告（CSV）"), "again": ("Import another file", "导入其他文件"),
    "preview_rows": ("First rows as they will be stored", "前几行的存储结果"), "expired": (
        "The uploaded file is no longer available; upload it again.", "上传的文件已失效，请重新上传。"),
    "list": ("Back to the list", "返回列表"), "more": ("more problems: download the report", "个问题未显示：请下载报告"),
}


def word(key: str, lang: Optional[str] = None) -> str:
    en, zh = WORDS[key]
    return zh if (lang or current_lang()).startswith("zh") else en


def _upload_dir() -> Path:
    d = Path(current_app.instance_path) / "imports"
    d.mkdir(parents=True, exist_ok=True)
    return d


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
        super().__init__(name=LazyString(lambda: word("title")), endpoint="records_import", url="/admin/import")

    # -- helpers ------------------------------------------------------------------------------
    def _typedef(self, name: Optional[str]):
        schema = current_schema()
        if name and name in schema.types:
            return schema.types[name]
        return None

    def _token_path(self, token: str, suffix: str) -> Path:
        if not token or not token.replace("-", "").replace("_", "").isalnum():
            abort(404)
        return _upload_dir() / f"{current_user().id}-{token}{suffix}"

    def _saved(self, token: str) -> tuple[Path, dict]:
        meta_path = self._token_path(token, ".json")
        if not meta_path.exists():
            flash(word("expired"), "error")
            return None, None  # type: ignore[return-value]
        meta = json.loads(meta_path.read_text("utf-8"))
        return self._token_path(token, meta["suffix"]), meta

    def _options(self, form) -> dict:
        order = form.get("date_order") or None
        return {"sheet": (form.get("sheet") or "").strip() or None,
                "date_order": order if order in ("dmy", "mdy") else None,
                "skip_bad_rows": form.get("mode") == "skip", "key": form.get("key") or None,
                "run_rules": bool(form.get("run_rules")) or current_user().role not in BUILDER_ROLES}

    # -- pages ----------------------------------------------------------------------------------
    @expose("/")
    def index(self) -> Any:
        typedef = self._typedef(request.args.get("type"))
        return self.render("dataio/upload.html", typedef=typedef, types=current_schema().ordered(), lang=current_lang(),
                           word=word, builder=current_user().role in BUILDER_ROLES)

    @expose("/upload/", methods=("POST",))
    def upload(self) -> Any:
        from ...dataio import open_table
        from ...dataio.mapping import auto_map, importable

        typedef = self._typedef(request.form.get("type"))
        f = request.files.get("file")
        if typedef is None or f is None or not f.filename:
            flash(word("file") + " ?", "error")
            return redirect(url_for(".index", type=request.form.get("type") or ""))
        folder = _upload_dir()
        _cleanup(folder)
        token = secrets.token_urlsafe(12)
        suffix = ".xlsx" if f.filename.lower().endswith((".xlsx", ".xlsm")) else ".csv"
        path = self._token_path(token, suffix)
        f.save(path)
        options = self._options(request.form)
        try:
            table = open_table(path, f.filename, sheet=options["sheet"])
        except RecordbaseError as exc:
            path.unlink(missing_ok=True)
            flash(exc.message, "error")
            return redirect(url_for(".index", type=typedef.name))
        meta = {"type": typedef.name, "filename": f.filename, "suffix": suffix, "options": options}
        self._token_path(token, ".json").write_text(json.dumps(meta), "utf-8")
        mapping = auto_map(typedef, table.headers)
        return self.render("dataio/mapping.html", typedef=typedef, token=token, meta=meta, mapping=mapping,
                           fields=[x for x in typedef.fields if importable(x)], lang=current_lang(), word=word,
                           table=table)

    @expose("/run/", methods=("POST",))
    def run(self) -> Any:
        from ...dataio import ImportOptions, open_table, run_import

        token = request.form.get("token", "")
        path, meta = self._saved(token)
        if path is None:
            return redirect(url_for(".index"))
        typedef = self._typedef(meta["type"])
        if typedef is None:
            abort(404)
        mapping = {}
        for key, value in request.form.items():
            if key.startswith("map_"):
                mapping[int(key[4:]) + 1] = value or None
        opts = meta["options"]
        dry_run = request.form.get("action") != "run"
        session = db_session()
        try:
            store = record_store()
            if hasattr(store, "require"):
                store.require("import", typedef.name)  # 403 for a role without 'import' on this type
            table = open_table(path, meta["filename"], sheet=opts["sheet"])
            report = run_import(store, typedef.name, table, ImportOptions(
                mapping=mapping, key=opts["key"], skip_bad_rows=opts["skip_bad_rows"], dry_run=dry_run,
                date_order=opts["date_order"], run_rules=opts["run_rules"]))
        except RecordbaseError as exc:
            session.rollback()
            flash(exc.message, "error")
            return redirect(url_for(".index", type=typedef.name))
        if report.committed:
            session.commit()
        else:
            session.rollback()
        errors_path = self._token_path(token, ".errors.csv")
        errors_path.write_text(report.errors_csv(), "utf-8")
        if not dry_run and report.committed:
            path.unlink(missing_ok=True)
        from ...dataio.mapping import importable

        return self.render("dataio/report.html", typedef=typedef, report=report, token=token, meta=meta,
                           dry_run=dry_run, lang=current_lang(), word=word, mapping=report.mapping,
                           fields=[x for x in typedef.fields if importable(x)],
                           can_run=dry_run and report.ok and path.exists())

    @expose("/errors/<token>.csv")
    def errors(self, token: str) -> Any:
        p = self._token_path(token, ".errors.csv")
        if not p.exists():
            abort(404)
        return Response(p.read_text("utf-8").encode("utf-8"), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="import-errors.csv"'})


def register_import(admin) -> None:
    """Add the import page to ``admin`` (call once, from ``init_admin``)."""
    admin.app.register_blueprint(Blueprint("recordbase_admin_dataio", __name__, template_folder="templates"))
    admin.add_view(ImportView())
