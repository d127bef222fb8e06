"""Numbers in admin URLs that no row can have: a 404 or a 400 page, never a 500.

Werkzeug's ``<int:...>`` converter and Flask-Admin's ``?page=`` / ``?sort=`` read any whole
number, and PostgreSQL refuses a query comparing an ``integer`` column with 2147483648 (SQLite
one with 2**63) instead of matching nothing. The pages read their own parameters through
``metamodel.ids.as_id`` and clamp their page numbers; this module is what is left around them:

- an ``<int:...>`` URL part outside the id range (1 to ``MAX_ID``) is a 404 (no such row), as
  the API answers;
- a page that looks up a row by an id no row has and lets the store's ``NotFound`` through
  (``/admin/rules/<id>/edit/`` of a deleted rule, say) is a 404, not a 500;
- a value the database still refuses (``DataError``, ``OverflowError``: a number filter beyond
  a column's range, say) is a 400 page in the user's language, the session rolled back.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import Flask, abort, render_template, request
from sqlalchemy.exc import DataError
from werkzeug.exceptions import NotFound as HTTPNotFound

from ..context import db_session
from ..errors import NotFound
from ..metamodel.ids import MAX_ID


def init_url_numbers(app: Flask, prefix: str) -> None:
    """Install both checks for the admin pages under ``prefix`` (``/admin``)."""

    def in_admin() -> bool:
        return request.path == prefix or request.path.startswith(prefix + "/")

    @app.url_value_preprocessor
    def _ids_in_range(endpoint: Optional[str], values: Optional[dict]) -> None:
        if values and in_admin() and any(isinstance(v, int) and not isinstance(v, bool) and not 1 <= v <= MAX_ID
                                         for v in values.values()):
            abort(404)

    @app.errorhandler(NotFound)
    def _no_such_row(exc: NotFound) -> Any:
        if not in_admin():
            raise exc
        return HTTPNotFound()

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def _refused_value(exc: Exception) -> Any:
        if not in_admin():
            raise exc  # (the API and /v0 answer these themselves; elsewhere it stays a server error)
        db_session().rollback()
        app.logger.info("database refused a value on %s: %s", request.path, exc)
        return render_template("recordbase/bad_value.html", back=request.path), 400
