"""Instance settings: the time zone, the default language and the default currency of new currency
fields, stored in ``rb_instance_setting`` and edited by an owner (``/admin/settings/``).

Where a value comes from, first match wins:

1. an override in the app's config (``TIMEZONE``, ``DEFAULT_LANGUAGE``, ``DEFAULT_CURRENCY``, set by
   ``create_app(config)`` or the environment: ``RECORDBASE_TIMEZONE``, ``RECORDBASE_LANGUAGE``,
   ``RECORDBASE_CURRENCY``), so deployments that set them keep working;
2. the row in the database;
3. the default (``UTC``, the browser's language, ``CNY``).

The rows are read at most once every :data:`CACHE_SECONDS` per process (a request on the hot path
costs no query); the process that saves forgets its copy at once, others within those seconds.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import InstanceSetting

#: how long a process keeps the settings it read
CACHE_SECONDS = 5.0
#: setting key -> the app config key (and, as ``RECORDBASE_<name>``, the environment variable) overriding it
OVERRIDES = {"timezone": "TIMEZONE", "language": "DEFAULT_LANGUAGE", "currency": "DEFAULT_CURRENCY"}
ENVIRONMENT = {"timezone": "RECORDBASE_TIMEZONE", "language": "RECORDBASE_LANGUAGE",
               "currency": "RECORDBASE_CURRENCY"}
_OVERRIDE_KEYS = tuple(OVERRIDES.values())
DEFAULTS = {"timezone": "UTC", "language": "", "currency": "CNY"}
LANGUAGE_CHOICES = ("", "en", "zh")  # "": each browser's own language


class SettingError(ValueError):
    """A value a setting cannot take; ``key`` is the setting, the message is for people (English)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Settings:
    timezone: str
    language: str
    currency: str
    #: the settings whose value comes from an override (config or environment), not the database
    overridden: frozenset = frozenset()


def valid_timezone(name: str) -> bool:
    if not name or name != name.strip() or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ValueError, OSError, KeyError):
        return False
    return name in zone_names() or name == "UTC"


_ZONES: Optional[frozenset] = None


def zone_names() -> frozenset:
    """Every IANA zone name this machine knows."""
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def machine_timezone() -> str:
    """This machine's IANA zone (``TZ``, ``/etc/timezone``, ``/etc/localtime``'s link), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(Path("/etc/timezone").read_text().strip())
    except OSError:
        pass
    try:
        link = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in link:
            candidates.append(link.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    return next((c for c in candidates if c and valid_timezone(c)), "UTC")


def check(key: str, value: str) -> str:
    """``value`` cleaned for setting ``key``, or :class:`SettingError`."""
    value = (value or "").strip()
    if key == "timezone":
        if not valid_timezone(value):
            raise SettingError(key, "Unknown time zone: use an IANA name such as Asia/Shanghai or Europe/Paris")
    elif key == "language":
        if value not in LANGUAGE_CHOICES:
            raise SettingError(key, "Choose English, Chinese or each browser's language")
    elif key == "currency":
        value = value.upper()
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise SettingError(key, "A currency is a three-letter ISO 4217 code, such as CNY or USD")
    else:
        raise SettingError(key, f"Unknown setting: {key}")
    return value


def stored(session: Session) -> dict[str, str]:
    """The rows in the database (no defaults, no overrides)."""
    return {row.key: row.value for row in session.scalars(select(InstanceSetting))}


def resolve(rows: dict[str, str], config: Optional[dict] = None) -> Settings:
    """The settings in force from the rows and a config (app config, else the environment)."""
    values, overridden = {}, set()
    for key in DEFAULTS:
        override = config.get(OVERRIDES[key]) if config is not None else os.environ.get(ENVIRONMENT[key])
        if override not in (None, ""):
            values[key] = str(override)
            overridden.add(key)
        else:
            values[key] = rows.get(key, DEFAULTS[key])
    return Settings(overridden=frozenset(overridden), **values)


def save(session: Session, values: dict[str, Any], user_id: Optional[int] = None) -> dict[str, str]:
    """Check and store ``values`` (key -> text) in the caller's transaction; returns what changed
    (key -> new value). Every value is checked before any is written."""
    cleaned = {key: check(key, str(value if value is not None else "")) for key, value in values.items()}
    rows = {row.key: row for row in session.scalars(select(InstanceSetting))}
    changed = {}
    for key, value in cleaned.items():
        row = rows.get(key)
        if row is None:
            session.add(InstanceSetting(key=key, value=value, updated_by=user_id))
            changed[key] = value
        elif row.value != value:
            row.value, row.updated_by = value, user_id
            changed[key] = value
    session.flush()
    return changed


# -- the running app's view ----------------------------------------------------------------------
class SettingsCache:
    """The settings one app read, kept :data:`CACHE_SECONDS`."""

    def __init__(self) -> None:
        self.rows: Optional[dict[str, str]] = None
        self.read_at = 0.0
        self._resolved: Optional[tuple] = None

    def resolved(self, rows: dict[str, str], config: dict) -> Settings:
        """:func:`resolve` of these rows and this config, worked out again only when the rows were read
        anew or an override changed (every request asks: the record store's time zone)."""
        overrides = tuple(map(config.get, _OVERRIDE_KEYS))
        memo = self._resolved
        if memo is not None and memo[0] is rows and memo[1] == overrides:
            return memo[2]
        found = resolve(rows, config)
        self._resolved = (rows, overrides, found)
        return found

    def fresh_rows(self) -> Optional[dict[str, str]]:
        """The rows read less than :data:`CACHE_SECONDS` ago, else None (:meth:`get` reads them)."""
        if self.rows is not None and time.monotonic() - self.read_at <= CACHE_SECONDS:
            return self.rows
        return None

    def get(self, session_factory) -> dict[str, str]:
        now = time.monotonic()
        if self.rows is None or now - self.read_at > CACHE_SECONDS:
            self.rows = stored(session_factory())
            self.read_at = now
        return self.rows

    def forget(self) -> None:
        self.rows = None
