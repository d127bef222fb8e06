"""Reading the database a CLI command wrote to."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recordbase.db import make_engine, make_sessionmaker
from recordbase.models import User


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
