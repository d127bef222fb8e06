"""An @mention e-mails the mentioned user through the automation outbox when e-mail is configured: one
step without a rule run, delivered by the worker like a rule's e-mail; never to a user who cannot read
the record, never when e-mail is not configured."""
from __future__ import annotations

from sqlalchemy import select

from access.helpers import ok
from recordbase.automation import outbox, worker as automation_worker
from recordbase.automation.models import RuleStep
from recordbase.context import platform

URL = "/api/v1/records/supplier/{}/comments"


class FakeSMTP:
    """Stands in for smtplib.SMTP: keeps what would have been sent."""

    sent: list = []

    def __init__(self, host, port, timeout=None):
        self.host = host

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, msg):
        FakeSMTP.sent.append(msg)


def _steps(app) -> list[RuleStep]:
    with platform(app).sessions() as s:
        rows = s.scalars(select(RuleStep).order_by(RuleStep.id)).all()
        s.expunge_all()
        return rows


def _work(app) -> dict:
    with app.app_context():
        automation_worker.configure(sessions=platform(app).sessions, timezone_name="UTC", worker_id="test-worker")
        return automation_worker.run_once()


def test_a_mention_is_emailed_through_the_outbox(app, people, records, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "mail.example.com")
    monkeypatch.setitem(app.config, "SMTP_TLS", "0")
    monkeypatch.setattr(outbox.smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent = []
    owner = people["owner"].api
    # alice may read a1; bob may not (he manages b1 only): he is neither told nor e-mailed
    made = ok(owner.post(URL.format(records["a1"]), json={
        "body": "@alice@example.com @bob@example.com the badge list for Acme is out of date"}), 201)
    [step] = _steps(app)
    assert (step.run_id, step.action, step.kind, step.status) == (None, "email", "external", "pending")
    assert step.payload["to"] == "alice@example.com" and "badge list" in step.payload["body"]
    assert "mentioned you" in step.payload["subject"]
    assert "/admin/records/supplier/details/" in step.payload["body"]  # a link to the record

    result = _work(app)
    assert result["steps"].get("succeeded") == 1, result
    [mail] = FakeSMTP.sent
    assert mail["To"] == "alice@example.com" and "badge list" in mail.get_content()
    assert _steps(app)[0].status == "succeeded"

    # an edit e-mails only whom it newly mentions; the record's readers only
    ok(owner.patch(f"{URL.format(records['a1'])}/{made['id']}", json={
        "body": "@alice@example.com @bob@example.com the badge list for Acme is out of date (updated)"}))
    assert len(_steps(app)) == 1


def test_no_email_without_mail_configured(app, people, records):
    assert not app.config.get("SMTP_HOST")
    ok(people["owner"].api.post(URL.format(records["a1"]), json={"body": "@alice@example.com please look"}), 201)
    assert _steps(app) == []
    inbox = ok(people["alice"].api.get("/api/v1/notifications"))["notifications"]
    assert any("please look" in n["message"] for n in inbox)  # the inbox still is told
