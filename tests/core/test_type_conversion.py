"""Changing a field's type: data converted through the field types; refusals list record ids; force clears."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import inspect

from recordbase.errors import RecordbaseError, ValidationError


def make(core, field: dict, values: list):
    core.create_type("item", [{"name": "title", "label": "Title", "type": "text"}, dict({"name": "v", "label": "V"}, **field)])
    ids = [core.create("item", {"title": f"r{i}", "v": v}).id for i, v in enumerate(values)]
    return ids


def change(core, data: dict):
    with core.meta() as m:
        _, report = m.update_field("item", "v", data)
    return report


def values(core, ids):
    return [core.values("item", i)["v"] for i in ids]


def column_type(core, name="v"):
    t = core.schema().get("item")
    with core.sessions() as s:
        cols = {c["name"]: c["type"] for c in inspect(s.connection()).get_columns(t.table.name)}
    return cols[t.field(name).column_name]


def test_text_to_number_all_convertible(core):
    ids = make(core, {"type": "text"}, ["1,234", "５", "-2.5", "¥10", None, "  "])
    report = change(core, {"type": "number"})
    assert values(core, ids) == [1234.0, 5.0, -2.5, 10.0, None, None]
    assert report["converted"] == 4 and report["cleared"] == []
    assert core.schema().get("item").field("v").field_type == "number"
    with core.store() as st:   # sorting is numeric now, not by text
        assert [r.id for r in st.list("item", sort="v").records] == [ids[2], ids[1], ids[3], ids[0], ids[4], ids[5]]


def test_text_to_number_with_unconvertible_values_is_refused_and_nothing_changes(core):
    ids = make(core, {"type": "text", "indexed": True}, ["12", "twelve", "3", "n/a", None])
    before_version, before_type, before_raw = core.version(), str(column_type(core)), core.raw_column("item", "v")
    with pytest.raises(RecordbaseError) as exc:
        change(core, {"type": "number"})
    err = exc.value
    assert err.code == "conversion_refused" and err.status == 409
    assert err.details["record_ids"] == [ids[1], ids[3]]
    assert err.details["count"] == 2
    assert {s["value"] for s in err.details["samples"]} == {"twelve", "n/a"}
    assert "force" in err.message
    # nothing changed: version, metadata, column type, data
    assert core.version() == before_version
    assert core.schema().get("item").field("v").field_type == "text"
    assert str(column_type(core)) == before_type
    assert core.raw_column("item", "v") == before_raw
    assert values(core, ids) == ["12", "twelve", "3", "n/a", None]


def test_force_clears_only_the_bad_values(core):
    ids = make(core, {"type": "text"}, ["12", "twelve", "3", "n/a", None])
    report = change(core, {"type": "number", "force": True})
    assert report["cleared"] == [ids[1], ids[3]]
    assert report["converted"] == 2
    assert values(core, ids) == [12.0, None, 3.0, None, None]
    assert [core.values("item", i)["title"] for i in ids] == ["r0", "r1", "r2", "r3", "r4"]


def test_number_to_text(core):
    ids = make(core, {"type": "number"}, [3, 2.5, -1, None, 1234567])
    change(core, {"type": "text"})
    assert values(core, ids) == ["3", "2.5", "-1", None, "1234567"]


def test_single_select_to_multi_select(core):
    choices = {"choices": ["a", {"value": "b", "label": "Bee", "label_zh": "蜜蜂"}]}
    ids = make(core, {"type": "single_select", "options": choices}, ["a", "b", None])
    change(core, {"type": "multi_select", "options": choices})
    assert values(core, ids) == [["a"], ["b"], []]


def test_single_select_to_multi_select_keeps_options_when_not_given(core):
    """Changing only the type: the choices a select already has must carry over to the new select type."""
    choices = {"choices": ["a", "b"]}
    ids = make(core, {"type": "single_select", "options": choices}, ["a", "b"])
    change(core, {"type": "multi_select"})
    assert values(core, ids) == [["a"], ["b"]]
    assert core.schema().get("item").field("v").options == choices


def test_date_to_datetime_and_back(core):
    ids = make(core, {"type": "date"}, ["2026-01-05", "2024-02-29", None])
    change(core, {"type": "datetime"})
    assert values(core, ids) == [datetime(2026, 1, 5), datetime(2024, 2, 29), None]
    with core.store() as st:
        st.update("item", ids[0], {"v": "2026-01-05T23:30:00+00:00"})
    change(core, {"type": "date"})  # a type change drops the time of day, as asked
    assert values(core, ids) == [date(2026, 1, 5), date(2024, 2, 29), None]


def test_decimal_precision_change(core):
    ids = make(core, {"type": "decimal", "options": {"precision": 2}}, ["1.25", "2.50", "-0.05", None])
    change(core, {"options": {"precision": 4}})
    got = values(core, ids)
    assert got == [Decimal("1.2500"), Decimal("2.5000"), Decimal("-0.0500"), None]
    assert [v.as_tuple().exponent for v in got[:3]] == [-4, -4, -4]
    change(core, {"options": {"precision": 1}, "force": True})  # (rounding is asked for: see below)
    assert values(core, ids) == [Decimal("1.3"), Decimal("2.5"), Decimal("-0.1"), None]   # half up
    change(core, {"options": {"precision": 0}, "force": True})
    assert values(core, ids) == [Decimal("1"), Decimal("3"), Decimal("0"), None]


def test_number_to_rating_refuses_out_of_range(core):
    ids = make(core, {"type": "number"}, [1, 4, 7, 2.5])
    with pytest.raises(RecordbaseError) as exc:
        change(core, {"type": "rating"})
    assert exc.value.details["record_ids"] == [ids[2], ids[3]]


def test_removing_a_choice_in_use_is_a_conversion(core):
    ids = make(core, {"type": "single_select", "options": {"choices": ["a", "b", "c"]}}, ["a", "b", "c", "b"])
    with pytest.raises(RecordbaseError) as exc:
        change(core, {"options": {"choices": ["a", "c"]}})
    assert exc.value.details["record_ids"] == [ids[1], ids[3]]
    assert values(core, ids) == ["a", "b", "c", "b"]
    change(core, {"options": {"choices": ["a", "c"]}, "force": True})
    assert values(core, ids) == ["a", None, "c", None]
    # adding a choice is not a conversion
    change(core, {"options": {"choices": ["a", "c", "d"]}})
    assert values(core, ids) == ["a", None, "c", None]


def test_multi_select_to_text_uses_labels(core):
    choices = {"choices": [{"value": "a", "label": "Alpha"}, {"value": "b", "label": "Beta"}]}
    ids = make(core, {"type": "multi_select", "options": choices}, [["a", "b"], [], ["b"]])
    change(core, {"type": "text"})
    assert values(core, ids) == ["Alpha, Beta", None, "Beta"]


def test_boolean_to_number_and_text(core):
    ids = make(core, {"type": "boolean"}, [True, False])
    change(core, {"type": "number"})
    assert values(core, ids) == [1.0, 0.0]


def test_text_to_email_refuses_bad_addresses(core):
    ids = make(core, {"type": "text"}, ["a@b.co", "not mail"])
    with pytest.raises(RecordbaseError) as exc:
        change(core, {"type": "email"})
    assert exc.value.details["record_ids"] == [ids[1]]


@pytest.mark.parametrize("field,new", [
    ({"type": "date"}, "number"),
    ({"type": "number"}, "date"),
    ({"type": "boolean"}, "date"),
    ({"type": "text"}, "link"),
    ({"type": "link", "options": {"target": "item"}}, "number"),
    ({"type": "attachment"}, "text"),
])
def test_unsupported_conversions_are_refused(core, field, new):
    make(core, field, [])
    with pytest.raises(ValidationError) as exc:
        change(core, {"type": new, "options": {"target": "item"} if new == "link" else {}})
    assert "type" in exc.value.details or "options" in exc.value.details


def test_conversion_to_unique_with_duplicates_is_refused(core):
    ids = make(core, {"type": "text"}, ["1", "1.0", "2"])
    before = core.version()
    with pytest.raises(RecordbaseError) as exc:
        change(core, {"type": "number", "unique": True})
    assert exc.value.status == 409
    assert core.version() == before
    assert values(core, ids) == ["1", "1.0", "2"]


def test_fewer_decimal_places_are_refused_unless_forced(core):
    ids = make(core, {"type": "decimal", "options": {"precision": 3}}, ["1.235", "2.500", "-0.125", None])
    with pytest.raises(RecordbaseError) as caught:
        change(core, {"options": {"precision": 2}})
    err = caught.value
    assert err.code == "conversion_refused" and err.details["changes_values"] is True
    assert err.details["record_ids"] == [ids[0], ids[2]] and err.details["count"] == 2
    assert err.details["samples"][0] == {"id": ids[0], "value": "1.235", "becomes": "1.24"}
    assert values(core, ids) == [Decimal("1.235"), Decimal("2.500"), Decimal("-0.125"), None]  # untouched
    report = change(core, {"options": {"precision": 2}, "force": True})
    assert report["changed"] == [ids[0], ids[2]] and report["cleared"] == []
    assert values(core, ids) == [Decimal("1.24"), Decimal("2.50"), Decimal("-0.13"), None]
