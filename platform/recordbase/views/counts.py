"""Group counts of a field's values (board columns, grouped lists) from the one aggregation engine
(:mod:`recordbase.storage.aggregation`): one SQL ``GROUP BY`` under the reader's policy (row limits,
hidden fields) and the view's filter; never records loaded into Python."""
from __future__ import annotations

from typing import Any, Optional

from ..storage.aggregation import AggregationEngine, Dimension, Metric

EMPTY = "__empty__"
MAX_GROUPS = 1000


def group_counts(store: Any, type_name: str, field_name: str, flt: Any) -> list[tuple[str, str, int]]:
    """(key, label, count) of each group with records, in the field's order (a select's choices, then
    empty); ``key`` is the stored value as text (:data:`EMPTY` for records without one)."""
    result = AggregationEngine(store).run(type_name, group_by=[Dimension(field_name)], metrics=[Metric("count")],
                                          filter=flt, limit=MAX_GROUPS)
    return [(EMPTY if row.keys[0] is None else str(row.keys[0]), str(row.labels[0] or ""), int(row.values["count"]))
            for row in result.rows]


def and_filters(*trees: Optional[Any]) -> Optional[Any]:
    parts = [t for t in trees if t]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"and": parts}
