"""Dashboards in template packs (top-level ``dashboards`` of ``pack.json``): their check when a pack is
validated, their install step (as saved views': a dashboard the pack has not installed before is created;
one it installed is updated only when the pack changed it and the user did not; one the user deleted
stays deleted; one the user changed keeps the user's version, reported as a conflict), and their export
(the dashboards whose widgets all read exported record types)."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from ..metamodel.runtime import RuntimeSchema
from .document import check_dashboard, dashboard_definition
from .models import Dashboard
from .service import DashboardService


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return slug if re.match(r"^[a-z][a-z0-9_]{0,62}$", slug or "") else "dashboard"


def check_pack_dashboards(checker: Any, schema: RuntimeSchema) -> list[tuple[str, dict, str]]:
    """The pack's dashboards as (key, document, path); problems go to ``checker.problem``."""
    out, keys = [], {}
    for i, d in enumerate(checker.m.get("dashboards") or []):
        path = f"$.dashboards[{i}]"
        if not isinstance(d, dict) or not isinstance(d.get("name"), str):
            checker.problem(path, "a dashboard must be an object with a name")
            continue
        key = d.get("key") or _slug(d["name"])
        if key in keys:
            checker.problem(f"{path}.name", f"duplicate dashboard '{key}' (also at {keys[key]})")
            continue
        keys[key] = path
        for p, message in check_dashboard(d, schema):
            checker.problem(path + p[1:], message)
        out.append((key, {k: v for k, v in d.items() if k != "key"}, path))
    return out


def install_dashboards(state: Any) -> None:
    """The install step (``state``: the installer, :class:`recordbase.packs.install_state.InstallState`)."""
    from ..packs.install_keyed import KeyedKind, by_id, install_keyed

    plan = getattr(state.plan, "dashboards", None) or []
    if not plan:
        return
    service = DashboardService(state.session, state.schema)
    state.report.created.setdefault("dashboards", [])
    install_keyed(state, KeyedKind(
        kind="dashboard", find=by_id(state.session, Dashboard), state=dashboard_definition, created="dashboards",
        create=lambda data: service.create(data, state.user_id), update=lambda d, data: service.update(d.id, data),
    ), [e for e in plan if not any(w.get("type") in state.gone_types for w in e[1].get("widgets") or [])])


def export_dashboards(session: Any, selected: list[str], keys: dict[int, str]) -> list[dict]:
    """The dashboards over the exported types only, as pack documents (``keys``: pack keys by dashboard id)."""
    out, used = [], set()
    for d in session.scalars(select(Dashboard).order_by(Dashboard.position, Dashboard.id)):
        widgets = (d.document or {}).get("widgets") or []
        if not widgets or any(w.get("type") not in selected for w in widgets):
            continue
        key = keys.get(d.id) or _slug(d.name)
        doc = dashboard_definition(d)
        if key not in used:
            used.add(key)
            doc = {"key": key, **doc}
        out.append(doc)
    return out
