"""A pack's form layouts across installs (the keyed-document rules of packs/install_keyed.py): set on the
first install without being counted as an update, updated when the pack changed one and the user did not,
kept (a conflict) when both changed it."""
from __future__ import annotations

from recordbase.formlayout.service import set_layout, stored_layout
from recordbase.metamodel.service import MetamodelService

from .packdata import mini_pack


def _pack(version: str, label: str) -> dict:
    pack = mini_pack(version)
    pack["form_layouts"] = [{"type": "company", "sections": [{"key": "main", "label": label, "columns": 2}]}]
    return pack


def _layout(db) -> dict:
    with db.sessions() as s:
        return stored_layout(MetamodelService(s), "company")


def test_a_pack_layout_is_set_then_updated_then_kept_when_the_user_changed_it(db):
    first = db.install(_pack("1.0.0", "Main"))
    assert "form layout company" not in first.updated and not first.conflicts
    assert _layout(db)["sections"][0]["label"] == "Main"

    again = db.install(_pack("1.0.0", "Main"))  # nothing changed: nothing to do
    assert "form layout company" not in again.updated and not again.conflicts

    second = db.install(_pack("1.1.0", "Overview"))
    assert "form layout company" in second.updated
    assert _layout(db)["sections"][0]["label"] == "Overview"

    with db.sessions.begin() as s:
        set_layout(MetamodelService(s), "company", {"sections": [{"key": "main", "label": "Mine", "columns": 1}]})
    third = db.install(_pack("1.2.0", "Summary"))
    assert {"path": "form_layouts[0]", "item": "form layout company",
            "message": "the form layout was changed here; your version is kept"} in third.conflicts
    assert "form layout company" not in third.updated
    assert _layout(db)["sections"][0]["label"] == "Mine"
    fourth = db.install(_pack("1.2.0", "Summary"))  # the pack's new version is remembered: asked once
    assert not fourth.conflicts and _layout(db)["sections"][0]["label"] == "Mine"
