"""Issue 4's acceptance, tried as a new user would: ``recordbase serve`` alone (its embedded worker, no other
process), a rule that opens a linked corrective action and notifies the owner, and a webhook that reaches a
server which was down for the first tries. Also: the embedded worker is one process beside gunicorn's
arbiter, stops with ``serve`` (SIGTERM, or by itself when ``serve`` is killed), and ``--no-worker`` has none.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable, Optional

import pytest
from processes import free_port, http_json, recordbase_command

from recordbase.auth import create_token, create_user
from recordbase.db import make_engine, make_sessionmaker

from .helpers import Hook

START_TIMEOUT = 30
WORKER_LINE = re.compile(r"Started the embedded automation worker \(pid: (\d+)\)")


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the live processes whose parent is ``pid`` (Linux /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append((int(entry.name), cmd))
    return out


def wait_for(check: Callable[[], object], timeout: float, what: str, log: Optional[Path] = None):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}" + (f":\n{log.read_text(errors='replace')}" if log else ""))
        time.sleep(0.1)


class Serve:
    """A running ``recordbase serve``, its log, and an API client with the owner's token."""

    def __init__(self, proc: subprocess.Popen, base: str, log: Path):
        self.proc, self.base, self.log = proc, base, log
        self.token = ""

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def worker_pid(self) -> Optional[int]:
        m = WORKER_LINE.search(self.text())
        return int(m.group(1)) if m else None

    def request(self, method: str, path: str, body: Optional[dict] = None) -> tuple[int, dict]:
        return http_json(self.base, self.token, method, path, body)

    def ok(self, method: str, path: str, body: Optional[dict] = None, status: int = 200) -> dict:
        got, answer = self.request(method, path, body)
        assert got == status, (method, path, got, answer)
        return answer


def start_serve(database_url: str, tmp_path: Path, *extra: str, name: str = "serve") -> Serve:
    port = free_port()
    env = dict(os.environ, RECORDBASE_DATABASE_URL=database_url, RECORDBASE_SECRET_KEY="acceptance-test",
               RECORDBASE_INSTANCE=str(tmp_path / "instance"), RECORDBASE_RETRY_BACKOFF="0.5")
    log = tmp_path / f"{name}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(recordbase_command() + ["serve", "--host", "127.0.0.1", "--port", str(port),
                                                        "--workers", "1", "--threads", "2", *extra],
                                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Serve(proc, f"http://127.0.0.1:{port}", log)


def wait_until_up(srv: Serve, with_worker: bool = True) -> None:
    def up() -> bool:
        if srv.proc.poll() is not None:
            pytest.fail(f"recordbase serve exited with {srv.proc.returncode}:\n{srv.text()}")
        if with_worker and not (srv.worker_pid() and "embedded worker (pid" in srv.text()):
            return False
        try:
            return srv.request("GET", "/api/v1/types")[0] == 401
        except OSError:
            return False

    wait_for(up, START_TIMEOUT, "recordbase serve to answer", srv.log)


def stop(srv: Serve) -> None:
    """Stop serve; whatever happens, leave no process behind (the worker included)."""
    pid = srv.worker_pid()
    if srv.proc.poll() is None:
        srv.proc.send_signal(signal.SIGTERM)
        try:
            srv.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            srv.proc.kill()
            srv.proc.wait()
    if pid is not None and alive(pid):
        deadline = time.monotonic() + 15
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def owner_token(database_url) -> str:
    engine = make_engine(database_url)
    with make_sessionmaker(engine).begin() as s:
        user = create_user(s, "owner@example.com", "long-enough-pw", role="owner")
        token = create_token(s, user)
    engine.dispose()
    return token


@pytest.fixture
def serve(database_url, tmp_path, owner_token):
    srv = start_serve(database_url, tmp_path)
    try:
        wait_until_up(srv)
        srv.token = owner_token
        yield srv
    finally:
        stop(srv)


def test_acceptance_with_recordbase_serve_alone(serve, tmp_path):
    srv = serve
    # one embedded worker beside gunicorn (its arbiter's child), not one per web worker
    arbiter_children = children(srv.proc.pid)
    workers = [pid for pid, cmd in arbiter_children if " worker " in f" {cmd} "]
    assert workers == [srv.worker_pid()], arbiter_children

    # types, as a new user makes them over the API
    srv.ok("POST", "/api/v1/types", {"name": "audit", "label": "Audit"}, 201)
    for f in ({"name": "site", "label": "Site", "type": "text"},
              {"name": "score", "label": "Score", "type": "number"},
              {"name": "note", "label": "Note", "type": "text"},
              {"name": "owner", "label": "Owner", "type": "user"}):
        srv.ok("POST", "/api/v1/types/audit/fields", f, 201)
    srv.ok("POST", "/api/v1/types", {"name": "corrective_action", "label": "Corrective action"}, 201)
    for f in ({"name": "title", "label": "Title", "type": "text", "required": True},
              {"name": "audit", "label": "Audit", "type": "link", "options": {"target": "audit"}}):
        srv.ok("POST", "/api/v1/types/corrective_action/fields", f, 201)

    # 1. when score < 60: create a corrective action linked back, and notify the owner
    low = srv.ok("POST", "/api/v1/rules", {
        "name": "Low score opens a corrective action", "type": "audit", "trigger": {"on": "record_matches"},
        "condition": {"field": "score", "op": "lt", "value": 60},
        "actions": [{"do": "create_record", "type": "corrective_action", "link_back": "audit",
                     "values": {"title": {"formula": "\"Fix \" & {site}"}}},
                    {"do": "notify", "user_field": "owner", "message": "Audit of {site} scored {score}"}]}, 201)
    audit = srv.ok("POST", "/api/v1/records/audit", {"fields": {"site": "Depot", "score": 80,
                                                                 "owner": "owner@example.com"}}, 201)
    assert srv.ok("GET", "/api/v1/records/corrective_action")["records"] == []
    audit = srv.ok("PATCH", f"/api/v1/records/audit/{audit['id']}",
                   {"fields": {"score": 50}, "version": audit["version"]})
    srv.ok("PATCH", f"/api/v1/records/audit/{audit['id']}",  # still below 60: no second firing
           {"fields": {"note": "re-checked"}, "version": audit["version"]})
    [action] = srv.ok("GET", "/api/v1/records/corrective_action")["records"]
    assert action["fields"] == {"title": "Fix Depot", "audit": audit["id"]}
    inbox = srv.ok("GET", "/api/v1/notifications")
    assert inbox["unread"] == 1
    [note] = inbox["notifications"]
    assert "Audit of Depot scored 50" in note["message"]
    [run] = srv.ok("GET", f"/api/v1/rules/{low['id']}/runs")["runs"]
    assert run["status"] == "succeeded" and run["record_id"] == audit["id"]

    # 2. a webhook to a server that is down for the first tries, delivered by the embedded worker once it is up
    port = free_port()
    hook_rule = srv.ok("POST", "/api/v1/rules", {
        "name": "Tell the supplier portal", "type": "audit", "trigger": {"on": "record_created"},
        "actions": [{"do": "webhook", "url": f"http://127.0.0.1:{port}/hook", "secret": "s3cret"}]}, 201)
    hooked = srv.ok("POST", "/api/v1/records/audit", {"fields": {"site": "Port", "score": 90}}, 201)

    def step() -> dict:
        [r] = srv.ok("GET", f"/api/v1/rules/{hook_rule['id']}/runs")["runs"]
        [s] = r["steps"]
        return s

    # (between two tries: while a try runs the step is "running")
    failed = wait_for(lambda: (lambda s: s if s["attempts"] >= 2 and s["status"] != "running" else None)(step()), 30,
                      "two failed webhook attempts", srv.log)
    assert failed["status"] == "pending" and "could not reach" in failed["error"]
    hook = Hook(port)  # the receiver comes up
    try:
        wait_for(lambda: hook.delivered, 40, "the webhook delivery once the server is up", srv.log)
        done = wait_for(lambda: (lambda s: s if s["status"] == "succeeded" else None)(step()), 20,
                        "the step to be recorded as delivered", srv.log)
        time.sleep(1.5)  # nothing more arrives
        [delivered] = hook.delivered
        assert len(hook.requests) == 1
    finally:
        hook.close()
    headers, body = delivered["headers"], delivered["body"]
    assert headers["X-Recordbase-Idempotency-Key"] == failed["idempotency_key"] == done["idempotency_key"]
    assert headers["X-Recordbase-Signature"] == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert int(headers["X-Recordbase-Attempt"]) == done["attempts"] >= 3
    payload = json.loads(body)
    assert payload["record"]["id"] == hooked["id"] and payload["rule"]["id"] == hook_rule["id"]
    [run] = srv.ok("GET", f"/api/v1/rules/{hook_rule['id']}/runs")["runs"]
    assert run["status"] == "succeeded"


def test_the_embedded_worker_stops_with_serve(database_url, tmp_path):
    srv = start_serve(database_url, tmp_path, name="term")
    try:
        wait_until_up(srv)
        pid = srv.worker_pid()
        assert alive(pid)
        srv.proc.send_signal(signal.SIGTERM)
        assert srv.proc.wait(timeout=20) == 0
        wait_for(lambda: not alive(pid), 5, "the worker to stop with serve", srv.log)
        assert "Stopped the embedded automation worker" in srv.text()
    finally:
        stop(srv)

    killed = start_serve(database_url, tmp_path, name="kill")
    try:
        wait_until_up(killed)
        pid = killed.worker_pid()
        killed.proc.kill()  # no chance to clean up: the worker notices its parent is gone
        killed.proc.wait()
        wait_for(lambda: not alive(pid), 20, "the orphaned worker to stop by itself", killed.log)
        assert "embedded worker stops" in killed.text()
    finally:
        stop(killed)


def test_no_worker_starts_none(database_url, tmp_path):
    srv = start_serve(database_url, tmp_path, "--no-worker", name="noworker")
    try:
        wait_until_up(srv, with_worker=False)
        assert srv.worker_pid() is None
        assert not [cmd for _, cmd in children(srv.proc.pid) if " worker " in f" {cmd} "]
        assert "No embedded worker (--no-worker)" in srv.text()
    finally:
        stop(srv)


def test_a_dead_embedded_worker_is_started_again(database_url, tmp_path):
    srv = start_serve(database_url, tmp_path, name="restart")
    try:
        wait_until_up(srv)
        first = srv.worker_pid()
        os.kill(first, signal.SIGKILL)  # as the out-of-memory killer would
        wait_for(lambda: len(WORKER_LINE.findall(srv.text())) >= 2, 20, "the worker to be started again", srv.log)
        second = int(WORKER_LINE.findall(srv.text())[-1])
        assert second != first and alive(second) and not alive(first)
        assert "stopped; starting it again" in srv.text()
        srv.proc.send_signal(signal.SIGTERM)
        assert srv.proc.wait(timeout=20) == 0
        wait_for(lambda: not alive(second), 5, "the new worker to stop with serve", srv.log)
    finally:
        stop(srv)
