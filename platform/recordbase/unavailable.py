"""When the database cannot be reached: a 503 that says so, with ``Retry-After``, on every surface.

A request that cannot reach the database (PostgreSQL down or restarting, the SQLite file's folder
gone, every pooled connection taken; see :func:`recordbase.db.is_unavailable`) wrote nothing, and
the same request will work once the database is back: it is a 503 ``database_unavailable``, never
a 500 "the change was not saved" — reads included. The API answers its JSON error body
(:mod:`recordbase.api.errors`), ``/v0`` Airtable's error shape (:mod:`recordbase.airtable`), and
everything else (the admin, public forms) the plain page registered here, in the user's language.
The page is standalone: the admin's layout would read the menu from the very database that is gone.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from sqlalchemy import exc as sa_exc

from .db import is_unavailable

#: seconds a client should wait before trying again
RETRY_AFTER = "10"
MESSAGE = "The database cannot be reached at the moment; nothing was changed. Try again in a few seconds."
#: what the APIs' handlers take: connection-level errors and the pool's timeout
UNAVAILABLE_ERRORS = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)


def _page(exc: Exception) -> Any:
    if not is_unavailable(exc):
        raise exc  # another database error: as unexpected as before
    from flask import current_app

    current_app.logger.warning("database unavailable: %s", exc)
    return render_template("recordbase/database_unavailable.html"), 503, {"Retry-After": RETRY_AFTER}


def init_app(app: Flask) -> None:
    for error in UNAVAILABLE_ERRORS:
        app.register_error_handler(error, _page)
