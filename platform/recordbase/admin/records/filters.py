"""Flask-Admin list filters made from the filter language (one per field and operator).

A filter's URL value is read as the operator needs it (a list is written
comma-separated, a number of days as a whole number, operators without a
value ignore it) and compiled by :func:`compile_filter`, so the admin filters
exactly as the API and the automation rules do.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Optional

from flask_admin.model.filters import BaseFilter

from ...errors import FilterError, RecordbaseError
from ...json_provider import WrittenOnce
from ...metamodel.fieldtypes import FieldDef
from ...metamodel.filters import SYSTEM_PSEUDO_FIELDS, compile_filter
from ...metamodel.ids import as_id
from ...metamodel.fieldtypes.choices import ChoiceLike
from ...metamodel.operators import OPERATORS
from ...metamodel.runtime import TypeDef
from ...storage.titles import RecordTitles
from .present import request_store

DATE_TYPES = {"date": "datepicker", "datetime": "datetimepicker", "created_at": "datetimepicker",
              "updated_at": "datetimepicker"}
#: the filter input type of a link's "=" and "≠": a type-ahead over the picker endpoint (grid.js)
LINK_PICKER = "rb-link"


def js_safe(text: str) -> str:
    """Filter names reach jQuery's ``.append()`` in Flask-Admin's filter script, which parses
    HTML: show '<', '>' and '&' as their full-width forms there so a label can never become markup."""
    return text.replace("<", "＜").replace(">", "＞").replace("&", "＆")


class LanguageFilter(BaseFilter):
    """One operator on one field, applied through the filter language."""

    def __init__(self, typedef: TypeDef, field: FieldDef, op: str, name: str, lang: str,
                 options: Optional[list] = None, data_type: Optional[str] = None):
        super().__init__(name, options=options, data_type=data_type)
        self.typedef = typedef
        self.field = field
        self.op = op
        o = OPERATORS[op]
        self._operation = o.phrase_zh if lang.startswith("zh") else o.phrase

    def operation(self) -> str:
        return self._operation

    def clean(self, value: Any) -> Any:
        arity = OPERATORS[self.op].arity
        text = "" if value is None else str(value).strip()
        if arity == "none":
            return None
        if arity == "days":
            return int(text)
        if arity == "list":
            items = [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]
            if self.field.field_type == "link":
                return [_linked_id(self.field, i) for i in items]
            return [_record_id(i) for i in items] if self.field.name == "id" else items
        if self.field.name == "id":
            return _record_id(text)
        if self.field.field_type == "link":
            return _linked_id(self.field, text)
        return text

    def tree(self, value: Any) -> dict:
        node = {"field": self.field.name, "op": self.op}
        if OPERATORS[self.op].arity != "none":
            node["value"] = value
        return node

    def validate(self, value: Any) -> bool:
        try:
            compile_filter(self.tree(self.clean(value)), self.typedef, request_store().ctx)
        except (ValueError, FilterError):
            return False
        return True

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        compiled = compile_filter(self.tree(value), self.typedef, request_store().ctx)
        return query.filter(compiled.sql())


def build_filters(typedef: TypeDef, lang: str) -> list[LanguageFilter]:
    """Filters for every field (and the created/updated times), one per operator its type supports."""
    fields = list(typedef.fields) + [SYSTEM_PSEUDO_FIELDS["created_at"], SYSTEM_PSEUDO_FIELDS["updated_at"]]
    labels = [f.display_label(lang) for f in fields]
    out: list[LanguageFilter] = []
    for f, label in zip(fields, labels):
        if labels.count(label) > 1:
            label = f"{label} ({f.name})"
        name = js_safe(label)
        ft = f.ftype
        for op in ft.operators:
            arity = OPERATORS[op].arity
            options = None
            data_type = None
            if isinstance(ft, ChoiceLike) and arity == "value":
                options = ft.form_choices(f, lang)
            elif f.field_type == "link" and arity == "value":
                data_type = LINK_PICKER  # (its targets are found by typing: grid.js, the picker endpoint)
            elif arity == "list":
                data_type = "select2-tags"  # (a select's tags show its choices' labels, its keys sent)
                options = ft.form_choices(f, lang) if isinstance(ft, ChoiceLike) else None
            elif arity == "value":
                data_type = DATE_TYPES.get(f.field_type)
            out.append(LanguageFilter(typedef, f, op, name, lang, options=options, data_type=data_type))
    return out


class FilterGroups(WrittenOnce, OrderedDict):
    """The list's filter groups (label -> operations) as Flask-Admin's list template takes them,
    with their JSON (the ``filter-groups-data`` the filter script reads) written once: the JSON
    provider hands ``json_text`` back instead of serialising the groups again."""


def filter_groups(view: Any) -> Optional[FilterGroups]:
    """Flask-Admin's ``_get_filter_groups`` for a delegate: the groups (labels, operators and
    choices are the delegate's: one type, schema version and language) built and serialised once
    per delegate and script root. A link filter carries no records: its item names the picker URL
    (``picker``, under the request's script root: the same delegate answers an app mounted under
    several prefixes) and the browser asks it for the targets the user may read as they type
    (records are data, never kept on the view; and a page does not pay for the choices of filters
    nobody opens)."""
    from flask import request

    per_root = view.__dict__.setdefault("_rb_filter_groups", {})
    cached = per_root.get(request.script_root)
    if cached is None:
        if not view._filter_groups:
            return None
        cached = FilterGroups()
        for key, group in view._filter_groups.items():
            label, items = group.non_lazy()
            cached[label] = [{**item, "picker": _picker_url(view, view._filters[item["index"]].field)}
                             if item.get("type") == LINK_PICKER else item for item in items]
        cached.json_text = _dumps(cached)
        if len(per_root) < 16:  # (a bound: the prefixes one deployment is reached under, a few)
            per_root[request.script_root] = cached
    return cached


def _picker_url(view: Any, field: FieldDef) -> str:
    from urllib.parse import quote

    return f"{view.get_url('.link_options_view')}?field={quote(field.name)}"


def _dumps(groups: dict) -> str:
    from flask import current_app

    return current_app.json.dumps(dict(groups))


def active_link_titles(view: Any, active: Optional[list]) -> dict[str, str]:
    """The titles of the records the page's active link filters name (``{id: title}``), so the
    picker shows them by title; a value that is not an id (a typed title) shows as typed."""
    wanted: dict[str, set[int]] = {}
    for idx, _name, value in active or ():
        flt = view._filters[idx] if idx < len(view._filters) else None
        rid = as_id(str(value)) if flt is not None and flt.data_type == LINK_PICKER else None
        if rid is not None:
            wanted.setdefault(flt.field.options.get("target", ""), set()).add(rid)
    out: dict[str, str] = {}
    store = request_store()
    for target, ids in wanted.items():
        if target not in store.schema.types or not store.can("read", target):
            continue
        try:
            out.update({str(rid): title for rid, title in RecordTitles.for_store(store).of(target, ids).items()})
        except RecordbaseError:
            continue
    return out



def _record_id(text: str) -> int:
    rid = as_id(text)
    if rid is None:
        raise ValueError(f"'{text}' is not a record id")
    return rid


def _linked_id(field: FieldDef, text: str) -> int:
    """A link filter's value: a record id, or the title of exactly one target record."""
    rid = as_id(text)
    if rid is not None:
        return rid
    store = request_store()
    try:
        target = store.type(field.options.get("target", ""))
        title = target.title_field
        if title is None:
            raise ValueError(f"'{text}' is not a record id")
        found = store.list(target.name, filter={"field": title.name, "op": "eq", "value": text}, limit=2).records
    except RecordbaseError as exc:
        raise ValueError(exc.message) from None
    if len(found) != 1:
        raise ValueError(f"no single {target.name} record is titled '{text}'")
    return found[0].id
