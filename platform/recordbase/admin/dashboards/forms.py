"""The dashboard builder's forms (WTForms, Flask-WTF CSRF): a dashboard's names, the "add a widget" choice
of kind and record type, and one form per widget kind over the chosen record type — its fields offered
as choices (what may be grouped, what may be measured), never JSON.

:func:`widget_form` builds a kind's form from parts (a dimension, a metric, numbers); :func:`options_of`
turns a submitted form into the widget's options and :func:`form_data` a stored widget into the form's
data. A widget's filter (from a pack) is kept as it is.

Each dimension has its own bucket right after it ("Group dates by", "Series dates by", "Column dates by",
"Row dates by": one label each, so no option shows twice), used when that dimension is a date and refused
beside itself when it is not; the page shows a bucket only while its dimension is a date
(``recordbase/widget_form.js``). A widget over two dates buckets each its own way (opened by month ×
closing by quarter).
"""
from __future__ import annotations

from typing import Any, Optional

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional as Opt, ValidationError

from ...metamodel.runtime import TypeDef, is_many_link
from ...storage.aggregation import DIMENSION_TYPES, SYSTEM_FIELDS, choices_for, is_number_field

WIDTHS = [("3", _l("Quarter width")), ("4", _l("Third width")), ("6", _l("Half width")),
          ("8", _l("Two thirds width")), ("12", _l("Full width"))]
BUCKETS = [("", _l("(no bucket)")), ("day", _l("Day")), ("week", _l("Week")), ("month", _l("Month")),
           ("quarter", _l("Quarter")), ("year", _l("Year"))]
FUNCTIONS = [("count", _l("Count of records")), ("count_distinct", _l("Count of distinct values")),
             ("sum", _l("Sum")), ("avg", _l("Average")), ("min", _l("Minimum")), ("max", _l("Maximum")),
             ("percent", _l("Percent of total"))]
CHARTS = [("bar", _l("Bar chart")), ("line", _l("Line chart")), ("area", _l("Area chart")), ("pie", _l("Pie chart"))]
PERIODS = [("month", _l("Month")), ("quarter", _l("Quarter")), ("year", _l("Year"))]
DIMENSIONS = {"group_by": _l("Group by"), "split_by": _l("Split into series by"), "x": _l("Columns (x axis)"),
              "y": _l("Rows (y axis)")}
#: each dimension's bucket, labelled by its dimension (a chart's groups and series, a heat map's columns and rows)
BUCKET_LABELS = {"group_by": _l("Group dates by"), "split_by": _l("Series dates by"), "x": _l("Column dates by"),
                 "y": _l("Row dates by")}
METRICS = {"metric": _l("Figure"), "x": _l("Horizontal measure (x)"), "y": _l("Vertical measure (y)")}
#: each kind's parts: ("dim", name, required), ("metric", name), ("number", name, label, required), ...
PARTS: dict[str, list[tuple]] = {
    "number": [("metric", "metric"), ("number", "target", _l("Target"), False), ("date", "date_field"),
               ("choice", "period", _l("Compare with the previous"), PERIODS), ("text", "unit", _l("Unit"))],
    "chart": [("choice", "chart", _l("Chart"), CHARTS), ("dim", "group_by", True), ("dim", "split_by", False),
              ("metric", "metric"), ("number", "target", _l("Target line"), False), ("bool", "stacked", _l("Stacked"))],
    "target_line": [("dim", "group_by", True), ("dim", "split_by", False), ("metric", "metric"),
                    ("number", "target", _l("Target line"), True)],
    "scatter": [("dim", "group_by", True), ("metric", "x"), ("metric", "y"),
                ("number", "x_line", _l("Vertical line at"), False), ("number", "y_line", _l("Horizontal line at"), False)],
    "quadrant": [("dim", "group_by", True), ("metric", "x"), ("metric", "y"),
                 ("number", "x_line", _l("Vertical line at"), True), ("number", "y_line", _l("Horizontal line at"), True)],
    "heatmap": [("dim", "x", True), ("dim", "y", True), ("metric", "metric")],
    "top_n": [("dim", "group_by", True), ("metric", "metric"), ("int", "n", _l("How many"))],
    "view": [("view", "view"), ("int", "n", _l("How many"))],
}


class DashboardForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
    name_zh = StringField(_l("Chinese name"), validators=[Opt(), Length(max=255)])
    app = SelectField(_l("Home page of the app"), choices=[], validate_choice=False)


class AddWidgetForm(FlaskForm):
    kind = SelectField(_l("Widget"), choices=[])
    type = SelectField(_l("Record type"), choices=[])


def _kind_of(f: Any) -> str:
    return f.ftype.result(f).name if f.ftype.computed else f.field_type


def field_choices(typedef: TypeDef, lang: str) -> tuple[list, list, list]:
    """(groupable, measurable, dates) fields of the type as (name, label) choices."""
    from ...metamodel.filters import SYSTEM_PSEUDO_FIELDS

    system = [(n, SYSTEM_PSEUDO_FIELDS[n].display_label(lang)) for n in SYSTEM_FIELDS]
    groupable = [(f.name, f.display_label(lang)) for f in typedef.fields
                 if _kind_of(f) in DIMENSION_TYPES or is_many_link(f) or is_number_field(f)
                 or (f.ftype.computed and choices_for(f))] + system
    measurable = [(f.name, f.display_label(lang)) for f in typedef.fields if is_number_field(f)]
    dates = [(f.name, f.display_label(lang)) for f in typedef.fields if _kind_of(f) in ("date", "datetime")] + \
        [(n, label) for n, label in system if n.endswith("_at")]
    return groupable, measurable, dates


def widget_form(kind: str, typedef: TypeDef, lang: str, views: list[tuple[str, str]],
                formdata: Any = None, data: Optional[dict] = None) -> FlaskForm:
    """The form of one widget kind over one record type."""
    groupable, measurable, dates = field_choices(typedef, lang)
    none = [("", _l("(none)"))]

    date_names = {n for n, _label in dates}

    class WidgetForm(FlaskForm):
        title = StringField(_l("Title"), validators=[Opt(), Length(max=255)])
        title_zh = StringField(_l("Chinese title"), validators=[Opt(), Length(max=255)])
        width = SelectField(_l("Width"), choices=WIDTHS, default="6")

    for part in PARTS[kind]:
        what, name = part[0], part[1]
        if what == "dim":
            required = part[2]
            setattr(WidgetForm, f"{name}_field", SelectField(DIMENSIONS[name], choices=(groupable if required else none + groupable),
                                                             validators=[DataRequired()] if required else []))
            setattr(WidgetForm, f"{name}_bucket", SelectField(BUCKET_LABELS[name], choices=BUCKETS, default="",
                                                              validators=[_bucket_of_a_date(name, date_names)],
                                                              render_kw={"data-rb-bucket-of": f"{name}_field"}))
        elif what == "metric":
            setattr(WidgetForm, f"{name}_function", SelectField(METRICS[name], choices=FUNCTIONS, default="count"))
            setattr(WidgetForm, f"{name}_of", SelectField(_l("Of the field"), choices=none + measurable + groupable,
                                                          default=""))
        elif what == "number":
            setattr(WidgetForm, name, FloatField(part[2], validators=[InputRequired()] if part[3] else [Opt()]))
        elif what == "int":
            setattr(WidgetForm, name, IntegerField(part[2], default=10, validators=[Opt(), NumberRange(1, 100)]))
        elif what == "choice":
            setattr(WidgetForm, name, SelectField(part[2], choices=part[3]))
        elif what == "text":
            setattr(WidgetForm, name, StringField(part[2], validators=[Opt(), Length(max=20)]))
        elif what == "bool":
            setattr(WidgetForm, name, BooleanField(part[2]))
        elif what == "date":
            setattr(WidgetForm, name, SelectField(_l("Date field of the period"), choices=none + dates, default=""))
        elif what == "view":
            setattr(WidgetForm, name, SelectField(_l("Saved view"), choices=views, validators=[DataRequired()]))
    WidgetForm.date_fields = frozenset(date_names)
    return WidgetForm(formdata=formdata, data=data)


def _bucket_of_a_date(dimension: str, date_names: set) -> Any:
    """The validator of a dimension's bucket: a bucket only when that dimension is a date."""
    def check(form: Any, field: Any) -> None:
        if field.data and form[f"{dimension}_field"].data not in date_names:
            raise ValidationError(_l("Only a date is grouped by a period: group by a date, or choose no bucket"))
    return check


def options_of(kind: str, form: Any, keep: Optional[dict] = None) -> dict:
    """The widget's options from a submitted form (``keep``: the stored options it does not edit: the filter)."""
    out: dict = {}
    if keep and keep.get("filter"):
        out["filter"] = keep["filter"]
    for part in PARTS[kind]:
        what, name = part[0], part[1]
        if what == "dim":
            field, bucket = form[f"{name}_field"].data, form[f"{name}_bucket"].data
            if field:
                out[name] = {"field": field, **({"bucket": bucket} if bucket and field in form.date_fields else {})}
        elif what == "metric":
            fn, of = form[f"{name}_function"].data, form[f"{name}_of"].data
            out[name] = {"function": fn, **({"field": of} if of and fn != "count" else {})}
        elif what in ("number", "int"):
            if form[name].data is not None:
                out[name] = form[name].data
        elif what in ("choice", "text", "date", "view"):
            if form[name].data:
                out[name] = form[name].data
        elif what == "bool":
            out[name] = bool(form[name].data)
    return out


def form_data(kind: str, widget: dict) -> dict:
    """A stored widget as its form's data."""
    options = widget.get("options") or {}
    out = {"title": widget.get("title"), "title_zh": widget.get("title_zh"), "width": str(widget.get("width") or 6)}
    for part in PARTS[kind]:
        what, name = part[0], part[1]
        value = options.get(name)
        if what == "dim":
            out[f"{name}_field"] = (value or {}).get("field") or ""
            out[f"{name}_bucket"] = (value or {}).get("bucket") or ""
        elif what == "metric":
            out[f"{name}_function"] = (value or {}).get("function") or "count"
            out[f"{name}_of"] = (value or {}).get("field") or ""
        elif what == "view":
            out[name] = str(value) if value is not None else ""
        else:
            out[name] = value
    return out
