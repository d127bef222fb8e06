"""Helpers of the conditional_fields tests (plain functions and data, imported by name); the fixtures are in conftest.py."""
from __future__ import annotations

from support import ok  # noqa: F401  (the one status check; re-exported to this folder's tests)


REPORT = {
    "name": "report", "label": "Report", "label_zh": "报告", "primary_field": "title",
    "fields": [
        {"name": "title", "label": "Title", "label_zh": "标题", "type": "text", "required": True},
        {"name": "kind", "label": "Kind", "label_zh": "类型", "type": "single_select",
         "options": {"choices": [{"value": "incident", "label": "Incident", "label_zh": "事故"},
                                 {"value": "question", "label": "Question", "label_zh": "咨询"}]}},
        {"name": "severity", "label": "Severity", "label_zh": "严重程度", "type": "single_select",
         "options": {"choices": [{"value": "low", "label": "Low", "label_zh": "低"},
                                 {"value": "high", "label": "High", "label_zh": "高"},
                                 {"value": "critical", "label": "Critical", "label_zh": "严重"}]}},
        {"name": "closed", "label": "Closed", "label_zh": "已关闭", "type": "boolean"},
        {"name": "root_cause", "label": "Root cause", "label_zh": "根本原因", "type": "long_text"},
        {"name": "resolution", "label": "Resolution", "label_zh": "处理结果", "type": "text"},
    ],
}

CONDITIONS = {
    "root_cause": {"show_when": {"field": "kind", "op": "eq", "value": "incident"},
                   "required_when": {"field": "severity", "op": "in", "value": ["high", "critical"]}},
    "resolution": {"readonly_when": {"field": "closed", "op": "is_true"}},
}

SUPPLIER = {
    "name": "supplier", "label": "Supplier", "label_zh": "供应商", "primary_field": "name",
    "fields": [{"name": "name", "label": "Name", "type": "text", "required": True},
               {"name": "status", "label": "Status", "label_zh": "状态", "type": "single_select",
                "options": {"choices": [{"value": "active", "label": "Active", "label_zh": "合作中"},
                                        {"value": "blacklisted", "label": "Blacklisted", "label_zh": "黑名单"}]}}],
}

ORDER = {
    "name": "purchase", "label": "Purchase", "label_zh": "订单", "primary_field": "title",
    "fields": [{"name": "title", "label": "Title", "type": "text", "required": True},
               {"name": "supplier", "label": "Supplier", "label_zh": "供应商", "type": "link",
                "options": {"target": "supplier"}},
               {"name": "supplier_status", "label": "Supplier status", "label_zh": "供应商状态", "type": "lookup",
                "options": {"link": "supplier", "target_field": "status"}},
               {"name": "approval", "label": "Approval", "label_zh": "审批意见", "type": "text",
                "conditions": {"required_when": {"field": "supplier_status", "op": "eq", "value": "blacklisted"}}}],
}


def page_text(resp) -> str:
    return resp.get_data(as_text=True)


def create_record(client, type_name: str, data: dict):
    """POST the admin's new-record form with the CSRF token its page carries."""
    import re

    page = page_text(client.get(f"/admin/records/{type_name}/new/"))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client.post(f"/admin/records/{type_name}/new/", data={**data, "csrf_token": token})
