"""CLI fixtures: a clean working directory and environment per test, an unmigrated database, a runner."""
from __future__ import annotations

import uuid
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text

from recordbase.db import normalize_url

from .helpers import PG_URL, Cli


@pytest.fixture(autouse=True)
def clean_env(tmp_path, monkeypatch):
    """Run each CLI test in its own folder, with no Recordbase settings inherited from the caller."""
    for name in ("RECORDBASE_DATABASE_URL", "RECORDBASE_INSTANCE", "RECORDBASE_ADMIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECORDBASE_SECRET_KEY", "cli-test-secret")


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    """A database that exists but was never initialised (PostgreSQL when configured, else a new SQLite file)."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'fresh' / 'recordbase.db'}"
        return
    base = normalize_url(PG_URL).rsplit("/", 1)[0]
    name = f"rbcli_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{base}/{name}"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def run(database_url) -> Cli:
    """The CLI on the test's migrated database."""
    return Cli(database_url)


@pytest.fixture
def run_fresh(empty_database_url) -> Cli:
    """The CLI on a database that was never initialised."""
    return Cli(empty_database_url)
