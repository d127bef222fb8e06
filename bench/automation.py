"""Automation overhead and outbox throughput (issue 4, deliverable 10).

    python bench/automation.py                     # temporary SQLite file
    python bench/automation.py --writes 2000 --database-url postgresql://postgres@127.0.0.1:5432/bench

Measures, on a record type with eleven number fields, the time of one record update (its own
transaction, through ``RecordStore.update``):

(a) with no rules (the baseline: a second, identical type that has no rules; its writes are
    interleaved with the measured ones, so that load from other processes hits both alike);
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
        for name in ("bench_item", "bench_plain"):
            MetamodelService(s).create_type({"name": name, "label": name,
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


def _write(sessions, cache, type_name: str, rid: int, n: int) -> float:
    t0 = time.perf_counter()
    with sessions.begin() as s:
        RecordStore(s, cache.get(s)).update(type_name, rid, {"n": n})
    return time.perf_counter() - t0


def time_writes(sessions, cache, rid: int, writes: int, plain_rid: int) -> tuple[float, float]:
    """Median seconds of one update (its own transaction) of the type with the rules, and of the
    type without, measured in turns."""
    samples, plain = [], []
    for i in range(writes):
        if i % 2:
            samples.append(_write(sessions, cache, "bench_item", rid, i % 1000))
            plain.append(_write(sessions, cache, "bench_plain", plain_rid, i % 1000))
        else:
            plain.append(_write(sessions, cache, "bench_plain", plain_rid, i % 1000))
            samples.append(_write(sessions, cache, "bench_item", rid, i % 1000))
    return statistics.median(samples), statistics.median(plain)


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
        plain_rid = RecordStore(s, cache.get(s)).create("bench_plain", {"n": 0}).id
    scenarios = {"no rules": []}
    scenarios["10 non-matching rules"] = [
        {"name": f"never {i}", "type": "bench_item", "trigger": {"on": "record_updated"},
         "condition": {"field": "n", "op": "gt", "value": 10 ** 9},
         "actions": [{"do": "update_record", "values": {f"x{i}": 1}}]} for i in range(10)]
    for count in (1, 10):
        scenarios[f"{count} matching update rule(s)"] = [
            {"name": f"copy {i}", "type": "bench_item", "trigger": {"on": "record_updated", "fields": ["n"]},
             "actions": [{"do": "update_record", "values": {f"x{i}": {"formula": f"{{n}} + {i}"}}}]}
            for i in range(count)]
    set_rules(sessions, cache, [])
    time_writes(sessions, cache, rid, 50, plain_rid)  # warm up
    print(f"database: {engine.url.render_as_string(hide_password=True)}; python {sys.version.split()[0]}")
    print(f"  {'':28s} {'with rules':>10s}   {'no rules':>10s}   ratio (medians of interleaved writes)")
    for name, rules in scenarios.items():
        set_rules(sessions, cache, rules)
        secs, base = time_writes(sessions, cache, rid, args.writes, plain_rid)
        print(f"  {name:28s} {secs * 1000:7.3f} ms   {base * 1000:7.3f} ms   {secs / base:5.2f}x")
    rate = webhook_throughput(sessions, cache, args.steps)
    print(f"  webhook steps delivered by one worker --once: {rate:,.0f} steps/s ({args.steps} steps)")
    engine.dispose()


if __name__ == "__main__":
    main()
