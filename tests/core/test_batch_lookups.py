"""A batch's lookups (``create_many``: links to live records, unique values taken) find the same
records whatever their number and the field's type: PostgreSQL asks with one array parameter
(``= ANY``), SQLite with IN lists of :data:`~recordbase.storage.batch.CHUNK` values."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from recordbase.errors import ValidationError
from recordbase.storage import batch, batch_checks

N = batch.CHUNK + 37  # past one IN list


@pytest.fixture
def kinds(core) -> str:
    core.create_type("party", [{"name": "name", "label": "Name", "type": "text"}])
    core.create_type("deal", [
        {"name": "code", "label": "Code", "type": "text", "unique": True},
        {"name": "num", "label": "Num", "type": "number", "unique": True},
        {"name": "price", "label": "Price", "type": "decimal", "unique": True, "options": {"precision": 2}},
        {"name": "day", "label": "Day", "type": "date", "unique": True},
        {"name": "party", "label": "Party", "type": "link", "options": {"target": "party"}},
    ])
    return "deal"


def _row(i: int, party: int) -> dict:
    return {"code": f"c{i}", "num": i + 0.5, "price": f"{i}.25", "day": str(date(2020, 1, 1) + timedelta(days=i)),
            "party": party}


def test_links_to_many_records_are_found_and_a_trashed_one_is_refused(core, kinds):
    with core.store() as s:
        parties = s.create_many("party", [{"name": f"p{i}"} for i in range(N)]).ids
    with core.store() as s:
        s.delete("party", parties[-1])
    with core.store() as s:
        result = s.create_many(kinds, [_row(i, parties[i]) for i in range(N)], skip_invalid=True)
    assert result.created == N - 1
    assert list(result.errors) == [N - 1]
    assert list(result.errors[N - 1]) == ["party"]


@pytest.mark.parametrize("field", ["code", "num", "price", "day"])
def test_unique_values_taken_are_found_among_many(core, kinds, field):
    with core.store() as s:
        party = s.create("party", {"name": "p"}).id
        s.create_many(kinds, [_row(i, party) for i in range(N)])
    taken = [3, batch.CHUNK + 1, N - 1]  # in the first IN list, in the second, the last
    fresh = [{"code": f"new{i}", "num": 10_000 + i, "price": f"{10_000 + i}.75",
              "day": str(date(2100, 1, 1) + timedelta(days=i)), "party": party} for i in range(N)]
    for k in taken:
        fresh[k][field] = _row(k, party)[field]
    with core.store() as s:
        result = s.create_many(kinds, fresh, skip_invalid=True)
    assert sorted(result.errors) == taken
    assert all(list(problems) == [field] for problems in result.errors.values())
    assert result.created == N - len(taken)


def test_a_decimal_taken_is_found_as_the_field_rounds_it(core, kinds):
    with core.store() as s:
        party = s.create("party", {"name": "p"}).id
        s.create(kinds, {"code": "a", "price": Decimal("7.25"), "party": party})
    with core.store() as s, pytest.raises(ValidationError) as refused:
        s.create_many(kinds, [{"code": "b", "price": "7.250", "party": party}])
    assert refused.value.details["records"][0]["errors"] == {"price": ["must be unique: this value is already taken"]}


@pytest.mark.parametrize("values", [[7, 1.5, 2.5, 9], [1.5, 2.5, 9.0]])
def test_values_of_one_type_or_of_mixed_types_are_found(core, kinds, values):
    """(A PostgreSQL array holds one Python type: mixed values go as an IN list.)"""
    with core.store() as s:
        party = s.create("party", {"name": "p"}).id
        s.create_many(kinds, [_row(i, party) for i in range(3)])  # num 0.5, 1.5 and 2.5
    typedef = core.schema().get(kinds)
    col = typedef.table.c[typedef.field("num").column_name]
    with core.sessions() as session:
        found = set()
        for cond, params in batch_checks.among(session, col, values):
            found.update(session.scalars(select(col).where(cond), params))
    assert found == {1.5, 2.5}
