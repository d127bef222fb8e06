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
