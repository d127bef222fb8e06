"""Words on Chinese pages that nobody typed and that the crawls take out as builder text: a pack's
preview (field types and triggers as their keys), the metamodel's menu group and form sections (the
English label of the group, a section's key), the audit log's actions and kinds (codes), a formula's
check line (its result type, a yes/no sample), a rule's name in its page's heading, a select's
"is any of" filter (its choices' keys), the link picker's clear button (Tom Select's "Clear All")."""
from __future__ import annotations

import html
import json
import re

from recordbase.packs import catalog
from recordbase.packs import load as load_pack

from .crawl import english_words, pack_strings, user_text
from .test_chinese_builders import _get


def _cells(page: str, css_class: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(rf'<td class="{css_class}[^"]*"[^>]*>(.*?)</td>', page, re.S)]


def test_every_pack_preview_names_field_types_and_triggers_in_chinese(app, outsourcing, admin_client, switch_language):
    switch_language(admin_client, "zh")
    for source in catalog():
        page = _get(admin_client, f"/admin/packs/{source.id}/")
        allowed = user_text() | pack_strings(source.manifest) | {"owner@example.com", "Owner"}  # (the signed-in user)
        found = english_words(page, allowed)
        assert not found, (source.id, sorted(found))
        assert not re.search(r"<td>\s*(text|formula|single_select|link|lookup|rollup)\b", page), source.id
    page = _get(admin_client, "/admin/packs/outsourcing/")
    assert "单选" in page and "公式" in page and "→ 供应商" in page and "记录满足条件" in page


def test_metamodel_pages_show_the_menu_group_and_sections_in_chinese(app, outsourcing, admin_client, switch_language):
    switch_language(admin_client, "zh")
    types = _get(admin_client, "/admin/metamodel/")
    assert ">外包管理</td>" in types and ">Outsourcing</td>" not in types
    fields = _get(admin_client, "/admin/metamodel/types/supplier/")
    assert "<td>基本信息</td>" in fields and "Basics" not in fields
    switch_language(admin_client, "en")
    assert ">Outsourcing</td>" in _get(admin_client, "/admin/metamodel/")
    assert "<td>Basics</td>" in _get(admin_client, "/admin/metamodel/types/supplier/")


def _check_line(client, field: str) -> str:
    """The formula check's line (what the field page shows under the formula as it is typed)."""
    page = _get(client, f"/admin/metamodel/types/contract/fields/{field}/edit/")
    url = html.unescape(re.search(r'class="[^"]*rb-formula-check[^"]*"\s+data-url="([^"]+)"', page).group(1))
    pack = load_pack("outsourcing").manifest
    [expression] = [f["options"]["expression"] for t in pack["types"] if t["name"] == "contract"
                    for f in t["fields"] if f["name"] == field]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    resp = client.post(url, data={"csrf_token": token, "expression": expression, "field": field})
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return resp.get_json()["text"]


def test_a_formulas_check_line_is_chinese(app, outsourcing, admin_client, switch_language):
    switch_language(admin_client, "zh")
    line = _check_line(admin_client, "kpi_weights_ok")
    assert line.startswith("结果类型：是/否") and "True" not in line and "False" not in line
    assert "boolean" not in line and (line.endswith("：是") or line.endswith("：否")), line
    assert _check_line(admin_client, "days_to_expiry").startswith("结果类型：数字")
    switch_language(admin_client, "en")
    line = _check_line(admin_client, "kpi_weights_ok")
    assert line.startswith("Result: yes or no") and line.endswith((": Yes", ": No")), line


def test_the_audit_log_names_actions_and_kinds_in_chinese(app, outsourcing, admin_client, switch_language):
    switch_language(admin_client, "zh")
    page = _get(admin_client, "/admin/audit/")
    actions = _cells(page, "rb-audit-action")
    assert actions and not any(re.search(r"[A-Za-z]", a) for a in actions), actions
    assert "登录" in actions and "字段已创建" in actions and 'title="field.create"' in page  # (the code on hover)
    kinds = re.findall(r'<option value="\w+"[^>]*>([^<]*)</option>', page)
    assert kinds and not any(re.search(r"[A-Za-z]", k) for k in kinds), kinds
    # the filter still takes the codes
    assert _cells(_get(admin_client, "/admin/audit/?action=sign_in"), "rb-audit-action") == ["登录"] * len(
        _cells(_get(admin_client, "/admin/audit/?action=sign_in"), "rb-audit-action"))
    switch_language(admin_client, "en")
    assert "field created" in _cells(_get(admin_client, "/admin/audit/"), "rb-audit-action")


def test_a_rules_pages_name_it_in_chinese(app, outsourcing, admin_client, switch_language):
    switch_language(admin_client, "zh")
    listing = _get(admin_client, "/admin/rules/")
    rid = re.search(r'href="/admin/rules/(\d+)/edit/"', listing).group(1)
    edit = _get(admin_client, f"/admin/rules/{rid}/edit/")
    heading = re.search(r"<h4[^>]*>(.*?)</h4>", edit, re.S).group(1)
    runs = re.search(r"<h4[^>]*>(.*?)</h4>", _get(admin_client, f"/admin/rules/{rid}/runs/"), re.S).group(1)
    for text in (heading, runs):
        assert re.search(r"[\u4e00-\u9fff]", text.split("：", 1)[-1].split(":", 1)[-1]), text
        assert not english_words(text, {"SLA", "KPI"}), text


def test_a_selects_any_of_filter_shows_its_choices_labels(app, outsourcing, admin_client, switch_language):
    switch_language(admin_client, "zh")
    page = _get(admin_client, "/admin/records/contract/")
    data = re.search(r'<div id="filter-groups-data" class="d-none">(.*?)</div>', page, re.S).group(1)
    groups = json.loads(html.unescape(data))
    tags = [i for i in groups["状态"] if i["type"] == "select2-tags"]
    assert tags and all(dict(i["options"]).get("active") == "生效" for i in tags), tags


def test_the_link_pickers_buttons_speak_the_pages_language(app, outsourcing, admin_client, switch_language):
    switch_language(admin_client, "zh")
    form = _get(admin_client, "/admin/records/contract/new/")
    words = json.loads(re.search(r"window\.RB_TEXT = (\{.*?\});", form, re.S).group(1))
    assert words["clear"] == "清除" and words["remove"] == "移除"
