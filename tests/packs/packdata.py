"""Small packs for the installer, upgrade, export and API tests (the big pack is tested once per module)."""
from __future__ import annotations

import copy
import json
from pathlib import Path


def mini_pack(version: str = "1.0.0") -> dict:
    """Two linked types, a select, a formula, a rollup, a rule, a view and sample data."""
    return copy.deepcopy({
        "format": 1, "id": "mini", "version": version, "name": "Mini CRM", "name_zh": "迷你客户管理",
        "description": "A test pack.", "apps": [{"name": "crm", "label": "CRM", "label_zh": "客户管理"}],
        "types": [
            {"name": "company", "label": "Company", "label_zh": "公司", "app": "crm", "primary_field": "name",
             "fields": [
                 {"name": "name", "label": "Name", "label_zh": "名称", "type": "text", "required": True, "unique": True},
                 {"name": "tier", "label": "Tier", "label_zh": "等级", "type": "single_select",
                  "options": {"choices": [{"value": "gold", "label": "Gold", "label_zh": "金牌"},
                                          {"value": "silver", "label": "Silver", "label_zh": "银牌"}]}},
                 {"name": "notes", "label": "Notes", "label_zh": "备注", "type": "long_text"},
                 {"name": "website", "label": "Website", "label_zh": "网站", "type": "url"},
                 {"name": "deal_total", "label": "Deal total", "label_zh": "商机总额", "type": "rollup",
                  "options": {"link": "deal.company", "target_field": "amount", "function": "sum"}},
             ]},
            {"name": "deal", "label": "Deal", "label_zh": "商机", "app": "crm", "primary_field": "title",
             "fields": [
                 {"name": "title", "label": "Title", "label_zh": "标题", "type": "text", "required": True},
                 {"name": "company", "label": "Company", "label_zh": "公司", "type": "link",
                  "options": {"target": "company"}},
                 {"name": "amount", "label": "Amount", "label_zh": "金额", "type": "currency", "options": {"code": "CNY"}},
                 {"name": "probability", "label": "Probability", "label_zh": "赢率", "type": "percent"},
                 {"name": "weighted", "label": "Weighted amount", "label_zh": "加权金额", "type": "formula",
                  "options": {"expression": "{Amount} * {probability} / 100"}},
                 {"name": "close_date", "label": "Close date", "label_zh": "预计成交", "type": "date"},
                 {"name": "stage", "label": "Stage", "label_zh": "阶段", "type": "single_select", "default": "new",
                  "options": {"choices": ["new", "won", "lost"]}},
             ]},
        ],
        "views": [{"key": "big_deals", "type": "deal", "name": "Big deals", "name_zh": "大额商机",
                   "filter": {"field": "amount", "op": "gte", "value": 10000}, "sort": "-amount",
                   "columns": ["title", "company", "amount"]}],
        "rules": [{"key": "won_deal", "name": "Won deal", "name_zh": "赢单", "type": "deal",
                   "trigger": {"on": "record_matches"}, "condition": {"field": "stage", "op": "eq", "value": "won"},
                   "actions": [{"do": "update_linked", "link": "company", "values": {"tier": "gold"}}]}],
        "sample_data": [
            {"type": "company", "records": [{"fields": {"name": "Acme", "tier": "silver"}},
                                            {"fields": {"name": "Globex"}}]},
            {"type": "deal", "key": "title", "records": [
                {"fields": {"title": "Acme renewal", "company": "Acme", "amount": 12000, "probability": 50,
                            "close_date": {"$date": "+20d"}}},
                {"fields": {"title": "Globex pilot", "company": "Globex", "amount": 3000, "probability": 80,
                            "close_date": {"$date": "-1m"}, "stage": "won"}}]},
        ],
    })


def mini_pack_v2() -> dict:
    """1.1.0: relabels and adds things (a type, a field, a choice, a rule, a view, a sample record)."""
    p = mini_pack("1.1.0")
    company, deal = p["types"]
    company["fields"][2]["label"] = "Remarks"             # the pack relabels notes
    company["fields"][1]["options"]["choices"].append({"value": "bronze", "label": "Bronze", "label_zh": "铜牌"})
    company["fields"][3]["label"] = "Web site"            # the pack relabels website (which the user deletes)
    company["fields"].append({"name": "industry", "label": "Industry", "label_zh": "行业", "type": "text"})
    deal["fields"][0]["label"] = "Deal title"             # the pack relabels a field the user left alone
    p["types"].append({"name": "activity", "label": "Activity", "label_zh": "活动", "app": "crm",
                       "primary_field": "subject",
                       "fields": [{"name": "subject", "label": "Subject", "label_zh": "主题", "type": "text"},
                                  {"name": "deal", "label": "Deal", "label_zh": "商机", "type": "link",
                                   "options": {"target": "deal"}}]})
    p["views"].append({"key": "lost_deals", "type": "deal", "name": "Lost deals", "name_zh": "输单",
                       "filter": {"field": "stage", "op": "eq", "value": "lost"}})
    p["rules"].append({"key": "lost_deal", "name": "Lost deal", "type": "deal", "trigger": {"on": "record_matches"},
                       "condition": {"field": "stage", "op": "eq", "value": "lost"},
                       "actions": [{"do": "update_record", "values": {"probability": 0}}]})
    p["sample_data"][0]["records"].append({"fields": {"name": "Initech", "tier": "bronze"}})
    return p


def write_folder(pack: dict, folder: Path) -> Path:
    """The pack as a catalogue folder: pack.json plus sample_data/*.json."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = dict(pack)
    samples = manifest.pop("sample_data", [])
    (folder / "sample_data").mkdir(exist_ok=True)
    names = []
    for s in samples:
        rel = f"sample_data/{s['type']}.json"
        (folder / rel).write_text(json.dumps(s, ensure_ascii=False), encoding="utf-8")
        names.append(rel)
    manifest["sample_data"] = names
    (folder / "pack.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return folder
