"""An Airtable-compatible REST API under ``/v0`` (see docs/airtable.md for what differs).

Scripts written for Airtable (and the pyairtable client) work against Recordbase by changing
the endpoint URL and the token: tables are record types (by label or ``tbl…`` id), field
names are labels, records look like Airtable's (``rec…`` ids, ``createdTime``, ``fields``),
errors too (``{"error": {"type", "message"}}`` with Airtable's status codes).
``filterByFormula`` runs in our formula language, compiled to SQL where it can be.
Authentication is the API's bearer tokens. Everything goes through the RecordStore, so
validation, computed fields and automation behave as for any other write.
"""
from __future__ import annotations

from flask import Flask, request
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from .. import unavailable
from ..db import is_lock_error, is_unavailable
from ..errors import ERROR_STATUS, RecordbaseError
from . import meta, records  # noqa: F401  (routes)
from .common import AirtableError, bp


def _error(exc: AirtableError):
    from ..context import db_session

    try:
        db_session().rollback()
    except Exception:  # noqa: BLE001 - the session may be unusable; teardown closes it
        pass
    return exc.response()


@bp.errorhandler(AirtableError)
def _airtable_error(exc: AirtableError):
    return _error(exc)


@bp.errorhandler(RecordbaseError)
def _recordbase_error(exc: RecordbaseError):
    status = ERROR_STATUS.get(exc.code, 400)
    kind = {404: "NOT_FOUND", 401: "AUTHENTICATION_REQUIRED", 403: "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
            409: "CONFLICT", 422: "INVALID_VALUE_FOR_COLUMN"}.get(status, "INVALID_REQUEST_UNKNOWN")
    resp = _error(AirtableError(422 if status == 400 else status, kind, exc.message))
    if getattr(exc, "retry_after", None):  # (schema_changed)
        resp.headers["Retry-After"] = str(exc.retry_after)
    return resp


@bp.errorhandler(SQLAlchemyError)
def _schema_race_error(exc: SQLAlchemyError):
    """A read that raced a change of the structure (PostgreSQL; :mod:`recordbase.metamodel.schema_lock`)
    is the retryable 409 a write gets, not a 500; any other database error stays unexpected."""
    from flask import g

    from ..context import db_session
    from ..errors import SchemaChanged
    from ..metamodel.schema_lock import schema_moved

    schema = g.get("_rb_schema")
    if schema is None or not schema_moved(db_session(), schema.version):
        raise exc
    return _recordbase_error(SchemaChanged())


@bp.errorhandler(InterfaceError)
@bp.errorhandler(SQLAlchemyTimeoutError)
@bp.errorhandler(OperationalError)
def _database_error(exc: Exception):
    """The database cannot be reached, or SQLite's writer stayed busy too long: Airtable's 503
    (retry later, with Retry-After); nothing was written. Any other database error is unexpected."""
    if not (is_unavailable(exc) or is_lock_error(exc)):
        raise exc
    response = _error(AirtableError(503, "SERVICE_UNAVAILABLE", unavailable.MESSAGE))
    response.headers["Retry-After"] = unavailable.RETRY_AFTER
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    status = exc.code or 500
    kind = {404: "NOT_FOUND", 413: "REQUEST_TOO_LARGE"}.get(status, "INVALID_REQUEST_UNKNOWN")
    return _error(AirtableError(status, kind, exc.description or ""))


def _routing_errors():
    """Unknown paths and methods under /v0 answer in Airtable's error shape."""
    exc = request.routing_exception
    if exc is None or not (request.path == "/v0" or request.path.startswith("/v0/")):
        return None
    if isinstance(exc, (NotFound, MethodNotAllowed)):
        return _http_error(exc)
    return None


def init_airtable(app: Flask) -> None:
    """Register ``/v0`` (exempt from CSRF: bearer tokens only, never the session cookie)."""
    from ..security import csrf

    csrf.exempt(bp)
    app.before_request(_routing_errors)
    app.register_blueprint(bp)


__all__ = ["init_airtable"]
