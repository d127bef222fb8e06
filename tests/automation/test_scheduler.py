"""Scheduled (cron + time zone) and date-relative rules, run by ``worker --once --now``: each
occurrence once per record, never twice (also with two workers at once)."""
from __future__ import annotations

import threading
from datetime import date, timedelta

from click.testing import CliRunner

from recordbase.automation import worker as automation_worker
from recordbase.automation.models import RuleClaim
from recordbase.cli import cli
from recordbase.context import platform

from .helpers import at

CONTRACT_FIELDS = [
    {"name": "title", "label": "Title", "type": "text"},
    {"name": "category", "label": "Category", "type": "single_select", "options": {"choices": ["catering", "cleaning"]}},
    {"name": "status", "label": "Status", "type": "single_select",
     "options": {"choices": ["active", "expiring", "expired"]}},
    {"name": "end_date", "label": "End date", "type": "date"},
    {"name": "owner", "label": "Owner", "type": "user"},
]


def contracts(auto):
    auto.make_type("contract", CONTRACT_FIELDS)
    auto.make_type("inspection", [{"name": "title", "label": "Title", "type": "text"},
                                  {"name": "scheduled_date", "label": "Scheduled date", "type": "date"},
                                  {"name": "contract", "label": "Contract", "type": "link",
                                   "options": {"target": "contract"}}])


def test_weekly_schedule_runs_each_occurrence_once(auto):
    contracts(auto)
    rule = auto.rule(name="Weekly inspection", type="contract",
                     trigger={"on": "schedule", "cron": "0 9 * * 1", "timezone": "Asia/Shanghai"},
                     condition={"and": [{"field": "status", "op": "eq", "value": "active"},
                                        {"field": "category", "op": "eq", "value": "catering"}]},
                     actions=[{"do": "create_record", "type": "inspection", "link_back": "contract",
                               "values": {"title": {"formula": "'Hygiene check: ' & {title}"},
                                          "scheduled_date": {"formula": "TODAY()"}}}])
    kitchen = auto.create("contract", title="Kitchen", category="catering", status="active")
    canteen = auto.create("contract", title="Canteen", category="catering", status="active")
    auto.create("contract", title="Floors", category="cleaning", status="active")
    auto.create("contract", title="Old", category="catering", status="expired")
    # Monday 2030-01-07 09:00 in Shanghai is 01:00 UTC
    # 08:59 in Shanghai: the latest occurrence is the previous Monday, missed since the rule exists: caught up once
    assert auto.work(at("2030-01-07T00:59:00+00:00"))["rules"]["runs"] == 2
    first = len(auto.list("inspection"))
    summary = auto.work(at("2030-01-07T09:00:30+08:00"))
    assert summary["rules"]["runs"] == 2
    made = auto.list("inspection")
    assert len(made) == first + 2
    assert {r["fields"]["contract"] for r in made[-2:]} == {kitchen["id"], canteen["id"]}
    assert made[-1]["fields"]["scheduled_date"] == "2030-01-07"  # TODAY() is the moved clock's day
    assert auto.work(at("2030-01-07T09:30:00+08:00"))["rules"].get("runs", 0) == 0  # claimed: not again
    assert auto.work(at("2030-01-10T12:00:00+08:00"))["rules"].get("runs", 0) == 0  # no new occurrence
    assert auto.work(at("2030-01-14T09:05:00+08:00"))["rules"]["runs"] == 2  # the next Monday
    assert len(auto.list("inspection")) == first + 4
    runs = auto.runs(rule["id"])
    assert {r["trigger"] for r in runs} == {"schedule"} and {r["status"] for r in runs} == {"succeeded"}


def test_schedule_does_not_run_occurrences_from_before_the_rule(auto):
    contracts(auto)
    auto.create("contract", title="Kitchen", category="catering", status="active")
    auto.rule(type="contract", trigger={"on": "schedule", "cron": "0 9 * * *"},
              actions=[{"do": "update_record", "values": {"status": "expiring"}}])
    assert auto.work(at("2020-01-01T09:00:00"))["rules"].get("runs", 0) == 0


def _date_rule(auto, **extra):
    return auto.rule(name="Contract expiry", type="contract",
                     trigger={"on": "date_relative", "date_field": "end_date", "offset_days": -30, "at": "09:00",
                              **extra},
                     condition={"field": "status", "op": "eq", "value": "active"},
                     actions=[{"do": "update_record", "values": {"status": "expiring"}},
                              {"do": "notify", "user_field": "owner", "message": "{title} ends on {end_date}"}])


def test_date_relative_picks_exactly_the_records_due(auto, owner):
    contracts(auto)
    today = date.today()
    d40 = auto.create("contract", title="d40", status="active", end_date=(today + timedelta(days=40)).isoformat(),
                      owner="owner@example.com")
    d45 = auto.create("contract", title="d45", status="active", end_date=(today + timedelta(days=45)).isoformat())
    d90 = auto.create("contract", title="d90", status="active", end_date=(today + timedelta(days=90)).isoformat())
    d40x = auto.create("contract", title="d40 expired", status="expired",
                       end_date=(today + timedelta(days=40)).isoformat())
    d10 = auto.create("contract", title="d10", status="active", end_date=(today + timedelta(days=10)).isoformat())
    rule = _date_rule(auto)
    status = lambda rec: auto.get("contract", rec["id"])["fields"]["status"]  # noqa: E731
    # 30 days before d40 is today + 10; at 08:59 UTC it is not yet 09:00
    day10 = today + timedelta(days=10)
    assert auto.work(at(f"{day10}T08:59:00"))["rules"].get("runs", 0) == 0
    assert auto.work(at(f"{day10}T09:00:00"))["rules"]["runs"] == 1
    assert [status(r) for r in (d40, d45, d90, d40x, d10)] == ["expiring", "active", "active", "expired", "active"]
    assert auto.inbox()["notifications"][0]["message"] == f"d40 ends on {today + timedelta(days=40)}"
    assert auto.work(at(f"{day10}T18:00:00"))["rules"].get("runs", 0) == 0  # never twice for that date
    # the clock jumps 20 days: d45's moment passed while the worker was away; it is caught up once
    assert auto.work(at(f"{today + timedelta(days=30)}T10:00:00"))["rules"]["runs"] == 1
    assert status(d45) == "expiring" and status(d90) == "active"
    # d10's moment (20 days ago) came before the rule existed: never fired
    assert status(d10) == "active"
    # a new end date is a new occurrence
    auto.update("contract", d40["id"], status="active", end_date=(today + timedelta(days=70)).isoformat())
    assert auto.work(at(f"{today + timedelta(days=40)}T09:00:00"))["rules"]["runs"] == 1
    assert status(d40) == "expiring"
    keys = {c.key for c in _claims(auto)}
    assert f"date:{d40['id']}:{today + timedelta(days=40)}" in keys
    assert len(auto.runs(rule["id"])) == 3


def _claims(auto):
    with platform(auto.app).sessions() as s:
        return s.query(RuleClaim).all()


def test_date_relative_in_a_time_zone_with_a_datetime_field(auto):
    auto.make_type("meeting", [{"name": "title", "label": "Title", "type": "text"},
                               {"name": "starts", "label": "Starts", "type": "datetime"},
                               {"name": "reminded", "label": "Reminded", "type": "boolean"}])
    auto.rule(type="meeting", trigger={"on": "date_relative", "date_field": "starts", "offset_days": -1, "at": "08:00",
                                       "timezone": "Asia/Shanghai"},
              actions=[{"do": "update_record", "values": {"reminded": True}}])
    # 2030-03-10 01:00 in Shanghai is 2030-03-09 17:00 UTC: its local day is the 10th; reminder 9th 08:00 +08
    m = auto.create("meeting", title="m", starts="2030-03-09T17:00:00+00:00")
    assert auto.work(at("2030-03-08T23:59:00+00:00"))["rules"].get("runs", 0) == 0  # 9th 07:59 in Shanghai
    assert auto.work(at("2030-03-09T00:00:00+00:00"))["rules"]["runs"] == 1          # 9th 08:00 in Shanghai
    assert auto.get("meeting", m["id"])["fields"]["reminded"] is True


def test_two_workers_never_run_an_occurrence_twice(auto, app):
    contracts(auto)
    for i in range(6):
        auto.create("contract", title=f"c{i}", category="catering", status="active")
    auto.rule(type="contract", trigger={"on": "schedule", "cron": "0 9 * * 1"},
              actions=[{"do": "create_record", "type": "inspection", "link_back": "contract",
                        "values": {"title": {"formula": "{title}"}}}])
    now = at("2030-01-07T09:00:10")
    sessions = platform(app).sessions
    from recordbase.automation import scheduler
    from recordbase.metamodel.runtime import SchemaCache

    results, errors = [], []

    def work(name):
        try:
            results.append(scheduler.run_due(sessions, SchemaCache(), now, name))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    titles = sorted(r["fields"]["title"] for r in auto.list("inspection"))
    assert titles == [f"c{i}" for i in range(6)]  # each contract once, whoever ran it
    assert sum(r.get("runs", 0) for r in results) == 6


def test_worker_command_once_with_now(auto, app, database_url, monkeypatch, hook):
    contracts(auto)
    auto.create("contract", title="k", category="catering", status="active")
    auto.rule(type="contract", trigger={"on": "schedule", "cron": "30 8 * * *", "timezone": "Asia/Shanghai"},
              actions=[{"do": "webhook", "url": hook.url, "secret": "x"}])
    monkeypatch.setenv("RECORDBASE_INSTANCE", app.instance_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["--database-url", database_url, "worker", "--once", "--now",
                                 "2030-02-01T08:30:00+08:00", "--json"])
    assert result.exit_code == 0, result.output
    import json

    summary = json.loads(result.output)
    assert summary["rules"]["runs"] == 1 and summary["steps"] == {"succeeded": 1}
    assert hook.json()["trigger"] == "schedule"
    bad = runner.invoke(cli, ["--database-url", database_url, "worker", "--once", "--now", "tomorrow"])
    assert bad.exit_code == 1 and "ISO 8601" in bad.output
    assert runner.invoke(cli, ["--database-url", database_url, "worker", "--now", "2030-01-01T00:00"]).exit_code == 1
    automation_worker.CONTEXT.sessions = None
