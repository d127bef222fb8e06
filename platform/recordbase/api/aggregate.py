"""``GET /api/v1/records/<type>/aggregate``: the aggregation engine (:mod:`recordbase.storage.aggregation`)
over the API.

``?group_by=status,opened:month&metrics=count,sum:amount,avg:amount&filter=<json>&order=-count&limit=100``:
at most two dimensions (``field`` or ``field:bucket``), metrics as ``function`` or ``function:field``. The
parameters are checked by a marshmallow schema (a malformed or unknown one: 422 ``validation_error``);
what names a field the caller cannot see, or cannot group or measure, is a 400 ``invalid_aggregate``;
a bad filter a 400 ``invalid_filter``. The answer is :meth:`AggregateResult.to_json`.
"""
from __future__ import annotations

from typing import Any

from flask import jsonify, request
from marshmallow import RAISE, Schema, ValidationError as SchemaError, fields, validate, validates

from ..context import record_store
from ..metamodel.filters import parse_filter_param
from ..storage.aggregation import MAX_LIMIT, AggregationEngine, Dimension, Metric
from .blueprint import bp

DEFAULT_LIMIT = 1000
_NAME = r"[a-z][a-z0-9_]{0,62}"


def _items(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


class AggregateParams(Schema):
    """The query parameters (unknown ones refused)."""

    class Meta:
        unknown = RAISE

    group_by = fields.String(load_default="", metadata={"description": "up to two dimensions, comma-separated: "
                             "field or field:bucket (day, week, month, quarter, year), e.g. status,opened:month"})
    metrics = fields.String(load_default="count", metadata={"description": "comma-separated: count, percent, or "
                            "function:field with count_distinct, sum, avg, min, max, percent, e.g. count,sum:amount"})
    filter = fields.String(load_default=None, metadata={"description": "a filter tree as JSON"})
    order = fields.String(load_default=None, validate=validate.Regexp(r"^[-+]?[a-z_]+(:[a-z][a-z0-9_]*)?$"),
                          metadata={"description": "a metric's key, '-' for descending: -count"})
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT),
                           metadata={"description": "at most this many groups"})

    @validates("group_by")
    def _group_by(self, value: str, **_kw: Any) -> None:
        items = _items(value)
        if len(items) > 2:
            raise SchemaError("group by at most two dimensions")
        for item in items:
            if not validate.Regexp(rf"^{_NAME}(:[a-z]+)?$").regex.match(item):
                raise SchemaError(f"'{item}' is not field or field:bucket")

    @validates("metrics")
    def _metrics(self, value: str, **_kw: Any) -> None:
        items = _items(value)
        if not items:
            raise SchemaError("name at least one metric")
        for item in items:
            if not validate.Regexp(rf"^[a-z_]+(:{_NAME})?$").regex.match(item):
                raise SchemaError(f"'{item}' is not function or function:field")


def dimensions(text: str) -> list[Dimension]:
    out = []
    for item in _items(text):
        name, _sep, bucket = item.partition(":")
        out.append(Dimension(name, bucket or None))
    return out


def metrics(text: str) -> list[Metric]:
    out = []
    for item in _items(text):
        fn, _sep, name = item.partition(":")
        out.append(Metric(fn, name or None))
    return out


@bp.get("/records/<type_name>/aggregate")
def aggregate_records(type_name: str):
    params = AggregateParams().load(request.args.to_dict())
    store = record_store()
    store.type(type_name)  # 404 for an unknown type first
    result = AggregationEngine(store).run(type_name, dimensions(params["group_by"]), metrics(params["metrics"]),
                                          parse_filter_param(params["filter"]), limit=params["limit"],
                                          order=params["order"])
    return jsonify(result.to_json())
