"""The engine against the same figures worked out in Python from the records, over random data
(hypothesis): counts, sums, averages, minimums, maximums, percent of total, date buckets in a zone
with daylight saving time and in one without, under a random filter."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete

from recordbase.storage.aggregation import AggregationEngine, Dimension, Metric

from .counting import counts

STATUSES = [None, "open", "doing", "done"]
ZONES = ["UTC", "Asia/Shanghai", "Europe/Paris", "America/New_York"]
START = datetime(2019, 1, 1)

RECORD = st.fixed_dictionaries({
    "status": st.sampled_from(STATUSES),
    "amount": st.one_of(st.none(), st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False)),
    "score": st.one_of(st.none(), st.integers(-50, 50)),
    "urgent": st.booleans(),
    "opened": st.one_of(st.none(), st.integers(0, 8 * 365 * 24 * 60).map(lambda m: START + timedelta(minutes=m))),
    "due": st.one_of(st.none(), st.integers(0, 3000).map(lambda d: date(2019, 1, 1) + timedelta(days=d))),
})


def bucket_of(d: date, bucket: str) -> str:
    if bucket == "day":
        return d.isoformat()
    if bucket == "week":
        return (d - timedelta(days=d.weekday())).isoformat()
    if bucket == "month":
        return d.replace(day=1).isoformat()
    if bucket == "quarter":
        return date(d.year, (d.month - 1) // 3 * 3 + 1, 1).isoformat()
    return date(d.year, 1, 1).isoformat()


def expected(rows, dim: str, bucket: str, zone: str, only_urgent: bool) -> dict:
    groups: dict = defaultdict(list)
    for r in rows:
        if only_urgent and not r["urgent"]:
            continue
        if dim == "status":
            key = r["status"]
        elif dim == "opened":
            v = r["opened"]
            key = None if v is None else bucket_of(v.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(zone)).date(), bucket)
        else:
            key = None if r["due"] is None else bucket_of(r["due"], bucket)
        groups[key].append(r)
    total = sum(len(g) for g in groups.values())
    out = {}
    for key, g in groups.items():
        amounts = [r["amount"] for r in g if r["amount"] is not None]
        scores = [r["score"] for r in g if r["score"] is not None]
        out[(key,)] = {"count": len(g), "sum:amount": sum(amounts) if amounts else None,
                       "avg:score": sum(scores) / len(scores) if scores else None,
                       "min:score": min(scores) if scores else None, "max:amount": max(amounts) if amounts else None,
                       "percent": len(g) * 100 / total}
    return out


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(RECORD, max_size=25), dim=st.sampled_from(["status", "opened", "due"]),
       bucket=st.sampled_from(["day", "week", "month", "quarter", "year"]), zone=st.sampled_from(ZONES),
       only_urgent=st.booleans())
def test_engine_agrees_with_python(tickets, rows, dim, bucket, zone, only_urgent):
    t = tickets.schema().get("ticket")
    with tickets.sessions.begin() as s:
        s.execute(delete(t.table))
    with tickets.store() as store:
        store.create_many("ticket", [{**r, "opened": r["opened"].isoformat() + "Z" if r["opened"] else None,
                                      "amount": str(r["amount"]) if r["amount"] is not None else None}
                                     for r in rows])
    metrics = [Metric("count"), Metric("sum", "amount"), Metric("avg", "score"), Metric("min", "score"),
               Metric("max", "amount"), Metric("percent")]
    with tickets.store(timezone_name=zone) as store:
        res = AggregationEngine(store).run(
            "ticket", [Dimension(dim, None if dim == "status" else bucket)], metrics,
            filter={"field": "urgent", "op": "is_true"} if only_urgent else None)
    got = {r.keys: r.values for r in res.rows}
    want = expected(rows, dim, bucket, zone, only_urgent)
    assert set(got) == set(want)
    for key, values in want.items():
        for name, value in values.items():
            if value is None:
                assert got[key][name] is None, (key, name)
            else:
                assert got[key][name] == pytest.approx(float(value), abs=1e-6), (key, name, got[key], values)
    keys = [r.keys[0] for r in res.rows]  # in order: the choices', or time's; empty last
    present = [k for k in keys if k is not None]
    order = (lambda k: STATUSES.index(k)) if dim == "status" else (lambda k: k)
    assert present == sorted(present, key=order) and (None not in keys or keys[-1] is None)


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(st.sampled_from(STATUSES + ["gone"]), st.booleans()), max_size=20),
       ann_reads_own=st.booleans())
def test_counts_by_an_indexed_field_leave_trashed_records_out(tickets, rows, ann_reads_own):
    """Counts grouped by an indexed field (a board's columns), which SQLite counts from the field's
    index less the trashed records: a value only trashed records have is no group; row limits apply."""
    from sqlalchemy import update

    from recordbase.access.policy import Policy, RoleSpec
    if "status" not in {f.name for f in tickets.schema().get("ticket").fields if f.indexed}:
        with tickets.meta() as m:
            m.update_field("ticket", "status", {"indexed": True, "options": {"choices": [
                {"value": v, "label": v} for v in STATUSES[1:] + ["gone"]]}})
    t = tickets.schema().get("ticket")
    with tickets.sessions.begin() as s:
        s.execute(delete(t.table))
    with tickets.store() as store:
        ids = store.create_many("ticket", [{"status": v, "urgent": i % 2 == 0}
                                           for i, (v, _trashed) in enumerate(rows)]).ids
    trashed = [rid for rid, (_v, gone) in zip(ids, rows) if gone]
    with tickets.sessions.begin() as s:
        s.execute(update(t.table).where(t.table.c.id.in_(trashed)).values(deleted_at=datetime(2026, 1, 1)))
    policy = Policy(tickets.user_id, [RoleSpec("r", False, {"ticket": {
        "actions": ["read"], "rows": {"field": "urgent", "op": "is_true"}}})]) if ann_reads_own else None
    got, statements, dialect = counts(tickets, **({"policy": policy} if policy else {}))
    counted_from_index = any("UNION ALL" in st for st in statements)
    assert counted_from_index == (dialect == "sqlite" and not ann_reads_own)
    want: dict = defaultdict(int)
    for i, (v, gone) in enumerate(rows):
        if not gone and (not ann_reads_own or i % 2 == 0):
            want[(v,)] += 1
    assert {(k,): n for k, n in got.items()} == dict(want)
    present = [k for k in got if k is not None]
    assert present == sorted(present, key=(STATUSES[1:] + ["gone"]).index)
