"""Helpers of the dataio tests (plain functions and data, imported by name); the fixtures are in conftest.py."""
from __future__ import annotations


SUPPLIER = {
    "name": "supplier", "label": "Supplier", "label_zh": "供应商", "primary_field": "name",
    "fields": [
        {"name": "name", "label": "Name", "label_zh": "供应商名称", "type": "text", "required": True},
        {"name": "service_category", "label": "Service category", "label_zh": "服务类别", "type": "single_select",
         "options": {"choices": [{"value": "cleaning", "label": "Cleaning", "label_zh": "保洁"},
                                 {"value": "catering", "label": "Catering", "label_zh": "餐饮"},
                                 {"value": "logistics", "label": "Logistics", "label_zh": "物流"},
                                 {"value": "other", "label": "Other", "label_zh": "其他"}]}},
        {"name": "is_backup", "label": "Backup supplier", "label_zh": "备选供应商", "type": "boolean"},
        {"name": "since", "label": "Since", "label_zh": "合作开始日期", "type": "date"},
        {"name": "deposit", "label": "Deposit", "label_zh": "保证金", "type": "currency", "options": {"code": "CNY"}},
        {"name": "headcount", "label": "Headcount", "label_zh": "人数", "type": "number"},
        {"name": "on_time", "label": "On-time rate", "label_zh": "准时率", "type": "percent"},
        {"name": "contact_phone", "label": "Contact phone", "label_zh": "联系电话", "type": "phone"},
        {"name": "contact_email", "label": "Contact email", "label_zh": "联系邮箱", "type": "email"},
        {"name": "manager", "label": "Manager", "label_zh": "负责人", "type": "user"},
        {"name": "certifications", "label": "Certifications", "label_zh": "认证", "type": "multi_select",
         "options": {"choices": ["ISO 9001", "ISO 27001", "ISO 14001", "CMMI"]}},
        {"name": "credit_code", "label": "Credit code", "label_zh": "统一社会信用代码", "type": "text", "unique": True},
        {"name": "notes", "label": "Notes", "label_zh": "备注", "type": "long_text"},
    ],
}

CONTRACT = {
    "name": "contract", "label": "Contract", "label_zh": "合同", "primary_field": "title",
    "fields": [
        {"name": "title", "label": "Title", "label_zh": "合同名称", "type": "text", "required": True},
        {"name": "supplier", "label": "Supplier", "label_zh": "供应商", "type": "link",
         "options": {"target": "supplier"}},
        {"name": "backups", "label": "Backup suppliers", "label_zh": "备选", "type": "link",
         "options": {"target": "supplier", "many": True}},
        {"name": "value", "label": "Value", "label_zh": "金额", "type": "currency", "options": {"code": "CNY"}},
        {"name": "start_date", "label": "Start date", "label_zh": "开始日期", "type": "date"},
    ],
}


def records(store_in, type_name: str = "supplier") -> list:
    with store_in() as store:
        return store.list(type_name, limit=1000, sort="id").records
