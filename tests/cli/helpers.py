"""The CLI tests' helpers: ``Cli`` (``recordbase`` invoked in-process against one database) and reading the
database a CLI command wrote to."""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recordbase.cli import cli
from recordbase.db import make_engine, make_sessionmaker
from recordbase.models import User

PG_URL = os.environ.get("RECORDBASE_TEST_DATABASE_URL")


class Cli:
    """Invoke ``recordbase`` in-process against one database."""

    def __init__(self, url: str | None):
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, url: str | None = ..., input: str | None = None) -> Result:
        url = self.url if url is ... else url
        argv = (["--database-url", url] if url else []) + list(args)
        return self.runner.invoke(cli, argv, input=input, catch_exceptions=False)


@contextmanager
def session_on(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine).begin() as session:
            yield session
    finally:
        engine.dispose()


def users_by_email(url: str) -> dict[str, User]:
    with session_on(url) as s:
        users = s.scalars(select(User)).all()
        for u in users:
            s.expunge(u)
    return {u.email: u for u in users}


def user_count(url: str) -> int:
    with session_on(url) as s:
        return int(s.scalar(select(func.count()).select_from(User)))
