"""Execution semantics: data actions commit or roll back with the write; cascades stop at depth 8 or on
a cycle with a failed run naming the chain while the user's write succeeds; the outbox never sends
for a rolled-back write."""
from __future__ import annotations

import pytest

from recordbase.automation.engine import MAX_DEPTH
from recordbase.automation.queue import get_huey
from recordbase.metamodel.runtime import SchemaCache
from recordbase.storage import RecordStore

from .helpers import error

FAILING = {"do": "create_record", "type": "corrective_action",
           "values": {"title": {"formula": "IF({total} < 0, 'never', BLANK())"}}}


def test_a_failing_data_action_rolls_back_the_write(evaluation, hook):
    auto = evaluation
    rule = auto.rule(name="Breaks", type="evaluation", trigger={"on": "record_updated"},
                     actions=[{"do": "update_record", "values": {"status": "at_risk"}},
                              {"do": "webhook", "url": hook.url, "secret": "k"}, FAILING])
    ev = auto.create("evaluation", period="p", total=80)
    err = error(auto.update_resp("evaluation", ev["id"], total=50), 422)
    assert "Breaks" in err["message"] and "action 3" in err["message"] and "title" in err["message"]
    assert err["details"]["rule"] == {"id": rule["id"], "name": "Breaks"}
    record = auto.get("evaluation", ev["id"])
    assert (record["fields"]["total"], record["fields"]["status"], record["version"]) == (80, None, 1)
    assert auto.list("corrective_action") == []
    # the failed run is in the history, with nothing pending
    [run] = auto.runs(rule["id"])
    assert run["status"] == "failed" and "title" in run["error"] and run["steps"] == []
    assert auto.steps() == []
    auto.work()
    assert hook.requests == []


def test_a_rolled_back_write_leaves_no_pending_webhook(evaluation, hook, app, sessions, owner):
    auto = evaluation
    auto.rule(type="evaluation", trigger={"on": "record_created"}, actions=[{"do": "webhook", "url": hook.url}])
    cache = SchemaCache()
    queue = get_huey(str(app.instance_path) + "/automation-queue.db")
    before = queue.pending_count()
    with pytest.raises(RuntimeError):
        with sessions.begin() as s:
            store = RecordStore(s, cache.get(s), user_id=owner.id)
            store.create("evaluation", {"period": "doomed"})
            assert len(s.info["rb_outbox_steps"]) == 1  # written in the transaction ...
            raise RuntimeError("the caller fails after the write")
    assert auto.steps() == [] and auto.all_runs() == []  # ... and gone with it
    assert queue.pending_count() == before
    with app.app_context(), sessions.begin() as s:  # the app tells where the queue is (its instance folder)
        RecordStore(s, cache.get(s), user_id=owner.id).create("evaluation", {"period": "kept"})
    assert queue.pending_count() == before + 1  # enqueued after commit
    auto.work()
    assert hook.json()["record"]["fields"]["period"] == "kept" and len(hook.delivered) == 1


def test_two_rules_triggering_each_other_stop_at_the_depth_limit(auto):
    auto.make_type("pingpong", [{"name": "a", "label": "A", "type": "number"},
                                {"name": "b", "label": "B", "type": "number"},
                                {"name": "label", "label": "Label", "type": "text"}])
    ping = auto.rule(name="Ping", type="pingpong", trigger={"on": "record_updated", "fields": ["a"]},
                     actions=[{"do": "update_record", "values": {"b": {"formula": "{a} + 1"}}}])
    pong = auto.rule(name="Pong", type="pingpong", trigger={"on": "record_updated", "fields": ["b"]},
                     actions=[{"do": "update_record", "values": {"a": {"formula": "{b} + 1"}}}])
    rec = auto.create("pingpong", a=0, b=0, label="x")
    updated = auto.update("pingpong", rec["id"], a=1, label="user's write")
    assert updated["fields"] == {"a": 1, "b": 0, "label": "user's write"}  # the write succeeded, the chain undone
    assert auto.get("pingpong", rec["id"])["fields"] == {"a": 1, "b": 0, "label": "user's write"}
    [run] = auto.runs(ping["id"])
    assert run["status"] == "failed" and f"more than {MAX_DEPTH} rules deep" in run["error"]
    names = [c["rule"] for c in run["chain"]]
    assert len(names) == MAX_DEPTH + 1 and names[:4] == ["Ping", "Pong", "Ping", "Pong"]
    assert all(c["record_id"] == rec["id"] for c in run["chain"])
    assert "Ping" in run["error"] and "Pong" in run["error"]
    assert auto.runs(pong["id"]) == []  # the inner runs rolled back with the chain


def test_a_cycle_stops_early_and_is_recorded(evaluation):
    auto = evaluation
    close = auto.rule(name="Close", type="evaluation", trigger={"on": "record_updated"},
                      condition={"field": "status", "op": "changed_to", "value": "draft"},
                      actions=[{"do": "update_record", "values": {"status": "closed"}}])
    auto.rule(name="Reopen", type="evaluation", trigger={"on": "record_updated"},
              condition={"field": "status", "op": "changed_to", "value": "closed"},
              actions=[{"do": "update_record", "values": {"status": "draft"}}])
    ev = auto.create("evaluation", period="p", status="confirmed")
    assert auto.update("evaluation", ev["id"], status="draft")["fields"]["status"] == "draft"
    [run] = auto.runs(close["id"])
    assert run["status"] == "failed" and "cycle" in run["error"]
    assert [c["rule"] for c in run["chain"]] == ["Close", "Reopen", "Close"]


def test_a_self_update_that_changes_nothing_ends_the_chain(evaluation):
    auto = evaluation
    rule = auto.rule(type="evaluation", trigger={"on": "record_updated"},
                     condition={"field": "total", "op": "lt", "value": 60},
                     actions=[{"do": "update_record", "values": {"status": "at_risk"}}])
    ev = auto.create("evaluation", period="p", total=90)
    auto.update("evaluation", ev["id"], total=10)
    assert auto.get("evaluation", ev["id"])["fields"]["status"] == "at_risk"
    runs = auto.runs(rule["id"])  # newest first: its own write fired it again, which changed nothing
    assert [(r["status"], r["depth"], r["steps"][0]["result"]["changed"]) for r in runs] == \
        [("succeeded", 2, []), ("succeeded", 1, ["status"])]


def test_cascades_within_the_limit_all_commit(auto):
    auto.make_type("counter", [{"name": "n", "label": "N", "type": "number"}])
    rule = auto.rule(type="counter", trigger={"on": "record_updated", "fields": ["n"]},
                     condition={"field": "n", "op": "lt", "value": 5},
                     actions=[{"do": "update_record", "values": {"n": {"formula": "{n} + 1"}}}])
    rec = auto.create("counter", n=0)
    assert auto.update("counter", rec["id"], n=1)["fields"]["n"] == 5
    runs = auto.runs(rule["id"])
    assert sorted(r["depth"] for r in runs) == [1, 2, 3, 4] and {r["status"] for r in runs} == {"succeeded"}
    deepest = max(runs, key=lambda r: r["depth"])
    assert len(deepest["chain"]) == 4
