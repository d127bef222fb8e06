"""Helpers of the tests that start real ``recordbase`` processes (serve, worker).

Importable as ``processes`` from every test: the root conftest's folder (``tests/``) is on
``sys.path`` because it is not a package.
"""
from __future__ import annotations

import shutil
import socket
import sys
from pathlib import Path


def recordbase_command() -> list[str]:
    """The installed console script next to this interpreter (else ``python -m recordbase.cli``)."""
    script = Path(sys.executable).with_name("recordbase")
    if script.exists():
        return [str(script)]
    found = shutil.which("recordbase")
    return [found] if found else [sys.executable, "-m", "recordbase.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(base: str, token: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    """One JSON request with a bearer token on a fresh connection (urllib sends ``Connection: close``):
    (status, decoded body), for 4xx/5xx answers too."""
    import json
    import urllib.error
    import urllib.request

    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
