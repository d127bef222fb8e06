"""The outsourcing overview dashboard over many contracts and evaluations (issue 17, figures).

    python bench/overview.py --database-url postgresql://postgres@127.0.0.1:5432/bench --rows 1000000

Installs the outsourcing pack (with its sample data) into the database, adds ``--rows`` contracts and as
many evaluations through ``RecordStore.create_many`` (computed fields and all; records in any state of
their workflow, as the pack's sample data; ``--batch`` records a transaction: a supplier's rollups over
its contracts and evaluations are recomputed once a batch, reading all of them), then times, signed in
as the owner through the Flask test client, the dashboard page and each widget's data request
(``/admin/dashboards/<id>/widgets/<n>/data``), one after the other (a browser asks for them at once):
median of ``--repeat`` runs. Prints each widget's time and the whole (target: under 1 s).
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select, text

from recordbase.dashboards.models import Dashboard
from recordbase.metamodel.runtime import load_schema, read_version
from recordbase.packs.installer import install
from recordbase.packs.loader import catalog_dir, load
from recordbase.storage import RecordStore

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_app import bench_app  # noqa: E402  (beside this script)

EMAIL, PASSWORD = "overview-bench@example.com", "overview-bench-password"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rb-overview-bench-"))
    app, plat, uid = bench_app(args.database_url, tmp / "instance", EMAIL, PASSWORD)
    with plat.sessions.begin() as s:
        install(s, load(catalog_dir() / "outsourcing"), sample_data=True, user_id=uid)
    rng = random.Random(17)
    with plat.sessions() as s:
        schema = load_schema(s, read_version(s))
        suppliers = list(s.scalars(select(schema.get("supplier").table.c.id)))
        contracts = list(s.scalars(select(schema.get("contract").table.c.id)))
    t0 = time.perf_counter()
    for type_name, make in (
        ("contract", lambda i: {"title": f"Contract {i}", "supplier": rng.choice(suppliers),
                                "status": rng.choice(["draft", "active", "expiring", "expired"]),
                                "start_date": (date(2024, 1, 1) + timedelta(days=rng.randrange(700))).isoformat(),
                                "end_date": (date(2026, 1, 1) + timedelta(days=rng.randrange(700))).isoformat(),
                                "value": rng.randrange(10_000, 900_000), "response_time_minutes": rng.choice([30, 60, 120])}),
        ("evaluation", lambda i: {"supplier": rng.choice(suppliers), "contract": rng.choice(contracts),
                                  "period": f"2026-{rng.randrange(1, 13):02d}",
                                  "status": rng.choice(["draft", "submitted", "confirmed"]),
                                  "reward_penalty": rng.choice(["reward", "none", "warning", "penalty"])})):
        done = 0
        while done < args.rows:
            n = min(args.batch, args.rows - done)
            with plat.sessions.begin() as s:
                store = RecordStore(s, load_schema(s, read_version(s)), user_id=uid)
                store.rule_engine = None
                store.workflow_bypass = True  # (records in any state, as the pack's sample data is written)
                store.create_many(type_name, [make(done + i) for i in range(n)])
            done += n
        print(f"loaded {done:,} {type_name} records ({time.perf_counter() - t0:.0f} s)", flush=True)
    with plat.sessions.begin() as s:
        s.execute(text("ANALYZE"))
        did = s.scalar(select(Dashboard.id).where(Dashboard.app == "outsourcing"))
        widgets = s.get(Dashboard, did).document["widgets"]

    client = app.test_client()
    page = client.get("/admin/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/admin/login/", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    urls = [f"/admin/dashboards/{did}/"] + [f"/admin/dashboards/{did}/widgets/{n}/data" for n in range(1, len(widgets) + 1)]
    times: dict[str, list[float]] = {u: [] for u in urls}
    for _ in range(args.repeat + 1):
        for u in urls:
            t = time.perf_counter()
            resp = client.get(u)
            assert resp.status_code == 200 and "error" not in (resp.get_json() or {}), (u, resp.get_data(as_text=True)[:300])
            times[u].append((time.perf_counter() - t) * 1000)
    total = 0.0
    for u, w in zip(urls, [{"title": "the page"}] + widgets):
        ms = statistics.median(times[u][1:])
        total += ms
        print(f"{ms:8.1f} ms  {w['title']}")
    print(f"the overview, every request one after the other: {total:.0f} ms ({args.rows:,} contracts and evaluations, "
          f"{plat.engine.dialect.name})")


if __name__ == "__main__":
    main()
