"""The outsourcing pack with its sample data, installed once for this module: the spec's record
types, computed values, rules and views; then a re-install, an export round trip and an upgrade."""
from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from recordbase import create_app
from recordbase.auth import create_token
from recordbase.automation.models import Notification, Rule
from recordbase.context import platform
from recordbase.metamodel.service import MetamodelService
from recordbase.models import User
from recordbase.packs import load
from recordbase.packs.exporter import export
from recordbase.packs.models import SavedView

from .helpers import Db, metamodel_dump

TYPES = ["supplier", "supplier_review", "contract", "kpi", "evaluation", "evaluation_item", "inspection",
         "corrective_action", "incident", "feedback", "risk", "training"]
KINDS = {"cleaning", "catering", "logistics", "software_testing", "it_support", "customer_service", "translation"}


@pytest.fixture(scope="module")
def pack(module_database_url):
    d = Db(module_database_url)
    uid = d.user("admin@example.com")
    d.uid = uid
    d.report = d.install(load("outsourcing"), sample_data=True, user_id=uid)
    yield d
    d.dispose()


@pytest.fixture(scope="module")
def app(pack, tmp_path_factory):
    app = create_app({"DATABASE_URL": pack.url, "TESTING": True, "SECRET_KEY": "t",
                      "INSTANCE_PATH": str(tmp_path_factory.mktemp("inst"))})
    yield app
    platform(app).engine.dispose()


@pytest.fixture(scope="module")
def api(pack, app):
    with platform(app).sessions.begin() as s:
        token = create_token(s, s.get(User, pack.uid), name="tests")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def by(rows, key):
    return {r[key]: r for r in rows}


def test_the_pack_creates_the_specified_types(pack):
    assert pack.report.created["types"] == TYPES
    meta = metamodel_dump(pack.sessions)
    assert set(TYPES) <= set(meta)
    assert {meta[t]["app"] for t in TYPES} == {"Outsourcing"}
    fields = {t: {f["name"]: f for f in meta[t]["fields"]} for t in TYPES}
    expect = {
        "supplier": "name service_category status is_backup unified_social_credit_code contact_name contact_phone "
                    "contact_email address years_experience headcount certifications reference_clients manager "
                    "latest_grade avg_score open_risks notes",
        "supplier_review": "supplier review_date qualification_score experience_score capacity_score reputation_score "
                           "weighted_score decision reviewer comments",
        "contract": "contract_no title supplier service_scope start_date end_date value payment_terms working_hours "
                    "response_time_minutes confidentiality_clause ip_clause penalty_terms status days_to_expiry owner "
                    "attachment",
        "kpi": "name contract service_category dimension orientation unit target floor direction weight frequency quadrant",
        "evaluation": "supplier contract period items total_score grade reward_penalty evaluator status",
        "evaluation_item": "evaluation kpi target actual achievement weight weighted_score",
        "inspection": "inspection_no supplier contract scheduled_date inspected_at inspector checklist_items "
                      "passed_items pass_rate threshold result notes photos",
        "corrective_action": "title source inspection incident supplier description root_cause action_plan owner "
                             "due_date status overdue",
        "incident": "incident_no supplier contract reported_at responded_at resolved_at severity response_minutes "
                    "sla_minutes sla_breached description",
        "feedback": "supplier contract channel period satisfaction comment submitted_by follow_up_required",
        "risk": "title supplier category description likelihood impact score level treatment mitigation_plan "
                "backup_supplier owner status review_date",
        "training": "title audience supplier date topics attendees passed pass_rate trainer",
    }
    for t, names in expect.items():
        missing = set(names.split()) - set(fields[t])
        assert not missing, f"{t} lacks {missing}"
    assert fields["contract"]["contract_no"]["options"]["pattern"] == "CT-{YYYY}-{0000}"
    assert fields["contract"]["value"]["options"]["code"] == "CNY"
    assert [c["value"] for c in fields["supplier"]["service_category"]["options"]["choices"]][:7] == \
        ["cleaning", "catering", "logistics", "software_testing", "it_support", "customer_service", "translation"]
    assert fields["risk"]["backup_supplier"]["options"]["target"] == "supplier"
    assert fields["incident"]["sla_minutes"]["options"]["target_field"] == "response_time_minutes"
    with pack.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Rule)) >= 9
        assert s.scalar(select(func.count()).select_from(SavedView)) == 8  # 7, and the survey's active suppliers


def test_sample_data_covers_the_spec(pack):
    counts = pack.report.records
    assert counts["supplier"] == 12 and counts["contract"] == 10 and counts["inspection"] == 20
    assert counts["incident"] == 15 and counts["feedback"] == 20 and counts["risk"] == 10 and counts["training"] == 5
    suppliers = pack.rows("supplier")
    assert {s["service_category"] for s in suppliers} >= KINDS
    assert sum(1 for s in suppliers if s["is_backup"]) == 2
    assert all(s["manager"] == "admin@example.com" for s in suppliers)
    today = date.today()
    ends = [date.fromisoformat(c["end_date"]) for c in pack.rows("contract")]
    assert sum(1 for e in ends if today <= e <= today + timedelta(days=30)) == 2
    kpis = pack.rows("kpi")
    per_contract = Counter()
    for k in kpis:
        per_contract[k["contract"]] += k["weight"]
    assert set(per_contract.values()) == {100} and len(per_contract) == 10
    assert all(c["kpi_weights_ok"] is True and c["kpi_weight_total"] == 100 for c in pack.rows("contract"))
    periods = {e["period"] for e in pack.rows("evaluation")}
    assert len(periods) == 3
    assert pack.count("evaluation_item") > 100
    levels = {r["level"] for r in pack.rows("risk")}
    assert levels == {"high", "medium", "low"}


def test_risk_score_and_level(pack):
    for r in pack.rows("risk"):
        assert r["score"] == r["likelihood"] * r["impact"]
        assert r["level"] == ("high" if r["score"] >= 15 else "medium" if r["score"] >= 8 else "low")


def test_evaluation_total_grade_and_reward(pack):
    items = pack.rows("evaluation_item")
    kpis = by(pack.rows("kpi"), "id")
    for it in items:
        k = kpis[it["kpi"]]
        assert it["target"] == k["target"] and it["weight"] == k["weight"]
        t, a = k["target"], it["actual"]
        if k["direction"] == "zero_tolerance":
            expected = 100 if a <= 0 else 0
        elif k["direction"] == "lower_is_better":
            expected = (100 if t == 0 else 120 if a <= 0 else min(t / a, 1.2) * 100) if a <= t else t / a * 100
        else:
            expected = min(a / t, 1.2) * 100
        assert it["achievement"] == pytest.approx(round(expected, 1), abs=0.051)
        assert it["weighted_score"] == pytest.approx(it["achievement"] * it["weight"] / 100, abs=0.006)
    totals = Counter()
    for it in items:
        totals[it["evaluation"]] += it["weighted_score"]
    grades = set()
    for e in pack.rows("evaluation"):
        assert e["total_score"] == pytest.approx(totals[e["id"]], abs=0.01)
        s = e["total_score"]
        assert e["grade"] == ("A" if s >= 90 else "B" if s >= 80 else "C" if s >= 70 else "D")
        grades.add(e["grade"])
        if e["status"] == "confirmed":  # the 'Evaluation confirmed' rule recorded the reward or penalty
            assert e["reward_penalty"] == {"A": "reward", "C": "warning", "D": "penalty"}.get(e["grade"], "none")
        else:
            assert e["reward_penalty"] is None
    assert {"A", "B", "C", "D"} <= grades
    # grade D (confirmed) put that supplier under review; latest grades follow the latest confirmed evaluation
    suppliers = by(pack.rows("supplier"), "id")
    for e in pack.rows("evaluation"):
        if e["status"] == "confirmed" and e["grade"] == "D":
            assert suppliers[e["supplier"]]["status"] == "under_review"
            assert suppliers[e["supplier"]]["latest_grade"] == "D"
    graded = [s for s in suppliers.values() if s["avg_score"] is not None]
    assert len(graded) == 7 and all(s["latest_grade"] in "ABCD" for s in graded)


def test_incident_sla_and_inspection_results(pack):
    incidents = pack.rows("incident")
    breached = [i for i in incidents if i["sla_breached"]]
    for i in incidents:
        rep = datetime.fromisoformat(i["reported_at"])
        resp = datetime.fromisoformat(i["responded_at"])
        assert i["response_minutes"] == int((resp - rep).total_seconds() // 60)
        assert i["sla_breached"] is (i["response_minutes"] > i["sla_minutes"])
    assert 0 < len(breached) < len(incidents)
    inspections = pack.rows("inspection")
    done = [i for i in inspections if i["checklist_items"]]
    for i in done:
        assert i["pass_rate"] == pytest.approx(round(i["passed_items"] / i["checklist_items"] * 100, 1))
        assert i["result"] == ("pass" if i["pass_rate"] >= i["threshold"] else "fail")
    assert all(i["result"] is None for i in inspections if not i["checklist_items"])
    failed = [i for i in done if i["result"] == "fail"]
    assert 0 < len(failed) < len(done)


def test_install_rules_opened_one_corrective_action_per_trigger(pack):
    actions = pack.rows("corrective_action")
    failed = {i["id"] for i in pack.rows("inspection") if i["result"] == "fail"}
    from_inspections = Counter(a["inspection"] for a in actions if a["source"] == "inspection")
    assert set(from_inspections) == failed and set(from_inspections.values()) == {1}
    breached = {i["id"] for i in pack.rows("incident") if i["sla_breached"]}
    from_incidents = Counter(a["incident"] for a in actions if a["source"] == "incident")
    assert set(from_incidents) == breached and set(from_incidents.values()) == {1}
    low = [f for f in pack.rows("feedback") if f["satisfaction"] < 80]
    assert len([a for a in actions if a["source"] == "feedback"]) == len(low) > 0
    for a in actions:
        if a["source"] in ("inspection", "incident", "feedback"):
            assert a["owner"] == "admin@example.com" and a["status"] == "open"
            assert date.fromisoformat(a["due_date"]) == date.today() + timedelta(days=7)
    with pack.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == pack.uid)) > 10


def test_saved_views_over_the_api(api, pack):
    views = api.get("/api/v1/views?type=contract").get_json()["views"]
    assert [v["name"] for v in views] == ["Expiring in 90 days"] and views[0]["name_zh"] == "90天内到期合同"
    resp = api.get("/api/v1/records/contract?view=Expiring in 90 days")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    rows = [r["fields"] for r in resp.get_json()["records"]]
    today = date.today()
    ending = [c for c in pack.rows("contract") if today <= date.fromisoformat(c["end_date"]) <= today + timedelta(days=90)]
    assert sorted(r["title"] for r in rows) == sorted(c["title"] for c in ending) and len(rows) >= 3
    assert [r["end_date"] for r in rows] == sorted(r["end_date"] for r in rows)  # the view's sort
    assert rows[0]["days_to_expiry"] <= 30 and rows[0]["status"] == "expiring"
    by_id = api.get(f"/api/v1/records/contract?view={views[0]['id']}&sort=-end_date").get_json()["records"]
    assert [r["fields"]["end_date"] for r in by_id] == sorted((r["end_date"] for r in rows), reverse=True)
    for name, check in [("Open high risks", lambda r: r["level"] == "high" and r["status"] != "closed"),
                        ("SLA-breached incidents", lambda r: r["sla_breached"]),
                        ("Failed inspections this month", lambda r: r["result"] == "fail"),
                        ("Overdue corrective actions", lambda r: r["overdue"]),
                        ("Backup suppliers by category", lambda r: r["is_backup"])]:
        view = next(v for v in api.get("/api/v1/views").get_json()["views"] if v["name"] == name)
        got = api.get(f"/api/v1/records/{view['type']}?view={view['id']}").get_json()["records"]
        assert got and all(check(r["fields"]) for r in got), name
    assert api.get("/api/v1/records/contract?view=nope").status_code == 404


def test_the_admin_shows_the_app_in_both_languages(app, pack, switch_language):
    import re

    client = app.test_client()
    page = client.get("/admin/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    resp = client.post("/admin/login/", data={"email": "admin@example.com", "password": "correct horse battery",
                                              "csrf_token": token})
    assert resp.status_code in (302, 303)
    home = client.get("/admin/").get_data(as_text=True)
    menu = home[home.index('<ul class="nav navbar-nav mr-auto">'):home.index('<ul class="nav navbar-nav navbar-right')]
    assert "Outsourcing" in menu and "Supplier" in menu and "Corrective action" in menu
    for t in TYPES:
        assert client.get(f"/admin/records/{t}/").status_code == 200, t
    listing = client.get("/admin/records/supplier/").get_data(as_text=True)
    assert "Huajie Cleaning" in listing
    inspection = pack.rows("inspection")[0]
    assert client.get(f"/admin/records/inspection/edit/?id={inspection['id']}").status_code == 200
    switch_language(client, "zh")
    home = client.get("/admin/").get_data(as_text=True)
    menu = home[home.index('<ul class="nav navbar-nav mr-auto">'):home.index('<ul class="nav navbar-nav navbar-right')]
    assert "外包管理" in menu and "供应商" in menu and "整改措施" in menu and "Outsourcing" not in menu


def test_reinstalling_changes_nothing(pack):
    counts = {t: pack.count(t) for t in TYPES}
    meta = metamodel_dump(pack.sessions)
    again = pack.install(load("outsourcing"), sample_data=True, user_id=pack.uid)
    assert not again.changed and again.conflicts == []
    assert {t: pack.count(t) for t in TYPES} == counts
    assert metamodel_dump(pack.sessions) == meta


def test_export_then_install_into_an_empty_instance_gives_the_same_metamodel(pack, other_db):
    with pack.sessions() as s:
        exported, left_out = export(s, TYPES, pack_id="outsourcing_copy")
    assert left_out == []
    exported = json.loads(json.dumps(exported))  # as written to a file
    report = other_db.install(exported)
    assert report.created["types"] == TYPES
    ours, theirs = metamodel_dump(pack.sessions), metamodel_dump(other_db.sessions)
    for t in TYPES:
        for key in ("label", "label_zh", "description", "app", "primary_field", "position"):
            assert theirs[t][key] == ours[t][key], (t, key)
        assert [f["name"] for f in theirs[t]["fields"]] == [f["name"] for f in ours[t]["fields"]], t
        for a, b in zip(theirs[t]["fields"], ours[t]["fields"]):
            assert a == b, (t, a["name"])
    with pack.sessions() as s1, other_db.sessions() as s2:
        rule = lambda r: (r.name, r.name_zh, r.type_name, r.trigger, r.enabled, json.dumps(r.definition, sort_keys=True))
        assert sorted(map(rule, s1.scalars(select(Rule)))) == sorted(map(rule, s2.scalars(select(Rule))))
        view = lambda v: (v.type_name, v.name, v.name_zh, json.dumps(v.filter, sort_keys=True), v.sort, v.columns)
        assert sorted(map(view, s1.scalars(select(SavedView)))) == sorted(map(view, s2.scalars(select(SavedView))))


def test_export_with_records_then_install_reproduces_the_data(pack, other_db):
    """The acceptance's round trip with the data: the rules acted on the exported records already
    (their corrective actions are exported too), so installing them does not run the rules again."""
    with pack.sessions() as s:
        exported, left_out = export(s, TYPES, records=True, pack_id="outsourcing_copy")
    assert left_out == []
    assert all(f["run_rules"] is False for f in exported["sample_data"])
    # supplier.latest_evaluation and evaluation.supplier form a cycle: the required link goes first
    order = [f["type"] for f in exported["sample_data"]]
    assert order.index("supplier") < order.index("contract") < order.index("evaluation")
    uid = other_db.user("admin@example.com")  # user fields are exported by e-mail
    report = other_db.install(json.loads(json.dumps(exported)), sample_data=True, user_id=uid)
    assert report.records == {t: pack.count(t) for t in TYPES if pack.count(t)}
    assert {t: other_db.count(t) for t in TYPES} == {t: pack.count(t) for t in TYPES}
    meta = metamodel_dump(pack.sessions)
    skip = ("link", "user", "created_by", "updated_by", "created_at", "updated_at", "autonumber", "attachment")
    for t in TYPES:
        names = [f["name"] for f in meta[t]["fields"] if f["type"] not in skip]
        ours = sorted(json.dumps(r, sort_keys=True, default=str) for r in pack.rows(t, *names))
        theirs = sorted(json.dumps(r, sort_keys=True, default=str) for r in other_db.rows(t, *names))
        assert theirs == ours, t


def test_the_other_packs_fit_beside_it(pack):
    from recordbase.packs import catalog_names
    from recordbase.packs.validator import validate

    with pack.sessions() as s:
        instance = pack.store(s).schema
        for name in catalog_names():
            if name != "outsourcing":
                plan = validate(load(name), instance)
                assert not {t["name"] for t in plan.types} & set(TYPES), name


# -- the tests below change the module's database -------------------------------------------
def test_scheduled_and_date_relative_rules(pack):
    """Run the worker's scheduler 46 days ahead: the contract ending in 75 days is marked expiring (30 days
    before its end), and the weekly food-hygiene spot check created an inspection per catering contract."""
    from recordbase.automation.scheduler import run_due
    from recordbase.metamodel.runtime import SchemaCache

    server_room = next(c for c in pack.rows("contract") if c["title"].startswith("Server room"))
    assert server_room["status"] == "active"
    catering = [c for c in pack.rows("contract") if c["service_category"] == "catering" and c["status"] == "active"]
    before = pack.count("inspection")
    now = datetime.combine(date.today() + timedelta(days=46), datetime.min.time().replace(hour=10),
                           tzinfo=timezone.utc)
    counts = run_due(pack.sessions, SchemaCache(), now, "tests", "UTC")
    assert counts["failed"] == 0, counts
    assert next(c for c in pack.rows("contract") if c["id"] == server_room["id"])["status"] == "expiring"
    new = [i for i in pack.rows("inspection")[before:]]
    assert len(new) >= len(catering) and {i["contract"] for i in new} >= {c["id"] for c in catering}
    with pack.sessions() as s:
        messages = list(s.scalars(select(Notification.message).where(Notification.user_id == pack.uid)))
    assert any("Server room" in m and "ends on" in m for m in messages)

def test_an_inspection_updated_below_the_threshold_opens_one_corrective_action(pack):
    upcoming = next(i for i in pack.rows("inspection") if not i["checklist_items"])
    before = pack.count("corrective_action")
    with pack.sessions.begin() as s:
        st = pack.store(s, pack.uid)
        rec = st.update("inspection", upcoming["id"], {"checklist_items": 20, "passed_items": 15})
        assert rec.values["result"] == "fail" and rec.values["pass_rate"] == 75
    actions = [a for a in pack.rows("corrective_action") if a["inspection"] == upcoming["id"]]
    assert len(actions) == 1 and pack.count("corrective_action") == before + 1
    assert actions[0]["source"] == "inspection" and actions[0]["supplier"] == upcoming["supplier"]
    with pack.sessions.begin() as s:  # still failing after another edit: no second corrective action
        pack.store(s, pack.uid).update("inspection", upcoming["id"], {"passed_items": 16})
    assert pack.count("corrective_action") == before + 1


def test_an_incident_answered_later_than_the_sla_is_a_breach(pack):
    contract = next(c for c in pack.rows("contract") if c["response_time_minutes"] == 30)
    reported = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=3)
    before = pack.count("corrective_action")
    with pack.sessions.begin() as s:
        st = pack.store(s, pack.uid)
        rec = st.create("incident", {"supplier": contract["supplier"], "contract": contract["id"], "severity": "high",
                                     "reported_at": reported.isoformat()})
        assert rec.values["sla_breached"] is False
        rec = st.update("incident", rec.id, {"responded_at": (reported + timedelta(minutes=45)).isoformat()})
        assert rec.values["response_minutes"] == 45 and rec.values["sla_minutes"] == 30
        assert rec.values["sla_breached"] is True
        incident_id = rec.id
    actions = [a for a in pack.rows("corrective_action") if a["incident"] == incident_id]
    assert len(actions) == 1 and actions[0]["source"] == "incident"
    assert pack.count("corrective_action") == before + 1


def test_a_newer_version_keeps_a_relabelled_field_and_the_records(pack):
    with pack.sessions.begin() as s:
        MetamodelService(s).update_field("supplier", "headcount", {"label": "Staff we can get", "label_zh": "可用人数"})
        pack.store(s, pack.uid).create("supplier", {"name": "Our own supplier", "service_category": "security"})
    counts = {t: pack.count(t) for t in TYPES}
    src = load("outsourcing")
    manifest = copy.deepcopy(src.manifest)
    manifest["version"] = "9.1.0"  # newer than the pack's own
    supplier = manifest["types"][0]
    next(f for f in supplier["fields"] if f["name"] == "headcount")["label"] = "Headcount"
    supplier["fields"].append({"name": "website", "label": "Website", "label_zh": "网站", "type": "url"})
    src.manifest = manifest
    report = pack.install(src, sample_data=True, user_id=pack.uid)
    assert report.mode == "upgrade" and report.created["fields"] == ["supplier.website"]
    assert [c["item"] for c in report.conflicts] == ["supplier.headcount"]
    fields = {f["name"]: f for f in metamodel_dump(pack.sessions)["supplier"]["fields"]}
    assert fields["headcount"]["label"] == "Staff we can get" and "website" in fields
    assert {t: pack.count(t) for t in TYPES} == counts
    assert any(s["name"] == "Our own supplier" for s in pack.rows("supplier"))


def test_a_suspended_supplier_opens_a_failure_risk_per_active_contract(pack):
    supplier = next(s for s in pack.rows("supplier") if s["name"].startswith("Huayi Translation"))
    contracts = [c for c in pack.rows("contract") if c["supplier"] == supplier["id"] and c["status"] in ("active", "expiring")]
    assert contracts
    before = pack.count("risk")
    with pack.sessions.begin() as s:
        from recordbase.workflow.engine import WorkflowEngine

        # the supplier workflow: the status changes by its transition (suspend needs a comment)
        WorkflowEngine(pack.store(s, pack.uid)).take("supplier", supplier["id"], "suspend", "quality incident")
    risks = [r for r in pack.rows("risk") if r["category"] == "supplier_failure" and r["supplier"] == supplier["id"]]
    assert sorted(r["contract"] for r in risks) == sorted(c["id"] for c in contracts)
    assert pack.count("risk") == before + len(contracts)
    assert all(r["level"] == "high" and r["status"] == "open" and r["owner"] == "admin@example.com" for r in risks)
    assert all(c["supplier_alert"] for c in pack.rows("contract") if c["supplier"] == supplier["id"])
