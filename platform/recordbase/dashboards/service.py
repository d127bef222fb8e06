"""Create, change, delete and find dashboards; the caller owns the transaction. Every document is checked
(:func:`.document.check_dashboard`) before it is stored."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..metamodel.runtime import RuntimeSchema
from ..models import utcnow
from .document import DashboardError, check_dashboard
from .models import Dashboard

STORED_KEYS = ("name", "name_zh", "app", "position", "widgets")


class DashboardService:
    def __init__(self, session: Session, schema: RuntimeSchema) -> None:
        self.session = session
        self.schema = schema

    def list(self) -> list[Dashboard]:
        return list(self.session.scalars(select(Dashboard).order_by(Dashboard.position, Dashboard.id)))

    def get(self, dashboard_id: Any) -> Dashboard:
        try:
            did = int(dashboard_id)
        except (TypeError, ValueError):
            did = None
        found = self.session.get(Dashboard, did) if did is not None and 0 < did < 2**31 else None
        if found is None:
            raise NotFound(f"No dashboard with id {dashboard_id}", {"id": dashboard_id})
        return found

    def home_of(self, app: str) -> Optional[Dashboard]:
        return self.session.scalars(select(Dashboard).where(Dashboard.app == app)
                                    .order_by(Dashboard.position, Dashboard.id)).first()

    def _check(self, data: Any) -> dict:
        problems = check_dashboard(data, self.schema)
        if problems:
            raise DashboardError(problems)
        return data

    def create(self, data: Any, user_id: Optional[int] = None) -> Dashboard:
        data = self._check({k: v for k, v in data.items() if k != "key"} if isinstance(data, dict) else data)
        dashboard = Dashboard(name=data["name"].strip(), name_zh=data.get("name_zh") or None, app=data.get("app") or None,
                              position=data.get("position") or 0, document={"widgets": data.get("widgets") or []},
                              created_by=user_id)
        self.session.add(dashboard)
        self.session.flush()
        return dashboard

    def update(self, dashboard_id: Any, data: dict) -> Dashboard:
        dashboard = self.get(dashboard_id)
        merged = {"name": dashboard.name, "name_zh": dashboard.name_zh, "app": dashboard.app,
                  "position": dashboard.position, "widgets": (dashboard.document or {}).get("widgets") or []}
        merged.update({k: v for k, v in data.items() if k in STORED_KEYS})
        self._check(merged)
        dashboard.name, dashboard.name_zh = merged["name"].strip(), merged.get("name_zh") or None
        dashboard.app, dashboard.position = merged.get("app") or None, merged.get("position") or 0
        dashboard.document = {"widgets": list(merged["widgets"])}
        dashboard.updated_at = utcnow()
        self.session.flush()
        return dashboard

    def delete(self, dashboard_id: Any) -> None:
        self.session.delete(self.get(dashboard_id))
        self.session.flush()
