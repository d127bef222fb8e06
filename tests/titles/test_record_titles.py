"""Record titles (storage/titles.py): formats, links, choices in both languages, hidden fields,
one query per type for a page, type-ahead search."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from recordbase.access.policy import Policy, RoleSpec
from recordbase.errors import ValidationError
from recordbase.storage.titles import RecordTitles

from core.fixtures import core, owner, sessions  # noqa: F401  (the core helpers: store and metamodel, no app)


@pytest.fixture
def kpis(core):
    core.create_type("kpi", [
        {"name": "name", "label": "Name", "type": "text"},
        {"name": "code", "label": "Code", "type": "text"},
    ])
    core.create_type("item", [
        {"name": "kpi", "label": "KPI", "type": "link", "options": {"target": "kpi"}},
        {"name": "score", "label": "Score", "type": "decimal", "options": {"precision": 2}},
        {"name": "level", "label": "Level", "type": "single_select",
         "options": {"choices": [{"value": "hi", "label": "High", "label_zh": "高"},
                                 {"value": "lo", "label": "Low", "label_zh": "低"}]}},
        {"name": "note", "label": "Note", "type": "text"},
    ], title_format="{kpi} · {score} ({level})")
    k1 = core.create("kpi", {"name": "Response time", "code": "RT"}).id
    k2 = core.create("kpi", {"name": "Uptime", "code": "UP"}).id
    ids = [core.create("item", {"kpi": k1, "score": "98.5", "level": "hi"}).id,
           core.create("item", {"kpi": k2, "score": 7, "level": "lo"}).id,
           core.create("item", {"note": "no kpi"}).id]
    return ids


def count_statements(core):
    seen = []

    def before(conn, cursor, statement, params, context, executemany):
        seen.append(statement)
    return seen, before


def test_format_with_link_number_and_choice_label_in_both_languages(core, kpis):
    with core.store() as st:
        titles = RecordTitles(st).of("item", kpis)
    assert titles[kpis[0]] == "Response time · 98.50 (High)"
    assert titles[kpis[1]] == "Uptime · 7.00 (Low)"
    assert titles[kpis[2]] == "Item #%d" % kpis[2]  # nothing to show: the type's label and id
    with core.store(lang="zh") as st:
        assert RecordTitles(st).of("item", kpis[:1]) == {kpis[0]: "Response time · 98.50 (高)"}


def test_one_query_for_a_page_whatever_its_size(core, kpis):
    for i in range(60):
        core.create("item", {"score": i})
    with core.store() as st:
        every = [r.id for r in st.list("item", limit=200).records]
        seen = []
        engine = st.session.get_bind()

        def count(conn, cursor, statement, params, context, executemany):
            seen.append(statement)
        event.listen(engine, "before_cursor_execute", count)
        try:
            titles = RecordTitles(st).of("item", every)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(titles) == len(every) == 63
    assert len(seen) == 2, seen  # the items, then the linked KPIs' titles


def test_missing_trashed_and_unreadable_records_have_no_title(core, kpis):
    with core.store() as st:
        st.delete("item", kpis[1])
    with core.store() as st:
        titles = RecordTitles(st)
        assert set(titles.of("item", kpis + [999999])) == {kpis[0], kpis[2]}
        assert titles.text("item", 999999) == "#999999"


def _policy(user_id, permissions):
    return Policy(user_id, [RoleSpec(name="r", builtin=False, permissions=permissions)])


def test_hidden_fields_never_appear_in_a_title(core, kpis):
    policy = _policy(core.user_id, {"item": {"actions": ["read"], "hidden_fields": ["score"]},
                                    "kpi": {"actions": ["read"]}})
    with core.store(policy=policy) as st:
        assert RecordTitles(st).of("item", kpis[:1]) == {kpis[0]: "Response time · (High)"}
        assert "98" not in st.title(st.get("item", kpis[0]))
    # the KPI type cannot be read: its records are named by id only
    policy = _policy(core.user_id, {"item": {"actions": ["read"]}})
    with core.store(policy=policy) as st:
        assert RecordTitles(st).of("item", kpis[:1]) == {kpis[0]: f"#{1} · 98.50 (High)"}


def test_row_limits_apply(core, kpis):
    policy = _policy(core.user_id, {"item": {"actions": ["read"],
                                             "rows": {"field": "level", "op": "eq", "value": "hi"}},
                                    "kpi": {"actions": ["read"]}})
    with core.store(policy=policy) as st:
        assert list(RecordTitles(st).of("item", kpis)) == [kpis[0]]
        assert [i for i, _t in RecordTitles(st).search("item", "")] == [kpis[0]]


def test_search_matches_title_text_linked_titles_and_ids(core, kpis):
    with core.store() as st:
        titles = RecordTitles(st)
        assert titles.search("item", "UPTIME") == [(kpis[1], "Uptime · 7.00 (Low)")]
        assert [i for i, _t in titles.search("item", "e")] == kpis[:2]
        assert [i for i, _t in titles.search("item", str(kpis[2]))] == [kpis[2]]
        assert titles.search("item", "50%") == []
        assert [i for i, _t in titles.search("item", "", limit=2)] == kpis[:2]
        assert [i for i, _t in titles.search("item", "", after=kpis[1])] == [kpis[2]]
        assert [i for i, _t in titles.search("item", "", filter={"field": "level", "op": "eq", "value": "lo"})] \
            == [kpis[1]]
        assert titles.search("kpi", "resp") == [(1, "Response time")]


def test_search_is_case_insensitive_beyond_ascii_and_keeps_wildcards_literal(core, kpis):
    names = ["Éclair ÉTÉ", "响应时间 SLA", "100% done", "a_b", "Straße", "ЖУРНАЛ"]
    ids = [core.create("kpi", {"name": n}).id for n in names]
    with core.store() as st:
        titles = RecordTitles(st)

        def found(text):
            return [i for i, _t in titles.search("kpi", text)]
        assert found("éclair été") == [ids[0]] and found("ÉCLAIR") == [ids[0]]  # cased non-ASCII
        assert found("响应") == [ids[1]] and found("时间 sla") == [ids[1]]  # Chinese has no case
        assert found("журнал") == [ids[5]] and found("STRAẞE") == [ids[4]]
        assert found("0%") == [ids[2]] and found("%") == [ids[2]]  # LIKE wildcards are the text itself
        assert found("a_b") == [ids[3]] and found("_") == [ids[3]]
        assert found("\\") == []


def test_title_format_is_checked_and_kept(core, kpis):
    with core.meta() as m:
        with pytest.raises(ValidationError) as e:
            m.update_type("item", {"title_format": "{nope} · {score}"})
        assert "nope" in str(e.value.details["title_format"])
        with pytest.raises(ValidationError):
            m.update_type("item", {"title_format": "no reference"})
        m.update_type("item", {"title_format": "{note} / {kpi}"})
    with core.store() as st:
        assert RecordTitles(st).of("item", kpis[2:]) == {kpis[2]: "no kpi"}
    with core.meta() as m:
        m.update_type("item", {"title_format": None})
    assert core.schema().get("item").title_format is None
