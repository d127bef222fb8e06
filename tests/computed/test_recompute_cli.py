"""``recordbase recompute [TYPE]``: refreshes TODAY()/NOW() formulas (and every computed field)."""
from __future__ import annotations

from datetime import datetime

import pytest
from click.testing import CliRunner

from recordbase.cli import cli
from recordbase.metamodel.formula import evaluator

CLOCK = {"now": datetime(2025, 1, 1, 12, 0)}


@pytest.fixture
def clock(monkeypatch):
    """TODAY()/NOW() read this clock (naive UTC) unless an instant is given."""
    real = evaluator._now

    def fake(value):
        return real(value) if value is not None else CLOCK["now"]

    monkeypatch.setattr(evaluator, "_now", fake)
    CLOCK["now"] = datetime(2025, 1, 1, 12, 0)
    return CLOCK


class Run:
    """``recordbase --database-url <the test's database> ...`` in-process."""

    def __init__(self, url: str):
        self.url = url

    def __call__(self, *args: str, catch_exceptions: bool = False):
        return CliRunner().invoke(cli, ["--database-url", self.url, *args], catch_exceptions=catch_exceptions)


@pytest.fixture
def run(database_url, monkeypatch) -> Run:
    monkeypatch.delenv("RECORDBASE_TIMEZONE", raising=False)
    return Run(database_url)


@pytest.fixture
def contracts(svc, clock):
    svc.create_type("vendor", [{"name": "name", "label": "Name", "type": "text"}])
    svc.create_type("contract", [{"name": "title", "label": "Title", "type": "text"},
                                 {"name": "end", "label": "End", "type": "date"},
                                 {"name": "amount", "label": "Amount", "type": "number"},
                                 {"name": "vendor", "label": "Vendor", "type": "link", "options": {"target": "vendor"}}])
    svc.add_field("contract", {"name": "days_left", "label": "Days left", "type": "formula",
                               "options": {"expression": "DATETIME_DIFF({end}, TODAY(), 'days')"}})
    svc.add_field("contract", {"name": "expiring", "label": "Expiring", "type": "formula",
                               "options": {"expression": "AND({days_left} >= 0, {days_left} <= 30)"}})
    svc.add_field("contract", {"name": "double", "label": "Double", "type": "formula",
                               "options": {"expression": "{amount} * 2"}})
    svc.add_field("vendor", {"name": "expiring", "label": "Expiring contracts", "type": "count",
                             "options": {"link": "contract.vendor", "filter": {"field": "expiring", "op": "is_true"}}})
    schema = svc.schema()
    assert schema.get("contract").field("days_left").options["volatile"] is True
    assert not schema.get("contract").field("double").options.get("volatile")
    with svc.store() as st:
        vid = st.create("vendor", {"name": "Acme"}).id
        ids = [st.create("contract", {"title": f"c{i}", "end": end, "amount": 1, "vendor": vid}).id
               for i, end in enumerate(["2025-01-21", "2025-03-01", None, "2025-02-20"])]
    return svc, vid, ids


def values(svc, type_name, rid):
    with svc.store() as st:
        return st.get(type_name, rid).values


def test_recompute_refreshes_today_formulas_when_the_clock_moves(contracts, run, clock):
    svc, vid, (c1, c2, c3, c4) = contracts
    assert values(svc, "contract", c1)["days_left"] == 20 and values(svc, "contract", c1)["expiring"] is True
    assert values(svc, "contract", c2)["days_left"] == 59 and values(svc, "contract", c2)["expiring"] is False
    assert values(svc, "vendor", vid)["expiring"] == 1
    clock["now"] = datetime(2025, 2, 1, 9, 30)
    assert values(svc, "contract", c2)["days_left"] == 59  # stored: nothing changes until the refresh
    res = run("recompute")
    assert res.exit_code == 0, res.output
    assert values(svc, "contract", c1)["days_left"] == -11
    assert values(svc, "contract", c1)["expiring"] is False  # expired
    assert values(svc, "contract", c2)["days_left"] == 28 and values(svc, "contract", c2)["expiring"] is True
    assert values(svc, "contract", c3)["days_left"] is None
    assert values(svc, "contract", c4)["days_left"] == 19 and values(svc, "contract", c4)["expiring"] is True
    assert values(svc, "vendor", vid)["expiring"] == 2  # carried on to the vendor's count: c2 and c4, not c1
    assert "contract: 4 record(s)" in res.output and "vendor: 1 record(s)" in res.output, res.output
    # nothing moved: a second run writes nothing
    res = run("recompute", "contract")
    assert res.exit_code == 0 and "0 record(s) updated" in res.output, res.output


def test_recompute_one_type_with_a_given_instant_and_volatile_only(contracts, run):
    svc, vid, (c1, c2, c3, c4) = contracts
    res = run("recompute", "contract", "--volatile-only", "--now", "2025-03-01T08:00:00+08:00")
    assert res.exit_code == 0, res.output
    assert "days_left" in res.output and "double" not in res.output, res.output
    assert values(svc, "contract", c1)["days_left"] == -39
    assert values(svc, "contract", c2)["days_left"] == 0 and values(svc, "contract", c2)["expiring"] is True
    assert values(svc, "contract", c4)["expiring"] is False
    assert values(svc, "vendor", vid)["expiring"] == 1  # c1 and c4 have expired, c2 expires today
    res = run("recompute", "vendor", "--volatile-only")
    assert res.exit_code == 0 and "no TODAY()/NOW() formulas" in res.output, res.output


def test_recompute_honours_the_time_zone(contracts, run):
    svc, vid, (c1, c2, c3, c4) = contracts
    # 2025-02-28 20:00 UTC is already 1 March in Shanghai
    res = run("recompute", "contract", "--now", "2025-02-28T20:00:00Z", "--timezone", "Asia/Shanghai")
    assert res.exit_code == 0, res.output
    assert values(svc, "contract", c2)["days_left"] == 0
    res = run("recompute", "contract", "--now", "2025-02-28T20:00:00Z")
    assert values(svc, "contract", c2)["days_left"] == 1


def test_recompute_fixes_stale_values_in_batches(contracts, run):
    """Values made stale behind the store's back (a raw UPDATE) are put right, however many batches."""
    svc, vid, ids = contracts
    with svc.store() as st:
        for i in range(7):
            st.create("contract", {"title": f"x{i}", "amount": i, "vendor": vid})
        t = st.type("contract")
        st.session.execute(t.table.update().values({t.field("double").column_name: -1}))
    res = run("recompute", "contract", "--batch-size", "3")
    assert res.exit_code == 0, res.output
    assert "11 record(s)" in res.output and "11 record(s) updated" in res.output, res.output
    with svc.store() as st:
        assert sorted(r.values["double"] for r in st.list("contract").records) == [0, 2, 2, 2, 2, 2, 4, 6, 8, 10, 12]


def test_unknown_type_is_a_clear_error(contracts, run):
    res = run("recompute", "nosuch", catch_exceptions=True)
    assert res.exit_code == 1
    assert "No record type named 'nosuch'" in res.output and "contract" in res.output, res.output
    assert "Traceback" not in res.output


def test_bad_options(contracts, run):
    res = run("recompute", "--now", "yesterday", catch_exceptions=True)
    assert res.exit_code == 1 and "--now 'yesterday'" in res.output, res.output
    res = run("recompute", "--timezone", "Mars/Base", catch_exceptions=True)
    assert res.exit_code == 1 and "Mars/Base" in res.output, res.output


def test_recompute_on_an_empty_database(run):
    res = run("recompute")
    assert res.exit_code == 0 and "Recomputed 0 record(s)" in res.output, res.output
