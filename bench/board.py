"""A board over many records against the list page of the same type (issue 17: within 2x).

Makes a type with a four-choice status, a date and a number, loads ``--records`` records (100,000 by
default) through ``RecordStore.create_many``, signs in, and prints the median time (timed alternately) of the admin list
page ``/admin/records/<type>/`` and of the board ``/admin/board/<type>/?group=status&cards=due,amount``
(four columns and "no value", each a count from the aggregation engine's one GROUP BY and its first
page of 20 cards), and their ratio. Run by hand::

    PYTHONPATH=platform python bench/board.py [--records 100000] [--database-url URL] [--repeat 15]
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_app import bench_app  # noqa: E402
from timing import interleaved_medians, median_ms  # noqa: E402

from recordbase.context import platform  # noqa: E402
from recordbase.metamodel.service import MetamodelService  # noqa: E402
from recordbase.storage import RecordStore  # noqa: E402

EMAIL, PASSWORD = "board-bench@example.com", "board bench password"
STATUSES = ["todo", "doing", "review", "done"]


def type_definition(name: str) -> dict:
    return {"name": name, "label": "Board bench", "fields": [
        {"name": "title", "label": "Title", "type": "text", "required": True},
        {"name": "status", "label": "Status", "type": "single_select", "indexed": True,
         "options": {"choices": [{"value": s, "label": s.title(), "color": c} for s, c in
                                 zip(STATUSES, ["#6c757d", "#ffc107", "#17a2b8", "#28a745"])]}},
        {"name": "due", "label": "Due", "type": "date"},
        {"name": "amount", "label": "Amount", "type": "number"}]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--batch", type=int, default=5000)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rb-board-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    app, plat, user_id = bench_app(url, tmp / "instance", EMAIL, PASSWORD)
    name = f"board_{uuid.uuid4().hex[:6]}"
    with plat.sessions.begin() as s:
        MetamodelService(s).create_type(type_definition(name))
    rng, loaded, t0 = random.Random(17), 0, time.perf_counter()
    start = date(2026, 1, 1)
    while loaded < args.records:
        k = min(args.batch, args.records - loaded)
        rows = [{"title": f"Card {loaded + j}", "status": rng.choice(STATUSES + [None]),
                 "due": (start + timedelta(days=rng.randrange(365))).isoformat(), "amount": rng.randrange(1000)}
                for j in range(k)]
        with plat.sessions.begin() as s:
            RecordStore(s, plat.schema_cache.get(s), user_id=user_id).create_many(name, rows)
        loaded += k
    print(f"{loaded:,} records loaded in {time.perf_counter() - t0:.1f} s ({url.split(':')[0]})")
    client = app.test_client()
    page = client.get("/admin/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    resp = client.post("/admin/login/", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code in (302, 303), resp.status_code

    def get(path: str):
        def run():
            r = client.get(path)
            assert r.status_code == 200, (path, r.status_code)
        return run

    # timed alternately, so that the machine's other load weighs on both alike
    list_ms, board_ms = interleaved_medians(get(f"/admin/records/{name}/"),
                                            get(f"/admin/board/{name}/?group=status&cards=due,amount"), args.repeat)
    more = client.get(f"/admin/board/{name}/?group=status").get_data(as_text=True)
    cursor = re.search(r'data-cursor="([^"]+)"', more).group(1)
    column = re.search(r'<section class="rb-board-column" data-column="([^"]+)"', more).group(1)
    page_ms = median_ms(get(f"/admin/board/{name}/cards/?group=status&column={column}&cursor={cursor}"), args.repeat)
    print(f"admin list page      {list_ms:8.1f} ms  (baseline)")
    print(f"board (5 columns)    {board_ms:8.1f} ms  {board_ms / list_ms:5.2f}x the list page (target <= 2x)")
    print(f"board 'load more'    {page_ms:8.1f} ms  {page_ms / list_ms:5.2f}x the list page")
    plat.engine.dispose()
    if not args.database_url:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
