"""A pack exported with its records carries their comments (``@comments``) and the types' option to clear
hidden values; installing the export into an empty instance gives them back."""
from __future__ import annotations

from sqlalchemy import select

from recordbase.comments.models import Comment
from recordbase.comments.samples import add_sample_comments
from recordbase.metamodel.service import MetamodelService
from recordbase.packs.exporter import export, write_pack
from recordbase.packs.loader import load

from .packdata import mini_pack


def _conversations(db) -> dict:
    """``{company name: [comment, ...]}`` (oldest first)."""
    names = {r["id"]: r["name"] for r in db.rows("company")}
    out: dict = {}
    with db.sessions() as s:
        for c in s.scalars(select(Comment).where(Comment.type_name == "company").order_by(Comment.id)):
            out.setdefault(names[c.record_id], []).append(c.body)
    return out


def test_comments_and_the_clear_option_round_trip(db, other_db, tmp_path):
    uid = db.user()
    db.install(mini_pack(), sample_data=True, user_id=uid)
    first, second = sorted(r["id"] for r in db.rows("company"))[:2]
    with db.sessions.begin() as s:
        MetamodelService(s).update_type("company", {"clear_hidden_values": True})
        typedef = db.store(s).type("company")
        add_sample_comments(s, typedef, first, ["Met them on Monday", "Contract sent — 合同已寄出"], uid)
        add_sample_comments(s, typedef, second, ["Call back in May"], uid)
    expected = _conversations(db)
    assert sum(len(v) for v in expected.values()) == 3

    with db.sessions() as s:
        pack, left_out = export(s, ["company", "deal"], records=True, pack_id="mini_copy", name="Copy")
    assert left_out == []
    company = next(t for t in pack["types"] if t["name"] == "company")
    assert company["clear_hidden_values"] is True
    samples = next(f for f in pack["sample_data"] if f["type"] == "company")["records"]
    assert sorted(c for r in samples for c in r.get("@comments", [])) == sorted(
        c for v in expected.values() for c in v)
    folder = tmp_path / "export"
    write_pack(pack, folder)

    other_db.user()
    other_db.install(load(folder), sample_data=True)
    assert _conversations(other_db) == expected
    with other_db.sessions() as s:
        assert MetamodelService(s).type_model("company").clear_hidden_values is True
        assert MetamodelService(s).type_model("deal").clear_hidden_values is False


def test_a_pack_without_comments_has_no_comment_key(db):
    db.install(mini_pack(), sample_data=True, user_id=db.user())
    with db.sessions() as s:
        pack, _left = export(s, ["company", "deal"], records=True, pack_id="mini_copy", name="Copy")
    assert not any("@comments" in r for f in pack["sample_data"] for r in f["records"])
    assert not any("clear_hidden_values" in t for t in pack["types"])
