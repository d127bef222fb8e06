"""`recordbase serve --workers 2`: a type and fields created through one worker are served by every worker
on its next request (design §2, issue deliverable 10).

The server runs gunicorn's sync workers (``--threads 1``), so a worker busy with one request cannot take
the next: concurrent requests are spread over both processes. The access log names the worker's pid for
every request, which tells us which process answered each probe.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from processes import free_port, http_json, recordbase_command

from recordbase.auth import create_user
from recordbase.db import make_engine, make_sessionmaker

pytestmark = pytest.mark.multiprocess

START_TIMEOUT = 20


class Server:
    def __init__(self, base: str, log: Path, proc: subprocess.Popen):
        self.base, self.log, self.proc = base, log, proc
        self.token = ""

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        return http_json(self.base, self.token, method, path, body)

    def pids_for(self, marker: str) -> dict[str, str]:
        """probe id -> pid of the worker that answered, from the access log."""
        out = {}
        for line in self.log.read_text(errors="replace").splitlines():
            m = re.search(rf"[?&]probe={marker}-(\d+)\b.*<(\d+)>\s*$", line)
            if m:
                out[m.group(1)] = m.group(2)
        return out

    def worker_pids(self) -> set[str]:
        return set(re.findall(r"Booting worker with pid: (\d+)", self.log.read_text(errors="replace")))


@pytest.fixture
def server(database_url, tmp_path):
    port = free_port()
    env = dict(os.environ, RECORDBASE_DATABASE_URL=database_url, RECORDBASE_SECRET_KEY="multiprocess-test",
               RECORDBASE_INSTANCE=str(tmp_path / "instance"))
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(recordbase_command() + ["serve", "--host", "127.0.0.1", "--port", str(port),
                                                        "--workers", "2", "--threads", "1", "--access-log"],
                                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    srv = Server(f"http://127.0.0.1:{port}", log, proc)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"recordbase serve exited with {proc.returncode}:\n{log.read_text()}")
            if len(srv.worker_pids()) >= 2:
                try:
                    status, _ = srv.request("GET", "/api/v1/types")
                    if status == 401:
                        break
                except OSError:
                    pass
            if time.monotonic() > deadline:
                pytest.fail(f"recordbase serve did not answer within {START_TIMEOUT} s:\n{log.read_text()}")
            time.sleep(0.1)
        yield srv
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _token_through_the_cli(database_url: str, tmp_path: Path) -> str:
    engine = make_engine(database_url)
    with make_sessionmaker(engine).begin() as s:
        create_user(s, "builder@example.com", "long-enough-pw", role="owner")
    engine.dispose()
    env = dict(os.environ, RECORDBASE_DATABASE_URL=database_url)
    done = subprocess.run(recordbase_command() + ["tokens", "create", "--email", "builder@example.com"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _burst(server: Server, marker: str, make_request, rounds: int = 6, size: int = 12) -> list[tuple[int, dict]]:
    """Concurrent requests on fresh connections until both workers answered at least one (bounded)."""
    results: list[tuple[int, dict]] = []
    n = 0
    with ThreadPoolExecutor(max_workers=6) as pool:
        for _ in range(rounds):
            batch = list(range(n, n + size))
            n += size
            results += list(pool.map(lambda i: make_request(f"probe={marker}-{i}", i), batch))
            time.sleep(0.2)  # let the access log catch up
            if len(set(server.pids_for(marker).values())) >= 2:
                break
    return results


def test_every_worker_serves_a_type_and_fields_created_at_runtime(server, database_url, tmp_path):
    server.token = _token_through_the_cli(database_url, tmp_path)
    workers = server.worker_pids()
    assert len(workers) == 2

    # 1. every worker caches the schema as it is now: no 'supplier' type yet
    before = _burst(server, "before", lambda q, i: server.request("GET", f"/api/v1/records/supplier?{q}"))
    assert {status for status, _ in before} == {404}
    assert set(server.pids_for("before").values()) == workers

    # 2. create the type and a field through whichever worker takes the request
    status, body = server.request("POST", "/api/v1/types", {"name": "supplier", "label": "Supplier", "label_zh": "供应商"})
    assert status == 201, body
    status, body = server.request("POST", "/api/v1/types/supplier/fields",
                                  {"name": "name", "label": "Name", "label_zh": "名称", "type": "text", "required": True})
    assert status == 201, body

    # 3. each worker's next request sees the new type and field
    created = _burst(server, "after", lambda q, i: server.request(
        "POST", f"/api/v1/records/supplier?{q}", {"fields": {"name": f"Supplier {i}"}}))
    assert [s for s, _ in created] == [201] * len(created), created
    assert set(server.pids_for("after").values()) == workers

    # 4. a field added while the server runs is usable at once, from every process
    status, body = server.request("POST", "/api/v1/types/supplier/fields",
                                  {"name": "score", "label": "Score", "type": "number"})
    assert status == 201, body
    scored = _burst(server, "field", lambda q, i: server.request(
        "POST", f"/api/v1/records/supplier?{q}", {"fields": {"name": f"Scored {i}", "score": i}}))
    assert [s for s, _ in scored] == [201] * len(scored), scored
    assert all(b["fields"]["score"] == i for i, (_, b) in enumerate(scored))
    assert set(server.pids_for("field").values()) == workers

    flt = urllib.request.quote(json.dumps({"field": "score", "op": "gte", "value": 0}))
    listed = _burst(server, "list", lambda q, i: server.request(
        "GET", f"/api/v1/records/supplier?{q}&filter={flt}&limit=1000"))
    assert all(s == 200 and len(b["records"]) == len(scored) for s, b in listed)
    assert set(server.pids_for("list").values()) == workers
