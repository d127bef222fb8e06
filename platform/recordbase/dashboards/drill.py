"""From a bar, slice, point or cell to the records behind it: the admin's list of the type
(``/admin/records/<type>/``) with its own list filters set (Flask-Admin's ``flt<n>_<index>`` arguments,
the index of each (field, operator) filter of :func:`recordbase.admin.records.filters.build_filters`,
built over the type as the reader sees it, as the list's view is).

A group key becomes conditions of the filter language: a choice ``eq`` it, a user or a linked record
``eq`` its id, a checkbox ``is_true``/``is_false``, a date bucket ``gte`` its first day and ``lt`` the
next bucket's, an empty group ``is_empty``. The widget's own filter is added when it is a plain ``and``
of conditions (what the list's filters can say); a filter they cannot say is left out of the link.
Also the axes of a chart (:func:`axis_values`): a select's choices in their order.
"""
from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlencode

from flask import url_for

from ..metamodel.filters import SYSTEM_PSEUDO_FIELDS
from ..metamodel.operators import OPERATORS
from ..storage.aggregation import AggregateResult, Dimension
from ..storage.date_buckets import bucket_range


def _field(store: Any, type_name: str, name: str) -> Any:
    return store.visible_type(type_name).field(name) or SYSTEM_PSEUDO_FIELDS.get(name)


def key_conditions(store: Any, type_name: str, dim: Dimension, key: Any) -> list[dict]:
    f = _field(store, type_name, dim.field)
    if f is None:
        return []
    kind = f.ftype.result(f).name if f.ftype.computed else f.field_type
    if kind == "boolean":
        return [{"field": dim.field, "op": "is_true" if key else "is_false"}]
    if key is None:
        return [{"field": dim.field, "op": "is_empty"}]
    if kind in ("date", "datetime", "created_at", "updated_at"):
        first, after = bucket_range(key, dim.bucket or "day")
        return [{"field": dim.field, "op": "gte", "value": first.isoformat()},
                {"field": dim.field, "op": "lt", "value": after.isoformat()}]
    return [{"field": dim.field, "op": "eq", "value": key}]


def plain_conditions(flt: Any) -> Optional[list[dict]]:
    """The conditions of a filter that is one condition or an ``and`` of them; None for another filter."""
    if not flt:
        return []
    if "field" in flt:
        return [flt]
    if set(flt) == {"and"} and all(isinstance(c, dict) and "field" in c for c in flt["and"]):
        return list(flt["and"])
    return None


def _list_filters(store: Any, type_name: str) -> list:
    from ..admin.records.filters import build_filters

    return build_filters(store.visible_type(type_name), store.lang or "en")


def records_url(store: Any, type_name: str, keys: list[tuple[Dimension, Any]], flt: Any) -> str:
    """The admin list of the records behind a group (``keys``: each dimension with the group's key)."""
    conds = [c for dim, key in keys for c in key_conditions(store, type_name, dim, key)]
    conds += plain_conditions(flt) or []
    filters = None
    args = []
    for n, c in enumerate(conds):
        if filters is None:
            filters = _list_filters(store, type_name)
        index = next((i for i, f in enumerate(filters) if f.field.name == c["field"] and f.op == c["op"]), None)
        if index is None:
            continue
        arity = OPERATORS[c["op"]].arity
        value = c.get("value")
        text = "" if arity == "none" else ",".join(map(str, value)) if isinstance(value, list) else str(value)
        args.append((f"flt{n}_{index}", text))
    base = url_for("records.index_view", type_name=type_name)
    return base + ("?" + urlencode(args) if args else "")


def axis_values(store: Any, type_name: str, dim: Dimension, result: AggregateResult, index: int,
                all_choices: bool = True) -> list[tuple[Any, str]]:
    """The keys of one dimension with their labels, in order: a single select's choices in the choices'
    order (every choice with ``all_choices``, as a heat map's axis shows them), else the keys sorted;
    the empty group last."""
    seen: dict = {}
    for r in result.rows:
        seen.setdefault(r.keys[index], r.labels[index])
    f = _field(store, type_name, dim.field)
    from ..storage.aggregation import choices_for

    choices = choices_for(f) if f is not None and f.field_type in ("single_select", "formula", "lookup") else []
    if choices:
        from ..metamodel.fieldtypes.display import choice_label

        lang = store.lang or "en"
        out = [(c["value"], choice_label(c, lang)) for c in choices if all_choices or c["value"] in seen]
        known = {c["value"] for c in choices}
        out += [(k, label) for k, label in seen.items() if k is not None and k not in known]
    else:
        out = sorted(((k, label) for k, label in seen.items() if k is not None), key=lambda kl: (str(type(kl[0])), kl[0]))
    if None in seen:
        out.append((None, seen[None]))
    return out
