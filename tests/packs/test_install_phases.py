"""A first install is all or nothing, whatever phase fails (DDL included, on SQLite and PostgreSQL); the
phases handle computed fields over computed fields and lookups across links made by the same install."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from recordbase.automation.models import Rule, RuleRun
from recordbase.metamodel.runtime import read_version
from recordbase.packs.models import Pack

from .packdata import mini_pack


def _state(db) -> dict:
    with db.sessions() as s:
        return {"version": read_version(s), "packs": s.scalars(select(Pack.pack_id)).all(),
                "rules": s.scalars(select(Rule.id)).all(), "runs": s.scalars(select(RuleRun.id)).all(),
                "tables": sorted(t for t in inspect(s.connection()).get_table_names() if not t.startswith("rb_")
                                 and t not in ("alembic_version",))}


def test_a_failure_in_the_sample_data_phase_leaves_nothing_behind(db):
    pack = mini_pack()
    # valid, but fails when it runs: a formula that is no choice of the select
    pack["rules"].append({"key": "bad", "name": "Bad stage", "type": "deal", "trigger": {"on": "record_created"},
                          "actions": [{"do": "update_record", "values": {"stage": {"formula": "'x' & {title}"}}}]})
    uid = db.user()
    before = _state(db)
    with pytest.raises(Exception):
        db.install(pack, sample_data=True, user_id=uid)
    assert db.type_names(include_deleted=True) == set()
    assert _state(db) == before
    # the rolled-back rule's failed run must not turn up in the history of a rule made later
    pack["rules"][-1]["actions"][0]["values"]["stage"] = "new"
    db.install(pack, user_id=uid)
    with db.sessions() as s:
        assert s.scalars(select(RuleRun.error)).all() == []


def test_computed_over_computed_and_lookups_across_new_links(db):
    pack = mini_pack()
    company, deal = pack["types"]
    # listed before what they depend on: the installer orders them
    deal["fields"].insert(0, {"name": "tier_note", "label": "Tier note", "type": "formula",
                              "options": {"expression": "{company_tier} & ' / ' & {weighted}"}})
    deal["fields"].insert(0, {"name": "company_tier", "label": "Company tier", "type": "lookup",
                              "options": {"link": "company", "target_field": "tier"}})
    company["fields"].insert(0, {"name": "weighted_total", "label": "Weighted total", "type": "rollup",
                                 "options": {"link": "deal.company", "target_field": "weighted", "function": "sum"}})
    db.install(pack, sample_data=True, user_id=db.user())
    deals = {d["title"]: d for d in db.rows("deal")}
    assert deals["Acme renewal"]["company_tier"] == "silver"
    assert deals["Acme renewal"]["tier_note"] == "silver / 6000"
    companies = {c["name"]: c for c in db.rows("company")}
    assert float(companies["Acme"]["weighted_total"]) == 6000
