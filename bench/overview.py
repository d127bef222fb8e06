"""The outsourcing overview dashboard over many contracts and evaluations (issue 17, figures).

    python bench/overview.py --database-url postgresql://postgres@127.0.0.1:5432/bench --rows 1000000
    python bench/overview.py --database-url ... --rows 1000000 --explain   # and each widget's SQL, explained

Installs the outsourcing pack (with its sample data) into the database, adds ``--rows`` contracts and as
many evaluations through ``RecordStore.create_many`` (computed fields and all; records in any state of
their workflow, as the pack's sample data), then times, signed in as the owner through the Flask test
client, the dashboard page and each widget's data request (``/admin/dashboards/<id>/widgets/<n>/data``),
one after the other (a browser asks for them at once): median of ``--repeat`` runs. Prints each widget's
time and the whole (target: under 1 s), after a ``VACUUM ANALYZE``. A database that already holds the pack and ``--rows`` contracts
(a previous run's) is measured as it is, without loading again.

Loading: each batch's own computed fields (a contract's supplier lookups, its KPI weight rollup, its
formulas) are worked out by ``create_many`` as always, but what the new records change on *other*
records — every supplier's rollups and counts over all its contracts and evaluations — is not
recomputed after each chunk of a batch (which reads every contract and evaluation of the supplier
again: quadratic in the rows loaded), but once at the end, by the recompute engine's batch backfill of
the suppliers (``Recomputer.backfill``), which reads each of them once. The end state is the same.
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
from typing import Any

from sqlalchemy import event, select, text

from recordbase.dashboards.models import Dashboard
from recordbase.metamodel.runtime import load_schema, read_version
from recordbase.packs.installer import install, installed_packs
from recordbase.packs.loader import catalog_dir, load
from recordbase.storage import RecordStore
from recordbase.storage.recompute import Recomputer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_app import bench_app  # noqa: E402  (beside this script)

EMAIL, PASSWORD = "overview-bench@example.com", "overview-bench-password"


class OwnFieldsOnly(Recomputer):
    """The recompute engine of a bulk load: each new record's own computed fields, as always; the
    records of other types it changes (the suppliers) left to one backfill at the end."""

    def _drain_all(self, queue: Any, origins: set) -> set:
        return set()


def load_rows(plat: Any, uid: int, rows: int, batch: int) -> None:
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
        while done < rows:
            n = min(batch, rows - done)
            with plat.sessions.begin() as s:
                store = RecordStore(s, load_schema(s, read_version(s)), user_id=uid)
                store.rule_engine = None
                store.workflow_bypass = True  # (records in any state, as the pack's sample data is written)
                store._recomputer = OwnFieldsOnly(store)
                store.create_many(type_name, [make(done + i) for i in range(n)])
            done += n
        print(f"loaded {done:,} {type_name} records ({time.perf_counter() - t0:.0f} s)", flush=True)
    with plat.sessions.begin() as s:
        store = RecordStore(s, load_schema(s, read_version(s)), user_id=uid)
        store.recomputer.backfill("supplier")
    print(f"suppliers' rollups backfilled ({time.perf_counter() - t0:.0f} s)", flush=True)


def loaded(plat: Any, rows: int) -> bool:
    """Whether the database holds the pack and ``rows`` more contracts than its samples (a previous run's)."""
    with plat.sessions() as s:
        if "outsourcing" not in installed_packs(s):
            return False
        schema = load_schema(s, read_version(s))
        t = schema.get("contract").table
        return s.scalar(select(text("count(*)")).select_from(t)) >= rows


def explain(plat: Any, client: Any, urls: list[str]) -> None:
    """Each request's SQL statements that take a millisecond or more, with their EXPLAIN ANALYZE."""
    seen: list[tuple[str, Any, float]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["rb_t"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters, (time.perf_counter() - conn.info.pop("rb_t")) * 1000))

    event.listen(plat.engine, "before_cursor_execute", before)
    event.listen(plat.engine, "after_cursor_execute", after)
    try:
        for u in urls:
            seen.clear()
            client.get(u)
            statements = list(seen)
            print(f"== {u}: {len(statements)} statements, {sum(ms for *_x, ms in statements):.1f} ms in SQL")
            for sql, params, ms in statements:
                if ms < 1 or not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                print(f"-- {ms:.1f} ms\n{sql}\n{params}")
                with plat.engine.connect() as c:
                    plan = c.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).all()
                print("\n".join("   " + r[0] for r in plan))
    finally:
        event.remove(plat.engine, "before_cursor_execute", before)
        event.remove(plat.engine, "after_cursor_execute", after)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--explain", action="store_true", help="print each request's slow statements with their plans")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rb-overview-bench-"))
    app, plat, uid = bench_app(args.database_url, tmp / "instance", EMAIL, PASSWORD)
    if loaded(plat, args.rows):
        print("the database holds the pack and its rows already: measured as it is", flush=True)
    else:
        with plat.sessions.begin() as s:
            install(s, load(catalog_dir() / "outsourcing"), sample_data=True, user_id=uid)
        load_rows(plat, uid, args.rows, args.batch)
    # the tables as autovacuum leaves them after a load: a new record's computed values are written by an
    # UPDATE after its INSERT, so until a vacuum half the row versions a scan visits are dead
    with plat.engine.connect() as c:
        c.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    with plat.sessions.begin() as s:
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
    if args.explain:
        explain(plat, client, urls)


if __name__ == "__main__":
    main()
