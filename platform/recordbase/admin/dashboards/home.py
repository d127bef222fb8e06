"""What the admin's home page shows besides the record types: each installed app's dashboard (its home
page: the first dashboard whose ``app`` is the app) and "assigned to me" — per record type and user field
(not the system ones), the first records whose field names the signed-in user, with their count and the
link to all of them. Everything read through the request's record store (the user's rights)."""
from __future__ import annotations

from typing import Any

from flask import url_for

from ...access import current_policy
from ...context import current_lang, current_schema, current_user, db_session, record_store
from ...dashboards.service import DashboardService
from ...dashboards.widgets import KINDS
from ...errors import RecordbaseError

ASSIGNED_ROWS = 5


def app_dashboards() -> list[tuple[Any, list]]:
    """(dashboard, [(index, widget) the user may read]) of each app's home page."""
    from ...packs.installer import installed_packs

    policy, schema = current_policy(), current_schema()
    apps = [a["name"] for p in installed_packs(db_session()).values() if p.status == "installed" for a in p.apps or []]
    service = DashboardService(db_session(), schema)
    out = []
    for app in dict.fromkeys(apps):
        d = service.home_of(app)
        if d is None:
            continue
        widgets = [(i, w) for i, w in enumerate((d.document or {}).get("widgets") or [])
                   if w.get("type") in schema.types and (policy is None or policy.can("read", w["type"]))]
        if widgets:
            out.append((d, widgets))
    return out


def assigned_to_me() -> list[dict]:
    """Per type and user field: its label, the count, the first records (title, link) and the list's link."""
    from ...dashboards.drill import records_url
    from ...storage.aggregation import Dimension

    user = current_user()
    if user is None:
        return []
    store, lang = record_store(), current_lang()
    out = []
    for t in current_schema().ordered():
        if not store.can("read", t.name):
            continue
        visible = store.visible_type(t.name)
        for f in visible.fields:
            if f.field_type != "user":
                continue
            flt = {"field": f.name, "op": "eq", "value": user.id}
            try:
                count = store.count(t.name, filter=flt)
                if not count:
                    continue
                page = store.list(t.name, filter=flt, sort="-updated_at", limit=ASSIGNED_ROWS)
            except RecordbaseError:
                continue
            out.append({"label": f"{visible.display_label(lang)} · {f.display_label(lang)}", "count": count,
                        "records": [(store.title(r), url_for("records.details_view", type_name=t.name, id=r.id))
                                    for r in page.records],
                        "link": records_url(store, t.name, [(Dimension(f.name), user.id)], None)})
    return out


def home_context() -> dict:
    return {"app_dashboards": app_dashboards(), "assigned": assigned_to_me(), "kinds": KINDS}
