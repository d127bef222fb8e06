"""Rules and runs in words, in the page's language, with times in the instance's time zone."""
from __future__ import annotations

from datetime import datetime

from recordbase.admin.rule_words import RuleWords
from recordbase.context import platform


def _words(app, lang):
    with platform(app).sessions() as s:
        schema = platform(app).schema_cache.get(s)
    return RuleWords(schema, lang)


def test_triggers_actions_statuses_and_times_in_words(app, report_type):
    app.config["TIMEZONE"] = "Asia/Shanghai"
    with app.test_request_context("/"):
        en = _words(app, "en")
        assert en.trigger({"on": "record_updated", "fields": ["severity", "closed"]}, "report") == \
            "When a record is changed: Severity, Closed"
        assert en.trigger({"on": "schedule", "cron": "30 8 * * 3"}) == \
            "On a schedule: Wednesdays at 08:30 (Asia/Shanghai)"
        assert en.trigger({"on": "schedule", "cron": "*/5 * * * *", "timezone": "UTC"}) == \
            "On a schedule: */5 * * * * (UTC)"
        assert en.trigger({"on": "date_relative", "date_field": "title", "offset_days": -30}, "report") == \
            "30 days before Title, at 09:00"
        assert en.action("webhook") == "Call a webhook" and en.status("failed") == "run failed"
        assert en.time(datetime(2026, 12, 7, 1, 30)) == "2026-12-07 09:30 CST"  # (with its zone)
        assert en.time("2026-12-07T01:30:00+00:00") == "2026-12-07 09:30 CST"
    with app.test_request_context("/"):
        from flask import g

        g.rb_lang = "zh"
        zh = _words(app, "zh")
        assert zh.trigger({"on": "record_updated", "fields": ["severity"]}, "report") == "修改记录时：严重程度"
        assert zh.trigger({"on": "date_relative", "date_field": "title", "offset_days": 7, "at": "10:00"},
                          "report") == "标题 后 7 天，10:00"
        assert zh.action("notify") == "通知用户" and zh.status("succeeded") == "运行成功"
