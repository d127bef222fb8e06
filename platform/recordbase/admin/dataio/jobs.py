"""The status of an admin import job: one file beside the upload, a lock, a heartbeat.

An upload (``<instance>/imports/<user id>-<token>.<csv|xlsx>``, key ``<user id>-<token>``) has at
most one job at a time. The job's status lives in ``<key>.status.json`` — not in the database,
because on SQLite the import holds the one write lock for its whole transaction and the progress
page must still answer — and reads::

    {"state": "queued" | "running" | "done" | "failed" | "stopped", "attempt": "<id>", "dry_run": bool,
     "done": rows, "total": rows or null, "queued_at", "started", "heartbeat": unix seconds,
     "committed": bool, "report": {...}, "message": text or null, "mapping": {column: field}}

Every change happens under an exclusive lock on ``<key>.lock`` (``fcntl.flock``, across the web
and worker processes of the machine) and replaces the file in one step (write, then rename).
Two rules make a job idempotent per upload:

- :func:`claim` starts a new attempt only when no attempt is live (queued or running with a
  fresh heartbeat) and no import of this upload was written (``done`` and ``committed``); a
  second submit otherwise gets the first job's progress or report;
- :func:`update` writes only for the attempt the file names and never over a finished state, so
  a later or an abandoned attempt can never overwrite the first one's report.

A running job beats every :data:`HEARTBEAT_EVERY` seconds; a job whose heartbeat is older than
the app's ``IMPORT_STALE_SECONDS`` stopped with its process (the database rolled the import
back) and :func:`effective_state` calls it ``stopped`` (a job no worker started within
``IMPORT_QUEUE_SECONDS``: ``unstarted``): shown as failed, written down as such (:func:`give_up`),
and run again on demand.
The database's ``rb_import_job`` row (:mod:`recordbase.dataio.models`) is the last word on
whether an import was written.
"""
from __future__ import annotations

import fcntl
import json
import os
import secrets
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

#: seconds between two heartbeats of a running job
HEARTBEAT_EVERY = 2.0
#: a running job whose heartbeat is older than this many seconds is taken as stopped (default)
STALE_SECONDS = 60.0
#: a queued job that no worker started within this many seconds is taken as not started (default)
QUEUE_SECONDS = 600.0
#: at most one progress write per this many seconds while rows are read
WRITE_EVERY = 0.5
#: errors kept in the status file (the full list goes to the error CSV)
MAX_ERRORS = 200
LIVE = ("queued", "running")


def write_status(path: Path, status: dict) -> None:
    """Replace the status file in one step (readers see the old or the new file, never a mix)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(status, ensure_ascii=False, default=str), "utf-8")
    tmp.replace(path)


def read_status(path: Path) -> Optional[dict]:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def status_path(folder: Path, key: str) -> Path:
    return folder / f"{key}.status.json"


@contextmanager
def locked(folder: Path, key: str) -> Iterator[None]:
    """The upload's lock, held across processes of this machine (the file's mtime is refreshed,
    so that the day-old clean-up leaves a live job's lock alone)."""
    fd = os.open(folder / f"{key}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.utime(fd)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def effective_state(status: Optional[dict], stale: float = STALE_SECONDS, queue: float = QUEUE_SECONDS,
                    now: Optional[float] = None) -> Optional[str]:
    """The state a reader should act on: ``running`` with an old heartbeat is ``stopped`` (its
    process died), ``queued`` for too long is ``unstarted`` (no worker took it)."""
    if status is None:
        return None
    state = status.get("state")
    if state == "stopped":  # (a reader already said so: :func:`give_up`)
        return status.get("reason") or "stopped"
    now = time.time() if now is None else now
    if state == "running" and now - float(status.get("heartbeat") or 0) > stale:
        return "stopped"
    if state == "queued" and now - float(status.get("queued_at") or 0) > queue:
        return "unstarted"
    return state


def claim(folder: Path, key: str, *, dry_run: bool, upload_exists: bool, mapping: dict,
          stale: float = STALE_SECONDS, queue: float = QUEUE_SECONDS) -> tuple[str, Optional[str]]:
    """Start a new attempt for this upload, or say why not: ``("started", attempt)``, ``("live",
    None)`` (one is queued or running), ``("written", None)`` (this upload was imported: show
    that report), ``("gone", None)`` (the upload was removed)."""
    with locked(folder, key):
        path = status_path(folder, key)
        current = read_status(path)
        state = effective_state(current, stale, queue)
        if state in LIVE:
            return "live", None
        if current is not None and state == "done" and current.get("committed"):
            return "written", None
        if not upload_exists:
            return "gone", None
        attempt = secrets.token_hex(8)
        now = time.time()
        write_status(path, {"state": "queued", "attempt": attempt, "dry_run": dry_run, "done": 0, "total": None,
                            "queued_at": now, "started": now, "heartbeat": now,
                            "mapping": {str(k): v for k, v in mapping.items()}})
        return "started", attempt


def update(folder: Path, key: str, attempt: str, changes: dict, *, expect: tuple = LIVE) -> bool:
    """Apply ``changes`` to the status if it still belongs to ``attempt`` and is in a state of
    ``expect`` (a finished job is never overwritten); True when written."""
    with locked(folder, key):
        path = status_path(folder, key)
        current = read_status(path)
        if current is None or current.get("attempt") != attempt or current.get("state") not in expect:
            return False
        current.update(changes)
        if current.get("state") in LIVE:
            current["heartbeat"] = time.time()
        write_status(path, current)
        return True


def give_up(folder: Path, key: str, status: dict, reason: str) -> None:
    """Write down what :func:`effective_state` found (``stopped``, ``unstarted``) once it was shown to
    the user, so that the attempt, should its task or its frozen process come back, does nothing."""
    update(folder, key, status.get("attempt") or "", {"state": "stopped", "reason": reason},
           expect=(status.get("state"),))


def record_written(folder: Path, key: str, report: dict) -> None:
    """The database says this upload was imported (the status file missed it: its process died
    after the commit): make the file say so too, whatever attempt it names."""
    with locked(folder, key):
        path = status_path(folder, key)
        current = read_status(path) or {}
        if current.get("state") == "done" and current.get("committed"):
            return
        current.update({"state": "done", "committed": True, "dry_run": False, "report": report,
                        "done": report.get("rows"), "total": report.get("rows"), "message": None})
        write_status(path, current)


class Heartbeat:
    """The running attempt's progress and heartbeat, written to its status file: by the import's
    progress callback (at most every :data:`WRITE_EVERY` s) and, while a batch takes long, by a
    thread every :data:`HEARTBEAT_EVERY` s. Stops writing as soon as the file names another attempt."""

    def __init__(self, folder: Path, key: str, attempt: str) -> None:
        import threading

        self.folder, self.key, self.attempt = folder, key, attempt
        self.done, self.total = 0, None
        self.current = True
        self._last = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"recordbase-import-heartbeat-{key}", daemon=True)

    def start(self) -> "Heartbeat":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def write(self) -> None:
        self._last = time.monotonic()
        if self.current:
            self.current = update(self.folder, self.key, self.attempt,
                                  {"state": "running", "done": self.done, "total": self.total}, expect=("running",))

    def progress(self, done: int, total: Optional[int]) -> None:
        self.done, self.total = done, total
        if time.monotonic() - self._last >= WRITE_EVERY:
            self.write()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_EVERY):
            if time.monotonic() - self._last >= HEARTBEAT_EVERY:
                try:
                    self.write()
                except OSError:  # (the folder went away: the reader will find the job stopped)
                    pass
