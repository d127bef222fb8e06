"""The calendar: ``/admin/calendar/<type_name>/?view=<id>`` (or ``?date_field=`` / ``?start_field=&end_field=``),
a month (``?mode=month``, the default) or a week (``?mode=week``) around ``?date=YYYY-MM-DD``.

Records are placed on the day of their date (a datetime's day in the instance's time zone), or on
every day from start to end. Only the records in the shown range are read (a filter on the date
field, through the record store: row limits, the view's filter), at most :data:`MAX_RECORDS`.
Dragging a record to another day is an update (:mod:`.moves`): a date becomes that day, a datetime
keeps its time of day, a start/end pair moves by the same number of days.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Optional
from zoneinfo import ZoneInfo

from flask import abort, request
from flask_admin import expose
from flask_babel import gettext as _

from ...metamodel.runtime import TypeDef
from ...views.counts import and_filters
from ..records.present import request_store
from .cards import cards
from .moves import move
from .pages import KindPage, Shown

MAX_RECORDS = 1000


def _day(value: Any, tz: ZoneInfo) -> Optional[date]:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))).astimezone(tz).date()
    return value if isinstance(value, date) else None


def _parse_day(text: Optional[str]) -> Optional[date]:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


class CalendarView(KindPage):
    kind_name = "calendar"

    def url_options(self, typedef: TypeDef) -> dict:
        return {k: request.args[k] for k in ("date_field", "start_field", "end_field") if request.args.get(k)}

    def fallback_options(self, typedef: TypeDef) -> Optional[dict]:
        f = next((f for f in typedef.fields if f.field_type in ("date", "datetime")), None)
        return {"date_field": f.name} if f is not None else None

    def _fields(self, shown: Shown) -> tuple:
        o = shown.options
        start = shown.typedef.field(o.get("date_field") or o["start_field"])
        end = shown.typedef.field(o["end_field"]) if o.get("end_field") else None
        return start, end

    def _bound(self, field: Any, day: date, tz: ZoneInfo) -> str:
        if field.field_type == "datetime":
            return datetime.combine(day, time(0), tz).isoformat()
        return day.isoformat()

    @expose("/")
    def index_view(self):
        shown = self.shown()
        args = self.page_args(shown)
        store = request_store()
        tz = ZoneInfo(store.timezone)
        mode = request.args.get("mode") or shown.options.get("mode") or "month"
        mode = mode if mode in ("month", "week") else "month"
        anchor = _parse_day(request.args.get("date")) or store.local_now().date()
        if mode == "month":
            first = anchor.replace(day=1)
            begin = first - timedelta(days=first.weekday())
            nxt = (first + timedelta(days=32)).replace(day=1)
            end = nxt + timedelta(days=(6 - (nxt - timedelta(days=1)).weekday()) % 7) - timedelta(days=1)
            end = max(end, (nxt - timedelta(days=1)))
            prev_anchor, next_anchor = (first - timedelta(days=1)).replace(day=1), nxt
        else:
            begin = anchor - timedelta(days=anchor.weekday())
            end = begin + timedelta(days=6)
            prev_anchor, next_anchor = begin - timedelta(days=7), begin + timedelta(days=7)
        start_f, end_f = self._fields(shown)
        last_f = end_f or start_f
        window = {"and": [{"field": start_f.name, "op": "before", "value": self._bound(start_f, end + timedelta(days=1), tz)},
                          {"field": last_f.name, "op": "gte" if last_f.field_type == "date" else "gte",
                           "value": self._bound(last_f, begin, tz)}]}
        page = store.list(shown.typedef.name, filter=and_filters(shown.filter, window), sort=shown.sort,
                          limit=MAX_RECORDS)
        by_day: dict[date, list] = {}
        for card in cards(store, shown.typedef, page.records, shown.options.get("card_fields") or [], args["lang"]):
            first_day = _day(card.values.get(start_f.name), tz)
            last_day = _day(card.values.get(last_f.name), tz) if end_f else first_day
            if first_day is None:
                continue
            d = max(first_day, begin)
            while d <= min(last_day or first_day, end):
                by_day.setdefault(d, []).append(card)
                d += timedelta(days=1)
        weeks, d = [], begin
        while d <= end:
            weeks.append([d + timedelta(days=i) for i in range(7)])
            d += timedelta(days=7)
        readonly = not store.can("update", shown.typedef.name) or any(
            f.name in (store.policy.readonly(shown.typedef.name) if store.policy else ()) for f in (start_f, last_f))
        return self.render("recordbase/views/calendar.html", weeks=weeks, by_day=by_day, mode=mode, anchor=anchor,
                           prev_anchor=prev_anchor, next_anchor=next_anchor, today=store.local_now().date(),
                           truncated=page.next_cursor is not None, readonly=readonly,
                           url_options=self.url_options(shown.typedef), **args)

    @expose("/move/", methods=("POST",))
    def move_view(self):
        """A record dropped on another day: ``id``, ``version``, ``from`` and ``to`` (YYYY-MM-DD)."""
        shown = self.shown()
        store = request_store()
        start_f, end_f = self._fields(shown)
        src, dst = _parse_day(request.form.get("from")), _parse_day(request.form.get("to"))
        if src is None or dst is None:
            abort(400)
        try:
            record = store.get(shown.typedef.name, request.form.get("id"))
        except Exception:  # noqa: BLE001 - not found or not theirs: the update below says so in JSON
            return move(shown.typedef.name, request.form.get("id"), request.form.get("version"), {})
        delta = dst - src
        values = {}
        for f in (start_f, end_f):
            if f is None:
                continue
            v = record.values.get(f.name)
            if v is None:
                continue
            values[f.name] = (v + delta).isoformat()
        if not values:
            return {"error": {"code": "validation_error", "message": _("This record has no date to move.")}}, 422
        return move(shown.typedef.name, record.id, request.form.get("version"), values)
