"""How the API answers errors: always ``{"error": {"code", "message", "details"}}`` with the right status.

The codes and statuses come from the one table in :mod:`recordbase.errors`;
HTTP errors raised by Flask/Werkzeug (404, 405, 413 ...) get the same body.
Routing errors (an unknown path or method under ``/api``) never reach a
blueprint's error handlers, so an app-level ``before_request`` hook answers
them for paths under ``/api`` only; the admin keeps its own pages.
"""
from __future__ import annotations

from typing import Any, Optional

import marshmallow
from flask import Flask, current_app, jsonify, request
from sqlalchemy.exc import DataError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from ..context import db_session
from .. import unavailable
from ..db import is_lock_error, is_unavailable
from ..errors import ERROR_STATUS, RecordbaseError
from .blueprint import bp

HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
              415: "unsupported_media_type", 422: "validation_error", 429: "too_many_requests"}


def error_response(code: str, message: str, details: Any = None, status: Optional[int] = None,
                   headers: Optional[dict] = None):
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    resp = jsonify({"error": body})
    resp.status_code = status or ERROR_STATUS.get(code, 400)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    if resp.status_code == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="recordbase"'
    return resp


def _rollback() -> None:
    try:
        db_session().rollback()
    except Exception:  # the session may be unusable after a failed connection; teardown closes it
        current_app.logger.exception("rollback failed")


@bp.errorhandler(RecordbaseError)
def _recordbase_error(exc: RecordbaseError):
    _rollback()
    body = exc.to_json()["error"]
    retry = getattr(exc, "retry_after", None)
    return error_response(body["code"], body["message"], body.get("details"), exc.status,
                          headers={"Retry-After": str(retry)} if retry else None)


def _schema_changed_instead(exc: Exception):
    """A statement that failed because the structure changed under the request (a read on PostgreSQL,
    which holds nothing: :mod:`recordbase.metamodel.schema_lock`) is a retryable 409, not a 500."""
    from flask import g

    from ..errors import SchemaChanged
    from ..metamodel.schema_lock import schema_moved

    schema = g.get("_rb_schema")
    if schema is None or not schema_moved(db_session(), schema.version):
        return None
    current_app.logger.info("a request raced a schema change: %s", exc)
    return _recordbase_error(SchemaChanged())


@bp.errorhandler(marshmallow.ValidationError)
def _marshmallow_error(exc: marshmallow.ValidationError):
    _rollback()
    messages = exc.messages if isinstance(exc.messages, dict) else {"body": exc.messages}
    return error_response("validation_error", "The input is not valid", messages, 422)


@bp.errorhandler(DataError)
@bp.errorhandler(OverflowError)
def _unstorable_value(exc: Exception):
    """A value the database cannot take (an id beyond its integer range, a NUL character ...).

    The field types and the filter language refuse most such input first; this is the
    safety net that keeps bad input from ever being a 500.
    """
    moved = _schema_changed_instead(exc)
    if moved is not None:
        return moved
    _rollback()
    current_app.logger.info("database refused a value: %s", exc)
    return error_response("bad_request", "A value is out of range or cannot be stored by the database",
                          status=400)


@bp.errorhandler(InterfaceError)
@bp.errorhandler(SQLAlchemyTimeoutError)
@bp.errorhandler(OperationalError)
def _database_busy(exc: Exception):
    """SQLite's one writer stayed busy (a long import, say) for longer than a write waits, or the
    database cannot be reached at all (:mod:`recordbase.unavailable`): a 503 the client can retry,
    not a 500. Any other operational error is unexpected."""
    if is_unavailable(exc):
        _rollback()
        current_app.logger.warning("database unavailable: %s", exc)
        return error_response("database_unavailable", unavailable.MESSAGE, status=503,
                              headers={"Retry-After": unavailable.RETRY_AFTER})
    if not is_lock_error(exc):
        return _unexpected(exc)
    _rollback()
    return error_response("busy", "The database is busy with another write (an import, say); nothing was "
                                  "saved: try again in a moment", status=503, headers={"Retry-After": "5"})


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    _rollback()
    return http_error_response(exc)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):
    """Roll back whatever the request wrote; in tests, let the traceback through."""
    moved = _schema_changed_instead(exc) if isinstance(exc, SQLAlchemyError) else None
    if moved is not None:
        return moved
    _rollback()
    if current_app.testing or current_app.config.get("PROPAGATE_EXCEPTIONS"):
        raise exc
    current_app.logger.exception("unexpected error in %s %s", request.method, request.path)
    return error_response("internal_error", "Something went wrong on the server; the change was not saved",
                          status=500)


def http_error_response(exc: HTTPException):
    status = exc.code or 500
    code = HTTP_CODES.get(status, "http_error")
    headers = {}
    details = None
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        details = {"allowed": sorted(exc.valid_methods)}
    message = {404: f"No API endpoint at {request.path}" if exc.__class__ is NotFound and request.url_rule is None
               else "Not found",
               405: f"{request.method} is not allowed on {request.path}",
               413: "The request body is too large"}.get(status) or exc.description or exc.name
    return error_response(code, message, details, status, headers)


def _api_routing_errors():
    """Answer unknown paths and methods under /api with the JSON error body."""
    exc = request.routing_exception
    if exc is None or not (request.path == "/api" or request.path.startswith("/api/")):
        return None
    if isinstance(exc, (NotFound, MethodNotAllowed)):
        return http_error_response(exc)
    return None


def init_errors(app: Flask) -> None:
    app.before_request(_api_routing_errors)
