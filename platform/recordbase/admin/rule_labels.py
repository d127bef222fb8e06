"""Words of the automation pages in the page's language: run and step states, triggers, actions, and a
rule's name (``name_zh`` on a Chinese page). Jinja globals ``rb_run_status``, ``rb_trigger``,
``rb_action`` and ``rb_rule_name``, registered by :func:`init_rule_labels`."""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from ..context import current_lang

STATUSES = {"pending": _l("pending"), "running": _l("running"), "succeeded": _l("succeeded"),
            "failed": _l("failed"), "skipped": _l("skipped"), "dead": _l("gave up")}
TRIGGERS = {"record_created": _l("record created"), "record_updated": _l("record updated"),
            "record_matches": _l("record matches"), "record_deleted": _l("record deleted"),
            "button": _l("button"), "schedule": _l("schedule"), "date_relative": _l("date reminder")}
ACTIONS = {"update_record": _l("update record"), "create_record": _l("create record"),
           "update_linked": _l("update linked records"), "notify": _l("notify"), "webhook": _l("webhook"),
           "assign": _l("assign"), "email": _l("e-mail")}


def run_status(value: Any) -> str:
    return str(STATUSES.get(value, value or ""))


def trigger(value: Any) -> str:
    return str(TRIGGERS.get(value, value or ""))


def action(value: Any) -> str:
    return str(ACTIONS.get(value, value or ""))


def rule_name(rule: Any) -> str:
    """A rule's name (a Rule row or its JSON) in the page's language."""
    get = rule.get if isinstance(rule, dict) else (lambda k: getattr(rule, k, None))
    return (get("name_zh") if current_lang() == "zh" and get("name_zh") else get("name")) or ""


def init_rule_labels(app: Flask) -> None:
    for name, fn in (("rb_run_status", run_status), ("rb_trigger", trigger), ("rb_action", action),
                     ("rb_rule_name", rule_name)):
        app.jinja_env.globals.setdefault(name, fn)
