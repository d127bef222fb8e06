"""Automation overhead and outbox throughput (issue 4, deliverable 10).

    python bench/automation.py                     # temporary SQLite file
    python bench/automation.py --writes 2000 --database-url postgresql://postgres@127.0.0.1:5432/bench

Measures, on a record type with eleven number fields, the time of one record update (its own
transaction, through ``RecordStore.update``):

(a) with no rules (the baseline);
(b) with 10 enabled ``record_updated`` rules whose conditions do not match (target: <= 1.3x);
(c) with 1 and with 10 matching rules each updating another field of the record (target for
    matching data-update rules: <= 2x; each such rule is one more write of the record);
and (d) the worker's throughput delivering webhook steps to a local HTTP server (steps/s).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import delete

from recordbase.automation import worker as automation_worker
from recordbase.automation.models import Rule, RuleRun, RuleStep
from recordbase.automation.rules import RuleService
from recordbase.database_setup import upgrade_database
from recordbase.db import make_engine, make_sessionmaker
from recordbase.metamodel.runtime import SchemaCache
from recordbase.metamodel.service import MetamodelService
from recordbase.storage import RecordStore

FIELDS = ["n"] + [f"x{i}" for i in range(10)]


def setup(url: str):
    engine = make_engine(url)
    upgrade_database(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as s:
        MetamodelService(s).create_type({"name": "bench_item", "label": "Bench item",
                                         "fields": [{"name": f, "label": f, "type": "number"} for f in FIELDS]})
    return engine, sessions


def set_rules(sessions, cache, rules: list[dict]) -> None:
    with sessions.begin() as s:
        s.execute(delete(RuleStep))
        s.execute(delete(RuleRun))
        svc = RuleService(s, cache.get(s))
        for r in s.query(Rule).all():
            svc.delete(r.id)
        for r in rules:
            svc.create(r)


def time_writes(sessions, cache, rid: int, writes: int) -> float:
    """Median seconds of one update (its own transaction)."""
    samples = []
    for i in range(writes):
        t0 = time.perf_counter()
        with sessions.begin() as s:
            RecordStore(s, cache.get(s)).update("bench_item", rid, {"n": i % 1000})
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def webhook_throughput(sessions, cache, steps: int) -> float:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    set_rules(sessions, cache, [{"name": "hook", "type": "bench_item", "trigger": {"on": "record_created"},
                                 "actions": [{"do": "webhook", "url": url, "secret": "s"}]}])
    with sessions.begin() as s:
        store = RecordStore(s, cache.get(s))
        for i in range(steps):
            store.create("bench_item", {"n": i})
    automation_worker.configure(sessions=sessions, worker_id="bench")
    t0 = time.perf_counter()
    summary = automation_worker.run_once()
    elapsed = time.perf_counter() - t0
    server.shutdown()
    delivered = summary["steps"].get("succeeded", 0)
    assert delivered == steps, summary
    return delivered / elapsed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url")
    p.add_argument("--writes", type=int, default=500)
    p.add_argument("--steps", type=int, default=300)
    args = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="rb-bench-auto-")
    os.environ.setdefault("RECORDBASE_INSTANCE", tmp)
    url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
    engine, sessions = setup(url)
    cache = SchemaCache()
    with sessions.begin() as s:
        rid = RecordStore(s, cache.get(s)).create("bench_item", {"n": 0}).id
    results = {}
    set_rules(sessions, cache, [])
    time_writes(sessions, cache, rid, 50)  # warm up
    results["no rules"] = time_writes(sessions, cache, rid, args.writes)
    set_rules(sessions, cache, [{"name": f"never {i}", "type": "bench_item", "trigger": {"on": "record_updated"},
                                 "condition": {"field": "n", "op": "gt", "value": 10 ** 9},
                                 "actions": [{"do": "update_record", "values": {f"x{i}": 1}}]} for i in range(10)])
    results["10 non-matching rules"] = time_writes(sessions, cache, rid, args.writes)
    for count in (1, 10):
        set_rules(sessions, cache, [{"name": f"copy {i}", "type": "bench_item",
                                     "trigger": {"on": "record_updated", "fields": ["n"]},
                                     "actions": [{"do": "update_record", "values": {f"x{i}": {"formula": f"{{n}} + {i}"}}}]}
                                    for i in range(count)])
        results[f"{count} matching update rule(s)"] = time_writes(sessions, cache, rid, max(50, args.writes // 2))
    base = results["no rules"]
    print(f"database: {engine.url.render_as_string(hide_password=True)}; python {sys.version.split()[0]}")
    for name, secs in results.items():
        print(f"  {name:28s} {secs * 1000:8.3f} ms/write   {secs / base:5.2f}x")
    rate = webhook_throughput(sessions, cache, args.steps)
    print(f"  webhook steps delivered by one worker --once: {rate:,.0f} steps/s ({args.steps} steps)")
    engine.dispose()


if __name__ == "__main__":
    main()
