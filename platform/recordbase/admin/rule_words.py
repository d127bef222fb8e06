"""Automation rules and runs in words, in the page's language: triggers ("30 days before End date, at
09:00"), actions ("Notify users"), run statuses and times in the instance's time zone. Used by the
rule list, the run history and a record's automation panel instead of the rules' JSON codes.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from ..metamodel.computed_fields import instance_timezone
from ..metamodel.fieldtypes.dates import zone_suffix
from ..metamodel.runtime import TypeDef
from .conditions.actions import ACTION_WORDS
from .conditions.rule_page import trigger_words
from .rule_form import schedule_parts


class RuleWords:
    """One page's words for rules (its language; the schema to name fields by their labels)."""

    def __init__(self, schema: Any, lang: str):
        self.schema = schema
        self.lang = lang
        self.zh = lang.startswith("zh")
        self.triggers = trigger_words()
        self.zone = instance_timezone()

    def _field(self, typedef: Optional[TypeDef], name: str) -> str:
        f = typedef.field(name) if typedef is not None else None
        return f.display_label(self.lang) if f is not None else name

    def trigger(self, trigger: dict, type_name: str = "") -> str:
        trigger = trigger or {}
        on = trigger.get("on", "")
        typedef = self.schema.types.get(type_name)
        text = self.triggers.get(on, on)
        if on == "record_updated" and trigger.get("fields"):
            return text + _(": %(fields)s", fields=", ".join(self._field(typedef, n) for n in trigger["fields"]))
        if on == "schedule":
            parts = schedule_parts(trigger.get("cron", ""))
            days = [_("Sundays"), _("Mondays"), _("Tuesdays"), _("Wednesdays"), _("Thursdays"), _("Fridays"),
                    _("Saturdays")]
            if parts["every"] == "daily":
                when = _("every day at %(time)s", time=parts["time"])
            elif parts["every"] == "weekly":
                when = _("%(day)s at %(time)s", day=days[int(parts["weekday"])], time=parts["time"])
            elif parts["every"] == "monthly":
                when = _("day %(day)s of every month at %(time)s", day=parts["monthday"], time=parts["time"])
            else:
                when = trigger.get("cron", "")
            zone = trigger.get("timezone") or self.zone
            return text + _(": %(fields)s", fields="%s (%s)" % (when, zone))
        if on == "date_relative":
            days = int(trigger.get("offset_days") or 0)
            field = self._field(typedef, trigger.get("date_field", ""))
            phrase = _("%(days)s days before %(field)s", days=-days, field=field) if days < 0 else \
                _("%(days)s days after %(field)s", days=days, field=field)
            return phrase + _(", at %(time)s", time=trigger.get("at") or "09:00")
        if on == "button" and (trigger.get("label") or trigger.get("label_zh")):
            label = (trigger.get("label_zh") if self.zh else None) or trigger.get("label") or trigger.get("label_zh")
            return text + _(": %(fields)s", fields=label)
        return text

    def run_trigger(self, trigger: str) -> str:
        """How a run was started (a trigger, or by hand)."""
        if trigger == "manual":
            return _("run by hand")
        return self.triggers.get(trigger, trigger)

    def action(self, do: str) -> str:
        pair = ACTION_WORDS.get(do)
        return (pair[1] if self.zh else pair[0]) if pair else do

    def status(self, status: str) -> str:
        return {"succeeded": _("run succeeded"), "failed": _("run failed"), "pending": _("run pending")}.get(
            status, status)

    def time(self, value: Any) -> str:
        """A run's time (stored naive UTC, or ISO text) in the instance's time zone."""
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return value
        if not isinstance(value, datetime):
            return ""
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        local = value.astimezone(ZoneInfo(self.zone))
        return f"{local:%Y-%m-%d %H:%M} {zone_suffix(local)}"
