"""The outsourcing pack's satisfaction survey: a public form whose ratings feed the supplier's and the
contract's satisfaction; public forms travel in packs (install, re-install, export, install again)."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from access.helpers import csrf_token_from, ok, text
from packs.fixtures import other_db  # noqa: F401  (fixture)
from packs.helpers import Db
from recordbase.access.models import PublicForm
from recordbase.packs import load
from recordbase.packs.exporter import export


@pytest.fixture
def installed(api, database_url):
    ok(api.post("/api/v1/packs/install", json={"pack": "outsourcing"}), 201)
    return Db(database_url)


def _as_they_are(app, type_name: str, fields: dict) -> int:
    """A record written in a workflow state other than the initial one, as a pack's sample data is
    (``workflow_bypass``): the survey's test is about the survey, not the approvals before it."""
    from recordbase.context import platform
    from recordbase.storage import RecordStore

    p = platform(app)
    with p.sessions.begin() as s:
        store = RecordStore(s, p.schema_cache.get(s), user_id=None)
        store.workflow_bypass = True
        return store.create(type_name, fields).id


def test_survey_feeds_the_suppliers_and_the_contracts_satisfaction(app, api, installed):
    form = ok(api.get("/api/v1/types/feedback/forms"))["forms"][0]
    assert form["title_zh"] == "服务满意度调查" and form["settings"]["link_views"] == {"supplier": "Active suppliers"}
    # suppliers and a contract as they stand after their workflows' approvals (written as sample data is)
    good = _as_they_are(app, "supplier", {"name": "Bright Clean", "status": "approved", "service_category": "cleaning"})
    _as_they_are(app, "supplier", {"name": "Gone Ltd", "status": "terminated", "service_category": "cleaning"})
    contract = _as_they_are(app, "contract", {"title": "Cleaning 2026", "supplier": good, "status": "active"})
    client = app.test_client()
    page = text(client.get(form["url"] + "?lang=zh"))
    assert "Bright Clean" in page and "Gone Ltd" not in page and "为您提供服务的公司" in page
    for ratings in (("5", "4", "4"), ("3", "3", "3")):
        body = {"csrf_token": csrf_token_from(text(client.get(form["url"]))), "f_supplier": str(good),
                "f_rating_quality": ratings[0], "f_rating_responsiveness": ratings[1],
                "f_rating_attitude": ratings[2], "f_comment": "ok", "f_submitted_by": "Canteen"}
        assert client.post(form["url"], data=body).status_code == 200
    rows = ok(api.get("/api/v1/records/feedback?sort=id"))["records"]
    assert [r["fields"]["satisfaction"] for r in rows] == [pytest.approx(86.7), pytest.approx(60)]
    assert all(r["fields"]["channel"] == "survey" for r in rows)
    assert rows[1]["fields"]["follow_up_required"] is True  # the pack's low-satisfaction rule takes it from here
    supplier = ok(api.get(f"/api/v1/records/supplier/{good}"))["fields"]
    assert supplier["avg_satisfaction"] == pytest.approx(73.35, abs=0.06)
    assert ok(api.get(f"/api/v1/records/contract/{contract}"))["fields"]["supplier_satisfaction"] == \
        pytest.approx(supplier["avg_satisfaction"])


def test_forms_round_trip_through_packs(installed, other_db):  # noqa: F811
    with installed.sessions.begin() as s:
        again = __import__("recordbase.packs.installer", fromlist=["install"]).install(s, load("outsourcing"))
    assert not again.changed and again.conflicts == []
    with installed.sessions() as s:
        assert len(s.scalars(select(PublicForm)).all()) == 1
        exported, _ = export(s, ["supplier", "contract", "kpi", "evaluation", "evaluation_item", "inspection",
                                 "corrective_action", "incident", "feedback", "risk", "training", "supplier_review"],
                             pack_id="outsourcing_copy")
    assert [f["key"] for f in exported["forms"]] == ["satisfaction_survey"]
    other_db.user()
    report = other_db.install(json.loads(json.dumps(exported)))
    assert report.created["forms"] == ["satisfaction_survey"]
    pick = lambda f: (f.type_name, f.title, f.title_zh, f.fields, f.settings, f.thank_you_zh)
    with installed.sessions() as s1, other_db.sessions() as s2:
        ours, theirs = s1.scalars(select(PublicForm)).one(), s2.scalars(select(PublicForm)).one()
        assert pick(ours) == pick(theirs) and ours.token != theirs.token


def test_pack_forms_are_checked():
    from recordbase.packs.loader import PackError, from_json
    from recordbase.packs.validator import validate

    source = load("outsourcing")
    pack = json.loads(json.dumps(source.manifest))
    pack["forms"][0]["settings"]["link_views"]["supplier"] = "No such view"
    pack["forms"].append({"type": "feedback", "title": "T", "fields": ["comment"], "key": "satisfaction_survey"})
    pack["forms"].append({"type": "risk", "title": "T", "fields": ["owner"]})
    with pytest.raises(PackError) as caught:
        validate(from_json(pack, base=source.base))
    paths = {p["path"]: p["message"] for p in caught.value.details["errors"]}
    assert "No such view" in str(paths) and "$.forms[1].key" in paths and "user field" in paths["$.forms[2].fields"]


def test_sample_data_carries_comments(api):
    ok(api.post("/api/v1/packs/install", json={"pack": "outsourcing", "sample_data": True}), 201)
    supplier = ok(api.get("/api/v1/records/supplier?sort=id&limit=1"))["records"][0]
    comments = ok(api.get(f"/api/v1/records/supplier/{supplier['id']}/comments"))["comments"]
    assert len(comments) == 2 and "badge list" in comments[0]["body"]
