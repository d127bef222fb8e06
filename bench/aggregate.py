"""The aggregation engine against the same hand-written SQL ``GROUP BY`` (issue 17, figures).

    python bench/aggregate.py                                    # 1,000,000 records, temporary SQLite file
    python bench/aggregate.py --rows 100000
    python bench/aggregate.py --database-url postgresql://postgres@127.0.0.1:5432/bench

One record type (a single select, a currency amount, a date and a date-time) loaded through
``RecordStore.create_many``; then, timed alternately (median of ``--repeat`` runs), the engine's
aggregate — group by the select and a month, sum and average of the amount — and the hand-written
SQL that answers the same question on the same table, for the date's month and for the date-time's
month in the instance's time zone (Asia/Shanghai). Prints each time and the ratio (target: at most 1.5x).
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from recordbase.context import platform
from recordbase.metamodel.runtime import load_schema, read_version
from recordbase.metamodel.service import MetamodelService
from recordbase.storage import RecordStore
from recordbase.storage.aggregation import AggregationEngine, Dimension, Metric

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_app import bench_app, release  # noqa: E402  (beside this script)
from timing import interleaved_medians  # noqa: E402

STAGES = ["new", "open", "review", "won", "lost"]
ZONE = "Asia/Shanghai"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--database-url")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rb-agg-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    app, plat, uid = bench_app(url, tmp / "instance", "agg-bench@example.com", "agg-bench-password")
    name = f"agg_{uuid.uuid4().hex[:6]}"
    with plat.sessions.begin() as s:
        MetamodelService(s).create_type({"name": name, "label": "Aggregate bench", "fields": [
            {"name": "stage", "label": "Stage", "type": "single_select", "options": {"choices": STAGES}},
            {"name": "amount", "label": "Amount", "type": "currency"},
            {"name": "day", "label": "Day", "type": "date"},
            {"name": "opened", "label": "Opened", "type": "datetime"}]})
    rng = random.Random(17)
    t0 = time.perf_counter()
    done = 0
    while done < args.rows:
        n = min(args.batch, args.rows - done)
        rows = [{"stage": rng.choice(STAGES), "amount": f"{rng.randrange(100000) / 100:.2f}",
                 "day": (date(2023, 1, 1) + timedelta(days=rng.randrange(1000))).isoformat(),
                 "opened": (datetime(2023, 1, 1) + timedelta(minutes=rng.randrange(1440 * 1000))).isoformat() + "Z"}
                for _ in range(n)]
        with plat.sessions.begin() as s:
            store = RecordStore(s, load_schema(s, read_version(s)), user_id=uid, timezone_name=ZONE)
            store.rule_engine = None
            store.create_many(name, rows)
        done += n
    print(f"loaded {done:,} records in {time.perf_counter() - t0:.0f} s ({plat.engine.dialect.name})")
    with plat.sessions.begin() as s:
        s.execute(text("ANALYZE"))

    with plat.sessions() as s:
        schema = load_schema(s, read_version(s))
    t = schema.get(name)
    col = {f.name: t.table.c[f.column_name].name for f in t.fields}
    table = t.table.name
    pg = plat.engine.dialect.name == "postgresql"

    def hand(bucket_sql: str) -> str:
        return (f"SELECT {col['stage']}, {bucket_sql} AS m, sum({col['amount']}), avg({col['amount']}) "
                f"FROM {table} WHERE deleted_at IS NULL GROUP BY {col['stage']}, m")

    if pg:
        by_day = hand(f"date_trunc('month', {col['day']})::date")
        by_time = hand(f"date_trunc('month', timezone('{ZONE}', timezone('UTC', {col['opened']})))::date")
    else:
        by_day = hand(f"strftime('%Y-%m-01', {col['day']})")
        by_time = hand(f"strftime('%Y-%m-01', datetime({col['opened']}, '+28800 seconds'))")

    for label, dim, sql in (("select x month of a date", "day", by_day),
                            ("select x month of a date-time, Asia/Shanghai", "opened", by_time)):
        with plat.sessions() as s:
            store = RecordStore(s, schema, user_id=uid, timezone_name=ZONE)
            engine = AggregationEngine(store)
            dims, metrics = [Dimension("stage"), Dimension(dim, "month")], [Metric("sum", "amount"), Metric("avg", "amount")]
            groups = len(engine.run(name, dims, metrics).rows)
            hand_groups = len(s.execute(text(sql)).all())
            ours, theirs = interleaved_medians(lambda: engine.run(name, dims, metrics),
                                               lambda: s.execute(text(sql)).all(), args.repeat, warmup=1)
        print(f"{label}: engine {ours:.0f} ms ({groups} groups), hand-written SQL {theirs:.0f} ms "
              f"({hand_groups} groups): {ours / theirs:.2f}x")

    class Cleanup:
        engine = plat.engine

        def cleanup(self) -> None:
            with plat.sessions.begin() as s:
                service = MetamodelService(s)
                service.delete_type(name)
                service.purge_type(name)

    release(Cleanup(), tmp, args.database_url, args.keep)


if __name__ == "__main__":
    main()
