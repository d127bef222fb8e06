"""The rule builder's form and the rule document (design §9) round-trip: any rule the schema accepts,
shown in the builder and posted back as the browser posts it, is the same rule; the schedule's
daily / weekly / monthly choices are cron lines; the JSON tab takes the document as is."""
from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st
from werkzeug.datastructures import MultiDict

from recordbase.admin.rule_form import form_state, rule_from_document, rule_from_form, schedule_parts
from recordbase.automation.schema import shape_problems

NAMES = st.sampled_from(["status", "total", "period", "owner", "end_date"])
TEXT = st.text(alphabet="abc 得分低", min_size=1, max_size=8).filter(lambda s: s.strip() == s)
LEAF = st.one_of(
    st.builds(lambda f, v: {"field": f, "op": "eq", "value": v}, NAMES, st.one_of(st.integers(0, 99), TEXT)),
    st.builds(lambda f: {"field": f, "op": "is_empty"}, NAMES),
    st.builds(lambda f, v: {"field": f, "op": "in", "value": v}, NAMES, st.lists(TEXT, min_size=1, max_size=3)),
    st.builds(lambda f, n: {"field": f, "op": "within_next_days", "value": n}, NAMES, st.integers(0, 60)))
CONDITION = st.one_of(st.none(), LEAF, st.builds(lambda k, xs: {k: xs}, st.sampled_from(["and", "or"]),
                                                 st.lists(LEAF, min_size=2, max_size=3)),
                      st.builds(lambda x: {"not": {"or": [x, x]}}, LEAF))
VALUE = st.one_of(st.integers(0, 100), TEXT, st.booleans(), st.builds(lambda t: {"formula": t}, TEXT))
ACTION = st.one_of(
    st.builds(lambda vs: {"do": "update_record", "values": vs}, st.dictionaries(NAMES, VALUE, min_size=1, max_size=2)),
    st.builds(lambda m, z: {"do": "notify", "user_field": "owner", "message": m, **({"message_zh": z} if z else {})},
              TEXT, st.one_of(st.none(), TEXT)),
    st.builds(lambda u: {"do": "webhook", "url": "https://example.com/" + u.replace(" ", "")}, TEXT),
    st.builds(lambda t: {"do": "create_record", "type": "corrective_action", "values": {"title": t}}, TEXT))
TIME = st.tuples(st.integers(0, 23), st.integers(0, 59))
TRIGGER = st.one_of(
    st.sampled_from([{"on": "record_created"}, {"on": "record_deleted"}, {"on": "record_matches"}]),
    st.builds(lambda fs: {"on": "record_updated", **({"fields": fs} if fs else {})},
              st.lists(NAMES, unique=True, max_size=3)),
    st.builds(lambda t, d, w, k: {"on": "schedule", "cron": {"daily": f"{t[1]} {t[0]} * * *",
                                                              "weekly": f"{t[1]} {t[0]} * * {w}",
                                                              "monthly": f"{t[1]} {t[0]} {d} * *",
                                                              "expert": "*/15 8-18 * * 1-5"}[k]},
              TIME, st.integers(1, 28), st.integers(0, 6), st.sampled_from(["daily", "weekly", "monthly", "expert"])),
    st.builds(lambda f, n, t, tz: {"on": "date_relative", "date_field": f, "offset_days": n,
                                   **({"at": f"{t[0]:02d}:{t[1]:02d}"} if t else {}), **({"timezone": tz} if tz else {})},
              NAMES, st.integers(-365, 365), st.one_of(st.none(), TIME), st.sampled_from([None, "Asia/Shanghai"])),
    st.builds(lambda lab, z: {"on": "button", **({"label": lab} if lab else {}), **({"label_zh": z} if z else {})},
              st.one_of(st.none(), TEXT), st.one_of(st.none(), TEXT)))
RULE = st.builds(lambda name, zh, enabled, trigger, condition, actions: {
    "name": name, **({"name_zh": zh} if zh else {}), "type": "evaluation", "enabled": enabled, "trigger": trigger,
    "condition": condition, "actions": actions},
    TEXT, st.one_of(st.none(), TEXT), st.booleans(), TRIGGER, CONDITION, st.lists(ACTION, min_size=1, max_size=4))


def posted(state: dict) -> MultiDict:
    """What the builder's page posts for ``state`` (its inputs as the template fills them; the scripts keep
    condition_json and actions_json as they are)."""
    form = MultiDict({k: state[k] for k in ("name", "name_zh", "type", "description", "on", "cron", "timezone",
                                             "date_field", "at", "label", "label_zh", "schedule_every",
                                             "schedule_time", "schedule_weekday", "schedule_monthday",
                                             "offset_side", "actions_json")})
    form["offset_days"] = str(state["offset_abs"])
    form["condition_json"] = state["condition_tree"]
    if state["enabled"]:
        form["enabled"] = "on"
    for name in state["field_list"]:
        form.add("fields", name)
    return form


@settings(max_examples=300, deadline=None)
@given(RULE)
def test_builder_round_trip(rule):
    assert shape_problems(rule) == []  # (the schema accepts every rule drawn)
    again, state, problems = rule_from_form(posted(form_state(rule)))
    assert problems == []
    assert again == rule
    document, _state, problems = rule_from_document(form_state(rule)["document"])
    assert problems == [] and document == rule


def test_schedule_words_and_cron():
    assert schedule_parts("30 8 * * *") == {"every": "daily", "time": "08:30", "weekday": "1", "monthday": "1"}
    assert schedule_parts("0 9 * * 5")["every"] == "weekly" and schedule_parts("0 9 15 * *")["monthday"] == "15"
    assert schedule_parts("0 9 29 * *")["every"] == "cron"  # (not every month has a 29th)
    assert schedule_parts("0 9 1 * 1")["every"] == "cron" and schedule_parts("")["every"] == "daily"
    form = MultiDict({"on": "schedule", "schedule_every": "monthly", "schedule_time": "07:05", "schedule_monthday": "3",
                      "actions_json": "[]", "name": "n", "type": "t"})
    assert rule_from_form(form)[0]["trigger"] == {"on": "schedule", "cron": "5 7 3 * *"}
    form["schedule_every"], form["cron"] = "cron", "0 */2 * * *"
    assert rule_from_form(form)[0]["trigger"]["cron"] == "0 */2 * * *"


def test_a_document_that_does_not_parse_is_a_problem_not_a_rule():
    rule, state, problems = rule_from_document("{nope")
    assert rule == {} and problems[0]["path"] == "$" and state["document"] == "{nope"
    assert rule_from_document("[1]")[2][0]["message"] == "a rule must be a JSON object"
    assert json.loads(form_state(None)["document"])["trigger"] == {"on": "record_updated"}
