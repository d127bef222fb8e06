"""Instance settings (time zone, default language, default currency): see :mod:`.service`.

``current()`` gives the settings in force for the running app (request or app context), else
from the environment alone; ``timezone_for(session)`` is what a command reads.
"""
from __future__ import annotations

from typing import Optional

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from .service import (DEFAULTS, LANGUAGE_CHOICES, SettingError, Settings, check, machine_timezone, resolve, save,
                      stored, valid_timezone, zone_names)

__all__ = ["DEFAULTS", "LANGUAGE_CHOICES", "SettingError", "Settings", "check", "current", "default_currency", "forget",
           "instance_timezone", "machine_timezone", "resolve", "save", "settings_for", "stored",
           "timezone_for", "valid_timezone", "zone_names"]


def current() -> Settings:
    """The settings in force: config override, else the database (cached), else the default.

    Every request asks (the record store's time zone): the app is looked up once, not through
    ``current_app`` at each step."""
    app = current_app._get_current_object() if has_app_context() else None
    if app is None or "recordbase" not in app.extensions:
        return resolve({}, None)
    cache = app.extensions.get("recordbase_settings")
    if cache is None:
        cache = app.extensions.setdefault("recordbase_settings", _new_cache())
    rows = cache.fresh_rows()
    if rows is None:
        rows = cache.get(_session_for_settings(app.extensions["recordbase"]))
    return cache.resolved(rows, app.config)


def _new_cache():
    from .service import SettingsCache

    return SettingsCache()


def _session_for_settings(p):
    """The request's session when there is a request (its transaction, its connection), else a short one."""
    from flask import has_request_context

    if has_request_context():
        from ..context import db_session

        return lambda: db_session()
    return lambda: _ShortRead(p.sessions)


class _ShortRead:
    """A session used for one read outside a request, then closed."""

    def __init__(self, sessions) -> None:
        self.sessions = sessions

    def scalars(self, statement):
        with self.sessions() as s:
            return list(s.scalars(statement))


def forget() -> None:
    """Drop this process's copy (after a save), so the next read sees the database."""
    from flask import current_app, has_app_context

    if has_app_context():
        cache = current_app.extensions.get("recordbase_settings")
        if cache is not None:
            cache.forget()


def instance_timezone() -> str:
    """The instance's IANA time zone, as every surface shows and computes times."""
    return current().timezone or "UTC"


def default_currency(session: Session) -> str:
    """The currency a new currency field gets when it names none."""
    from flask import current_app, has_app_context

    if has_app_context() and "recordbase" in current_app.extensions:
        return current().currency
    return settings_for(session).currency


def settings_for(session: Session, config: Optional[dict] = None) -> Settings:
    """The settings in force for code with a session and no app (commands): the environment overrides."""
    return resolve(stored(session), config)


def timezone_for(session: Session) -> str:
    return settings_for(session).timezone or "UTC"
