"""What every /v0 endpoint shares: the blueprint, bearer-token authentication, Airtable's error
body and status codes, stable ids (``app…``, ``tbl…``, ``fld…``, ``rec…``) and name resolution.

Ids are derived from our integer ids, so they are stable across processes and restarts:
``tbl`` + 14 digits of the record type id, ``fld`` + the field id, ``rec`` + the record id
(17 characters, like Airtable's). The base id names the instance: one base per instance;
any ``app…`` id in a URL addresses it, and ``GET /v0/meta/bases`` lists it as
``AIRTABLE_BASE_ID`` (config, default ``appRecordbase0001``).
"""
from __future__ import annotations

import re
from typing import Any, Optional

from flask import Blueprint, current_app, g, jsonify, request

from ..api.auth import sign_in_with_token
from ..context import READ_METHODS, current_schema, reads_only
from ..json_input import JSONInputError, request_json
from ..metamodel.fieldtypes import FieldDef
from ..metamodel.runtime import TypeDef

bp = Blueprint("airtable", __name__, url_prefix="/v0")

DEFAULT_BASE_ID = "appRecordbase0001"
ID_RE = re.compile(r"^(tbl|fld|rec|usr|att|viw|sel)([0-9]{1,14})$")  # (ASCII digits: \d takes any script's)


class AirtableError(Exception):
    """An error answered in Airtable's shape: ``{"error": {"type", "message"}}``."""

    def __init__(self, status: int, type_: str, message: str = ""):
        super().__init__(message or type_)
        self.status = status
        self.type = type_
        self.message = message

    def response(self):
        body: dict[str, Any] = {"type": self.type}
        if self.message:
            body["message"] = self.message
        resp = jsonify({"error": body})
        resp.status_code = self.status
        return resp


def not_found(message: str = "Could not find what you are looking for") -> AirtableError:
    return AirtableError(404, "NOT_FOUND", message)


def invalid(type_: str, message: str, status: int = 422) -> AirtableError:
    return AirtableError(status, type_, message)


# -- ids -------------------------------------------------------------------------------------
def make_id(prefix: str, n: int) -> str:
    return f"{prefix}{n:014d}"


def parse_id(prefix: str, text: Any) -> Optional[int]:
    if not isinstance(text, str):
        return None
    m = ID_RE.match(text.strip())
    if not m or m.group(1) != prefix:
        return None
    return int(m.group(2))


def base_id() -> str:
    return current_app.config.get("AIRTABLE_BASE_ID") or DEFAULT_BASE_ID


def table_id(typedef: TypeDef) -> str:
    return make_id("tbl", typedef.id)


def field_id(field: FieldDef) -> str:
    return make_id("fld", field.id)


def record_id(rid: int) -> str:
    return make_id("rec", rid)


def user_id(uid: int) -> str:
    return make_id("usr", uid)


def check_base(base: str) -> None:
    if not base.startswith("app"):
        raise not_found(f"Could not find base {base}")


def find_table(name_or_id: str) -> TypeDef:
    """A record type by ``tbl…`` id, English or Chinese label, or API name."""
    schema = current_schema()
    tid = parse_id("tbl", name_or_id)
    if tid is not None and tid in schema.by_id:
        return schema.by_id[tid]
    if name_or_id in schema.types:
        return schema.types[name_or_id]
    low = name_or_id.strip().casefold()
    for t in schema.ordered():
        if low in (t.label.casefold(), (t.label_zh or "").casefold()):
            return t
    raise AirtableError(404, "TABLE_NOT_FOUND", f"Could not find table {name_or_id} in application {base_id()}")


def find_field(typedef: TypeDef, name_or_id: Any) -> Optional[FieldDef]:
    """A field by ``fld…`` id, English label (exact first, then loosely), Chinese label or API name."""
    if not isinstance(name_or_id, str):
        return None
    fid = parse_id("fld", name_or_id)
    if fid is not None:
        return next((f for f in typedef.fields if f.id == fid), None)
    for f in typedef.fields:
        if f.label == name_or_id:
            return f
    return typedef.field_by_label(name_or_id) or typedef.field(name_or_id)


def field_or_fail(typedef: TypeDef, name: Any) -> FieldDef:
    f = find_field(typedef, name)
    if f is None:
        raise invalid("UNKNOWN_FIELD_NAME", f'Unknown field name: "{name}"')
    return f


# -- authentication ---------------------------------------------------------------------------
#: POST endpoints that only read: ``POST …/listRecords`` is the list with its options in the body
#: (pyairtable sends long formulas that way); read-only tokens may use it
READING_POSTS = frozenset({"airtable.list_records"})


def only_reads() -> bool:
    return request.method in READ_METHODS or (request.method == "POST" and request.endpoint in READING_POSTS)


@bp.url_value_preprocessor
def _reads_only(endpoint: Optional[str], values: Optional[dict]) -> None:
    """Requests that only read run in a read-only session, as the ``/api/v1`` GET requests do (see there)."""
    if only_reads():
        reads_only()


@bp.before_request
def authenticate() -> None:
    g.rb_lang = "en"  # Airtable's API speaks English: its clients may read the messages
    if request.method == "OPTIONS":
        return
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AirtableError(401, "AUTHENTICATION_REQUIRED", "Authentication required")
    token = sign_in_with_token(value.strip())
    if token is None:
        raise AirtableError(401, "AUTHENTICATION_REQUIRED", "Invalid authentication token")
    if token.read_only and not only_reads():
        raise AirtableError(403, "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
                            "Invalid permissions, or the requested model was not found (this token is read-only)")


def visible(store: Any, typedef: TypeDef) -> TypeDef:
    """The type as the token's user sees it: hidden fields are unknown (when access policies apply)."""
    fn = getattr(store, "visible_type", None)
    return fn(typedef.name) if fn is not None else typedef


def body() -> dict:
    """The request's JSON object, read as ``/api/v1`` reads bodies (:func:`recordbase.json_input.request_json`:
    the same size, depth and string budgets, no lone surrogates)."""
    try:
        data = request_json()
    except JSONInputError as exc:
        if exc.reason == "too_large":
            raise AirtableError(413, "REQUEST_TOO_LARGE", exc.message) from None
        raise invalid("INVALID_REQUEST_UNKNOWN", f"Invalid request: the body was refused ({exc.message})", 400) from None
    if not isinstance(data, dict):
        raise invalid("INVALID_REQUEST_UNKNOWN", "Invalid request: parameter validation failed (a JSON object is "
                                                 "expected as the body)", 400)
    return data
