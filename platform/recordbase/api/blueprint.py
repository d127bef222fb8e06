"""The ``/api/v1`` blueprint and the request helpers every endpoint module shares.

Endpoint modules (types, records, attachments, openapi) add their routes to
:data:`bp` at import time; :func:`recordbase.api.init_api` registers it.
Every write goes through :func:`commit`, so there is one place where a
request's unit of work ends.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Optional

from flask import Blueprint, request

from ..context import READ_METHODS, db_session, reads_only
from ..errors import RecordbaseError, ValidationError
from ..metamodel.ids import as_id

bp = Blueprint("api", __name__, url_prefix="/api/v1")

@bp.url_value_preprocessor
def _reads_only(endpoint: Optional[str], values: Optional[dict]) -> None:
    """The API's GET requests never write (their token's last-used time aside, see
    :func:`.auth.authenticate`): they run in a read-only session (:func:`recordbase.db.read_only_engine`).
    URL value preprocessors run before every ``before_request`` hook, so before the first query."""
    if request.method in READ_METHODS:
        reads_only()


def json_body(allowed: Optional[Iterable[str]] = None) -> dict:
    """The request body as a JSON object; 400 when it is missing or not JSON, 422 for unknown keys.

    The Content-Type is not insisted on: a body that parses as JSON is accepted.
    """
    raw = request.get_data(cache=True)  # raises 413 past MAX_CONTENT_LENGTH
    if not raw or not raw.strip():
        raise RecordbaseError("The request needs a JSON object as its body", {"body": ["is required"]})
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RecordbaseError(f"The body is not valid JSON: {exc}", {"body": ["not valid JSON"]}) from None
    if not isinstance(data, dict):
        raise RecordbaseError("The body must be a JSON object", {"body": ["must be an object"]})
    if allowed is not None:
        extra = sorted(set(data) - set(allowed))
        if extra:
            raise ValidationError(f"Unknown attribute(s) in the body: {', '.join(extra)}",
                                  {k: ["unknown attribute"] for k in extra})
    return data


def query_int(name: str, default: Optional[int] = None, low: Optional[int] = None,
              high: Optional[int] = None) -> Optional[int]:
    """An integer query parameter within [low, high]; 400 naming the parameter otherwise."""
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise RecordbaseError(f"The '{name}' parameter must be a whole number, not {raw!r}",
                              {name: ["must be a whole number"]}) from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise RecordbaseError(f"The '{name}' parameter must be between {low} and {high}",
                              {name: [f"must be between {low} and {high}"]})
    return value


def query_flag(name: str) -> bool:
    return (request.args.get(name) or "").strip().lower() in ("1", "true", "yes", "on")


def version_value(raw: Any, where: str = "version") -> int:
    """An optimistic-locking version from a body or form: a positive whole number (422 otherwise)."""
    if isinstance(raw, str):
        raw = as_id(raw) or raw  # (ASCII digits only: '²' is no version)
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise ValidationError(f"'{where}' must be the record's current version (a whole number)",
                              {where: ["must be a whole number"]})
    return raw


def commit() -> None:
    """End the request's unit of work: everything it wrote becomes visible at once."""
    db_session().commit()


def rollback() -> None:
    db_session().rollback()


def name_list(raw: Optional[str]) -> list[str]:
    """'a, b,,c' -> ['a', 'b', 'c']."""
    return [p.strip() for p in (raw or "").split(",") if p.strip()]
