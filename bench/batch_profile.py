"""Where a bulk write's time goes (issue 20 §2): ``python bench/batch.py --profile [--database-url ...]``.

In process, on the benchmark's own types (a unique value, a link, an enabled rule on create, history;
see ``batch.py``), through the app's WSGI stack (Flask's test client, so token check, session,
JSON in and out are all there; no socket, no gunicorn):

1. ``POST /records/<type>/batch`` with 1,000 records: a warm-up request, then ``--profile-requests``
   requests timed by stage, then one request under cProfile;
2. ``POST /records/<type>/import`` of ``--rows`` rows as CSV (one transaction): once timed by stage,
   once under cProfile (into a second, empty type).

Stages are measured by wrapping the functions that do each part with a clock (a few dozen
``perf_counter`` calls per record at most: under 1 % of the request), not by cProfile, whose own
overhead inflates the per-value functions several times over; the cProfile listings (cumulative and
own time) are printed after the stage tables for the detail.
"""
from __future__ import annotations

import cProfile
import io
import json
import pstats
import time
from collections import defaultdict
from contextlib import contextmanager
from typing import Any, Callable, Iterator


class Stages:
    """Inclusive seconds and calls per stage, from functions wrapped with :meth:`wrap`."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        #: label -> how many of its calls are running (for ``within``)
        self.inside: dict[str, int] = defaultdict(int)
        self._undo: list[Callable[[], None]] = []

    def add(self, label: str, seconds: float) -> None:
        self.seconds[label] += seconds
        self.calls[label] += 1

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def wrap(self, owner: Any, name: str, label: str, within: str | None = None) -> None:
        """Time ``owner.name`` as ``label`` (only its calls inside stage ``within``, when given)."""
        original = getattr(owner, name)
        clock, add, inside = time.perf_counter, self.add, self.inside

        def timed(*args: Any, **kwargs: Any) -> Any:
            if within is not None and not inside[within]:
                return original(*args, **kwargs)
            t0 = clock()
            inside[label] += 1
            try:
                return original(*args, **kwargs)
            finally:
                inside[label] -= 1
                add(label, clock() - t0)

        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    def wrap_enter(self, owner: Any, name: str, label: str) -> None:
        """A context-manager function: the time of its set-up (entering), where its work is done."""
        original = getattr(owner, name)
        clock, add = time.perf_counter, self.add

        @contextmanager
        def timed(*args: Any, **kwargs: Any) -> Iterator[Any]:
            t0 = clock()
            cm = original(*args, **kwargs)
            value = cm.__enter__()
            add(label, clock() - t0)
            try:
                yield value
            except BaseException as exc:
                if not cm.__exit__(type(exc), exc, exc.__traceback__):
                    raise
            else:
                cm.__exit__(None, None, None)

        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    def undo(self) -> None:
        for f in reversed(self._undo):
            f()
        self._undo.clear()


#: (label, parent label or None) in print order; children's time is inside their parent's
# what create_many does, the same in a batch request and in an import
CREATE_MANY_STAGES = [
    ("link targets looked up (1 query)", "create_many"),
    ("values cleaned (field types)", "create_many"),
    ("field conditions", "create_many"),
    ("unique values checked (1 query)", "create_many"),
    ("new ids chosen", "create_many"),
    ("own computed values (before the INSERT)", "create_many"),
    ("INSERT (executemany/COPY)", "create_many"),
    ("rows sent to the driver", "INSERT (executemany/COPY)"),
]
COMMIT_STAGES = [
    ("commit", "request (WSGI, token, session)"),
    ("history written (1 INSERT/COPY)", "commit"),
    ("answer encoded (jsonify)", "request (WSGI, token, session)"),
]
BATCH_TREE = [
    ("request (WSGI, token, session)", None),
    ("JSON body parsed", "request (WSGI, token, session)"),
    ("body shape checked", "request (WSGI, token, session)"),
    ("create_many", "request (WSGI, token, session)"),
    *CREATE_MANY_STAGES,
    ("planner statistics (ANALYZE)", "create_many"),
    ("recompute after the INSERT (elsewhere)", "create_many"),
    ("events + rules evaluated", "create_many"),
    ("answer read back (json_by_ids)", "request (WSGI, token, session)"),
    *COMMIT_STAGES,
]
IMPORT_TREE = [
    ("request (WSGI, token, session)", None),
    ("file opened (multipart, CSV sniffed)", "request (WSGI, token, session)"),
    ("import run", "request (WSGI, token, session)"),
    ("create_many", "import run"),
    *CREATE_MANY_STAGES,
    ("recompute after the INSERT (elsewhere)", "create_many"),
    ("events + rules evaluated", "create_many"),
    ("preview (the first 10 records read)", "import run"),
    ("planner statistics (ANALYZE)", "import run"),  # (once, after the last batch: statistics_once)
    *COMMIT_STAGES,
]


def instrument(stages: Stages) -> None:
    from recordbase.access import history
    from recordbase.api import dataio as api_dataio
    from recordbase.dataio import importer
    from recordbase.metamodel import statistics
    from recordbase.storage import batch, fast_insert, new_records, record_store, recompute, write_plan

    stages.wrap(api_dataio, "json_body", "JSON body parsed")
    stages.wrap(api_dataio, "_batch_shape_ok", "body shape checked")
    stages.wrap(api_dataio, "_table", "file opened (multipart, CSV sniffed)")
    stages.wrap(api_dataio, "commit", "commit")
    stages.wrap(api_dataio, "jsonify", "answer encoded (jsonify)")
    stages.wrap(record_store.RecordStore, "create_many", "create_many")
    stages.wrap(record_store.RecordStore, "json_by_ids", "answer read back (json_by_ids)")
    stages.wrap(record_store.RecordStore, "emit", "events + rules evaluated")
    stages.wrap(write_plan.WritePlan, "clean", "values cleaned (field types)")
    stages.wrap_enter(batch, "batch_lookups", "link targets looked up (1 query)")
    stages.wrap(batch, "condition_check", "field conditions")
    stages.wrap(batch, "_check_unique_batch", "unique values checked (1 query)")
    stages.wrap(batch, "_insert_with_ids", "INSERT (executemany/COPY)")
    stages.wrap(batch, "_new_ids", "new ids chosen")
    stages.wrap(new_records, "compute", "own computed values (before the INSERT)")
    stages.wrap(fast_insert.InsertPlan, "execute", "rows sent to the driver",
                within="INSERT (executemany/COPY)")  # (history rows go through it too)
    stages.wrap(statistics, "refresh_after_load", "planner statistics (ANALYZE)")
    stages.wrap(recompute.Recomputer, "after_create_many", "recompute after the INSERT (elsewhere)")
    stages.wrap(importer.Importer, "run", "import run")
    stages.wrap(importer.Importer, "_preview", "preview (the first 10 records read)")
    stages.wrap(history, "_write_rows", "history written (1 INSERT/COPY)")


def print_tree(title: str, tree: list, stages: Stages, per: int, records: int) -> None:
    total = stages.seconds.get(tree[0][0], 0.0) / per
    print(f"\n{title}: {total * 1000:.1f} ms a request, {records / total if total else 0:,.0f} records/s "
          f"(mean of {per})")
    print(f"  {'stage':<44} {'ms':>9} {'% of request':>13} {'calls':>7}")
    depth = {None: -1}
    for label, parent in tree:
        depth[label] = depth[parent] + 1
        s = stages.seconds.get(label, 0.0) / per
        calls = stages.calls.get(label, 0) // per
        print(f"  {'  ' * depth[label] + label:<44} {s * 1000:9.1f} {100 * s / total if total else 0:12.1f}% {calls:7d}")
        children = [c for c, p in tree if p == label]
        if children:
            rest = s - sum(stages.seconds.get(c, 0.0) / per for c in children)
            print(f"  {'  ' * (depth[label] + 1) + '(the rest of it)':<44} {rest * 1000:9.1f} "
                  f"{100 * rest / total if total else 0:12.1f}%")


def print_profile(title: str, profile: cProfile.Profile, top: int) -> None:
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.strip_dirs().sort_stats(key).print_stats(top)
        lines = out.getvalue().splitlines()
        start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
        print(f"\n{title}: cProfile, top {top} by {key}")
        print("\n".join(lines[start:start + top + 1]))


def run(url: str, folder: Any, rows: int, requests: int, top: int, prepare: Callable, with_checks: Callable,
        csv_file: Callable) -> int:
    import random

    from bench_app import bench_app

    token, names, _typedef, _user_id, orgs = prepare(url, folder, 2)
    app, plat, _ = bench_app(url, folder / "instance", "bench@example.com", "bench-password-1")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(3)
    values = [with_checks(rng, i, orgs) for i in range(max(rows, 1000 * (requests + 2)))]
    bodies = [json.dumps({"records": [{"fields": v} for v in values[i:i + 1000]]}).encode()
              for i in range(0, 1000 * (requests + 2), 1000)]

    def batch(body: bytes) -> None:
        resp = client.post(f"/api/v1/records/{names[0]}/batch", data=body,
                           headers={**headers, "Content-Type": "application/json"})
        if resp.status_code != 201:
            raise RuntimeError(f"{resp.status_code}: {resp.data[:500]!r}")

    def import_rows(type_name: str) -> None:
        upload = csv_file(values[:rows])
        resp = client.post(f"/api/v1/records/{type_name}/import", headers=headers,
                           data={"file": (io.BytesIO(upload), "rows.csv", "text/csv")},
                           content_type="multipart/form-data")
        if resp.status_code != 200 or resp.get_json()["created"] != rows:
            raise RuntimeError(f"{resp.status_code}: {resp.data[:500]!r}")

    stages = Stages()
    dialect = "postgresql" if url.startswith("postgres") else "sqlite"
    print(f"{dialect}: in process (Flask test client), every check on: validation, a unique value, a link, "
          f"an enabled rule on create, history")
    batch(bodies[0])  # warm-up: plans, caches, statements
    instrument(stages)
    # the request as a whole: the app's WSGI entry (token check, session, Flask, the handler, the answer)
    stages.wrap(type(app), "wsgi_app", "request (WSGI, token, session)")
    try:
        for body in bodies[1:1 + requests]:
            batch(body)
        print_tree(f"HTTP batch, 1,000 records a request ({dialect})", BATCH_TREE, stages, requests, 1000)
        stages.reset()
        import_rows(names[2])
        print_tree(f"HTTP import, {rows:,} rows of CSV in one transaction ({dialect})", IMPORT_TREE, stages, 1, rows)
    finally:
        stages.undo()
    profile = cProfile.Profile()
    profile.enable()
    batch(bodies[1 + requests])
    profile.disable()
    print_profile("HTTP batch, one request of 1,000 records", profile, top)
    profile = cProfile.Profile()
    profile.enable()
    import_rows(names[3])
    profile.disable()
    print_profile(f"HTTP import of {rows:,} rows", profile, top)
    plat.engine.dispose()
    return 0
