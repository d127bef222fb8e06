"""What the automation rule builder's page shows beside the rule: the triggers and schedule choices in
words, the chosen type's fields for the trigger inputs, the condition builder's catalogue (with the
change operators), and the actions builder's catalogues (registered actions; every type's fields).
"""
from __future__ import annotations

import json
from typing import Any, Optional

from flask_babel import gettext as _

from ...automation.conditions import CHANGE_OPS
from ...automation.schema import TRIGGERS
from ...metamodel.runtime import TypeDef
from ...workflow.service import workflow_of
from .actions import action_catalog
from .catalog import condition_catalog, link_titles
from .field import builder_markup


def trigger_words() -> dict[str, str]:
    words = {"record_created": _("When a record is created"), "record_updated": _("When a record is changed"),
             "record_matches": _("When a record comes to match the condition"),
             "record_deleted": _("When a record is deleted"), "button": _("When someone presses a button"),
             "schedule": _("On a schedule"), "date_relative": _("Days before or after a date in the record")}
    return {on: words.get(on, on) for on in TRIGGERS}


def transition_choices(store: Any, type_name: str, lang: str) -> list[list[str]]:
    """``[[name, label], ...]``: the transitions of the type's workflow, for the "start a transition"
    action (none: the type has no workflow)."""
    typedef = store.schema.types.get(type_name) if store is not None else None
    wf = workflow_of(store.session, typedef) if typedef is not None else None
    return [[t.name, t.display(lang)] for t in wf.transitions] if wf is not None else []


def _parsed(text: Any) -> Any:
    try:
        return json.loads(text) if isinstance(text, str) and text.strip() else None
    except ValueError:
        return None


def _chosen_titles(typedef: Optional[TypeDef], store: Any, state: dict) -> dict:
    """The titles of the linked records the rule's condition and actions name (the builders show them
    chosen; more are found by typing)."""
    if typedef is None or store is None:
        return {}
    schema = store.schema
    values = []
    for action in _parsed(state.get("actions_json")) or ():
        if not isinstance(action, dict):
            continue
        target = typedef
        if action.get("do") == "create_record":
            target = schema.types.get(action.get("type"))
        elif action.get("do") == "update_linked":
            head, _dot, tail = str(action.get("link", "")).partition(".")
            f = typedef.field(head)
            target = schema.types.get(head) if tail else \
                (schema.types.get(f.options.get("target", "")) if f is not None else None)
        values.append((target, action.get("values")))
    return link_titles(store, typedef, [_parsed(state.get("condition_tree"))], values)


def rule_page_context(typedef: Optional[TypeDef], shown: list[TypeDef], lang: str, store: Any,
                      state: dict) -> dict:
    """The template's extras for the builder of a rule on ``typedef`` (None: no type chosen yet)."""
    catalog = condition_catalog(typedef, lang, store, extra_ops=CHANGE_OPS) if typedef else {"fields": [], "ops": {}}
    titles = _chosen_titles(typedef, store, state)
    catalog["titles"] = titles
    types = {t.name: {"label": t.display_label(lang), "transitions": transition_choices(store, t.name, lang),
                      "fields": condition_catalog(t, lang, store if t is typedef else None)["fields"]} for t in shown}
    words = {"add": _("Add an action…"), "advanced": _("JSON (advanced)"), "up": _("Move this action up"), "down": _("Move this action down"),
             "remove": _("Remove this action"), "add_value": _("Set a field"), "formula": _("use a formula"),
             "yes": _("yes (checked)"), "no": _("no (not checked)"),
             "secret_kept": _("(a secret is set: leave empty to keep it)"),
             "no_workflow": _("This record type has no workflow."),
             "choose_transition": _("Choose a transition")}
    fields = list(typedef.fields) if typedef else []
    return {
        "trigger_words": trigger_words(),
        "every_words": {"daily": _("Daily (at a time)"), "weekly": _("Weekly (on a day, at a time)"), "monthly": _("Monthly (on a day, at a time)"),
                        "cron": _("Cron expression (for experts)")},
        "weekday_words": [_("Sundays"), _("Mondays"), _("Tuesdays"), _("Wednesdays"), _("Thursdays"),
                          _("Fridays"), _("Saturdays")],
        "watch_fields": [f for f in fields if not f.ftype.read_only],
        "date_fields": [f for f in fields if f.field_type in ("date", "datetime")
                        or (f.ftype.computed and f.options.get("result_type") in ("date", "datetime"))],
        "condition_input": builder_markup("condition_json", "rb-rule-condition", state.get("condition_tree", ""),
                                          catalog),
        "actions_data": json.dumps(action_catalog(lang), ensure_ascii=False),
        "types_data": json.dumps(types, ensure_ascii=False),
        "actions_words": json.dumps(words, ensure_ascii=False),
        "titles_data": json.dumps(titles, ensure_ascii=False),
        "rule_type": typedef.name if typedef else "",
    }
