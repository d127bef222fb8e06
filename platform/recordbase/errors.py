"""One table of error codes (code, HTTP status) shared by the API, the admin and the CLI."""
from __future__ import annotations

from typing import Any

ERROR_STATUS: dict[str, int] = {
    "bad_request": 400,
    "invalid_filter": 400,
    "invalid_sort": 400,
    "invalid_aggregate": 400,
    "sort_not_indexed": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "version_conflict": 409,
    "restricted": 409,
    "conversion_refused": 409,
    "schema_busy": 409,
    "schema_changed": 409,
    "transition_required": 409,
    "field_locked": 409,
    "validation_error": 422,
    "payload_too_large": 413,
    "database_unavailable": 503,
}


class RecordbaseError(Exception):
    """Base of every error a surface turns into a 4xx. ``details`` is JSON-serialisable."""

    code = "bad_request"

    def __init__(self, message: str, details: Any = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        if code:
            self.code = code

    @property
    def status(self) -> int:
        return ERROR_STATUS.get(self.code, 400)

    def to_json(self) -> dict:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return {"error": body}


class ValidationError(RecordbaseError):
    """Bad input. ``details`` maps a field/attribute name to a list of messages."""

    code = "validation_error"


class NotFound(RecordbaseError):
    code = "not_found"


class Conflict(RecordbaseError):
    code = "conflict"


class VersionConflict(Conflict):
    code = "version_conflict"


class FilterError(RecordbaseError):
    code = "invalid_filter"


class Forbidden(RecordbaseError):
    code = "forbidden"


class SchemaChanged(RecordbaseError):
    """The structure (a record type's fields) changed while the request ran: nothing was saved; retry."""

    code = "schema_changed"
    retry_after = 1

    def __init__(self, message: str = "The record type's structure changed while this request ran; nothing was "
                                      "saved: try again", details: Any = None):
        super().__init__(message, details)


class TransitionRequired(Conflict):
    """A workflow's state field changed other than through a transition (``details.transitions``: the
    transitions the writer may take now); see :mod:`recordbase.workflow`."""

    code = "transition_required"


class FieldLocked(Conflict):
    """A field locked in the record's current workflow state was written (``details.fields``)."""

    code = "field_locked"
