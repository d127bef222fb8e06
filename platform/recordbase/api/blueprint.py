"""The ``/api/v1`` blueprint and the request helpers every endpoint module shares.

Endpoint modules (types, records, attachments, openapi) add their routes to
:data:`bp` at import time; :func:`recordbase.api.init_api` registers it.
Every write goes through :func:`commit`, so there is one place where a
request's unit of work ends.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Iterable, Optional

from flask import Blueprint, request
from jsonschema import Draft202012Validator

from ..context import READ_METHODS, db_session, reads_only
from ..errors import RecordbaseError, ValidationError
from ..json_input import JSONInputError, request_json
from ..metamodel.ids import as_id

bp = Blueprint("api", __name__, url_prefix="/api/v1")

@bp.url_value_preprocessor
def _reads_only(endpoint: Optional[str], values: Optional[dict]) -> None:
    """The API's GET requests never write (their token's last-used time aside, see
    :func:`.auth.authenticate`): they run in a read-only session (:func:`recordbase.db.read_only_engine`).
    URL value preprocessors run before every ``before_request`` hook, so before the first query."""
    if request.method in READ_METHODS:
        reads_only()


def json_body(allowed: Optional[Iterable[str]] = None, schema: Optional[dict] = None) -> dict:
    """The request body as a JSON object; 400 when it is missing or not JSON, 422 for unknown keys.

    The Content-Type is not insisted on: a body that parses as JSON is accepted. The body is read
    within the JSON budgets (:mod:`recordbase.json_input`: size, depth, string length, no lone
    surrogates), as ``/v0`` reads its bodies.
    """
    try:
        data = request_json(empty=_MISSING)
    except JSONInputError as exc:
        raise body_error(exc) from None
    if data is _MISSING:
        raise RecordbaseError("The request needs a JSON object as its body", {"body": ["is required"]})
    if not isinstance(data, dict):
        raise RecordbaseError("The body must be a JSON object", {"body": ["must be an object"]})
    if allowed is not None:
        extra = sorted(set(data) - set(allowed))
        if extra:
            raise ValidationError(f"Unknown attribute(s) in the body: {', '.join(extra)}",
                                  {k: ["unknown attribute"] for k in extra})
    if schema is not None:
        check_payload(data, schema)
    return data


@lru_cache(maxsize=64)
def _validator(schema_json: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_json))


def check_payload(data: Any, schema: dict) -> None:
    """422 unless ``data`` matches the JSON Schema ``schema`` (the one the OpenAPI document shows):
    ``details`` maps each failing JSON path (``ids[0]``) to its messages. JSON Schema's ``integer``
    is not a boolean, so ``true`` is never taken for an id."""
    errors = sorted(_validator(json.dumps(schema, sort_keys=True)).iter_errors(data),
                    key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return
    details: dict[str, list[str]] = {}
    for e in errors:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path).lstrip(".") or "body"
        details.setdefault(where, []).append(e.message)
    first = next(iter(details))
    raise ValidationError(f"The body is not valid: {first}: {details[first][0]}", details)


_MISSING = object()


def body_error(exc: JSONInputError) -> RecordbaseError:
    """A refused JSON body as the API's error: 413 when too large, else 400 naming the problem."""
    if exc.reason == "too_large":
        return RecordbaseError(exc.message, {"body": ["too large"]}, code="payload_too_large")
    hint = {"not_json": "not valid JSON", "too_deep": "nested too deeply", "string_too_long": "text too long",
            "surrogate": "holds a lone UTF-16 surrogate"}[exc.reason]
    prefix = "The body is not valid JSON" if exc.reason == "not_json" else "The body was refused"
    return RecordbaseError(f"{prefix}: {exc.message}", {"body": [hint]})


#: the largest value of the database's integer columns (ids, versions, positions)
INT_MAX = 2**31 - 1


_INTEGER = re.compile(r"[+-]?[0-9]{1,30}\Z")


def _one_arg(name: str) -> Optional[str]:
    """The query parameter ``name`` (None when left out); 400 when it is given more than once."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise RecordbaseError(f"The '{name}' parameter is given {len(values)} times; give it once",
                              {name: ["given more than once"]})
    return values[0] if values else None


def query_int(name: str, default: Optional[int] = None, low: Optional[int] = None,
              high: Optional[int] = INT_MAX) -> Optional[int]:
    """An integer query parameter within [low, high]; 400 naming the parameter otherwise (also when
    it is given more than once, or blank: the document says integer, and which one counts would be a
    guess)."""
    raw = _one_arg(name)
    if raw is None:
        return default
    if not _INTEGER.match(raw):  # ASCII digits only: int() also takes ' 7', '1_0' and '٧'
        raise RecordbaseError(f"The '{name}' parameter must be a whole number, not {raw[:40]!r}",
                              {name: ["must be a whole number"]})
    value = int(raw)
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"between {low} and {high}" if low is not None and high is not None else \
            f"at least {low}" if low is not None else f"at most {high}"
        raise RecordbaseError(f"The '{name}' parameter must be {bounds}", {name: [f"must be {bounds}"]})
    return value


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("", "0", "false", "no", "off")


def query_flag(name: str) -> bool:
    """A boolean query parameter (missing: false); 400 for anything that is not a yes or a no, or
    for a flag given more than once."""
    raw = (_one_arg(name) or "").strip().lower()
    if raw in TRUE_WORDS:
        return True
    if raw not in FALSE_WORDS:
        raise RecordbaseError(f"The '{name}' parameter must be true or false, not {raw[:40]!r}",
                              {name: ["must be true or false"]})
    return False


def version_value(raw: Any, where: str = "version") -> int:
    """An optimistic-locking version from a body or form: a positive whole number (422 otherwise)."""
    if isinstance(raw, str):
        raw = as_id(raw) or raw  # (ASCII digits only: '²' is no version)
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1 or raw > INT_MAX:
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
