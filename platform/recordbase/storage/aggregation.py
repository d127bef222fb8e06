"""The aggregation engine (design §11): records of a type grouped by up to two dimensions, with metrics.

One engine for dashboards, grouped lists, board column counts and ``GET /api/v1/records/<type>/aggregate``.
It is one SQL ``GROUP BY`` on the type's real table (never records loaded into Python), under the
reader's policy (the type must be readable, its row conditions narrow the rows, a hidden field is
refused exactly as an unknown one) and a filter of the filter language.

- dimensions (:class:`Dimension`): a single select, a user, a link (a many-link counts a record in each
  linked record's group), a checkbox, a date or a date-time bucketed by day, week, month, quarter or
  year in the instance's time zone (:mod:`.date_buckets`); ``created_at``, ``updated_at``,
  ``created_by`` and ``updated_by`` too;
- metrics (:class:`Metric`): ``count``, ``count_distinct`` (of any field with a column), ``sum``, ``avg``,
  ``min``, ``max`` over number, decimal, currency, percent, rating, duration and number-valued computed
  fields (``min``/``max`` over dates too), and ``percent``: the group's share of the total count (or,
  with a field, of the field's total), in percent.

Rows come in the dimensions' order (a select's choices in their order, dates in time, empty last), or
by a metric (``order="-count"``); :class:`AggregateResult` is JSON-able (:meth:`AggregateResult.to_json`),
each row with its keys (stored values; a bucket's first day), their labels (:mod:`.aggregate_labels`)
and its metric values.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Optional, Sequence

from sqlalchemy import Float, case, distinct, func, literal, literal_column, null, select, type_coerce, union_all

from ..access import enforce
from ..errors import RecordbaseError
from ..metamodel.runtime import TypeDef, is_many_link
from ..metamodel.schema_manager import wants_index
from . import date_buckets

FUNCTIONS = ("count", "count_distinct", "sum", "avg", "min", "max", "percent")
NUMBER_TYPES = frozenset({"number", "decimal", "currency", "percent", "rating", "duration"})
DIMENSION_TYPES = frozenset({"single_select", "user", "link", "boolean", "date", "datetime"})
#: numbers are grouped by their value too (a likelihood or an impact from 1 to 5, a rating)
NUMBER_DIMENSIONS = NUMBER_TYPES
#: the record's own columns a dimension or metric may name (when no field of that name exists)
SYSTEM_FIELDS = {"created_at": "datetime", "updated_at": "datetime", "created_by": "user", "updated_by": "user"}
MAX_DIMENSIONS = 2
MAX_METRICS = 10
MAX_LIMIT = 10000


class AggregationError(RecordbaseError):
    """A request the engine cannot answer: an unknown (or hidden) field, a field that cannot be grouped or
    measured, a bucket on what is not a date. 400 ``invalid_aggregate``."""

    code = "invalid_aggregate"


@dataclass(frozen=True)
class Dimension:
    """Group by a field (its API name); a date or date-time by a ``bucket`` (day when not given)."""

    field: str
    bucket: Optional[str] = None  # day|week|month|quarter|year

    @property
    def key(self) -> str:
        return f"{self.field}:{self.bucket}" if self.bucket else self.field


@dataclass(frozen=True)
class Metric:
    """A figure per group: ``count`` and ``percent`` need no field, the others measure one."""

    function: str  # count|count_distinct|sum|avg|min|max|percent
    field: Optional[str] = None

    @property
    def key(self) -> str:
        """The metric's name in a row's values: ``count``, ``sum:amount``."""
        return f"{self.function}:{self.field}" if self.field else self.function


@dataclass
class AggregateRow:
    keys: tuple
    labels: tuple
    values: dict

    def to_json(self) -> dict:
        return {"keys": list(self.keys), "labels": list(self.labels), "values": self.values}


@dataclass
class AggregateResult:
    type: str
    group_by: tuple[Dimension, ...]
    metrics: tuple[Metric, ...]
    rows: list[AggregateRow] = dc_field(default_factory=list)
    #: more groups than ``limit`` matched (the rows are the first ``limit`` in the result's order)
    truncated: bool = False

    def to_json(self) -> dict:
        return {"type": self.type,
                "group_by": [{"field": d.field, "bucket": d.bucket, "key": d.key} for d in self.group_by],
                "metrics": [{"function": m.function, "field": m.field, "key": m.key} for m in self.metrics],
                "rows": [r.to_json() for r in self.rows], "truncated": self.truncated}


@dataclass(frozen=True)
class _Source:
    """What a dimension or metric names: its field type's name, the SQL column, the field (None: a
    system column), a many-link's junction."""

    kind: str
    column: Any
    field: Any = None
    junction: Any = None


def is_number_field(field: Any) -> bool:
    """Whether the field holds a number a metric can sum or average (computed ones by their result)."""
    if field.field_type in NUMBER_TYPES:
        return True
    return bool(field.ftype.computed) and getattr(field.ftype.result(field), "name", "") == "number"


def choices_for(field: Any) -> list[dict]:
    """A field's choices: a select's, a formula's ``choices``, a lookup's of the select it shows."""
    from ..metamodel.fieldtypes.choices import normalize_choices

    return list(field.derived_choices) or normalize_choices(field.options)


def value_kind(field: Any) -> str:
    """The field type a value of the field behaves as (a computed field: its result's; one with choices
    behaves as a single select)."""
    if field.ftype.computed:
        if choices_for(field):
            return "single_select"
        result = field.ftype.result(field).name
        return "number" if result == "number" else result
    if field.ftype.system_column:
        return SYSTEM_FIELDS.get(field.ftype.system_column, field.field_type)
    return field.field_type


class AggregationEngine:
    """Aggregates over the records a :class:`~recordbase.storage.record_store.RecordStore`'s user may read."""

    def __init__(self, store: Any) -> None:
        self.store = store

    # -- resolving names ---------------------------------------------------------------
    def _source(self, typedef: TypeDef, visible: TypeDef, name: Any) -> _Source:
        if not isinstance(name, str) or not name:
            raise AggregationError("A field must be named by its API name", {"field": name})
        f = visible.field(name)
        if f is None:
            if name in SYSTEM_FIELDS:
                return _Source(SYSTEM_FIELDS[name], typedef.table.c[name])
            if name == "id":
                return _Source("id", typedef.table.c.id)
            # a hidden field is told exactly as one that does not exist
            raise AggregationError(f"Record type '{typedef.name}' has no field '{name}'", {"field": name})
        if is_many_link(f):
            return _Source("link", None, f, typedef.junctions[f.name])
        if not f.ftype.has_column:
            raise AggregationError(f"Cannot aggregate {f.field_type} field '{name}'", {"field": name})
        return _Source(value_kind(f), typedef.column(f), f)

    def _dimension(self, typedef: TypeDef, visible: TypeDef, dim: Dimension, dialect: str) -> tuple[_Source, Any]:
        """The dimension's source and the SQL expression its groups are keyed by."""
        src = self._source(typedef, visible, dim.field)
        if src.kind not in DIMENSION_TYPES and src.kind not in NUMBER_DIMENSIONS:
            raise AggregationError(f"Cannot group by {src.kind} field '{dim.field}': group by a single select, "
                                   "a user, a link, a checkbox, a number, a date or a date and time",
                                   {"field": dim.field, "field_type": src.kind})
        if src.kind in ("date", "datetime"):
            bucket = dim.bucket or "day"
            if bucket not in date_buckets.BUCKETS:
                raise AggregationError(f"Unknown date bucket '{bucket}': use one of "
                                       f"{', '.join(date_buckets.BUCKETS)}", {"bucket": bucket})
            zone = (self.store.timezone or "UTC") if src.kind == "datetime" else None
            return src, date_buckets.bucket_expression(src.column, bucket, dialect, zone)
        if dim.bucket:
            raise AggregationError(f"'{dim.field}' is not a date: only dates are grouped by a bucket",
                                   {"field": dim.field, "bucket": dim.bucket})
        if src.junction is not None:
            return src, src.junction.c.target_id
        if src.kind == "boolean":  # an unset checkbox is unticked
            return src, func.coalesce(src.column, False)
        return src, src.column

    def _metric(self, typedef: TypeDef, visible: TypeDef, metric: Metric) -> tuple[Optional[_Source], Any]:
        fn = metric.function
        if fn not in FUNCTIONS:
            raise AggregationError(f"Unknown metric '{fn}': use one of {', '.join(FUNCTIONS)}", {"function": fn})
        if fn == "count":
            if metric.field is not None:
                raise AggregationError("count counts records: it takes no field (count_distinct counts a "
                                       "field's values)", {"function": fn, "field": metric.field})
            return None, func.count()
        if metric.field is None:
            if fn == "percent":
                return None, func.count()
            raise AggregationError(f"{fn} needs a field", {"function": fn})
        src = self._source(typedef, visible, metric.field)
        if src.junction is not None:
            raise AggregationError(f"Cannot measure a link to many records ('{metric.field}')",
                                   {"field": metric.field})
        if fn == "count_distinct":
            return src, func.count(distinct(src.column))
        dated = fn in ("min", "max") and src.kind in ("date", "datetime")
        if not dated and not (src.field is not None and is_number_field(src.field)):
            raise AggregationError(f"{fn} needs a number field: '{metric.field}' is a {src.kind} field",
                                   {"field": metric.field, "field_type": src.kind})
        if fn == "percent":
            return src, func.sum(src.column)
        if fn == "avg":  # (as a float: a currency column's type would round it to its places)
            return src, type_coerce(func.avg(src.column), Float)
        return src, getattr(func, fn)(src.column)

    # -- running -----------------------------------------------------------------------
    def run(self, type_name: str, group_by: Sequence[Dimension] = (), metrics: Sequence[Metric] = (Metric("count"),),
            filter: Any = None, *, limit: int = 1000, order: Optional[str] = None) -> AggregateResult:
        """Group the readable, live records of ``type_name`` matching ``filter`` (a filter tree or one
        compiled by :meth:`RecordStore.compile`) by ``group_by``, and compute ``metrics`` per group.

        ``order``: a metric's key (``count``, ``-sum:amount`` for descending) orders the groups by it
        (then by the dimensions); without it, groups come in the dimensions' order. At most ``limit``
        groups (``truncated`` says when there were more)."""
        store = self.store
        typedef = store.type(type_name)
        enforce.require(store, "read", type_name)
        visible = store.visible_type(type_name)
        group_by, metrics = tuple(group_by), tuple(metrics) or (Metric("count"),)
        if len(group_by) > MAX_DIMENSIONS:
            raise AggregationError(f"Group by at most {MAX_DIMENSIONS} fields", {"group_by": [d.key for d in group_by]})
        if len(metrics) > MAX_METRICS:
            raise AggregationError(f"Ask for at most {MAX_METRICS} metrics", {"metrics": len(metrics)})
        if len({m.key for m in metrics}) != len(metrics):
            raise AggregationError("A metric is asked for twice", {"metrics": [m.key for m in metrics]})
        if sum(1 for d in group_by if (visible.field(d.field) is not None and is_many_link(visible.field(d.field)))) > 1:
            raise AggregationError("Group by at most one link to many records", {"group_by": [d.key for d in group_by]})
        limit = max(1, min(int(limit), MAX_LIMIT))
        dialect = store.session.get_bind().dialect.name

        dims = [self._dimension(typedef, visible, d, dialect) for d in group_by]
        measured = [self._metric(typedef, visible, m) for m in metrics]
        columns = [expr.label(f"k{i}") for i, (_src, expr) in enumerate(dims)]
        columns += [expr.label(f"m{i}") for i, (_src, expr) in enumerate(measured)]
        inner = self._live_counts_by_index(typedef, dims, metrics, filter, dialect)
        if inner is None:
            inner = self._grouped(typedef, dims, columns, filter)
        sub = inner.subquery("agg")
        outer = [sub.c[f"k{i}"] for i in range(len(dims))]
        for i, m in enumerate(metrics):
            col = sub.c[f"m{i}"]
            if m.function == "percent":
                total = func.sum(col).over()
                col = type_coerce(col * 100.0 / func.nullif(total, 0), Float)
            outer.append(col.label(f"m{i}"))
        stmt = select(*outer).select_from(sub)
        stmt = stmt.order_by(*self._order(sub, dims, metrics, order)).limit(limit + 1)
        fetched = store.session.execute(stmt).all()
        truncated = len(fetched) > limit
        fetched = fetched[:limit]

        from .aggregate_labels import Labeller

        labeller = Labeller(store, [src for src, _expr in dims], group_by)
        keys = [tuple(labeller.key(i, row[i]) for i in range(len(dims))) for row in fetched]
        labels = labeller.labels(keys)
        rows = []
        for row, k, lab in zip(fetched, keys, labels):
            values = {m.key: _json_value(row[len(dims) + i], m) for i, m in enumerate(metrics)}
            rows.append(AggregateRow(k, lab, values))
        return AggregateResult(type_name, group_by, metrics, rows, truncated)

    def _grouped(self, typedef: TypeDef, dims: list, columns: list, filter: Any) -> Any:
        """The groups' SELECT: the readable live records under ``filter``, grouped by the dimensions."""
        t = typedef.table
        source: Any = t
        for src, _expr in dims:
            if src.junction is not None:  # a record counts in each linked record's group
                j = src.junction
                source = source.outerjoin(j, j.c.source_id == t.c.id)
        inner = select(*columns).select_from(source).where(t.c.deleted_at.is_(None))
        inner = self.store._readable(inner, typedef, filter)
        if dims:
            inner = inner.group_by(*(literal_column(f"k{i}") for i in range(len(dims))))
        return inner

    def _live_counts_by_index(self, typedef: TypeDef, dims: list, metrics: tuple, filter: Any,
                              dialect: str) -> Any:
        """On SQLite, the record count per value of one indexed column (a board's columns) over every
        readable record with no filter, read from the column's index alone (:func:`_counts_by_value`)
        less the count per value of the trashed rows (found through the table's trash index, made by
        the schema manager: a scan of the table without it). The plain ``WHERE deleted_at IS NULL
        GROUP BY col`` walks the index and looks every row up for ``deleted_at``: ~3x slower at 100k
        records. ``None`` for other shapes."""
        if dialect != "sqlite" or len(dims) != 1 or [(m.function, m.field) for m in metrics] != [("count", None)]:
            return None
        src, expr = dims[0]
        t = typedef.table
        if src.junction is not None or src.column is None or expr is not src.column or src.column.table is not t:
            return None
        if src.field is None or not wants_index(src.field):  # no index on (column, id) to count from
            return None
        if self.store._readable(select(t.c.id), typedef, filter).whereclause is not None:
            return None  # row limits or a filter: counted as usual
        return typedef.memo(("live_counts_by_index", src.field.name), lambda td: _live_counts(td, src))

    def _order(self, sub: Any, dims: list, metrics: tuple, order: Optional[str]) -> list:
        """The groups' order: by a metric when asked, then by each dimension (empty groups last; a
        select's groups in its choices' order)."""
        clauses = []
        if order:
            desc = order.startswith("-")
            key = order.lstrip("-+")
            index = next((i for i, m in enumerate(metrics) if m.key == key), None)
            if index is None:
                raise AggregationError(f"Cannot order by '{key}': order by one of the metrics asked for "
                                       f"({', '.join(m.key for m in metrics)})", {"order": order})
            col = sub.c[f"m{index}"]
            clauses += [col.is_(None), col.desc() if desc else col.asc()]
        for i, (src, _expr) in enumerate(dims):
            col = sub.c[f"k{i}"]
            clauses.append(col.is_(None))
            if src.kind == "single_select" and src.field is not None:
                values = [c["value"] for c in choices_for(src.field)]
                if values:  # the choices' order; a value no longer among them after them
                    clauses.append(case(*((col == v, i) for i, v in enumerate(values)), else_=len(values)))
            clauses.append(col)
        return clauses


#: a select with more choices is counted by one walk of its index (SQLite's compound SELECT takes 500)
MAX_COUNTED_CHOICES = 40


def _live_counts(typedef: TypeDef, src: _Source) -> Any:
    """The live records' count per value of ``src``'s indexed column (built once per schema snapshot:
    it depends on the type alone)."""
    t, col = typedef.table, src.column
    # '+col': the trashed rows are grouped after reading them, not by walking the field's index
    unindexed = literal_column(f'+"{t.name}"."{col.name}"')
    trashed = select(col, -func.count()).where(t.c.deleted_at.isnot(None)).group_by(unindexed)
    both = union_all(*_counts_by_value(col, src.field), trashed).subquery("counted")
    live = func.sum(both.c.n)
    return select(both.c.k0, live.label("m0")).group_by(both.c.k0).having(live > 0)


def _counts_by_value(col: Any, field: Any) -> list:
    """SELECTs of (value ``k0``, count ``n``) that together count every row (live or trashed) once per
    value of an indexed single select's column, from its index alone: a count per choice (and one
    of the empty value), each an index range SQLite counts without grouping, and the values between
    and around the choices (a choice since removed; none as a rule: each an empty range) grouped.
    Three times faster than grouping the whole index (``GROUP BY col`` compares every row's value
    with the one before). Any other field: that one GROUP BY."""
    values = sorted({c["value"] for c in choices_for(field)}) if field.field_type == "single_select" else []
    if not values or len(values) > MAX_COUNTED_CHOICES or not all(isinstance(v, str) for v in values):
        return [select(col.label("k0"), func.count().label("n")).group_by(col)]
    # (SQLite compares text by its bytes, which orders UTF-8 as Python orders str; NULL < numbers <
    # text < blobs: the ranges below and the empty value leave no stored value out)
    parts = [select(literal(v, col.type).label("k0"), func.count().label("n")).where(col == v) for v in values]
    parts.append(select(type_coerce(null(), col.type).label("k0"), func.count().label("n")).where(col.is_(None)))
    bounds: list = [None, *values, None]
    for low, high in zip(bounds, bounds[1:]):
        conditions = [col.isnot(None) if low is None else col > low] + ([] if high is None else [col < high])
        parts.append(select(col.label("k0"), func.count().label("n")).where(*conditions).group_by(col))
    return parts


def _json_value(value: Any, metric: Metric) -> Any:
    """A metric's value as JSON: counts as integers, measures as numbers (integral ones as integers),
    dates as ISO text."""
    if value is None:
        return 0 if metric.function in ("count", "count_distinct") else None
    if metric.function in ("count", "count_distinct"):
        return int(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):  # SQLite's min/max of a stored date
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and metric.function != "avg" else float(value)
    if isinstance(value, float) and value.is_integer() and metric.function in ("sum", "min", "max"):
        return int(value)
    return value


__all__ = ["AggregateResult", "AggregateRow", "AggregationEngine", "AggregationError", "Dimension", "Metric",
           "is_number_field"]
