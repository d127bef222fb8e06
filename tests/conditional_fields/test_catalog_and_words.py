"""The condition builder's catalogue (operators offered per field type, values per field), conditions in
words in both languages, and the actions catalogue built generically from the registered actions."""
from __future__ import annotations

from recordbase.admin.conditions.actions import action_catalog
from recordbase.admin.conditions.catalog import condition_catalog
from recordbase.automation import actions as action_registry
from recordbase.automation.action_base import Action
from recordbase.context import platform
from recordbase.metamodel.condition_words import describe
from recordbase.metamodel.operators import OPERATORS


def _typedef(app, name):
    with platform(app).sessions() as s:
        return platform(app).schema_cache.get(s).get(name)


def test_operators_offered_per_field_type(app, report_type, order_type):
    report = _typedef(app, "report")
    catalog = condition_catalog(report, "en")
    fields = {f["name"]: f for f in catalog["fields"]}
    for f in report.fields:  # exactly the operators the filter language accepts for the field
        assert fields[f.name]["ops"] == list(f.ftype.operators_for(f))
    assert fields["title"]["input"] == "text" and "contains" in fields["title"]["ops"]
    assert "lt" not in fields["kind"]["ops"] and fields["kind"]["choices"][0] == ["incident", "Incident"]
    assert fields["closed"]["input"] == "boolean"
    purchase = {f["name"]: f for f in condition_catalog(_typedef(app, "purchase"), "zh")["fields"]}
    assert purchase["supplier"]["input"] == "link" and purchase["supplier"]["target"] == "supplier"
    # a lookup of a select offers the select's choices, in the page's language
    assert purchase["supplier_status"]["input"] == "choice"
    assert ["blacklisted", "黑名单"] in purchase["supplier_status"]["choices"]
    words = condition_catalog(report, "zh")["ops"]
    assert {op: words[op]["label"] for op in ("eq", "before", "within_next_days")} == {
        "eq": "等于", "before": "早于", "within_next_days": "在未来 N 天内"}
    assert set(words) == set(OPERATORS)


def test_describe_in_both_languages(app, report_type):
    report = _typedef(app, "report")
    tree = {"and": [{"field": "kind", "op": "eq", "value": "incident"},
                    {"or": [{"field": "severity", "op": "in", "value": ["high", "critical"]},
                            {"field": "closed", "op": "is_true"}]},
                    {"not": {"field": "title", "op": "contains", "value": "test"}}]}
    assert describe(tree, report, "en") == ("Kind = Incident and (Severity is any of High, Critical or Closed is "
                                            "checked) and not (Title contains test)")
    assert describe(tree, report, "zh") == "类型 等于 事故 且 (严重程度 属于 高、严重 或 已关闭 已勾选) 且 非 (标题 包含 test)"
    assert describe({"field": "gone", "op": "within_last_days", "value": 7}, report, "en") == \
        "gone is within the last 7 days"


def test_every_registered_action_is_offered(monkeypatch):
    catalog = action_catalog("zh")
    assert list(catalog) == list(action_registry.ACTIONS)
    assert catalog["update_record"]["label"] == "更新本记录"
    webhook = {i["name"]: i for i in catalog["webhook"]["inputs"]}
    assert webhook["secret"]["kind"] == "secret" and "has_secret" not in webhook  # write-only; read-only left out
    assert webhook["url"]["required"] and webhook["max_attempts"]["kind"] == "number"

    class Transition(Action):  # an action registered later (as the workflow's) comes with its own schema
        name = "transition"
        schema = {"required": ["transition"], "properties": {
            "do": {"const": "transition"}, "transition": {"type": "string"},
            "comment": {"type": ["string", "null"]}, "level": {"enum": [1, 2]}}}

    monkeypatch.setitem(action_registry.ACTIONS, "transition", Transition)
    entry = action_catalog("en")["transition"]
    assert entry["label"] == "Start a transition"
    assert [(i["name"], i["kind"], i["required"]) for i in entry["inputs"]] == [
        ("transition", "transition", True), ("comment", "text", False), ("level", "choice", False)]  # (a select of
    # the workflow's transitions)


def test_conditions_in_the_openapi_descriptions(api, report_type):
    doc = api.get("/api/v1/openapi.json").get_json()
    text = str(doc)
    assert "Shown when kind = incident. Required when severity is any of high, critical." in text
    assert "Read-only when closed is checked." in text
