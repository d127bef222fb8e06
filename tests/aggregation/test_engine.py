"""The aggregation engine against figures worked out by hand: groups, labels, metrics, date buckets in
the instance's time zone, links, users, the reader's row limits and hidden fields."""
from __future__ import annotations

from datetime import date

import pytest

from recordbase.access.policy import Policy, RoleSpec
from recordbase.errors import Forbidden
from recordbase.storage.aggregation import AggregationEngine, AggregationError, Dimension, Metric

from services import add_user


def run(core, *args, store_kw=None, **kw):
    with core.store(**(store_kw or {})) as st:
        return AggregationEngine(st).run("ticket", *args, **kw)


def table(result):
    """{keys: values} of a result (keys as a tuple)."""
    return {r.keys: r.values for r in result.rows}


@pytest.fixture
def filled(tickets, sessions):
    ann = add_user(sessions, "ann@example.com", display_name="Ann")
    bob = add_user(sessions, "bob@example.com")
    acme = tickets.create("customer", {"name": "Acme"}).id
    beta = tickets.create("customer", {"name": "Beta"}).id
    rows = [
        {"status": "open", "amount": "10.50", "score": 1, "stars": 3, "spent": 60, "urgent": True,
         "due": "2026-01-30", "opened": "2026-01-31T20:00:00Z", "assignee": ann, "customer": acme, "tags": [acme, beta]},
        {"status": "open", "amount": "4.50", "score": 2, "stars": 5, "spent": 120, "urgent": False,
         "due": "2026-02-02", "opened": "2026-02-01T01:00:00Z", "assignee": bob, "customer": acme, "tags": [acme]},
        {"status": "done", "amount": "5", "score": 4, "urgent": True, "due": "2026-04-01",
         "opened": "2026-03-31T15:59:59Z", "assignee": ann, "customer": beta},
        {"status": "doing", "score": 8, "urgent": False},
        {"title": "no status", "amount": "1"},
    ]
    with tickets.store(timezone_name="Asia/Shanghai") as st:
        for r in rows:
            st.create("ticket", r)
    return {"ann": ann, "bob": bob, "acme": acme, "beta": beta}


def test_count_by_select_in_choice_order_with_labels(filled, tickets):
    res = run(tickets, [Dimension("status")])
    assert [(r.keys, r.labels, r.values) for r in res.rows] == [
        (("open",), ("Open",), {"count": 2}), (("doing",), ("Doing",), {"count": 1}),
        (("done",), ("Done",), {"count": 1}), ((None,), ("(empty)",), {"count": 1})]
    zh = run(tickets, [Dimension("status")], store_kw={"lang": "zh"})
    assert [r.labels[0] for r in zh.rows][:3] == ["打开", "进行中", "完成"]
    assert res.to_json()["rows"][0] == {"keys": ["open"], "labels": ["Open"], "values": {"count": 2}}


def test_number_metrics(filled, tickets):
    metrics = [Metric("count"), Metric("sum", "amount"), Metric("avg", "score"), Metric("min", "stars"),
               Metric("max", "spent"), Metric("count_distinct", "assignee"), Metric("percent")]
    res = table(run(tickets, [Dimension("status")], metrics))
    assert res[("open",)] == {"count": 2, "sum:amount": 15, "avg:score": 1.5, "min:stars": 3, "max:spent": 120,
                              "count_distinct:assignee": 2, "percent": 40.0}
    assert res[("doing",)] == {"count": 1, "sum:amount": None, "avg:score": 8, "min:stars": None,
                               "max:spent": None, "count_distinct:assignee": 0, "percent": 20.0}
    total = run(tickets, [], [Metric("sum", "amount"), Metric("percent", "amount")])
    assert total.rows[0].values == {"sum:amount": 21, "percent:amount": 100.0}
    share = table(run(tickets, [Dimension("status")], [Metric("percent", "amount")]))
    assert share[("open",)]["percent:amount"] == pytest.approx(15 / 21 * 100)


def test_date_buckets_in_the_instance_time_zone(filled, tickets):
    # 2026-01-31T20:00Z is 1 February 04:00 in Shanghai; 2026-03-31T15:59:59Z is 23:59:59 there (Q1)
    shanghai = {"timezone_name": "Asia/Shanghai"}
    months = run(tickets, [Dimension("opened", "month")], store_kw=shanghai)
    assert [(r.keys, r.labels, r.values["count"]) for r in months.rows] == [
        (("2026-02-01",), ("2026-02",), 2), (("2026-03-01",), ("2026-03",), 1), ((None,), ("(empty)",), 2)]
    utc = table(run(tickets, [Dimension("opened", "month")]))
    assert utc[("2026-01-01",)]["count"] == 1 and utc[("2026-02-01",)]["count"] == 1
    quarters = run(tickets, [Dimension("opened", "quarter")], store_kw=dict(shanghai, lang="zh"))
    assert [(r.keys, r.labels) for r in quarters.rows][0] == (("2026-01-01",), ("2026年第1季度",))
    assert table(run(tickets, [Dimension("opened", "quarter")]))[("2026-01-01",)]["count"] == 3
    days = table(run(tickets, [Dimension("opened", "day")], store_kw=shanghai))
    assert days[("2026-02-01",)]["count"] == 2 and days[("2026-03-31",)]["count"] == 1
    weeks = run(tickets, [Dimension("due", "week")])
    assert [(r.keys, r.labels) for r in weeks.rows][:3] == [
        (("2026-01-26",), ("2026-W05",)), (("2026-02-02",), ("2026-W06",)), (("2026-03-30",), ("2026-W14",))]
    years = run(tickets, [Dimension("due", "year")], store_kw={"lang": "zh"})
    assert years.rows[0].labels == ("2026年",) and years.rows[0].values["count"] == 3


def test_two_dates_each_with_its_own_bucket(filled, tickets):
    """A dimension's bucket is its own: opened by month (in Shanghai) against due by quarter, and one date
    by year against itself by month."""
    shanghai = {"timezone_name": "Asia/Shanghai"}
    res = run(tickets, [Dimension("opened", "month"), Dimension("due", "quarter")], store_kw=shanghai)
    assert [(r.keys, r.labels, r.values["count"]) for r in res.rows] == [
        (("2026-02-01", "2026-01-01"), ("2026-02", "2026 Q1"), 2),
        (("2026-03-01", "2026-04-01"), ("2026-03", "2026 Q2"), 1),
        ((None, None), ("(empty)", "(empty)"), 2)]
    assert [d["key"] for d in res.to_json()["group_by"]] == ["opened:month", "due:quarter"]
    same = table(run(tickets, [Dimension("due", "year"), Dimension("due", "month")], [Metric("sum", "amount")]))
    assert same == {("2026-01-01", "2026-01-01"): {"sum:amount": 10.5}, ("2026-01-01", "2026-02-01"): {"sum:amount": 4.5},
                    ("2026-01-01", "2026-04-01"): {"sum:amount": 5}, (None, None): {"sum:amount": 1}}


def test_daylight_saving_time(tickets):
    # Paris: UTC+1 in winter, UTC+2 from 2026-03-29 01:00Z
    with tickets.store() as st:
        for when in ("2026-03-28T23:30:00Z", "2026-03-29T22:30:00Z", "2026-10-24T22:30:00Z", "2026-10-25T23:30:00Z"):
            st.create("ticket", {"opened": when})
    days = [r.keys[0] for r in run(tickets, [Dimension("opened", "day")], store_kw={"timezone_name": "Europe/Paris"}).rows]
    assert days == ["2026-03-29", "2026-03-30", "2026-10-25", "2026-10-26"]


def test_links_users_checkboxes_and_two_dimensions(filled, tickets):
    res = run(tickets, [Dimension("customer")])
    assert [(r.keys, r.labels, r.values["count"]) for r in res.rows] == [
        ((filled["acme"],), ("Acme",), 2), ((filled["beta"],), ("Beta",), 1), ((None,), ("(empty)",), 2)]
    users = {r.keys[0]: r.labels[0] for r in run(tickets, [Dimension("assignee")]).rows}
    assert users == {filled["ann"]: "Ann", filled["bob"]: "bob@example.com", None: "(empty)"}
    both = table(run(tickets, [Dimension("urgent"), Dimension("status")]))
    assert both == {(False, "open"): {"count": 1}, (False, "doing"): {"count": 1}, (False, None): {"count": 1},
                    (True, "open"): {"count": 1}, (True, "done"): {"count": 1}}
    many = table(run(tickets, [Dimension("tags")]))
    assert many == {(filled["acme"],): {"count": 2}, (filled["beta"],): {"count": 1}, (None,): {"count": 3}}
    created = run(tickets, [Dimension("created_by")])
    assert created.rows[0].labels == ("Owner",) and created.rows[0].values["count"] == 5


def test_filter_order_and_limit(filled, tickets):
    res = run(tickets, [Dimension("status")], filter={"field": "urgent", "op": "is_true"})
    assert table(res) == {("open",): {"count": 1}, ("done",): {"count": 1}}
    top = run(tickets, [Dimension("status")], [Metric("count"), Metric("sum", "score")], order="-sum:score", limit=2)
    assert [r.keys for r in top.rows] == [("doing",), ("done",)] and top.truncated
    assert not run(tickets, [Dimension("status")]).truncated


@pytest.mark.parametrize("dims, metrics, problem", [
    ([Dimension("nope")], [Metric("count")], "no field 'nope'"),
    ([Dimension("title")], [Metric("count")], "Cannot group by text"),
    ([Dimension("status", "month")], [Metric("count")], "not a date"),
    ([Dimension("due", "decade")], [Metric("count")], "Unknown date bucket"),
    ([], [Metric("sum", "title")], "needs a number field"),
    ([], [Metric("median", "score")], "Unknown metric"),
    ([], [Metric("count", "score")], "takes no field"),
    ([Dimension("status"), Dimension("urgent"), Dimension("due")], [Metric("count")], "at most 2"),
])
def test_refusals(tickets, dims, metrics, problem):
    with pytest.raises(AggregationError, match=problem) as exc:
        run(tickets, dims, metrics)
    assert exc.value.status == 400


def reader(owner_id, rows=None, hidden=()):
    spec = {"actions": ["read"], "hidden_fields": list(hidden)}
    if rows:
        spec["rows"] = rows
    return Policy(owner_id, [RoleSpec("reader", False, {"ticket": spec, "customer": {"actions": ["read"]}})])


def test_row_limits_change_the_figures(filled, tickets):
    limited = reader(filled["ann"], rows={"field": "assignee", "op": "eq", "value": "@me"})
    res = table(run(tickets, [Dimension("status")], [Metric("count"), Metric("sum", "amount")],
                    store_kw={"user_id": filled["ann"], "policy": limited}))
    assert res == {("open",): {"count": 1, "sum:amount": 10.5}, ("done",): {"count": 1, "sum:amount": 5}}


def test_hidden_fields_are_refused_as_unknown_ones(filled, tickets):
    policy = reader(filled["ann"], hidden=["secret", "status"])
    kw = {"store_kw": {"user_id": filled["ann"], "policy": policy}}
    for dims, metrics in (([Dimension("status")], [Metric("count")]), ([], [Metric("sum", "secret")])):
        with pytest.raises(AggregationError) as hidden:
            run(tickets, dims, metrics, **kw)
        name = dims[0].field if dims else metrics[0].field
        with pytest.raises(AggregationError) as unknown:
            run(tickets, [Dimension("zz_" + name)] if dims else [], [] if dims else [Metric("sum", "zz_" + name)], **kw)
        assert hidden.value.message == unknown.value.message.replace("zz_", "")
    with pytest.raises(Exception, match="no field 'status'"):  # nor through the filter
        run(tickets, [], filter={"field": "status", "op": "eq", "value": "open"}, **kw)
    assert run(tickets, [Dimension("urgent")], **kw).rows


def test_a_type_the_reader_may_not_read(filled, tickets):
    nothing = Policy(filled["ann"], [RoleSpec("none", False, {"customer": {"actions": ["read"]}})])
    with pytest.raises(Forbidden):
        run(tickets, [Dimension("status")], store_kw={"user_id": filled["ann"], "policy": nothing})


def test_link_titles_the_reader_may_not_read(filled, tickets):
    policy = Policy(filled["ann"], [RoleSpec("r", False, {"ticket": {"actions": ["read"]}})])
    res = run(tickets, [Dimension("customer")], store_kw={"user_id": filled["ann"], "policy": policy})
    assert res.rows[0].labels == (f"#{filled['acme']}",)


def test_trashed_records_are_not_counted(filled, tickets):
    with tickets.store() as st:
        first = st.list("ticket", filter={"field": "status", "op": "eq", "value": "done"}).records[0]
        st.delete("ticket", first.id, first.version)
    assert ("done",) not in table(run(tickets, [Dimension("status")]))


def test_bucket_keys_are_dates(filled, tickets):
    for r in run(tickets, [Dimension("due", "month")]).rows:
        assert r.keys[0] is None or date.fromisoformat(r.keys[0]).day == 1
