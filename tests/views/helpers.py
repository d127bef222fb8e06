"""Helpers of the views tests (plain functions and data, imported by name); the fixtures are in conftest.py."""
from __future__ import annotations

from support import csrf_token_from
from support import ok, sign_in as support_sign_in


PASSWORD = "correct horse battery"

TASK = {"name": "task", "label": "Task", "label_zh": "任务", "fields": [
    {"name": "title", "label": "Title", "label_zh": "标题", "type": "text", "required": True},
    {"name": "status", "label": "Status", "label_zh": "状态", "type": "single_select", "options": {"choices": [
        {"value": "todo", "label": "To do", "label_zh": "待办", "color": "#6c757d"},
        {"value": "doing", "label": "Doing", "label_zh": "进行中", "color": "#ffc107"},
        {"value": "done", "label": "Done", "label_zh": "完成", "color": "#28a745"}]}},
    {"name": "assignee", "label": "Assignee", "label_zh": "负责人", "type": "user"},
    {"name": "due", "label": "Due", "label_zh": "截止日期", "type": "date"},
    {"name": "starts", "label": "Starts", "label_zh": "开始", "type": "date"},
    {"name": "ends", "label": "Ends", "label_zh": "结束", "type": "date"},
    {"name": "picture", "label": "Picture", "label_zh": "图片", "type": "attachment"},
    {"name": "secret", "label": "Secret", "label_zh": "机密", "type": "text"},
    {"name": "points", "label": "Points", "label_zh": "点数", "type": "number"},
]}


def sign_in(app, email: str, password: str = PASSWORD):
    return support_sign_in(app, email, password)

def page_csrf(client, url: str = "/admin/") -> str:
    return csrf_token_from(client.get(url, follow_redirects=True).get_data(as_text=True))
