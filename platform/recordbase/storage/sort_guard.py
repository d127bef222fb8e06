"""Which sorts an index serves, and the refusal of a sort no index serves on a large table.

A sort whose first key is a field walks that field's index on (column, id) (see
:func:`.query.page_segments`) when the field is indexed (or a link, or a user) and the field type
sorts by its column: a single select sorts by its place in the choices (a ``CASE``), which no
index gives. Any other sort orders every matching row for each page: the API refuses it with a
400 ``sort_not_indexed`` on a table of more than ``RECORDBASE_UNINDEXED_SORT_MAX_ROWS`` rows
(default 200,000; 0 never refuses), measured by the planner's estimate
(:func:`~recordbase.metamodel.statistics.estimated_rows`), never by a COUNT, and kept for a minute
per process and table (a list request stays at its two queries). System sorts
(``id``, ``created_at``, ``updated_at``) are never refused.
"""
from __future__ import annotations

import os
import time
from typing import Any, Optional

from ..access import enforce
from ..db import bound_connection
from ..i18n import translate
from ..metamodel.fieldtypes import FieldDef, FieldType
from ..metamodel.runtime import TypeDef
from ..metamodel.schema_manager import wants_index
from ..metamodel.statistics import estimated_rows
from .query import SYSTEM_SORTS, SortError, parse_sort

SETTING = "RECORDBASE_UNINDEXED_SORT_MAX_ROWS"
DEFAULT_MAX_ROWS = 200_000
ESTIMATE_SECONDS = 60.0
_estimates: dict[tuple[str, str], tuple[float, int]] = {}  # (database URL, table) -> (when, rows)


def index_serves(field: FieldDef) -> bool:
    """Whether a sort on ``field`` walks an index (its own index on (column, id), and a sort by the column)."""
    return wants_index(field) and type(field.ftype).sort_expression is FieldType.sort_expression


def indexed_sort_fields(typedef: TypeDef) -> list[str]:
    """The fields of ``typedef`` that an index serves a sort on."""
    return [f.name for f in typedef.fields if f.ftype.sortable and index_serves(f)]


def max_rows(config: Optional[Any] = None) -> int:
    """The setting: the app's config, else the environment, else the default (0: never refuse)."""
    value = (config or {}).get(SETTING)
    if value is None:
        value = os.environ.get(SETTING)
    return DEFAULT_MAX_ROWS if value is None or value == "" else max(0, int(value))


def check_sort(conn: Any, typedef: TypeDef, sorts: list[tuple[str, bool]], limit: int) -> None:
    """Refuse a sort whose first key no index serves on a table above ``limit`` rows (0: no limit)."""
    if not sorts or not limit or sorts[0][0] in SYSTEM_SORTS:
        return
    field = typedef.field(sorts[0][0])
    if field is None or index_serves(field) or _rows(conn, typedef) <= limit:
        return
    if type(field.ftype).sort_expression is not FieldType.sort_expression:
        why = translate("a %(kind)s field sorts in an order no index gives", kind=field.field_type)
    else:
        why = translate("the field has no index: a Builder can tick 'Indexed' in the field's form "
                        "(or set \"indexed\": true through the fields API)")
    most = f"{limit:,}"
    raise SortError(translate("Cannot sort %(type)s records by '%(field)s' at this size (more than %(limit)s "
                              "records): %(why)s. Sort by an indexed field, or filter and sort in your own code.",
                              type=typedef.name, field=field.name, limit=most, why=why),
                    {"field": field.name, "indexed_fields": indexed_sort_fields(typedef)}, code="sort_not_indexed")


def _rows(conn: Any, typedef: TypeDef) -> int:
    """:func:`estimated_rows`, asked at most once a minute per database and table."""
    key, now = (str(conn.engine.url), typedef.table.name), time.monotonic()
    known = _estimates.get(key)
    if known is None or now - known[0] > ESTIMATE_SECONDS:
        if len(_estimates) > 4096:
            _estimates.clear()
        known = _estimates[key] = (now, estimated_rows(conn, typedef.table))
    return known[1]


def forget_estimates() -> None:
    """Measure every table again on its next unindexed sort (a benchmark that just loaded one)."""
    _estimates.clear()


def check_list_sort(store: Any, type_name: str, sort: Any, limit: int) -> None:
    """:func:`check_sort` for a list (or an export) of ``type_name`` by ``sort`` as the store's user
    asks for it: their rights first, the fields they may see."""
    if not sort or not limit:
        return
    enforce.require(store, "read", type_name)
    typedef = enforce.visible(store, store.type(type_name))
    # (the connection the store's reads run on, without beginning a session transaction: db.bound_connection)
    check_sort(bound_connection(store.session), typedef, parse_sort(typedef, sort), limit)
