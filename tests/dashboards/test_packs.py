"""Packs' dashboards: the outsourcing overview installed as its app's home page, every widget's figures
worked out over the sample data, and an export → install round trip that keeps the dashboards."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from recordbase import create_app
from recordbase.context import platform
from recordbase.dashboards.document import check_dashboard
from recordbase.dashboards.models import Dashboard
from recordbase.dashboards.pack_steps import check_pack_dashboards
from recordbase.packs.exporter import export, write_pack
from recordbase.packs.installer import install
from recordbase.packs.loader import load, catalog_dir

from databases import fresh_database


def install_pack(app, name: str, user_id: int) -> None:
    with platform(app).sessions.begin() as s:
        install(s, load(catalog_dir() / name), sample_data=True, user_id=user_id)


def dashboards(app) -> list[Dashboard]:
    with platform(app).sessions() as s:
        return list(s.scalars(select(Dashboard).order_by(Dashboard.id)))


def test_outsourcing_overview(app, owner, admin_client):
    install_pack(app, "outsourcing", owner.id)
    [d] = dashboards(app)
    assert (d.name, d.name_zh, d.app) == ("Outsourcing overview", "外包管理总览", "outsourcing")
    kinds = [w["kind"] for w in d.document["widgets"]]
    assert {"quadrant", "heatmap", "target_line", "number", "chart", "view", "scatter"} <= set(kinds)
    for n, w in enumerate(d.document["widgets"], start=1):
        body = admin_client.get(f"/admin/dashboards/{d.id}/widgets/{n}/data").get_json()
        assert "error" not in body, (w["title"], body)
    heat = admin_client.get(f"/admin/dashboards/{d.id}/widgets/{kinds.index('heatmap') + 1}/data").get_json()
    assert heat["cells"] and all(c["link"].startswith("/admin/records/risk/?") for c in heat["cells"])
    listed = admin_client.get(heat["cells"][0]["link"])
    assert listed.status_code == 200
    quadrant = admin_client.get(f"/admin/dashboards/{d.id}/widgets/{kinds.index('quadrant') + 1}/data").get_json()
    assert quadrant["points"] and quadrant["x_line"] == 20 and quadrant["y_line"] == 100
    listed = admin_client.get(f"/admin/dashboards/{d.id}/widgets/{kinds.index('view') + 1}/data").get_json()
    supplier = listed["columns"].index("Supplier")
    names = [row["cells"][supplier] for row in listed["rows"]]
    assert names and all(n and not n.startswith("#") for n in names), listed  # linked records by their titles
    home = admin_client.get("/admin/").get_data(as_text=True)
    assert "Outsourcing overview" in home


@pytest.mark.parametrize("name", ["helpdesk", "equipment", "crm"])
def test_other_packs_dashboards(app, owner, admin_client, name):
    install_pack(app, name, owner.id)
    [d] = dashboards(app)
    assert d.app == name and d.name_zh
    bodies = {}
    for n, w in enumerate(d.document["widgets"], start=1):
        bodies[w["title"]] = body = admin_client.get(f"/admin/dashboards/{d.id}/widgets/{n}/data").get_json()
        assert "error" not in body, body
    if name == "crm":  # two dates, each by its own bucket: the month an opportunity was opened, the quarter it should close
        heat = bodies["Pipeline: month opened × quarter expected to close"]
        assert heat["cells"] and all(re.fullmatch(r"\d{4}-\d{2}", x) for x in heat["x"]), heat
        assert all(re.fullmatch(r"\d{4} Q[1-4]|\(empty\)", y) for y in heat["y"]) and len(heat["y"]) > 1, heat


def test_each_dimension_bucketed_only_when_it_is_a_date(tickets, sessions):
    """A pack's (or any) dashboard document: every dimension's bucket is checked on its own field."""
    from recordbase.metamodel.runtime import load_schema, read_version

    with sessions() as s:
        schema = load_schema(s, read_version(s))
    doc = {"name": "Dates", "widgets": [
        {"kind": "heatmap", "type": "ticket", "options": {"x": {"field": "opened", "bucket": "month"},
                                                          "y": {"field": "created_at", "bucket": "year"}}},
        {"kind": "chart", "type": "ticket", "options": {"group_by": {"field": "status", "bucket": "month"},
                                                        "split_by": {"field": "opened", "bucket": "week"}}}]}
    assert check_dashboard(doc, schema) == [
        ("$.widgets[1].options.group_by.bucket", "'status' is not a date: only dates are grouped by a bucket")]


def test_export_round_trip(app, owner, template_db, tmp_path):
    install_pack(app, "outsourcing", owner.id)
    [before] = dashboards(app)
    with platform(app).sessions() as s:
        from recordbase.metamodel.runtime import load_schema, read_version

        types = [t.name for t in load_schema(s, read_version(s)).ordered()]
        pack, _left_out = export(s, types, pack_id="copy", name="Copy")
    assert [d["key"] for d in pack["dashboards"]] == ["outsourcing_overview"]
    write_pack(pack, tmp_path / "copy")
    (tmp_path / "other_db").mkdir()
    gen = fresh_database(template_db, tmp_path / "other_db")
    other = create_app({"DATABASE_URL": next(gen), "TESTING": True, "SECRET_KEY": "x",
                        "INSTANCE_PATH": str(tmp_path / "other")})
    try:
        with platform(other).sessions.begin() as s:
            install(s, load(tmp_path / "copy"))
        [after] = dashboards(other)
        assert (after.name, after.name_zh, after.app, after.document) == \
            (before.name, before.name_zh, before.app, before.document)
        with platform(other).sessions.begin() as s:  # installing again changes nothing
            report = install(s, load(tmp_path / "copy"))
        assert "dashboard outsourcing_overview" not in report.updated and len(dashboards(other)) == 1
    finally:
        platform(other).engine.dispose()
        next(gen, None)


def test_a_pack_dashboard_naming_a_missing_field_is_refused():
    class Checker:
        m = {"dashboards": [{"name": "Bad", "widgets": [{"kind": "chart", "type": "ticket",
                                                         "options": {"group_by": {"field": "nope"}}}]}]}
        problems: list = []

        def problem(self, path, message):
            self.problems.append((path, message))

    from recordbase.metamodel.runtime import RuntimeSchema
    from sqlalchemy import MetaData

    checker = Checker()
    check_pack_dashboards(checker, RuntimeSchema(1, {}, MetaData()))
    assert checker.problems == [("$.dashboards[0].widgets[0].type", "no record type named 'ticket'")]
