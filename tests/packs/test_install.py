"""Install, install again, upgrade, uninstall, re-install and export, on a small pack."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from recordbase.automation.models import Rule
from recordbase.errors import Conflict
from recordbase.metamodel.service import MetamodelService
from recordbase.packs import PackError
from recordbase.packs.exporter import export, write_pack
from recordbase.packs.loader import load
from recordbase.packs.models import Pack, PackItem, SavedView

from .helpers import metamodel_dump
from .packdata import mini_pack, mini_pack_v2


def _state(db) -> dict:
    with db.sessions() as s:
        rules = sorted((r.name, r.enabled, r.definition == r.definition) for r in s.scalars(select(Rule)))
        views = sorted((v.type_name, v.name) for v in s.scalars(select(SavedView)))
        items = s.scalar(select(func.count()).select_from(PackItem))
    counts = {t: db.count(t) for t in db.type_names()}
    return {"meta": metamodel_dump(db.sessions), "rules": rules, "views": views, "items": items, "counts": counts}


def test_install_creates_everything_and_sample_data(db):
    uid = db.user()
    report = db.install(mini_pack(), sample_data=True, user_id=uid)
    assert report.mode == "install" and report.changed
    assert report.created["types"] == ["company", "deal"]
    assert len(report.created["fields"]) == 12 and report.created["rules"] == ["won_deal"]
    assert report.created["views"] == ["big_deals"] and report.records == {"company": 2, "deal": 2}
    meta = metamodel_dump(db.sessions)
    assert meta["company"]["label_zh"] == "公司" and meta["company"]["app"] == "CRM"
    assert meta["deal"]["primary_field"] == "title"
    weighted = next(f for f in meta["deal"]["fields"] if f["name"] == "weighted")
    assert weighted["options"]["expression"] == "{amount} * {probability} / 100"  # labels become API names
    deals = {d["title"]: d for d in db.rows("deal")}
    assert deals["Acme renewal"]["weighted"] == 6000
    companies = {c["name"]: c for c in db.rows("company")}
    assert deals["Acme renewal"]["company"] == companies["Acme"]["id"]
    assert companies["Acme"]["deal_total"] == 12000
    # the sample's won deal fired the pack's rule: Globex became gold
    assert companies["Globex"]["tier"] == "gold" and companies["Acme"]["tier"] == "silver"
    with db.sessions() as s:
        pack = s.scalars(select(Pack)).one()
        assert (pack.pack_id, pack.version, pack.status) == ("mini", "1.0.0", "installed")
        assert pack.apps == [{"name": "crm", "label": "CRM", "label_zh": "客户管理"}]


def test_installing_twice_changes_nothing(db):
    uid = db.user()
    db.install(mini_pack(), sample_data=True, user_id=uid)
    before = _state(db)
    again = db.install(mini_pack(), sample_data=True, user_id=uid)
    assert not again.changed and again.mode == "upgrade"
    assert again.conflicts == [] and again.skipped == []
    assert _state(db) == before


def test_upgrade_keeps_the_users_changes_and_data(db):
    uid = db.user()
    db.install(mini_pack(), sample_data=True, user_id=uid)
    with db.sessions.begin() as s:
        svc = MetamodelService(s)
        svc.update_field("company", "notes", {"label": "My comments", "label_zh": "我的备注"})
        svc.delete_field("company", "website")
        st = db.store(s, uid)
        st.create("company", {"name": "Mine Ltd", "notes": "my own record"})
    report = db.install(mini_pack_v2(), sample_data=True, user_id=uid)
    assert report.mode == "upgrade" and report.previous_version == "1.0.0" and report.version == "1.1.0"
    meta = metamodel_dump(db.sessions)
    company = {f["name"]: f for f in meta["company"]["fields"]}
    # the user's label is kept, and the conflict is reported
    assert company["notes"]["label"] == "My comments" and company["notes"]["label_zh"] == "我的备注"
    assert any(c["item"] == "company.notes" for c in report.conflicts)
    # the field the user deleted stays deleted
    assert "website" not in company
    assert any(sk["item"] == "company.website" for sk in report.skipped)
    # what the user left alone follows the pack
    deal = {f["name"]: f for f in meta["deal"]["fields"]}
    assert deal["title"]["label"] == "Deal title" and "deal.title" in report.updated
    # new things are added
    assert "industry" in company and "activity" in meta and report.created["types"] == ["activity"]
    assert [c["value"] for c in company["tier"]["options"]["choices"]] == ["gold", "silver", "bronze"]
    assert report.created["rules"] == ["lost_deal"] and report.created["views"] == ["lost_deals"]
    # the user's records are untouched; the new sample record is added
    names = {c["name"]: c for c in db.rows("company")}
    assert names["Mine Ltd"]["notes"] == "my own record"
    assert set(names) == {"Acme", "Globex", "Mine Ltd", "Initech"} and report.records == {"company": 1}
    with db.sessions() as s:
        assert s.scalars(select(Pack)).one().version == "1.1.0"
    # and installing 1.1.0 once more changes nothing; the deleted field is still not back
    again = db.install(mini_pack_v2(), sample_data=True, user_id=uid)
    assert not again.changed
    assert "website" not in {f["name"] for f in metamodel_dump(db.sessions)["company"]["fields"]}


def test_upgrade_leaves_a_changed_rule_and_view_alone(db):
    uid = db.user()
    db.install(mini_pack(), user_id=uid)
    with db.sessions.begin() as s:
        from recordbase.automation.rules import RuleService
        from recordbase.packs.views import ViewService

        schema = db.store(s).schema
        rule = s.scalars(select(Rule)).one()
        RuleService(s, schema).update(rule.id, {"name": "Won deal (ours)"})
        view = s.scalars(select(SavedView)).one()
        ViewService(s, schema).delete(view.id)
    v2 = mini_pack_v2()
    v2["rules"][0]["name_zh"] = "赢单（新）"
    v2["views"][0]["sort"] = "amount"
    report = db.install(v2, user_id=uid)
    with db.sessions() as s:
        names = sorted(r.name for r in s.scalars(select(Rule)))
        views = sorted(v.name for v in s.scalars(select(SavedView)))
    assert names == ["Lost deal", "Won deal (ours)"]
    assert views == ["Lost deals"]  # the deleted view is not recreated
    assert any(c["item"] == "rule won_deal" for c in report.conflicts)
    assert any(sk["item"] == "view big_deals" for sk in report.skipped)


def test_older_version_is_refused(db):
    db.install(mini_pack_v2())
    with pytest.raises(Conflict):
        db.install(mini_pack("1.0.0"))


def test_first_install_refuses_a_taken_type_name(db):
    with db.sessions.begin() as s:
        MetamodelService(s).create_type({"name": "deal", "label": "My deals", "fields": [
            {"name": "what", "label": "What", "type": "text"}]})
    with pytest.raises(PackError) as info:
        db.install(mini_pack())
    assert info.value.details["path"] == "$.types[1].name"
    assert db.type_names() == {"deal"}
    with db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Pack)) == 0


def test_uninstall_moves_types_to_the_trash_and_reinstall_restores(db):
    from recordbase.packs.installer import uninstall

    uid = db.user()
    db.install(mini_pack(), sample_data=True, user_id=uid)
    with db.sessions.begin() as s:
        result = uninstall(s, "mini")
    assert sorted(result["trashed_types"]) == ["company", "deal"] and result["disabled_rules"] == 1
    assert db.type_names() == set() and db.type_names(include_deleted=True) == {"company", "deal"}
    with db.sessions() as s:
        assert [r.enabled for r in s.scalars(select(Rule))] == [False]
        assert s.scalars(select(Pack)).one().status == "uninstalled"
    report = db.install(mini_pack(), sample_data=True, user_id=uid)
    assert report.mode == "reinstall" and sorted(report.restored) == ["company", "deal"]
    assert db.type_names() == {"company", "deal"} and db.count("company") == 2  # the data came back with them
    with db.sessions() as s:
        assert [r.enabled for r in s.scalars(select(Rule))] == [True]


def test_uninstall_refuses_when_other_types_link_in(db):
    from recordbase.packs.installer import uninstall

    db.install(mini_pack())
    with db.sessions.begin() as s:
        MetamodelService(s).create_type({"name": "invoice", "label": "Invoice", "fields": [
            {"name": "deal", "label": "Deal", "type": "link", "options": {"target": "deal"}}]})
    with db.sessions.begin() as s, pytest.raises(Conflict) as info:
        uninstall(s, "mini")
    assert info.value.details["linked_from"] == ["invoice.deal"]


def test_export_with_records_round_trips(db, other_db, tmp_path):
    """Export the installed types with their records, install the export into an empty instance."""
    uid = db.user()
    db.install(mini_pack(), sample_data=True, user_id=uid)
    with db.sessions() as s:
        pack, left_out = export(s, ["company", "deal"], records=True, pack_id="mini_copy", name="Copy")
    assert left_out == []
    folder = tmp_path / "export"
    write_pack(pack, folder)
    other = other_db
    other.user()
    other.install(load(folder), sample_data=True)
    assert metamodel_dump(other.sessions) == metamodel_dump(db.sessions)
    strip = lambda rows: sorted(({k: v for k, v in r.items() if k not in ("id", "company")} for r in rows),
                                key=lambda r: str(sorted(r.items())))
    assert strip(other.rows("deal")) == strip(db.rows("deal"))
    assert strip(other.rows("company")) == strip(db.rows("company"))
    company_of = lambda d: {c["id"]: c["name"] for c in d.rows("company")}
    assert sorted((r["title"], company_of(other)[r["company"]]) for r in other.rows("deal")) == \
        sorted((r["title"], company_of(db)[r["company"]]) for r in db.rows("deal"))
    with other.sessions() as s:
        assert sorted(r.name for r in s.scalars(select(Rule))) == ["Won deal"]
        assert [v.name for v in s.scalars(select(SavedView))] == ["Big deals"]
