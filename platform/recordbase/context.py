"""Per-process platform state and per-request helpers (database session, schema, record store, user).

``Platform`` is stored in ``app.extensions["recordbase"]``; nothing lives at module level.
A request gets one SQLAlchemy session (created on first use, closed at teardown,
rolled back unless a view committed) and reads the schema version once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .metamodel.runtime import RuntimeSchema, SchemaCache
from .models import User
from .storage import RecordStore


@dataclass
class Platform:
    engine: Engine
    sessions: sessionmaker
    schema_cache: SchemaCache


def platform(app: Optional[Flask] = None) -> Platform:
    return (app or current_app).extensions["recordbase"]


def db_session() -> Session:
    s = g.get("_rb_session")
    if s is None:
        s = platform().sessions()
        g._rb_session = s
    return s


def current_schema(refresh: bool = False) -> RuntimeSchema:
    """The runtime schema for this request (the version is read once per request, or on refresh)."""
    if refresh or g.get("_rb_schema") is None:
        g._rb_schema = platform().schema_cache.get(db_session())
    return g._rb_schema


def current_user() -> Optional[User]:
    return g.get("rb_user")


def current_lang() -> str:
    user = current_user()
    from flask import session as web_session

    return web_session.get("lang") or (user.locale if user else None) or current_app.config.get("DEFAULT_LANGUAGE", "en")


def record_store(schema: Optional[RuntimeSchema] = None) -> RecordStore:
    from .access import current_policy

    user = current_user()
    return RecordStore(db_session(), schema or current_schema(), user_id=user.id if user else None,
                       timezone_name=current_app.config["TIMEZONE"], lang=current_lang(), policy=current_policy())


def close_session(exc: Optional[BaseException] = None) -> None:
    s = g.pop("_rb_session", None)
    g.pop("_rb_schema", None)
    if s is not None:
        try:
            s.rollback()
        finally:
            s.close()
