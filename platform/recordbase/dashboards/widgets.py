"""Widget kinds of a dashboard: a registry, one class per kind (as NetBox's dashboard widgets).

Each kind owns its options' JSON schema (checked with the dashboard's document, :mod:`.document`), its
WTForms form (:mod:`.widget_forms`: built in the admin without JSON) and how its figures are worked
out — always by the aggregation engine (:mod:`recordbase.storage.aggregation`) under the reader's policy,
or (the saved view's list) by the record store. :meth:`WidgetKind.data` gives what the browser draws
with ECharts (:file:`recordbase/dashboards.js`): labels in the reader's language and, per bar, slice,
point or cell, the link to the records behind it (:mod:`.drill`).
"""
from __future__ import annotations

from typing import Any, ClassVar, Optional

from ..storage.aggregation import AggregateResult, AggregationEngine, Dimension, Metric
from . import drill, periods

DIMENSION = {"type": "object", "additionalProperties": False, "required": ["field"],
             "properties": {"field": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
                            "bucket": {"enum": ["day", "week", "month", "quarter", "year", None]}}}
METRIC = {"type": "object", "additionalProperties": False, "required": ["function"],
          "properties": {"function": {"enum": ["count", "count_distinct", "sum", "avg", "min", "max", "percent"]},
                         "field": {"type": ["string", "null"], "pattern": "^[a-z][a-z0-9_]{0,62}$"}}}
FILTER = {"type": ["object", "null"]}
NUMBER = {"type": ["number", "null"]}
KINDS: dict[str, "WidgetKind"] = {}


def register(cls: type) -> type:
    KINDS[cls.name] = cls()
    return cls


def dimension(spec: Optional[dict]) -> Optional[Dimension]:
    return Dimension(spec["field"], spec.get("bucket")) if spec else None


def metric(spec: Optional[dict]) -> Metric:
    spec = spec or {"function": "count"}
    return Metric(spec["function"], spec.get("field"))


class WidgetKind:
    """One kind of widget. ``options_schema``: its options; ``data``: its figures for the browser."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    label_zh: ClassVar[str] = ""
    options_schema: ClassVar[dict] = {"type": "object"}

    def display_label(self, lang: str) -> str:
        return self.label_zh if lang.startswith("zh") else self.label

    def data(self, store: Any, type_name: str, options: dict) -> dict:
        raise NotImplementedError

    @staticmethod
    def engine(store: Any) -> AggregationEngine:
        return AggregationEngine(store)


def _series_points(store: Any, type_name: str, result: AggregateResult, options: dict, flt: Any) -> dict:
    """Categories (the first dimension) and one series per value of the second (or one series)."""
    key = result.metrics[0].key
    categories = drill.axis_values(store, type_name, result.group_by[0], result, 0, all_choices=False)
    two = len(result.group_by) > 1
    splits = drill.axis_values(store, type_name, result.group_by[1], result, 1, all_choices=False) if two \
        else [(None, None)]
    cells = {(r.keys[0], r.keys[1] if two else None): r for r in result.rows}
    series = []
    for skey, slabel in splits:
        points = []
        for ckey, _clabel in categories:
            row = cells.get((ckey, skey))
            keys = [(result.group_by[0], ckey)] + ([(result.group_by[1], skey)] if two else [])
            points.append({"value": row.values[key] if row else 0,
                           "link": drill.records_url(store, type_name, keys, flt) if row else None})
        series.append({"name": slabel, "points": points})
    return {"categories": [label for _k, label in categories], "series": series}


@register
class NumberCard(WidgetKind):
    """One figure, with a target and the previous period's figure (when a date field is named)."""

    name, label, label_zh = "number", "Number card", "数字卡片"
    options_schema = {"type": "object", "additionalProperties": False, "properties": {
        "metric": METRIC, "filter": FILTER, "target": NUMBER,
        "date_field": {"type": ["string", "null"]}, "period": {"enum": ["month", "quarter", "year", None]},
        "unit": {"type": ["string", "null"], "maxLength": 20}}}

    def data(self, store: Any, type_name: str, options: dict) -> dict:
        m = metric(options.get("metric"))
        flt = options.get("filter")
        out: dict = {"target": options.get("target"), "unit": options.get("unit")}
        date_field, period = options.get("date_field"), options.get("period") or "month"
        if date_field:
            current, previous = periods.current_and_previous(period, store.timezone)
            value = self._value(store, type_name, m, periods.within(flt, date_field, current))
            out["previous"] = self._value(store, type_name, m, periods.within(flt, date_field, previous))
            out["period"] = period
        else:
            value = self._value(store, type_name, m, flt)
        out["value"] = value
        out["link"] = drill.records_url(store, type_name, [], flt)
        return out

    def _value(self, store: Any, type_name: str, m: Metric, flt: Any) -> Any:
        return self.engine(store).run(type_name, [], [m], flt).rows[0].values[m.key]


@register
class Chart(WidgetKind):
    """Bar, line, area or pie: a metric by one dimension, split by a second into series; a target line."""

    name, label, label_zh = "chart", "Chart", "图表"
    options_schema = {"type": "object", "additionalProperties": False, "required": ["group_by"], "properties": {
        "chart": {"enum": ["bar", "line", "area", "pie"]}, "group_by": DIMENSION,
        "split_by": {"oneOf": [DIMENSION, {"type": "null"}]}, "metric": METRIC, "filter": FILTER,
        "target": NUMBER, "stacked": {"type": "boolean"}}}

    def data(self, store: Any, type_name: str, options: dict) -> dict:
        dims = [dimension(options["group_by"])] + ([dimension(options["split_by"])] if options.get("split_by") else [])
        m = metric(options.get("metric"))
        result = self.engine(store).run(type_name, dims, [m], options.get("filter"), limit=2000)
        out = _series_points(store, type_name, result, options, options.get("filter"))
        out.update(chart=options.get("chart") or "bar", target=options.get("target"),
                   stacked=bool(options.get("stacked")))
        return out


@register
class TargetLine(Chart):
    """A line over time against a target (e.g. satisfaction against 80 %)."""

    name, label, label_zh = "target_line", "Target line", "目标线"
    options_schema = {**Chart.options_schema, "required": ["group_by", "target"]}

    def data(self, store: Any, type_name: str, options: dict) -> dict:
        return super().data(store, type_name, {**options, "chart": "line"})


@register
class Scatter(WidgetKind):
    """A point per group (e.g. per contract), placed by two metrics."""

    name, label, label_zh = "scatter", "Scatter chart", "散点图"
    options_schema = {"type": "object", "additionalProperties": False, "required": ["group_by", "x", "y"],
                      "properties": {"group_by": DIMENSION, "x": METRIC, "y": METRIC, "filter": FILTER,
                                     "x_line": NUMBER, "y_line": NUMBER}}

    def data(self, store: Any, type_name: str, options: dict) -> dict:
        dim, mx, my = dimension(options["group_by"]), metric(options["x"]), metric(options["y"])
        if mx.key == my.key:
            my = Metric(my.function, my.field)
        metrics = [mx] if mx.key == my.key else [mx, my]
        result = self.engine(store).run(type_name, [dim], metrics, options.get("filter"), limit=2000)
        points = [{"name": r.labels[0], "x": r.values[mx.key], "y": r.values[my.key],
                   "link": drill.records_url(store, type_name, [(dim, r.keys[0])], options.get("filter"))}
                  for r in result.rows if r.values[mx.key] is not None and r.values[my.key] is not None]
        return {"points": points, "x_line": options.get("x_line"), "y_line": options.get("y_line")}


@register
class Quadrant(Scatter):
    """A scatter chart cut into four by a vertical and a horizontal line (e.g. importance × performance)."""

    name, label, label_zh = "quadrant", "Quadrant chart", "四象限图"
    options_schema = {**Scatter.options_schema, "required": ["group_by", "x", "y", "x_line", "y_line"]}


@register
class HeatMap(WidgetKind):
    """A metric in the cells of two dimensions (e.g. likelihood × impact)."""

    name, label, label_zh = "heatmap", "Heat map", "热力图"
    options_schema = {"type": "object", "additionalProperties": False, "required": ["x", "y"],
                      "properties": {"x": DIMENSION, "y": DIMENSION, "metric": METRIC, "filter": FILTER}}

    def data(self, store: Any, type_name: str, options: dict) -> dict:
        dx, dy, m = dimension(options["x"]), dimension(options["y"]), metric(options.get("metric"))
        result = self.engine(store).run(type_name, [dx, dy], [m], options.get("filter"), limit=2000)
        xs, ys = drill.axis_values(store, type_name, dx, result, 0), drill.axis_values(store, type_name, dy, result, 1)
        xi = {k: i for i, (k, _l) in enumerate(xs)}
        yi = {k: i for i, (k, _l) in enumerate(ys)}
        cells = [{"x": xi[r.keys[0]], "y": yi[r.keys[1]], "value": r.values[m.key],
                  "link": drill.records_url(store, type_name, [(dx, r.keys[0]), (dy, r.keys[1])], options.get("filter"))}
                 for r in result.rows if r.keys[0] in xi and r.keys[1] in yi]
        return {"x": [label for _k, label in xs], "y": [label for _k, label in ys], "cells": cells}


@register
class TopN(WidgetKind):
    """The groups with the highest figure, as a table."""

    name, label, label_zh = "top_n", "Top N table", "排行表"
    options_schema = {"type": "object", "additionalProperties": False, "required": ["group_by"],
                      "properties": {"group_by": DIMENSION, "metric": METRIC, "filter": FILTER,
                                     "n": {"type": "integer", "minimum": 1, "maximum": 100}}}

    def data(self, store: Any, type_name: str, options: dict) -> dict:
        dim, m = dimension(options["group_by"]), metric(options.get("metric"))
        result = self.engine(store).run(type_name, [dim], [m], options.get("filter"), limit=options.get("n") or 10,
                                        order="-" + m.key)
        return {"rows": [{"label": r.labels[0], "value": r.values[m.key],
                          "link": drill.records_url(store, type_name, [(dim, r.keys[0])], options.get("filter"))}
                         for r in result.rows]}


@register
class ViewList(WidgetKind):
    """The first records of a saved view (its filter, sort and columns)."""

    name, label, label_zh = "view", "Saved view list", "视图列表"
    options_schema = {"type": "object", "additionalProperties": False, "required": ["view"],
                      "properties": {"view": {"type": ["string", "integer"]},
                                     "n": {"type": "integer", "minimum": 1, "maximum": 100}}}

    def data(self, store: Any, type_name: str, options: dict) -> dict:
        from .view_rows import view_rows

        return view_rows(store, type_name, options["view"], options.get("n") or 10)
