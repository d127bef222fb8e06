"""Flask-Admin list filters made from the filter language (one per field and operator).

A filter's URL value is read as the operator needs it (a list is written
comma-separated, a number of days as a whole number, operators without a
value ignore it) and compiled by :func:`compile_filter`, so the admin filters
exactly as the API and the automation rules do.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Optional

from flask import g
from flask_admin.model.filters import BaseFilter

from ...errors import FilterError, RecordbaseError
from ...json_provider import WrittenOnce
from ...metamodel.fieldtypes import FieldDef
from ...metamodel.filters import SYSTEM_PSEUDO_FIELDS, compile_filter
from ...metamodel.ids import as_id
from ...metamodel.fieldtypes.choices import ChoiceLike
from ...metamodel.operators import OPERATORS
from ...metamodel.runtime import TypeDef
from ...storage.titles import MAX_SEARCH, RecordTitles
from .present import request_store

DATE_TYPES = {"date": "datepicker", "datetime": "datetimepicker", "created_at": "datetimepicker",
              "updated_at": "datetimepicker"}


def js_safe(text: str) -> str:
    """Filter names reach jQuery's ``.append()`` in Flask-Admin's filter script, which parses
    HTML: show '<', '>' and '&' as their full-width forms there so a label can never become markup."""
    return text.replace("<", "＜").replace(">", "＞").replace("&", "＆")


class LanguageFilter(BaseFilter):
    """One operator on one field, applied through the filter language."""

    def __init__(self, typedef: TypeDef, field: FieldDef, op: str, name: str, lang: str,
                 options: Optional[list] = None, data_type: Optional[str] = None,
                 live_options: Optional[Callable[[], Optional[list]]] = None):
        super().__init__(name, options=options, data_type=data_type)
        #: choices that are data (a link's target records): asked per page, never kept on the view
        self.live_options = live_options
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
            options = live = None
            data_type = None
            if isinstance(ft, ChoiceLike) and arity == "value":
                options = ft.form_choices(f, lang)
            elif f.field_type == "link" and arity == "value":
                live = _link_choices(f)  # (asked on each list page: the titles are data)
            elif arity == "list":
                data_type = "select2-tags"
            elif arity == "value":
                data_type = DATE_TYPES.get(f.field_type)
            out.append(LanguageFilter(typedef, f, op, name, lang, options=options, data_type=data_type,
                                      live_options=live))
    return out


class FilterGroups(WrittenOnce, OrderedDict):
    """The list's filter groups (label -> operations) as Flask-Admin's list template takes them,
    with their JSON (the ``filter-groups-data`` the filter script reads) written once: the JSON
    provider hands ``json_text`` back instead of serialising the groups again."""


def filter_groups(view: Any) -> Optional[FilterGroups]:
    """Flask-Admin's ``_get_filter_groups`` for a delegate: every group with a fixed set of
    operations (labels, operators and choices are the delegate's: one type, schema version and
    language) is built and serialised once per delegate; the groups of link filters get their
    target records' titles for this request's user on each page."""
    cached = view.__dict__.get("_rb_filter_groups")
    if cached is None:
        if not view._filter_groups:
            return None
        static, live = FilterGroups(), {}
        for key, group in view._filter_groups.items():
            label, items = group.non_lazy()
            static[label] = items
            live.update({item["index"]: view._filters[item["index"]].live_options for item in items
                         if view._filters[item["index"]].live_options is not None})
        static.json_text = _dumps(static)
        cached = view.__dict__["_rb_filter_groups"] = (static, live)
    static, live = cached
    if not live:
        return static
    out = FilterGroups((label, [{**item, "options": live[item["index"]]()} if item["index"] in live else item
                                for item in items]) for label, items in static.items())
    out.json_text = _dumps(out)
    return out


def _dumps(groups: dict) -> str:
    from flask import current_app

    return current_app.json.dumps(dict(groups))


#: a link filter offers its target's records to choose from up to this many; beyond, a title or id is typed
LINK_CHOICES = 300


def _link_choices(field: FieldDef) -> Any:
    """The target records of a link filter as (id, title) choices, for the request's user; None
    (type a title or an id) when there are more than :data:`LINK_CHOICES`."""
    def choices() -> Optional[list]:
        memo = g.setdefault("_rb_link_choices", {})
        target = field.options.get("target", "")
        if target not in memo:
            try:
                found = _titles_upto(target, LINK_CHOICES + 1)
            except RecordbaseError:  # (a target the user may not read: ids are typed)
                found = [(0, "")] * (LINK_CHOICES + 1)
            memo[target] = None if len(found) > LINK_CHOICES else sorted(
                ((str(rid), title or f"#{rid}") for rid, title in found), key=lambda c: c[1].casefold())
        return memo[target]
    return choices


def _titles_upto(type_name: str, n: int) -> list[tuple[int, str]]:
    """Up to ``n`` (id, title) of the reader's records of ``type_name``, by id: the link pickers'
    search (the title's columns only, a page at a time), not whole records."""
    titles = RecordTitles.for_store(request_store())
    found: list[tuple[int, str]] = []
    while len(found) < n:
        want = n - len(found)
        page = titles.search(type_name, "", limit=want, after=found[-1][0] if found else None)
        found += page
        if len(page) < min(want, MAX_SEARCH):  # (the last page)
            break
    return found


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
