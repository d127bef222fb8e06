"""Webhooks through the outbox: signed POSTs, one idempotency key across retries, exponential
backoff, crash safety (a claimed step whose worker died is delivered after the lease), retry from
the run history."""
from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from sqlalchemy import update

from recordbase.automation.models import RuleStep
from recordbase.automation.outbox import LEASE, claim, naive_utc
from recordbase.context import platform

from .helpers import at, ok


def webhook_rule(auto, url, **extra):
    return auto.rule(name="Hook", type="evaluation", trigger={"on": "record_updated", "fields": ["total"]},
                     actions=[{"do": "webhook", "url": url, "secret": "s3cret", **extra}])


def test_signed_post_of_record_and_rule(evaluation, hook):
    auto = evaluation
    rule = webhook_rule(auto, hook.url)
    ev = auto.create("evaluation", period="2026-10", total=70)
    auto.update("evaluation", ev["id"], total=55)
    assert hook.requests == []  # nothing is sent inside the request: the worker sends after commit
    [run] = auto.runs(rule["id"])
    assert run["status"] == "pending" and run["steps"][0]["status"] == "pending"
    summary = auto.work()
    assert summary["steps"].get("succeeded") == 1
    [req] = hook.delivered
    body, headers = req["body"], req["headers"]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Recordbase-Signature"] == expected
    assert headers["Content-Type"].startswith("application/json")
    payload = hook.json()
    assert payload["rule"] == {"id": rule["id"], "name": "Hook"} and payload["trigger"] == "record_updated"
    assert payload["record"]["id"] == ev["id"] and payload["record"]["fields"]["total"] == 55
    assert payload["changed"] == ["total"]
    assert headers["X-Recordbase-Idempotency-Key"] == payload["idempotency_key"]
    [run] = auto.runs(rule["id"])
    assert run["status"] == "succeeded" and run["steps"][0]["result"]["status"] == 200
    auto.work()  # delivered once
    assert len(hook.delivered) == 1


def test_retries_with_backoff_and_one_idempotency_key(evaluation, hook):
    auto = evaluation
    rule = webhook_rule(auto, hook.url)
    hook.fail_next = 2
    ev = auto.create("evaluation", period="p", total=70)
    auto.update("evaluation", ev["id"], total=50)
    t0 = at("2030-01-01T00:00:00")
    assert auto.work(t0)["steps"] == {"retry": 1}
    [step] = auto.steps()
    assert (step.status, step.attempts) == ("pending", 1)
    assert step.next_attempt_at == naive_utc(t0) + timedelta(seconds=30)
    assert auto.work(t0 + timedelta(seconds=29))["steps"] == {}  # not due yet
    assert auto.work(t0 + timedelta(seconds=30))["steps"] == {"retry": 1}
    [step] = auto.steps()
    assert step.attempts == 2 and step.next_attempt_at == naive_utc(t0) + timedelta(seconds=30 + 60)  # doubled
    assert auto.work(t0 + timedelta(seconds=89))["steps"] == {}
    assert auto.work(t0 + timedelta(seconds=90))["steps"] == {"succeeded": 1}
    keys = {r["headers"]["X-Recordbase-Idempotency-Key"] for r in hook.requests}
    assert len(hook.requests) == 3 and len(keys) == 1
    assert [r["headers"]["X-Recordbase-Attempt"] for r in hook.requests] == ["1", "2", "3"]
    bodies = {r["body"] for r in hook.requests}
    assert len(bodies) == 1  # the same signed body every time
    [run] = auto.runs(rule["id"])
    assert run["status"] == "succeeded" and run["steps"][0]["attempts"] == 3


def test_gives_up_after_max_attempts_and_can_be_retried(evaluation, hook):
    auto = evaluation
    rule = webhook_rule(auto, hook.url, max_attempts=2)
    hook.fail_next = 5
    ev = auto.create("evaluation", period="p", total=70)
    auto.update("evaluation", ev["id"], total=50)
    t0 = at("2030-01-01T00:00:00")
    auto.work(t0)
    auto.work(t0 + timedelta(minutes=5))
    [run] = auto.runs(rule["id"])
    assert run["status"] == "failed" and "HTTP 503" in run["error"] and run["steps"][0]["status"] == "failed"
    assert auto.runs(rule["id"], status="failed")[0]["id"] == run["id"]
    hook.fail_next = 0
    retried = ok(auto.api.post(f"/api/v1/runs/{run['id']}/retry"))
    assert retried["status"] == "pending"
    auto.work()
    assert len(hook.delivered) == 1
    assert auto.runs(rule["id"])[0]["status"] == "succeeded"


def test_a_worker_killed_after_claiming_is_replaced_after_the_lease(evaluation, hook, app):
    auto = evaluation
    webhook_rule(auto, hook.url)
    ev = auto.create("evaluation", period="p", total=70)
    auto.update("evaluation", ev["id"], total=50)
    [step] = auto.steps()
    t0 = naive_utc(at("2030-01-01T00:00:00"))
    with platform(app).sessions.begin() as s:  # worker A claims the step, then dies before delivering
        assert claim(s, step.id, t0, "worker-a")
    assert auto.work(at("2030-01-01T00:01:00"))["steps"] == {}  # A's claim still holds
    assert hook.requests == []
    auto.work(at("2030-01-01T00:00:00") + LEASE + timedelta(seconds=1))
    [req] = hook.delivered
    assert req["headers"]["X-Recordbase-Idempotency-Key"] == step.idempotency_key
    [done] = auto.steps()
    assert (done.status, done.attempts, done.claimed_by) == ("succeeded", 2, "test-worker")


def test_a_step_never_enqueued_is_found_by_the_sweep(evaluation, hook, app):
    auto = evaluation
    webhook_rule(auto, hook.url)
    ev = auto.create("evaluation", period="p", total=70)
    auto.update("evaluation", ev["id"], total=50)
    from recordbase.automation.queue import get_huey

    with app.app_context():
        get_huey().flush()  # the queue lost it (say Redis restarted): the outbox row still says pending
    auto.work()
    assert len(hook.delivered) == 1


def test_permanent_http_errors_do_not_retry(evaluation, hook):
    auto = evaluation
    rule = webhook_rule(auto, hook.url)
    hook.status = 410
    ev = auto.create("evaluation", period="p", total=70)
    auto.update("evaluation", ev["id"], total=50)
    assert auto.work()["steps"] == {"failed": 1}
    [run] = auto.runs(rule["id"])
    assert run["status"] == "failed" and run["steps"][0]["attempts"] == 1


def test_unreachable_server_then_up(evaluation, hook, app):
    auto = evaluation
    webhook_rule(auto, "http://127.0.0.1:9/down")
    ev = auto.create("evaluation", period="p", total=70)
    auto.update("evaluation", ev["id"], total=50)
    t0 = at("2030-01-01T00:00:00")
    assert auto.work(t0)["steps"] == {"retry": 1}
    [step] = auto.steps()
    assert "could not reach" in step.error
    with platform(app).sessions.begin() as s:  # the receiver moved: point the pending step at the live server
        payload = dict(step.payload, url=hook.url)
        s.execute(update(RuleStep).where(RuleStep.id == step.id).values(payload=payload))
    auto.work(t0 + timedelta(minutes=1))
    assert len(hook.delivered) == 1
    assert hook.delivered[0]["headers"]["X-Recordbase-Idempotency-Key"] == step.idempotency_key
