"""The admin list page (the records grid) against a stock Flask-Admin view, and at growing sizes
(issue 20 §3's last bullet; issue 16 "Prove it").

    python bench/admin_list.py                         # 10,000 and 100,000 records, temporary SQLite file
    python bench/admin_list.py --rows 10000 1000000    # up to 1M
    python bench/admin_list.py --database-url postgresql://postgres@127.0.0.1:5432/bench

For each size N it makes two record types of N records each (loaded through ``create_many``):
*rich* (two colour-choice selects shown as badges, a link shown by the target's title format, a
currency, a date, text) and *plain* (the same number of columns: text and numbers only). It times,
interleaved, the median of:

(a) our list page ``/admin/records/rich_N/`` (signed in: the grid, badges, titles, inline-edit
    headers, the record count) against a stock Flask-Admin ``ModelView`` without a count
    (``simple_list_pager``) over the same table, the same 20 rows and columns, in its own app
    on the same database (target: ours ≤ 1.0× the stock view);
(b) our page of the rich type against our page of the plain type (target ≤ 1.3×);
(c) each page at every N against the smallest N (target ≤ 1.2×).
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable

from flask import Flask
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_babel import Babel
from sqlalchemy.orm import scoped_session, sessionmaker

from recordbase.metamodel.service import MetamodelService
from recordbase.storage import RecordStore

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_app import bench_app  # noqa: E402  (beside this script)
from timing import interleaved_medians  # noqa: E402

EMAIL, PASSWORD = "bench@example.com", "bench-password-123"
BATCH = 1000
COLORS = ["#d62728", "#ff7f0e", "#2ca02c", "#1f77b4"]


def rich_type(name: str) -> dict:
    choices = [{"value": f"s{i}", "label": f"Stage {i}", "label_zh": f"阶段{i}", "color": c} for i, c in enumerate(COLORS)]
    return {"name": name, "label": name.title(), "label_zh": "丰富", "title_format": "{title} · {stage}", "fields": [
        {"name": "title", "label": "Title", "label_zh": "标题", "type": "text"},
        {"name": "stage", "label": "Stage", "label_zh": "阶段", "type": "single_select", "options": {"choices": choices}},
        {"name": "level", "label": "Level", "label_zh": "等级", "type": "single_select", "options": {"choices": choices}},
        {"name": "party", "label": "Party", "label_zh": "客户", "type": "link", "options": {"target": "party"}},
        {"name": "amount", "label": "Amount", "label_zh": "金额", "type": "currency", "options": {"code": "CNY"}},
        {"name": "due", "label": "Due", "label_zh": "到期", "type": "date"},
        {"name": "note", "label": "Note", "label_zh": "备注", "type": "text"}]}


def plain_type(name: str) -> dict:
    fields = [{"name": f"t{i}", "label": f"Text {i}", "type": "text"} for i in range(4)]
    fields += [{"name": f"n{i}", "label": f"Number {i}", "type": "number"} for i in range(3)]
    return {"name": name, "label": name.title(), "fields": fields}


class Bench:
    def __init__(self, url: str, folder: Path, repeat: int, parties: bool = True):
        """``parties``: make the link targets (False: over records made before, as
        ``admin_list_instructions.py``'s counting processes are)."""
        self.app, self.plat, self.uid = bench_app(url, folder, EMAIL, PASSWORD)
        self.repeat = repeat
        self.client = self.app.test_client()
        page = self.client.get("/admin/login/").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        self.client.post("/admin/login/", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
        with self.plat.sessions.begin() as s:
            svc = MetamodelService(s)
            if svc.lookup_type("party") is None:
                svc.create_type({"name": "party", "label": "Party", "primary_field": "name",
                                 "fields": [{"name": "name", "label": "Name", "type": "text"}]})
        if parties:
            self._load("party", 200, lambda i, rnd: {"name": f"Party {i}"})
        self.stock_apps: dict[str, Any] = {}

    def _store(self, s: Any) -> RecordStore:
        return RecordStore(s, self.plat.schema_cache.get(s), user_id=self.uid)

    def _load(self, name: str, n: int, make: Callable[[int, random.Random], dict]) -> None:
        rnd = random.Random(n)
        for start in range(0, n, BATCH):
            with self.plat.sessions.begin() as s:
                self._store(s).create_many(name, [make(i, rnd) for i in range(start, min(n, start + BATCH))])

    def make(self, n: int) -> tuple[str, str]:
        rich, plain = f"rich_{n}", f"plain_{n}"
        with self.plat.sessions.begin() as s:
            MetamodelService(s).create_type(rich_type(rich))
            MetamodelService(s).create_type(plain_type(plain))
        start = date(2026, 1, 1)
        self._load(rich, n, lambda i, rnd: {
            "title": f"Deal {i}", "stage": f"s{i % 4}", "level": f"s{(i // 4) % 4}", "party": 1 + i % 200,
            "amount": rnd.randint(100, 10 ** 6), "due": (start + timedelta(days=i % 365)).isoformat(),
            "note": f"note {rnd.random():.6f}"})
        self._load(plain, n, lambda i, rnd: {"t0": f"Deal {i}", "t1": f"x{i % 4}", "t2": f"y{i % 7}", "t3": "note",
                                             "n0": i, "n1": rnd.randint(0, 99), "n2": i % 365})
        return rich, plain

    def ours(self, name: str) -> Callable[[], Any]:
        url = f"/admin/records/{name}/"
        first = self.client.get(url)
        assert first.status_code == 200 and "rb-grid" in first.get_data(as_text=True), first.status_code

        def call() -> None:
            assert self.client.get(url).status_code == 200
        return call

    def stock(self, name: str) -> Callable[[], Any]:
        """A stock Flask-Admin ModelView (no count) over the same table and columns, in its own app."""
        with self.plat.sessions() as s:
            schema = self.plat.schema_cache.get(s)
            typedef = schema.get(name)
            cls = schema.mapped_class(typedef)
        app = Flask(f"stock_{name}")
        app.config["SECRET_KEY"] = "stock"
        Babel(app)  # (Flask-Admin translates its strings when Flask-Babel is installed)
        session = scoped_session(sessionmaker(bind=self.plat.engine))
        view = type("StockView", (ModelView,), {"simple_list_pager": True, "page_size": 20, "can_view_details": True,
                                               "column_list": [f.name for f in typedef.fields if f.show_in_list],
                                               "column_default_sort": ("id", True), "can_export": True})
        admin = Admin(app, name="stock", url="/stock")
        admin.add_view(view(cls, session, name=name, endpoint=f"stock_{name}", url=f"/stock/{name}"))
        app.teardown_appcontext(lambda exc: session.remove())
        client = app.test_client()
        url = f"/stock/{name}/"
        assert client.get(url).status_code == 200

        def call() -> None:
            assert client.get(url).status_code == 200
        return call


def main(argv: Any = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--database-url")
    ap.add_argument("--repeat", type=int, default=40)
    args = ap.parse_args(argv)
    sizes = sorted(set(args.rows))
    tmp = Path(tempfile.mkdtemp(prefix="rb-bench-admin-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    bench = Bench(url, tmp / "instance", args.repeat)
    rows = []
    for n in sizes:
        rich, plain = bench.make(n)
        ours, stock = interleaved_medians(bench.ours(rich), bench.stock(rich), args.repeat)
        ours_again, plain_ms = interleaved_medians(bench.ours(rich), bench.ours(plain), args.repeat)
        rows.append((n, ours, stock, ours_again, plain_ms))
        print(f"{n:>9,} records: our list {ours:6.1f} ms, stock ModelView {stock:6.1f} ms (ours/stock "
              f"{ours / stock:4.2f}×); rich {ours_again:6.1f} ms vs plain {plain_ms:6.1f} ms "
              f"(rich/plain {ours_again / plain_ms:4.2f}×)", flush=True)
    base = rows[0]
    for n, ours, stock, _again, plain_ms in rows[1:]:
        print(f"{n:>9,} vs {base[0]:,}: our rich page {ours / base[1]:4.2f}×, plain page {plain_ms / base[4]:4.2f}×, "
              f"stock view {stock / base[2]:4.2f}×")
    bench.plat.engine.dispose()
    if not args.database_url:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
