"""A fresh copy of the migrated template database per test (SQLite file copy, or PostgreSQL
``CREATE DATABASE ... TEMPLATE``). Importable as ``databases`` from every test folder (the root
conftest's folder, ``tests/``, is on ``sys.path``)."""
from __future__ import annotations

import os
import shutil
import uuid
from typing import Iterator

from sqlalchemy import create_engine, text

from recordbase.db import normalize_url

PG_URL = os.environ.get("RECORDBASE_TEST_DATABASE_URL")


def _pg_admin_url(url: str) -> str:
    return normalize_url(url).rsplit("/", 1)[0] + "/postgres"


def _pg_url_for(url: str, dbname: str) -> str:
    return normalize_url(url).rsplit("/", 1)[0] + "/" + dbname


def fresh_database(template_db: str, folder) -> Iterator[str]:
    """Yield the URL of a copy of the template database (in ``folder`` for SQLite); drop it afterwards."""
    if PG_URL:
        name = f"rbt_{uuid.uuid4().hex[:12]}"
        admin = create_engine(_pg_admin_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"'))
        yield _pg_url_for(PG_URL, name)
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = folder / "recordbase.db"
        shutil.copy(template_db, path)
        yield f"sqlite:///{path}"
