"""Helpers of the automation tests (plain functions and data, imported by name); the fixtures are in conftest.py."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

from sqlalchemy import select

from recordbase.automation import worker as automation_worker
from recordbase.automation.models import Notification, RuleRun, RuleStep
from recordbase.context import platform
from support import ok  # noqa: F401  (the one status check; re-exported to this folder's tests)


def error(resp, status: int) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:2000])
    body = resp.get_json()
    assert set(body) == {"error"}, body
    return body["error"]


class Auto:
    """The API client with helpers for types, records, rules, runs and the worker."""

    def __init__(self, api, app):
        self.api = api
        self.app = app

    # types and records
    def make_type(self, name: str, fields: list[dict]) -> None:
        ok(self.api.post("/api/v1/types", json={"name": name, "label": name.replace("_", " ").title()}), 201)
        for f in fields:
            ok(self.api.post(f"/api/v1/types/{name}/fields", json=f), 201)

    def create(self, type_name: str, **values: Any) -> dict:
        return ok(self.api.post(f"/api/v1/records/{type_name}", json={"fields": values}), 201)

    def get(self, type_name: str, rid: int) -> dict:
        return ok(self.api.get(f"/api/v1/records/{type_name}/{rid}"))

    def update(self, type_name: str, rid: int, **values: Any) -> dict:
        version = self.get(type_name, rid)["version"]
        return ok(self.api.patch(f"/api/v1/records/{type_name}/{rid}", json={"fields": values, "version": version}))

    def update_resp(self, type_name: str, rid: int, **values: Any):
        version = self.get(type_name, rid)["version"]
        return self.api.patch(f"/api/v1/records/{type_name}/{rid}", json={"fields": values, "version": version})

    def delete(self, type_name: str, rid: int) -> dict:
        return ok(self.api.delete(f"/api/v1/records/{type_name}/{rid}"))

    def list(self, type_name: str, **params: Any) -> list[dict]:
        return ok(self.api.get(f"/api/v1/records/{type_name}", query_string={"limit": 1000, **params}))["records"]

    # rules
    def rule(self, **rule: Any) -> dict:
        rule.setdefault("name", "rule")
        return ok(self.api.post("/api/v1/rules", json=rule), 201)

    def runs(self, rule_id: int, **params: Any) -> list[dict]:
        return ok(self.api.get(f"/api/v1/rules/{rule_id}/runs", query_string=params))["runs"]

    def inbox(self, **params: Any) -> dict:
        return ok(self.api.get("/api/v1/notifications", query_string=params))

    # the database, directly
    def steps(self, **where: Any) -> list[RuleStep]:
        with platform(self.app).sessions() as s:
            stmt = select(RuleStep).order_by(RuleStep.id)
            for k, v in where.items():
                stmt = stmt.where(getattr(RuleStep, k) == v)
            rows = s.scalars(stmt).all()
            s.expunge_all()
            return rows

    def all_runs(self) -> list[RuleRun]:
        with platform(self.app).sessions() as s:
            rows = s.scalars(select(RuleRun).order_by(RuleRun.id)).all()
            s.expunge_all()
            return rows

    def notifications(self) -> list[Notification]:
        with platform(self.app).sessions() as s:
            rows = s.scalars(select(Notification).order_by(Notification.id)).all()
            s.expunge_all()
            return rows

    # the worker, synchronously, at a chosen moment
    def work(self, now: Optional[datetime] = None) -> dict:
        with self.app.app_context():
            automation_worker.configure(sessions=platform(self.app).sessions, timezone_name="UTC",
                                        worker_id="test-worker")
            return automation_worker.run_once(now)


EVALUATION_FIELDS = [
    {"name": "period", "label": "Period", "label_zh": "期间", "type": "text"},
    {"name": "total", "label": "Total", "label_zh": "总分", "type": "number"},
    {"name": "status", "label": "Status", "type": "single_select",
     "options": {"choices": ["draft", "at_risk", "confirmed", "closed"]}},
    {"name": "owner", "label": "Owner", "type": "user"},
    {"name": "note", "label": "Note", "type": "text"},
]

CORRECTIVE_FIELDS = [
    {"name": "title", "label": "Title", "type": "text", "required": True},
    {"name": "due_date", "label": "Due date", "type": "date"},
    {"name": "owner", "label": "Owner", "type": "user"},
]


class Hook:
    """A local HTTP server recording POSTs; ``fail_next`` makes the next N requests answer 503.
    ``port``: listen on that port (0: any free one)."""

    def __init__(self, port: int = 0):
        self.requests: list[dict] = []
        self.fail_next = 0
        self.status = 200
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if hook.fail_next > 0:
                    hook.fail_next -= 1
                    hook.requests.append({"headers": dict(self.headers), "body": body, "failed": True})
                    self.send_response(503)
                    self.end_headers()
                    return
                hook.requests.append({"headers": dict(self.headers), "body": body, "failed": False})
                self.send_response(hook.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    @property
    def delivered(self) -> list[dict]:
        return [r for r in self.requests if not r["failed"]]

    def json(self, i: int = 0) -> dict:
        return json.loads(self.delivered[i]["body"])

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def at(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
