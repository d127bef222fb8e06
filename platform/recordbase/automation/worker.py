"""The automation worker: ``recordbase worker`` (a Huey consumer) and ``--once [--now]``.

:func:`run_once` does, at ``now``: the queued tasks that are ready (Huey), the sweep of due
outbox steps in the database (the source of truth), the scheduled and date-relative rules due,
and once more the sweep (for the steps those rules just wrote). :func:`run_forever` runs a Huey
consumer whose periodic ``tick`` does the schedules and the sweep every minute, while
``deliver`` tasks carry each committed step as soon as it is enqueued.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy.orm import sessionmaker

from ..db import make_engine, make_sessionmaker
from ..metamodel.runtime import SchemaCache
from . import outbox, scheduler
from .queue import CONTEXT, count_outcomes, drain, enqueue_steps, get_huey, in_parallel

log = logging.getLogger(__name__)


def configure(database_url: Optional[str] = None, sessions: Optional[sessionmaker] = None,
              timezone_name: Optional[str] = None, worker_id: Optional[str] = None, threads: int = 4) -> None:
    """Make this process a worker on one database (the Huey tasks use it)."""
    from .settings import timezone_name as default_tz

    if sessions is None:
        sessions = make_sessionmaker(make_engine(database_url))
    CONTEXT.sessions = sessions
    CONTEXT.schema_cache = SchemaCache()
    CONTEXT.timezone = timezone_name or default_tz()
    CONTEXT.threads = max(1, threads)
    CONTEXT.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _now(now: Optional[datetime]) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    return now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)


def sweep(now: Optional[datetime] = None, enqueue: bool = False) -> dict:
    """Deliver (or, with ``enqueue``, hand to the queue) every outbox step due at ``now``."""
    with CONTEXT.sessions() as s:
        ids = outbox.due_step_ids(s, now)
    if enqueue:
        enqueue_steps(ids)
        return {"enqueued": len(ids)}
    return count_outcomes(in_parallel(lambda sid: outbox.execute_step(CONTEXT.sessions, sid, now, CONTEXT.worker_id),
                                      ids))


def tick(now: Optional[datetime] = None, enqueue: bool = False) -> dict:
    now = _now(now or CONTEXT.now)
    rules = scheduler.run_due(CONTEXT.sessions, CONTEXT.schema_cache, now, CONTEXT.worker_id, CONTEXT.timezone)
    steps = sweep(now, enqueue=enqueue)
    return {"rules": rules, "steps": steps}


def run_once(now: Optional[datetime] = None) -> dict:
    """Everything pending and due at ``now`` (default: the real clock), then return a summary."""
    now = _now(now)
    CONTEXT.now = now
    try:
        queued: dict = {}
        try:
            queued = drain(get_huey(), now)
        except Exception:  # noqa: BLE001 - the queue is a carrier only; the database sweep below does the work
            log.warning("could not read the task queue; delivering from the database", exc_info=True)
        first = sweep(now)
        rules = scheduler.run_due(CONTEXT.sessions, CONTEXT.schema_cache, now, CONTEXT.worker_id, CONTEXT.timezone)
        second = sweep(now)
        steps = {k: queued.get(k, 0) + first.get(k, 0) + second.get(k, 0)
                 for k in (set(queued) | set(first) | set(second)) - {"skipped"}}
        return {"now": now.isoformat(), "rules": rules, "steps": steps}
    finally:
        CONTEXT.now = None


def run_forever(threads: int = 2) -> None:
    """A Huey consumer: deliver tasks as they come, and tick every minute (blocks until stopped)."""
    h = get_huey()
    tick(enqueue=True)  # catch up at once rather than at the next minute
    consumer = h.create_consumer(workers=threads, worker_type="thread", periodic=True, initial_delay=0.1,
                                 backoff=1.15, max_delay=2.0, check_worker_health=True)
    consumer.run()


def watch_parent(parent_pid: int, interval: float = 1.0) -> threading.Thread:
    """Stop this process when ``parent_pid`` is no longer its parent (the embedded worker of
    ``recordbase serve``: if serve is killed outright, with no chance to stop us, we must not live
    on as an orphan). SIGTERM makes the Huey consumer stop; a claimed step is then delivered again
    after its lease, with the same idempotency key."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(interval)
        log.warning("the serve process %s is gone: the embedded worker stops", parent_pid)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(10)
        os._exit(1)  # the consumer did not stop in time

    thread = threading.Thread(target=watch, name="recordbase-parent-watch", daemon=True)
    thread.start()
    return thread


def start_embedded_worker(database_url: str, threads: int = 2,
                          extra_env: Optional[dict] = None) -> "subprocess.Popen":
    """Start ``recordbase worker`` as a child of this process (``recordbase serve`` without ``--no-worker``).

    The child watches that this process stays its parent and stops otherwise; the caller stops it
    with :func:`stop_embedded_worker` when the server stops. The database URL goes through the
    environment, not the command line (``ps`` would show a password)."""
    env = dict(os.environ, RECORDBASE_DATABASE_URL=database_url, **(extra_env or {}))
    return subprocess.Popen([sys.executable, "-m", "recordbase.cli", "worker", "--threads", str(threads),
                             "--parent-pid", str(os.getpid())], env=env)


def stop_embedded_worker(proc: "subprocess.Popen", timeout: float = 10.0) -> None:
    """Stop the embedded worker: SIGTERM, then SIGKILL after ``timeout`` seconds."""
    if proc.poll() is not None:
        return
    try:
        proc.terminate()
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    except ProcessLookupError:  # already gone (and reaped by gunicorn's arbiter)
        pass


class EmbeddedWorker:
    """The embedded worker of ``recordbase serve``, kept running: a watchdog thread in the server's
    master process starts it again (after 1, 2, 4 ... at most 60 s) whenever it dies — a database
    that was unreachable at its start, an out-of-memory kill — so that webhooks, e-mail and
    scheduled rules never stop silently. gunicorn's master reaps the dead child itself; the
    watchdog sees that through :meth:`subprocess.Popen.poll`, which then answers 0."""

    CHECK_EVERY = 1.0
    MAX_DELAY = 60.0

    def __init__(self, database_url: str, logger: Optional[logging.Logger] = None) -> None:
        self.database_url = database_url
        self.log = logger or log
        self.proc: Optional[subprocess.Popen] = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> "subprocess.Popen":
        with self._lock:
            self.proc = start_embedded_worker(self.database_url)
        self.log.info("Started the embedded automation worker (pid: %s)", self.proc.pid)
        self._thread = threading.Thread(target=self._watch, name="recordbase-worker-watchdog", daemon=True)
        self._thread.start()
        return self.proc

    def _watch(self) -> None:
        delay = 1.0
        while not self._stopping.wait(self.CHECK_EVERY):
            with self._lock:
                proc = self.proc
                if self._stopping.is_set() or proc is None or proc.poll() is None:
                    continue
            started = getattr(proc, "rb_started", None)
            self.log.error("The embedded automation worker (pid: %s) stopped; starting it again in %.0f s",
                           proc.pid, delay)
            if self._stopping.wait(delay):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                self.proc = start_embedded_worker(self.database_url)
                self.proc.rb_started = time.monotonic()  # type: ignore[attr-defined]
            self.log.info("Started the embedded automation worker (pid: %s)", self.proc.pid)
            # a worker that lived a while resets the back-off; one that dies at once doubles it
            delay = 1.0 if started is not None and time.monotonic() - started > 300 else min(delay * 2, self.MAX_DELAY)

    def stop(self) -> Optional[int]:
        """Stop the watchdog, then the worker; the pid that was stopped (None if none ran)."""
        self._stopping.set()
        with self._lock:
            proc, self.proc = self.proc, None
        if proc is None:
            return None
        stop_embedded_worker(proc)
        return proc.pid
