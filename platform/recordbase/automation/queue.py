"""The task queue: Huey (design §8), carrying outbox steps and periodic ticks to workers.

Storage: a SQLite file ``<instance>/automation-queue.db`` by default (one machine, nothing to
install), or Redis when ``RECORDBASE_REDIS_URL`` is set (many workers on many machines share
the work). The queue only carries *step ids*: the outbox rows in the main database stay the
source of truth. A step is enqueued after the transaction that wrote it commits; if that
enqueue is lost (the process died between commit and enqueue, Redis was down ...), the
periodic sweep finds the step in the database and delivers it anyway.

Tasks:

- ``recordbase.deliver(step_id)`` — claim and deliver one step (:func:`.outbox.execute_step`);
- ``recordbase.import(job)`` — an admin import of an uploaded file (:mod:`recordbase.admin.dataio.runner`;
  the worker must see the instance folder the upload lies in);
- ``recordbase.tick()`` — every minute: due scheduled and date-relative rules, and the sweep
  of due steps (retries whose backoff has passed, steps never enqueued, dead workers' claims).
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone
from typing import Any, Optional

from .settings import instance_folder, redis_url

log = logging.getLogger(__name__)

_LOCK = threading.Lock()
_HUEYS: dict[str, Any] = {}


class WorkerContext:
    """What tasks run with in a worker process: the database and, for ``--once --now``, the clock."""

    sessions: Any = None
    schema_cache: Any = None
    worker_id: str = "worker"
    now: Optional[datetime] = None
    timezone: str = "UTC"
    threads: int = 4


CONTEXT = WorkerContext()


def queue_location() -> str:
    url = redis_url()
    if url:
        return url
    return str(instance_folder() / "automation-queue.db")


def get_huey(location: Optional[str] = None):
    location = location or queue_location()
    with _LOCK:
        h = _HUEYS.get(location)
        if h is None:
            h = _make_huey(location)
            _HUEYS[location] = h
        return h


def _make_huey(location: str):
    from huey import RedisHuey, SqliteHuey, crontab

    if location.startswith(("redis://", "rediss://", "unix://")):
        h = RedisHuey("recordbase", url=location, results=False)
    else:
        from pathlib import Path

        Path(location).parent.mkdir(parents=True, exist_ok=True)
        h = SqliteHuey("recordbase", filename=location, results=False)

    @h.task(name="recordbase.deliver")
    def deliver(step_id: int) -> str:
        from .outbox import execute_step

        if CONTEXT.sessions is None:
            raise RuntimeError("this process is not a Recordbase worker (no database configured)")
        return execute_step(CONTEXT.sessions, step_id, CONTEXT.now, CONTEXT.worker_id)

    @h.periodic_task(crontab(minute="*"), name="recordbase.tick")
    def tick() -> dict:
        from .worker import tick as run_tick

        if CONTEXT.sessions is None:
            return {}
        return run_tick(enqueue=True)

    @h.task(name="recordbase.import")
    def import_file(job: dict) -> None:
        from ..admin.dataio.runner import run_queued

        run_queued(job)

    h.rb_deliver = deliver
    h.rb_import = import_file
    h.rb_tick = tick
    return h


def enqueue_steps(step_ids: list[int], eta: Optional[datetime] = None) -> None:
    """Hand committed outbox steps to the queue; failures are logged (the sweep delivers them anyway)."""
    if not step_ids:
        return
    try:
        h = get_huey()
        if eta is not None and eta.tzinfo is None:
            eta = eta.replace(tzinfo=timezone.utc)  # ours are naive UTC; Huey reads naive as local time
        for sid in step_ids:
            if eta is not None:
                h.rb_deliver.schedule(args=(sid,), eta=eta)
            else:
                h.enqueue(h.rb_deliver.s(sid))
    except Exception:  # noqa: BLE001 - never fail a committed write because the queue is away
        log.warning("could not enqueue outbox steps %s; the worker's sweep will deliver them", step_ids,
                    exc_info=True)


def enqueue_import(job: dict) -> None:
    """Hand an admin import job to the queue (raises when the queue is away: the caller says so)."""
    h = get_huey()
    h.enqueue(h.rb_import.s(job))


def drain(h, now: Optional[datetime] = None, limit: int = 10000) -> dict:
    """Run the queued tasks that are ready at ``now`` (``worker --once``); their outcomes, counted."""
    import datetime as _dt

    stamp = (now or _dt.datetime.now(_dt.timezone.utc))
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    ready = []
    for _ in range(limit):
        task = h.dequeue()
        if task is None:
            break
        if task.name == "recordbase.tick":
            continue  # the --once run does its own tick
        if h.ready_to_run(task, stamp):
            ready.append(task)
        else:
            h.add_schedule(task)
    ready.extend(h.read_schedule(stamp))
    return count_outcomes(in_parallel(lambda task: h.execute(task, stamp), ready))


def in_parallel(fn, items: list, threads: Optional[int] = None) -> list:
    """``fn`` over ``items`` on a few threads (deliveries wait on the network, not on Python)."""
    if len(items) <= 1:
        return [fn(i) for i in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(threads or CONTEXT.threads, len(items))) as pool:
        return list(pool.map(fn, items))


def count_outcomes(values: list) -> dict:
    out: dict[str, int] = {}
    for v in values:
        if isinstance(v, str) and v != "skipped":
            out[v] = out.get(v, 0) + 1
    return out
