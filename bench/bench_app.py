"""The app a benchmark runs: created on a database URL, the database upgraded, the benchmark's owner
user made (or found); and its release at the end. (``records.py`` and ``computed.py`` predate
:func:`bench_app` and set up their own app.)"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from recordbase import create_app
from recordbase.auth import create_user, find_user
from recordbase.context import platform
from recordbase.database_setup import upgrade_database


def bench_app(url: str, instance: Path, email: str, password: str) -> tuple[Any, Any, int]:
    """(app, its platform, the owner's user id)."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(instance)})
    plat = platform(app)
    upgrade_database(plat.engine)
    with plat.sessions.begin() as s:
        user = find_user(s, email) or create_user(s, email, password, role="owner")
        return app, plat, user.id


def release(bench: Any, tmp: Path, database_url: Any, keep: bool) -> None:
    """The end of a benchmark run: its tables dropped from a database it was given (unless ``keep``),
    its engine disposed, and its temporary folder removed (unless ``keep``)."""
    import shutil

    if database_url and not keep:
        bench.cleanup()
    bench.engine.dispose()
    if not keep:
        shutil.rmtree(tmp, ignore_errors=True)
