"""The CRM, equipment and helpdesk packs: install with sample data, their computed fields and rules."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from recordbase.metamodel.runtime import SchemaCache
from recordbase.packs import load


def _run_scheduled(db, now: datetime) -> dict:
    from recordbase.automation.scheduler import run_due

    return run_due(db.sessions, SchemaCache(), now, "tests", "UTC")


def test_the_three_packs_install_side_by_side(db):
    uid = db.user()
    for name in ("crm", "equipment", "helpdesk"):
        report = db.install(load(name), user_id=uid)
        assert report.created["types"] and not report.conflicts, name
    assert len(db.type_names()) == 4 + 4 + 4


def test_crm(db):
    uid = db.user()
    report = db.install(load("crm"), sample_data=True, user_id=uid)
    assert report.created["types"] == ["company", "contact", "opportunity", "activity"]
    opps = db.rows("opportunity")
    for o in opps:
        assert o["weighted_amount"] == round(o["amount"] * o["probability"] / 100, 2)
    companies = {c["id"]: c for c in db.rows("company")}
    for cid, c in companies.items():
        open_ = [o for o in opps if o["company"] == cid and o["stage"] not in ("won", "lost")]
        assert c["open_opportunities"] == len(open_)
        assert (c["pipeline"] or 0) == sum(o["weighted_amount"] for o in open_)
    idle = [o for o in opps if o["days_idle"] is not None and o["days_idle"] >= 14 and o["stage"] not in ("won", "lost")]
    assert idle
    # the won rule: an opportunity moved to won gets probability 100
    target = next(o for o in opps if o["stage"] == "negotiation")
    with db.sessions.begin() as s:
        rec = db.store(s, uid).update("opportunity", target["id"], {"stage": "won"})
        assert rec.values["probability"] == 100
    # the idle reminder runs daily at 09:00 and notifies the owner of each idle opportunity
    tomorrow = datetime.combine(date.today() + timedelta(days=1), time(9, 30), tzinfo=timezone.utc)
    counts = _run_scheduled(db, tomorrow)
    assert counts["runs"] >= len(idle)


def test_equipment(db):
    uid = db.user()
    db.install(load("equipment"), sample_data=True, user_id=uid)
    plans = {p["title"]: p for p in db.rows("maintenance_plan")}
    for p in plans.values():
        assert date.fromisoformat(p["next_due"]) == date.fromisoformat(p["last_done"]) + timedelta(days=p["interval_days"])
    # a critical fault put its equipment under repair
    equipment = {e["id"]: e for e in db.rows("equipment")}
    critical = [f for f in db.rows("fault_report") if f["severity"] == "critical" and f["status"] == "open"]
    assert critical and all(equipment[f["equipment"]]["status"] == "under_repair" for f in critical)
    # maintenance due (date-relative, 3 days before next_due): a work order is created for the plan
    plan = next(p for p in plans.values() if p["days_left"] == 10)
    before = db.count("maintenance_record")
    now = datetime.combine(date.today() + timedelta(days=8), time(9, 0), tzinfo=timezone.utc)
    _run_scheduled(db, now)
    new = [r for r in db.rows("maintenance_record") if r["plan"] == plan["id"] and r["status"] == "scheduled"]
    assert len(new) == 1 and new[0]["date"] == plan["next_due"] and db.count("maintenance_record") > before
    # finishing it moves the plan on
    with db.sessions.begin() as s:
        db.store(s, uid).update("maintenance_record", new[0]["id"], {"status": "done"})
    moved = next(p for p in db.rows("maintenance_plan") if p["id"] == plan["id"])
    assert moved["last_done"] == plan["next_due"]


def test_helpdesk(db):
    uid = db.user()
    db.install(load("helpdesk"), sample_data=True, user_id=uid)
    tickets = db.rows("ticket")
    sla = {"p1": 4, "p2": 8, "p3": 24, "p4": 72}
    now = datetime.now(timezone.utc)
    for t in tickets:
        assert t["sla_hours"] == sla[t["priority"]]
        opened, due = datetime.fromisoformat(t["opened_at"]), datetime.fromisoformat(t["due"])
        assert due - opened == timedelta(hours=t["sla_hours"])
        end = datetime.fromisoformat(t["resolved_at"]) if t["resolved_at"] else now
        assert t["breached"] is (end > due)
        if t["breached"] and t["status"] not in ("resolved", "closed"):
            assert t["escalated"] is True  # the breach rule escalated it
    assert any(t["breached"] for t in tickets) and not all(t["breached"] for t in tickets)
    # a ticket that becomes overdue while nobody touches it is escalated by the 15-minute check
    fresh = next(t for t in tickets if t["status"] == "new" and not t["breached"])
    later = datetime.fromisoformat(fresh["due"]) + timedelta(minutes=20)
    _run_scheduled(db, later)
    assert next(t for t in db.rows("ticket") if t["id"] == fresh["id"])["escalated"] is True
