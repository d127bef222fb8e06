"""The application factory: ``create_app(config)`` builds a Flask app around one database."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Optional

from flask import Flask, abort

from .context import Platform, close_session
from .db import make_engine, make_sessionmaker, read_only_engine
from .json_provider import OrjsonProvider
from .metamodel.runtime import SchemaCache


def default_config(instance_path: Path) -> dict[str, Any]:
    return {
        "DATABASE_URL": os.environ.get("RECORDBASE_DATABASE_URL") or f"sqlite:///{instance_path / 'recordbase.db'}",
        # overrides of the instance settings (recordbase.settings); unset: the owner's choice in the admin
        "TIMEZONE": os.environ.get("RECORDBASE_TIMEZONE") or None,
        "DEFAULT_LANGUAGE": os.environ.get("RECORDBASE_LANGUAGE") or None,
        "DEFAULT_CURRENCY": os.environ.get("RECORDBASE_CURRENCY") or None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("RECORDBASE_SECURE_COOKIES", "0") == "1",
        "SESSION_COOKIE_NAME": "recordbase_session",
        "MAX_CONTENT_LENGTH": int(os.environ.get("RECORDBASE_MAX_UPLOAD_MB", "50")) * 1024 * 1024,
        "MAX_JSON_BODY": int(os.environ.get("RECORDBASE_MAX_JSON_MB", "16")) * 1024 * 1024,  # see json_input
        "BABEL_DEFAULT_LOCALE": "en",
        "WTF_CSRF_TIME_LIMIT": None,
        "FLASK_ADMIN_SWATCH": "default",
        "AUTO_INIT_DB": False,
    }


def secret_key(instance_path: Path) -> str:
    """RECORDBASE_SECRET_KEY, or a random key kept in the instance folder (never in the repository)."""
    env = os.environ.get("RECORDBASE_SECRET_KEY")
    if env:
        return env
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    os.chmod(path, 0o600)
    return key


#: the largest id (and version) the database's 32-bit integer columns hold
INT_MAX = 2**31 - 1


def _ids_fit(endpoint: Optional[str], values: Optional[dict]) -> None:
    """An ``<int:...>`` in a URL that no 32-bit id can equal names nothing: a 404 (the API's error
    body) before any query, instead of an overflow in the database. (Werkzeug's converter ``max``
    would make such a URL match no rule, and a PATCH on it then a 405 naming GET.)"""
    if values and any(type(v) is int and v > INT_MAX for v in values.values()):
        abort(404)


class RecordbaseFlask(Flask):
    """Flask, with :meth:`ensure_sync` remembering its answer per function.

    Flask asks it for every hook and view of every request (about ten per API request), and each
    time inspects the function (``iscoroutinefunction``); whether a function is a coroutine
    function does not change."""

    def ensure_sync(self, func: Any) -> Any:
        cache = self.__dict__.setdefault("_rb_sync", {})
        found = cache.get(func)
        if found is None:
            found = super().ensure_sync(func)
            if len(cache) < 4096:  # (hooks and views: a fixed set; bound it all the same)
                cache[func] = found
        return found


def create_app(config: Optional[dict[str, Any]] = None) -> Flask:
    config = dict(config or {})
    instance_path = Path(config.pop("INSTANCE_PATH", None) or os.environ.get("RECORDBASE_INSTANCE")
                         or Path.cwd() / "instance").resolve()
    app = RecordbaseFlask("recordbase", instance_path=str(instance_path), instance_relative_config=False)
    app.json = OrjsonProvider(app)
    app.url_value_preprocessor(_ids_fit)
    app.config.update(default_config(instance_path))
    app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(instance_path)
    app.config.setdefault("ATTACHMENTS_DIR", str(instance_path / "attachments"))

    engine = make_engine(app.config["DATABASE_URL"])
    if app.config.get("AUTO_INIT_DB"):
        from .database_setup import upgrade_database

        upgrade_database(engine)
    app.extensions["recordbase"] = Platform(engine=engine, sessions=make_sessionmaker(engine),
                                            schema_cache=SchemaCache(),
                                            read_sessions=make_sessionmaker(read_only_engine(engine)))
    app.teardown_appcontext(close_session)

    from . import i18n, security, unavailable
    from .admin import init_admin
    from .airtable import init_airtable
    from .api import init_api

    i18n.init_app(app)
    security.init_app(app)
    unavailable.init_app(app)  # a 503 page when the database cannot be reached (the APIs answer their own)
    init_api(app)
    init_admin(app)
    from .access.public import init_public_forms

    init_public_forms(app)  # /f/<token>: public forms (recordbase.access)
    init_airtable(app)  # /v0: the Airtable-compatible API
    return app
