"""Automation settings, from the Flask app's config when there is an app, else from the environment.

========================  ==================================================================
``RECORDBASE_SMTP_HOST``  SMTP server; e-mail notifications are sent only when this is set
``RECORDBASE_SMTP_PORT``  default 587 (25 when ``RECORDBASE_SMTP_TLS=0``)
``RECORDBASE_SMTP_USER``, ``RECORDBASE_SMTP_PASSWORD``  optional login
``RECORDBASE_SMTP_FROM``  sender address (default ``recordbase@<host>``)
``RECORDBASE_SMTP_TLS``   ``1`` (default): STARTTLS; ``0``: plain; ``ssl``: SMTP over TLS
``RECORDBASE_REDIS_URL``  the Huey queue on Redis (many workers on many machines) instead of
                          the SQLite queue file ``<instance>/automation-queue.db``
``RECORDBASE_RETRY_BACKOFF``  seconds before a failed webhook / e-mail is retried the first time
                          (default 30; doubled after each failure, at most an hour)
``RECORDBASE_TIMEZONE``   the instance time zone (schedules without a ``timezone``, ``--now`` without an offset)
========================  ==================================================================
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional


def setting(name: str, default: Optional[str] = None) -> Optional[str]:
    try:
        from flask import current_app, has_app_context

        if has_app_context():
            value = current_app.config.get(name)
            if value not in (None, ""):
                return str(value)
    except ImportError:  # pragma: no cover
        pass
    value = os.environ.get(f"RECORDBASE_{name}")
    return value if value not in (None, "") else default


def smtp_configured() -> bool:
    return bool(setting("SMTP_HOST"))


def smtp_settings() -> dict:
    tls = (setting("SMTP_TLS", "1") or "1").lower()
    host = setting("SMTP_HOST")
    return {"host": host, "port": int(setting("SMTP_PORT", "587" if tls in ("1", "true", "yes") else
                                              ("465" if tls == "ssl" else "25"))),
            "user": setting("SMTP_USER"), "password": setting("SMTP_PASSWORD"),
            "sender": setting("SMTP_FROM", f"recordbase@{host or 'localhost'}"), "tls": tls}


def instance_folder() -> Path:
    try:
        from flask import current_app, has_app_context

        if has_app_context():
            return Path(current_app.instance_path)
    except ImportError:  # pragma: no cover
        pass
    return Path(os.environ.get("RECORDBASE_INSTANCE") or Path.cwd() / "instance").resolve()


def redis_url() -> Optional[str]:
    return setting("REDIS_URL")


def timezone_name() -> str:
    """The instance's time zone: the owner's setting (recordbase.settings; RECORDBASE_TIMEZONE overrides it)
    inside the app, the environment's outside it."""
    from flask import has_app_context

    if has_app_context():
        from ..settings import instance_timezone

        return instance_timezone()
    return setting("TIMEZONE", "UTC") or "UTC"
