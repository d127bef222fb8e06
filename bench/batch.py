"""Bulk writes through the HTTP batch endpoint and through import against raw ``executemany`` (issue 20 §2).

    python bench/batch.py                          # 20,000 rows per round, temporary SQLite file
    python bench/batch.py --database-url postgresql://postgres@127.0.0.1:5432/bench

A real ``recordbase serve`` (one worker) gets ``POST /api/v1/records/<type>/batch`` with 1,000
records a request from one client (bodies encoded beforehand); the baseline writes the same values
with SQLAlchemy Core ``executemany`` into an identical hand-made table (same columns, types and
indexes, the unique one included), 1,000 rows and a commit per transaction — the same unit of work.
Then the same rows as a CSV file through ``POST /api/v1/records/<type>/import`` (one transaction)
against raw ``executemany`` of all of them in one transaction. Rounds alternate (which goes first
alternates too) and each side's best round is compared: target ≥ 0.2× raw rows/s.
Every check is on in the product's path: validation, a unique value (``ref``), a link (``org``, to
one of ten records), an enabled rule on create (its condition checked on every record; it never
acts: acting would be an update per record, which the raw side does not do), history (every
record's entry is checked after the run). ``--computed`` adds a formula field (``{amount} * 2``):
the recompute engine then runs on every batch, and the raw side writes the value computed.
``--profile``: where the time goes instead (``batch_profile.py``; docs/performance.md).
"""
from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Index, create_engine, insert, text

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from processes import free_port, recordbase_command  # noqa: E402
from records_data import hand_made_table, make_values, raw_row, type_definition  # noqa: E402
from server import start  # noqa: E402

BATCH = 1000


def prepare(url: str, folder: Path, rounds: int, computed: bool = False) -> tuple[str, list[str], object, int, list[int]]:
    """A token, the names of ``2 * rounds`` empty record types (batch, then import), the first type's
    TypeDef, the owner's id and the ids of the records their links may point at. ``computed``: the
    types have a formula field too (``{amount} * 2``), so each write runs the recompute engine."""
    from bench_app import bench_app
    from recordbase.auth import create_token
    from recordbase.automation.rules import RuleService
    from recordbase.metamodel.service import MetamodelService
    from recordbase.models import User
    from recordbase.storage import RecordStore

    app, plat, user_id = bench_app(url, folder / "instance", "bench@example.com", "bench-password-1")
    names = [f"bat_{os.getpid()}_{k}" for k in range(rounds)] + [f"imp_{os.getpid()}_{k}" for k in range(rounds)]
    org = f"org_{os.getpid()}"
    with plat.sessions.begin() as s:
        token = create_token(s, s.get(User, user_id), name="batch-bench")
        service = MetamodelService(s)
        service.create_type({"name": org, "label": "Org", "primary_field": "name",
                             "fields": [{"name": "name", "label": "Name", "type": "text"}]})
        for name in names:
            definition = type_definition(name)
            definition["fields"] += [{"name": "ref", "label": "Ref", "type": "text", "unique": True},
                                     {"name": "org", "label": "Org", "type": "link", "options": {"target": org}}]
            if computed:
                definition["fields"].append({"name": "double", "label": "Double", "type": "formula",
                                             "options": {"expression": "{amount} * 2"}})
            service.create_type(definition)
    with plat.sessions.begin() as s:
        schema = plat.schema_cache.get(s)
        orgs = RecordStore(s, schema, user_id=user_id).create_many(org, [{"name": f"Org {i}"} for i in range(10)]).ids
        rules = RuleService(s, schema)
        for name in names:
            rules.create({"name": f"never {name}", "type": name, "enabled": True, "trigger": {"on": "record_created"},
                          "condition": {"field": "amount", "op": "lt", "value": -1},
                          "actions": [{"do": "update_record", "values": {"status": "archived"}}]}, user_id)
    with plat.sessions.begin() as s:
        typedef = plat.schema_cache.get(s).get(names[0])
    plat.engine.dispose()
    return token, names, typedef, user_id, orgs


def with_checks(rng: random.Random, i: int, orgs: list[int]) -> dict:
    """One record's values (records_data.make_values) with its unique reference and its link."""
    return {**make_values(rng, i), "ref": f"R{i:08d}", "org": orgs[i % len(orgs)]}


def raw_table(typedef, name: str):
    t = hand_made_table(typedef, name)
    ref = typedef.field("ref").column_name
    Index(f"ux_{name}_{ref}", t.c[ref], unique=True, sqlite_where=text("deleted_at IS NULL"),
          postgresql_where=text("deleted_at IS NULL"))
    return t


def raw_values(values: dict, typedef, now, user_id: int) -> dict:
    row = raw_row(values, typedef, now, user_id)
    row[typedef.field("ref").column_name] = values["ref"]
    row[typedef.field("org").column_name] = values["org"]
    if typedef.field("double") is not None:  # (--computed: the raw side writes the value computed)
        row[typedef.field("double").column_name] = values["amount"] * 2
    return row


def csv_file(values: list[dict]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    names = list(values[0])
    w.writerow(names)
    for v in values:
        w.writerow([("true" if v[n] else "false") if isinstance(v[n], bool) else v[n] for n in names])
    return out.getvalue().encode("utf-8")


def post_import(port: int, type_name: str, token: str, data: bytes) -> float:
    boundary = "rbbenchboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"rows.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"}
    t0 = time.perf_counter()
    conn.request("POST", f"/api/v1/records/{type_name}/import", body=body, headers=headers)
    resp = conn.getresponse()
    answer = resp.read()
    took = time.perf_counter() - t0
    conn.close()
    if resp.status != 200:
        raise RuntimeError(f"{resp.status}: {answer[:500]!r}")
    report = json.loads(answer)
    if report.get("created") not in (None, len(data.splitlines()) - 1):
        raise RuntimeError(f"import report: {answer[:500]!r}")
    return took


def insert_raw_once(engine, table, rows: list[dict]) -> float:
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(table), rows)
    return time.perf_counter() - t0


def post_batches(port: int, type_name: str, token: str, bodies: list[bytes]) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    t0 = time.perf_counter()
    for body in bodies:
        conn.request("POST", f"/api/v1/records/{type_name}/batch", body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 201:
            raise RuntimeError(f"{resp.status}: {data[:500]!r}")
    took = time.perf_counter() - t0
    conn.close()
    return took


def insert_raw(engine, table, rows: list[dict]) -> float:
    t0 = time.perf_counter()
    for start_at in range(0, len(rows), BATCH):
        with engine.begin() as conn:
            conn.execute(insert(table), rows[start_at:start_at + BATCH])
    return time.perf_counter() - t0


def same_journal(raw, ours) -> None:
    """The baseline writes as the product does: on SQLite the same journal (WAL) and the same
    ``synchronous`` (what a commit costs in fsyncs); refused otherwise."""
    if raw.dialect.name != "sqlite":
        ours.dispose()
        return
    pragmas = []
    for engine in (raw, ours):
        with engine.connect() as conn:
            pragmas.append((conn.exec_driver_sql("PRAGMA journal_mode").scalar(),
                            conn.exec_driver_sql("PRAGMA synchronous").scalar()))
    ours.dispose()
    if pragmas[0] != pragmas[1] or pragmas[0][0] != "wal":
        raise RuntimeError(f"the baseline's journal_mode, synchronous {pragmas[0]} are not the product's {pragmas[1]}")
    print(f"  (raw and product: journal_mode={pragmas[0][0]}, synchronous={pragmas[0][1]})")


def checked(engine, names: list[str], rows: int) -> None:
    """Every record the product wrote has its history entry (so the measured path wrote history)."""
    with engine.connect() as conn:
        for name in names:
            made = conn.execute(text("SELECT count(*) FROM rb_record_history WHERE type_name = :t AND action = 'create'"),
                                {"t": name}).scalar()
            if made != rows:
                raise RuntimeError(f"{name}: {made} history entries for {rows} records created")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=20_000, help="rows per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--database-url", help="default: a temporary SQLite file")
    ap.add_argument("--computed", action="store_true",
                    help="the types have a formula field too (the recompute engine runs on every write)")
    ap.add_argument("--profile", action="store_true",
                    help="instead: where the time goes, in process (batch_profile.py): stages and cProfile")
    ap.add_argument("--profile-requests", type=int, default=5, help="with --profile: batch requests timed")
    ap.add_argument("--top", type=int, default=30, help="with --profile: cProfile lines shown")
    args = ap.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="rb-batch-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    if args.profile:
        import batch_profile

        try:
            return batch_profile.run(url, folder, args.rows, args.profile_requests, args.top,
                                     lambda *a: prepare(*a, computed=args.computed), with_checks, csv_file)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    token, names, typedef, user_id, orgs = prepare(url, folder, args.rounds, args.computed)
    from recordbase.db import make_engine, normalize_url

    engine = create_engine(normalize_url(url))  # (the product's driver: psycopg 3 on PostgreSQL)
    same_journal(engine, make_engine(url))
    raw_tables, raw_once_tables = [], []
    for k in range(args.rounds):
        for tables, prefix in ((raw_tables, "raw_batch"), (raw_once_tables, "raw_once")):
            t = raw_table(typedef, f"{prefix}_{os.getpid()}_{k}")
            t.metadata.create_all(engine)
            tables.append(t)
    rng = random.Random(3)
    values = [with_checks(rng, i, orgs) for i in range(args.rows)]
    bodies = [json.dumps({"records": [{"fields": v} for v in values[i:i + BATCH]]}).encode()
              for i in range(0, args.rows, BATCH)]
    upload = csv_file(values)
    now = datetime.now(timezone.utc)
    rows = [raw_values(v, typedef, now, user_id) for v in values]
    port = free_port()
    env = dict(os.environ, RECORDBASE_DATABASE_URL=url)
    server = start([*recordbase_command(), "serve", "--port", str(port), "--workers", "1", "--threads", "1",
                    "--no-worker"], env, folder, port, folder / "serve.log")
    api_s, raw_s, imp_s, once_s = [], [], [], []
    try:
        for k in range(args.rounds):
            sides = [(api_s, lambda: post_batches(port, names[k], token, bodies)),
                     (raw_s, lambda: insert_raw(engine, raw_tables[k], rows))]
            for times, run in (sides if k % 2 == 0 else sides[::-1]):
                times.append(run())
            sides = [(imp_s, lambda: post_import(port, names[args.rounds + k], token, upload)),
                     (once_s, lambda: insert_raw_once(engine, raw_once_tables[k], rows))]
            for times, run in (sides if k % 2 == 0 else sides[::-1]):
                times.append(run())
            print(f"  round {k + 1}: batch API {args.rows / api_s[-1]:,.0f} rows/s, raw {args.rows / raw_s[-1]:,.0f} "
                  f"rows/s; import {args.rows / imp_s[-1]:,.0f} rows/s, raw in one transaction "
                  f"{args.rows / once_s[-1]:,.0f} rows/s", flush=True)
        checked(engine, names, args.rows)
    finally:
        server.terminate()
        server.wait(20)
        if args.database_url:
            with engine.begin() as conn:
                for t in raw_tables + raw_once_tables:
                    conn.execute(text(f"DROP TABLE IF EXISTS {t.name}"))
        engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    api, raw = args.rows / min(api_s), args.rows / min(raw_s)
    imp, once = args.rows / min(imp_s), args.rows / min(once_s)
    dialect = "postgresql" if url.startswith("postgres") else "sqlite"
    print(f"\n{dialect}: {args.rows:,} rows per round, best of {args.rounds}; unique, link, rule and history on"
          + ("; a formula field recomputed" if args.computed else ""))
    print(f"  raw executemany, {BATCH} a transaction   {raw:>10,.0f} rows/s")
    print(f"  HTTP batch endpoint ({BATCH} a request)  {api:>10,.0f} rows/s   {api / raw:.3f}x raw (target >= 0.2x)")
    print(f"  raw executemany, one transaction    {once:>10,.0f} rows/s")
    print(f"  HTTP import (CSV, one transaction)  {imp:>10,.0f} rows/s   {imp / once:.3f}x raw (target >= 0.2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
