"""Group counts of a field's values (board columns, grouped lists): the one call to switch over to the
aggregation engine (``storage/aggregation.py``) where it exists. Counted in SQL under the reader's
policy (row limits) and the view's filter; never by loading records."""
from __future__ import annotations

from typing import Any, Iterable, Optional


def group_counts(store: Any, type_name: str, field_name: str, flt: Any,
                 groups: Iterable[tuple[Any, Any]]) -> dict[Any, int]:
    """How many records fall in each group: ``groups`` are (key, filter of the group) pairs."""
    counts: dict[Any, int] = {}
    for key, condition in groups:
        counts[key] = store.count(type_name, filter=_and(flt, condition))
    return counts


def _and(*trees: Optional[Any]) -> Optional[Any]:
    parts = [t for t in trees if t]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"and": parts}


and_filters = _and
