"""A field's help text in Chinese (``help_text_zh``, like ``label_zh``): the outsourcing pack's help
in each language under the form's fields and as tooltips, and pack upgrades that bring a type's
``description_zh`` and the fields' Chinese help to an instance installed before they existed."""
from __future__ import annotations

import copy

from sqlalchemy import select

from recordbase.packs import load
from recordbase.packs.fingerprints import LATER_KEYS, field_state, fingerprint, type_state
from recordbase.packs.models import PackItem
from recordbase.models import FieldModel, RecordTypeModel

from .helpers import metamodel_dump
from .test_outsourcing_screens import client, get, language, pack  # noqa: F401  (module fixtures)


def _field(meta: dict, type_name: str, name: str) -> dict:
    return {f["name"]: f for f in meta[type_name]["fields"]}[name]


def test_the_pack_has_help_in_each_language(pack):  # noqa: F811
    meta = metamodel_dump(pack.sessions)
    helped = [f for t in meta.values() for f in t["fields"] if f.get("help_text")]
    assert helped and all(f["help_text_zh"] for f in helped)
    for f in helped:  # one language each, not both run together
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in f["help_text"]), f["help_text"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in f["help_text_zh"]) or f["help_text_zh"] == f["help_text"]


def test_the_form_and_the_grid_show_the_help_in_the_pages_language(pack, client):  # noqa: F811
    meta = metamodel_dump(pack.sessions)
    f = next(f for f in meta["supplier"]["fields"] if f.get("help_text") and f.get("show_in_list", True)
             and f["type"] not in ("formula", "rollup", "lookup", "count"))
    language(client, "zh")
    form = get(client, "/admin/records/supplier/new/")
    assert f["help_text_zh"] in form and f["help_text"] not in form
    grid = get(client, f"/admin/records/supplier/?cols={f['name']}")
    assert f'title="{f["help_text_zh"]}"' in grid
    language(client, "en")
    form = get(client, "/admin/records/supplier/new/")
    assert f["help_text"] in form and f["help_text_zh"] not in form
    language(client, "zh")


def _without(manifest: dict) -> dict:
    old = copy.deepcopy(manifest)
    old["version"] = "1.0.0"
    for t in old["types"]:
        t.pop("description_zh", None)
        for f in t["fields"]:
            f.pop("help_text_zh", None)
    return old


def test_an_upgrade_brings_chinese_descriptions_and_help(other_db):
    current = load("outsourcing")
    previous = copy.copy(current)
    previous.manifest = _without(current.manifest)
    uid = other_db.user("admin@example.com")
    other_db.install(previous, sample_data=False, user_id=uid)
    meta = metamodel_dump(other_db.sessions)
    assert meta["supplier"]["description_zh"] is None
    assert not any(f.get("help_text_zh") for t in meta.values() for f in t["fields"])
    report = other_db.install(current, sample_data=False, user_id=uid)
    assert report.mode == "upgrade" and report.conflicts == []
    meta = metamodel_dump(other_db.sessions)
    want = {t["name"]: t for t in current.manifest["types"]}
    for name, t in want.items():
        assert meta[name]["description_zh"] == t.get("description_zh"), name
        for f in t["fields"]:
            if f.get("help_text_zh"):
                assert _field(meta, name, f["name"])["help_text_zh"] == f["help_text_zh"]
                assert f"{name}.{f['name']}" in report.updated
    again = other_db.install(current, sample_data=False, user_id=uid)
    assert not again.changed and again.conflicts == []


def test_fingerprints_from_before_the_chinese_keys_still_read_as_unchanged(other_db):
    """An instance whose pack items were remembered without ``description_zh``/``help_text_zh`` (the
    platform before them): installing the same pack again changes nothing and reports no conflict."""
    current = load("outsourcing")
    uid = other_db.user("admin@example.com")
    other_db.install(current, sample_data=False, user_id=uid)
    with other_db.sessions.begin() as s:
        types = {t.id: t for t in s.scalars(select(RecordTypeModel))}
        fields = {f.id: f for f in s.scalars(select(FieldModel))}
        for item in s.scalars(select(PackItem).where(PackItem.kind.in_(("type", "field")))):
            state = type_state(types[item.object_id]) if item.kind == "type" else field_state(fields[item.object_id])
            older = {k: v for k, v in state.items() if k not in LATER_KEYS}
            item.state_hash = item.pack_hash = fingerprint(older)
    before = metamodel_dump(other_db.sessions)
    report = other_db.install(current, sample_data=False, user_id=uid)
    assert report.conflicts == [] and report.updated == []
    assert metamodel_dump(other_db.sessions) == before
