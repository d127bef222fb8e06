"""Values as people read them on the record pages, in English and Chinese: choice labels and colour
badges (selects, a formula's choices, a lookup of a select), computed numbers with their places,
money with its symbol, times in the instance's zone; the export says the same; the API keeps the
stored values."""
from __future__ import annotations

import csv
import html
import io
import re

import pytest

from admin_helpers import create_type, page_text

RED, GREEN, GOLD = "#d62728", "#2ca02c", "#bcbd22"

VENDOR = {
    "name": "vendor", "label": "Vendor", "label_zh": "供应商",
    "fields": [
        {"name": "name", "label": "Name", "label_zh": "名称", "type": "text", "required": True},
        {"name": "tier", "label": "Tier", "label_zh": "级别", "type": "single_select", "options": {"choices": [
            {"value": "gold_tier", "label": "Gold", "label_zh": "金牌", "color": GOLD},
            {"value": "odd_tier", "label": "<b>odd</b>", "color": "notacolour"},
        ]}},
        {"name": "tags", "label": "Tags", "label_zh": "标签", "type": "multi_select", "options": {"choices": [
            {"value": "fast", "label": "Fast", "label_zh": "快", "color": GREEN},
            {"value": "cheap", "label": "Cheap", "label_zh": "便宜", "color": "red"},
        ]}},
    ],
}
DEAL = {
    "name": "deal", "label": "Deal", "label_zh": "交易",
    "fields": [
        {"name": "title", "label": "Title", "label_zh": "标题", "type": "text", "required": True},
        {"name": "vendor", "label": "Vendor", "label_zh": "供应商", "type": "link", "options": {"target": "vendor"}},
        {"name": "amount", "label": "Amount", "label_zh": "金额", "type": "currency",
         "options": {"code": "CNY", "precision": 2}},
        {"name": "closes_at", "label": "Closes at", "label_zh": "截止时间", "type": "datetime"},
        {"name": "score", "label": "Score", "label_zh": "得分", "type": "number"},
        {"name": "third", "label": "Third", "label_zh": "三分之一", "type": "formula",
         "options": {"expression": "{score} / 3", "places": 2}},
        {"name": "raw_third", "label": "Raw third", "label_zh": "原始三分之一", "type": "formula",
         "options": {"expression": "{score} / 3"}},
        {"name": "risk", "label": "Risk", "label_zh": "风险", "type": "formula",
         "options": {"expression": 'IF({score} >= 50, "high", "low")', "choices": [
             {"value": "high", "label": "High", "label_zh": "高", "color": RED},
             {"value": "low", "label": "Low", "label_zh": "低", "color": GREEN}]}},
        {"name": "vendor_tier", "label": "Vendor tier", "label_zh": "供应商级别", "type": "lookup",
         "options": {"link": "vendor", "target_field": "tier"}},
    ],
}
AVERAGE = {"name": "avg_score", "label": "Average score", "label_zh": "平均得分", "type": "rollup",
           "options": {"link": "deal.vendor", "target_field": "score", "function": "avg", "places": 2}}


@pytest.fixture
def deals(app, api, sessions):
    from admin_helpers import add_field

    app.config["TIMEZONE"] = "Asia/Shanghai"
    create_type(sessions, VENDOR)
    create_type(sessions, DEAL)
    add_field(sessions, "vendor", AVERAGE)
    add_field(sessions, "deal", {"name": "vendor_tags", "label": "Vendor tags", "label_zh": "供应商标签",
                                 "type": "lookup", "options": {"link": "vendor", "target_field": "tags"}})
    add_field(sessions, "vendor", {"name": "deal_risks", "label": "Deal risks", "label_zh": "交易风险",
                                   "type": "lookup", "options": {"link": "deal.vendor", "target_field": "risk"}})
    vendor = api.post("/api/v1/records/vendor", json={"fields": {"name": "Acme", "tier": "gold_tier",
                                                                  "tags": ["fast", "cheap"]}})
    assert vendor.status_code == 201, vendor.get_json()
    vid = vendor.get_json()["id"]
    assert api.post("/api/v1/records/vendor", json={"fields": {"name": "Odd", "tier": "odd_tier"}}).status_code == 201
    for title, score in (("Big", 100), ("Small", 98), ("Tiny", 98.9)):
        resp = api.post("/api/v1/records/deal", json={"fields": {
            "title": title, "vendor": vid, "amount": 420000 if title == "Big" else 5, "score": score,
            "closes_at": "2026-03-01T08:30:00Z"}})
        assert resp.status_code == 201, resp.get_json()
    return vid


def visible_text(page: str) -> str:
    """What a reader sees: the page without its tags (attribute values, <option> values gone) and
    without the hidden filter data (Flask-Admin's JSON of the filters' choices)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<(div|span)[^>]*id="filter-[a-z-]*data"[^>]*>.*?</\1>', " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_the_lists_show_labels_badges_places_money_and_zones(admin_client, deals, switch_language):
    deal_list = page_text(admin_client.get("/admin/records/deal/"))
    seen = visible_text(deal_list)
    assert "¥420,000.00" in seen and "¥5.00" in seen and "CNY" not in seen
    assert "33.33" in seen and "33.333" not in seen  # the formula's places
    assert "32.97" in seen and "32.9666" not in seen  # no places named: at most two
    assert f'<span class="badge rb-choice" style="background: {RED}; color: #ffffff">High</span>' in deal_list
    assert f'<span class="badge rb-choice" style="background: {GREEN}; color: #000000">Low</span>' not in deal_list
    assert ">Gold</span>" in deal_list and "gold_tier" not in seen  # the lookup of a select: its label and colour
    assert f'style="background: {GOLD}; color: #000000">Gold</span>' in deal_list
    assert '<span class="rb-time" title="Asia/Shanghai, UTC+08:00">2026-03-01 16:30</span>' in deal_list

    vendors = page_text(admin_client.get("/admin/records/vendor/"))
    assert "98.97" in visible_text(vendors) and "98.966" not in vendors  # (100 + 98 + 98.9) / 3, places 2
    # a multi select: one badge per value; a named colour as its hex; a colour that is none: no style
    assert f'style="background: {GREEN}; color: #000000">Fast</span>' in vendors
    assert f'style="background: {RED}; color: #ffffff">Cheap</span>' in vendors
    assert '<span class="badge rb-choice">&lt;b&gt;odd&lt;/b&gt;</span>' in vendors and "notacolour" not in vendors

    switch_language(admin_client, "zh")
    zh = page_text(admin_client.get("/admin/records/deal/"))
    seen = visible_text(zh)
    assert ">高</span>" in zh and ">金牌</span>" in zh
    assert not re.search(r"\b(high|low|gold_tier|Gold|High)\b", seen)
    vendors = visible_text(page_text(admin_client.get("/admin/records/vendor/")))
    assert "快" in vendors and "便宜" in vendors and "fast" not in vendors


def test_details_form_and_history_say_the_same(admin_client, deals, api, switch_language):
    big = next(r for r in api.get("/api/v1/records/deal").get_json()["records"] if r["fields"]["title"] == "Big")
    switch_language(admin_client, "zh")
    details = page_text(admin_client.get(f"/admin/records/deal/details/?id={big['id']}"))
    seen = visible_text(details)
    assert "¥420,000.00" in seen and "33.33" in seen and ">高</span>" in details and ">金牌</span>" in details
    assert "2026-03-01 16:30" in seen
    # the history: choices by label, money with its symbol, times in the instance's zone
    history = seen[seen.index("History" if "History" in seen else "历史"):]
    assert "高" in history and "¥420,000.00" in history and "CST" in history and "high" not in history
    # the edit form shows computed fields as the lists do
    edit = page_text(admin_client.get(f"/admin/records/deal/edit/?id={big['id']}"))
    assert 'value="高"' in edit and 'value="33.33"' in edit and 'value="金牌"' in edit


def test_the_export_shows_labels_in_the_users_language_and_the_api_keeps_values(admin_client, deals, api,
                                                                                 switch_language):
    switch_language(admin_client, "zh")
    resp = admin_client.get("/admin/records/deal/export/csv/")
    rows = {r["标题"]: r for r in csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff")))}
    assert rows["Big"]["风险"] == "高" and rows["Small"]["风险"] == "高"
    assert rows["Big"]["金额"] == "¥420,000.00" and rows["Big"]["三分之一"] == "33.33"
    assert rows["Big"]["供应商级别"] == "金牌"
    api_csv = api.get("/api/v1/records/deal/export?format=csv&lang=zh").get_data(as_text=True)
    assert "高" in api_csv and "¥420,000.00" in api_csv and "金牌" in api_csv and "gold_tier" not in api_csv
    # a workbook keeps numbers typed, formatted with the currency symbol and the places
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(api.get("/api/v1/records/deal/export?format=xlsx&lang=zh").data))
    sheet = book.worksheets[0]
    head = [c.value for c in sheet[1]]
    big = next(row for row in sheet.iter_rows(min_row=2) if row[head.index("标题")].value == "Big")
    amount, third = big[head.index("金额")], big[head.index("三分之一")]
    assert amount.value == 420000 and amount.number_format == '"¥"#,##0.00'
    assert third.value == 33.33 and third.number_format == "0.00"
    assert big[head.index("风险")].value == "高"
    # the API answers the stored values; numbers with places are stored rounded
    records = {r["fields"]["title"]: r["fields"] for r in api.get("/api/v1/records/deal").get_json()["records"]}
    assert records["Big"]["risk"] == "high" and records["Big"]["vendor_tier"] == "gold_tier"
    assert records["Big"]["third"] == 33.33 and records["Big"]["amount"] == 420000
    vendor = api.get(f"/api/v1/records/vendor/{deals}").get_json()["fields"]
    assert vendor["avg_score"] == 98.97 and vendor["tier"] == "gold_tier"
    # sorting and filtering agree with what is shown
    found = api.get('/api/v1/records/deal?filter={"field":"third","op":"eq","value":33.33}').get_json()["records"]
    assert [r["fields"]["title"] for r in found] == ["Big"]


def test_lookups_of_several_choices_show_each_by_label(admin_client, deals, api, switch_language):
    """A lookup of a multi select, and of a choice formula over many records, keeps the values (the
    API) and shows each by its label in the reader's language."""
    switch_language(admin_client, "zh")
    deal_page = page_text(admin_client.get("/admin/records/deal/"))
    assert f'style="background: {GREEN}; color: #000000">快</span> <span class="badge rb-choice" ' \
           f'style="background: {RED}; color: #ffffff">便宜</span>' in deal_page
    vendor_page = page_text(admin_client.get(f"/admin/records/vendor/details/?id={deals}"))
    assert vendor_page.count(f'style="background: {RED}; color: #ffffff">高</span>') == 3  # one per deal
    assert "high" not in visible_text(vendor_page)
    vendor = api.get(f"/api/v1/records/vendor/{deals}").get_json()["fields"]
    assert vendor["deal_risks"] == "high, high, high"
    deal = api.get("/api/v1/records/deal").get_json()["records"][0]["fields"]
    assert deal["vendor_tags"] == "fast, cheap"


def test_a_changed_choice_label_shows_on_every_lookup_of_it(admin_client, deals, sessions):
    from recordbase.metamodel.service import MetamodelService

    with sessions.begin() as s:
        MetamodelService(s).update_field("vendor", "tier", {"options": {"choices": [
            {"value": "gold_tier", "label": "Platinum", "color": "#1f77b4"}, {"value": "odd_tier"}]}})
    page = page_text(admin_client.get("/admin/records/deal/"))
    assert 'style="background: #1f77b4; color: #ffffff">Platinum</span>' in page and ">Gold<" not in page


@pytest.mark.parametrize("options,where", [
    ({"expression": "{score} * 2", "choices": [{"value": "x"}]}, "options.choices"),  # a number is no choice
    ({"expression": '"a"', "places": 2}, "options.places"),  # text has no places
    ({"expression": '"a"', "choices": [{"value": "a"}, {"value": "a"}]}, "options.choices"),
    ({"expression": '"a"', "choices": [{"value": "a", "color": "#fff; x: url(y)"}]}, "options.choices"),
    ({"expression": "{score}", "places": 11}, "options.places"),
])
def test_formula_choices_and_places_are_checked(api, deals, options, where):
    resp = api.post("/api/v1/types/deal/fields", json={"name": "bad", "label": "Bad", "type": "formula",
                                                        "options": options})
    assert resp.status_code == 422, resp.get_json()
    assert where in str(resp.get_json()["error"])

